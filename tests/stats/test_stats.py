"""Statistics that identify no one, transparency numbers, the purge log, clean metric labels."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from prometheus_client.parser import text_string_to_metric_families

from core import dates
from core.roles import Role
from encounters.models import Encounter
from registration.models import Association
from retention.models import PurgeRecord
from retention.services import purge_expired
from tests.personas import persona_for
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")


def encounters_on(day_offset: int, tags: list[int], *, slots: int = 2):
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(
        days=day_offset
    )
    for n, tag in enumerate(tags):
        Encounter.objects.create(
            my_tag=tag, ref_tag=9_999, started_at=start + timedelta(minutes=n), slots=slots
        )


def test_small_counts_are_shown_as_below_the_threshold(client, medic):
    encounters_on(1, [1, 2, 3])  # 3 active proximeters: could point at people
    encounters_on(2, [1, 2, 3, 4, 5, 6], slots=40)  # 6: fine, and all of close-contact length
    client.force_login(medic)
    days = {d["date"]: d for d in client.get(reverse("stats-daily")).json()["days"]}
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    before = (timezone.localdate() - timedelta(days=2)).isoformat()
    assert days[yesterday]["active_proximeters"] == "< 5" and days[yesterday]["encounters"] == "< 5"
    assert (
        days[before]["active_proximeters"] == 6
        and days[before]["close_contact_length_encounters"] == 6
    )
    assert timezone.localdate().isoformat() not in days  # today is not over: not shown
    assert len(days) == 13  # the whole days the 14-day retention holds


def test_a_hand_out_of_today_is_not_shown_before_the_day_is_over(client, desk):
    make_person("1"), make_device("P-1")
    for n in range(7):
        make_person(f"p{n}")
        Association.objects.create(
            person_id=f"p{n}",
            device_id=f"X-{n}",
            started_at=timezone.now() - timedelta(days=20),
            started_by="t",
        )
    # Today, whatever the hour the suite runs at (an hour ago is yesterday just after midnight).
    since_midnight = timezone.localtime() - timezone.localtime().replace(hour=0, minute=0)
    Association.objects.create(
        person_id="1",
        device_id="P-1",
        started_at=timezone.now() - min(timedelta(hours=1), since_midnight / 2),
        started_by="t",
    )
    client.force_login(desk)
    days = client.get(reverse("stats-daily")).json()["days"]
    assert days[-1]["date"] == (timezone.localdate() - timedelta(days=1)).isoformat()
    assert all(d["devices_handed_out"] == 0 for d in days)
    # No running total either: with rounded totals a day's small count came back over releases.
    assert "devices_handed_out_total" not in days[-1]


def test_the_transparency_count_of_devices_shows_no_single_hand_out(client, person):
    long_ago = timezone.now() - timedelta(days=20)
    for n in range(7):
        make_person(f"p{n}")
        Association.objects.create(
            person_id=f"p{n}", device_id=f"X-{n}", started_at=long_ago, started_by="t"
        )
    client.force_login(person)

    def shown():
        return client.get(reverse("transparency")).json()["devices_in_service"]

    assert shown() == 5  # 7 held, in steps of 5
    make_person("new")
    Association.objects.create(  # handed out a minute ago: not seen before tomorrow
        person_id="new", device_id="X-new", started_at=timezone.now(), started_by="t"
    )
    assert shown() == 5
    yesterday_evening = timezone.now() - timedelta(days=1)
    for n in range(3):  # three more held since yesterday: 10 at the start of today
        make_person(f"q{n}")
        Association.objects.create(
            person_id=f"q{n}", device_id=f"Y-{n}", started_at=yesterday_evening, started_by="t"
        )
    assert shown() == 10


def test_the_statistics_download_as_csv(client, privacy_officer):
    encounters_on(1, [1, 2, 3, 4, 5, 6])
    client.force_login(privacy_officer)
    response = client.get(reverse("stats-daily-csv"))
    lines = response.content.decode().splitlines()
    assert lines[0].startswith(f"date ({settings.TIME_ZONE}),active_proximeters,encounters")
    assert len(lines) == 14  # the header and the 13 closed days
    yesterday = timezone.localdate() - timedelta(days=1)
    assert lines[-1].startswith(f"{yesterday.day} {yesterday:%b %Y},")  # as the page: 4 Dec 2026


@pytest.mark.parametrize("role", [None, Role.ASSETS])
def test_statistics_are_for_the_medical_privacy_and_registration_roles(client, role):
    client.force_login(persona_for(role))
    assert client.get(reverse("stats-daily")).status_code == 403
    assert client.get(reverse("purge-log")).status_code == 403
    assert client.get(reverse("transparency")).status_code == 200  # everyone's


def test_each_purge_is_recorded_and_an_overdue_purge_is_flagged(client, privacy_officer):
    client.force_login(privacy_officer)
    # Never ran, on a fresh install: not due yet (tests/retention/test_purge_overdue.py).
    assert client.get(reverse("purge-log")).json()["overdue"] is False
    Encounter.objects.create(
        my_tag=1, ref_tag=2, started_at=timezone.now() - timedelta(days=20), slots=1
    )
    Encounter.objects.create(
        my_tag=1, ref_tag=2, started_at=timezone.now() - timedelta(days=2), slots=1
    )
    purge_expired()
    log = client.get(reverse("purge-log")).json()
    assert log["overdue"] is False
    assert log["records"][0]["removed"]["encounters"] == 1
    assert log["records"][0]["oldest_remaining"] is not None
    PurgeRecord.objects.update(at=timezone.now() - timedelta(hours=37))
    assert client.get(reverse("purge-log")).json()["overdue"] is True
    transparency = client.get(reverse("transparency")).json()
    assert (
        transparency["purges_last_30_days"] == 1 and transparency["rows_removed_last_30_days"] >= 1
    )


def test_no_metric_label_carries_a_person_device_tag_or_dev_eui(client, medic):
    """Scrape /metrics after uplinks, dead letters and a trace, and look at every label value."""
    from encounters.payload import EncounterRecord, encode
    from ingestion.models import InboxUplink
    from ingestion.services import active_token_hashes, inbox_process, ingest_token_create
    from simulation import bodies

    (
        make_person("810001", "Alice", "Adams"),
        make_device("P-77", tag_id=4_000_000_123, dev_eui="70B3D57E000ABCDE"),
    )
    Association.objects.create(
        person_id="810001",
        device_id="P-77",
        started_at=timezone.now() - timedelta(days=3),
        started_by="t",
    )
    token = ingest_token_create(name="metrics")
    active_token_hashes.forget()
    start = int((timezone.now() - timedelta(hours=1)).timestamp())
    for payload in (
        encode(4_000_000_123, [EncounterRecord(4_000_000_999, start, 40)]),
        b"\x01\x02",
    ):
        body = bodies.tts_uplink(
            dev_eui="70B3D57E000ABCDE",
            device_id="prox-77",
            payload=payload,
            f_cnt=1,
            received_at=timezone.now(),
        )
        client.post(
            "/api/ingest/tts",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    inbox_process(inbox_ids=list(InboxUplink.objects.values_list("pk", flat=True)))
    client.force_login(medic)
    client.post(
        reverse("traces"),
        {
            "person_id": "810001",
            "positive_test": timezone.now().isoformat(),
            "case_reference": "C-1",
            "reason": "r",
        },
        content_type="application/json",
    )
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    labels = {
        value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        for value in sample.labels.values()
    }
    assert any(name.startswith("proximeter_ingest") for name in text.split())
    forbidden = {
        "810001",
        "Alice",
        "P-77",
        "4000000123",
        "4000000999",
        "70B3D57E000ABCDE",
        "prox-77",
        "C-1",
    }
    assert not labels & forbidden
    assert not any(f in value for value in labels for f in forbidden)


def test_the_statistics_csv_reads_in_french_for_a_french_reader(client, privacy_officer):
    encounters_on(1, [1, 2, 3, 4, 5, 6])
    client.force_login(privacy_officer)
    lines = (
        client.get(reverse("stats-daily-csv"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    ).splitlines()
    assert lines[0].startswith(
        f"date ({settings.TIME_ZONE}),appareils actifs,rencontres,"
        "rencontres de la durée d’un contact étroit,"
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    with translation.override("fr"):
        assert lines[-1].startswith(f'"{dates.format_date(yesterday)}",') or lines[
            -1
        ].startswith(f"{dates.format_date(yesterday)},")
