"""Contact follow-up as the medical service uses it: a case, its trace, follow-ups, e-mails."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from cases import services
from cases.models import Case, Exposure, FollowUp
from encounters.models import Encounter
from registration.models import Association
from tests.registration.factories import make_device, make_person
from tests.reveals import name_contacts, name_over_api

pytestmark = pytest.mark.django_db(databases="__all__")

ZONE = ZoneInfo("Europe/Zurich")


@pytest.fixture
def world():
    """Ines (the case, tag 100) met Bob (200) and Cleo (300) long, Dan (400) briefly;
    Bob later met Eve (500): Eve is a second-degree contact of Ines."""
    start = timezone.now() - timedelta(days=12)
    people = [
        ("710243", "Ines", "Adams", 100, "Radiology"),
        ("2", "Bob", "Brown", 200, "Workshop"),
        ("3", "Cleo", "Clark", 300, "Library"),
        ("4", "Dan", "Dunn", 400, "Library"),
        ("5", "Eve", "Evans", 500, "Canteen"),
    ]
    for person_id, given, family, tag, department in people:
        make_person(
            person_id, given, family, email=f"p{person_id}@example.org", department=department
        )
        make_device(f"P-{tag}", tag_id=tag)
        Association.objects.create(
            person_id=person_id, device_id=f"P-{tag}", started_at=start, started_by="t"
        )
    met = timezone.now().replace(microsecond=0) - timedelta(days=2)
    Encounter.objects.create(my_tag=100, ref_tag=200, started_at=met, slots=40)  # 20 min
    Encounter.objects.create(my_tag=300, ref_tag=100, started_at=met + timedelta(hours=1), slots=60)
    Encounter.objects.create(my_tag=100, ref_tag=400, started_at=met, slots=4)  # 2 min
    Encounter.objects.create(my_tag=200, ref_tag=500, started_at=met + timedelta(hours=3), slots=40)
    return met


def open_case(client, person_id="710243", **extra):
    body = {"person_id": person_id, "positive_test": timezone.localdate().isoformat(), **extra}
    response = client.post(reverse("cases"), body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def trace(client, case_id, reason="positive PCR"):
    """Trace the case and name its close contacts (a second medic approves)."""
    response = client.post(
        reverse("case-trace", args=[case_id]), {"reason": reason}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["follow_ups"] == [] and not any(c["named"] for c in run["contacts"])
    named = name_over_api(client, run["id"])
    return {**named["result"], "case_id": run["case_id"], "follow_ups": named["follow_ups"]}


def test_a_case_is_opened_with_its_own_reference_and_audited(client, medic, world):
    client.force_login(medic)
    case = open_case(client, notes="Called on Monday")
    assert case["reference"] == f"C-{timezone.localdate().year}-0001"
    assert case["name"] == "Ines Adams" and case["status"] == "open"
    entry = AuditEntry.objects.get(action="case_opened")
    assert entry.target_person_id == "710243" and entry.case_reference == case["reference"]
    again = client.post(reverse("cases"), {"person_id": "710243"}, content_type="application/json")
    assert again.status_code == 409 and case["reference"] in again.json()["detail"]
    found = client.get(reverse("cases"), {"q": "adams"}).json()
    assert [c["reference"] for c in found] == [case["reference"]]
    assert client.get(reverse("cases"), {"status": "closed"}).json() == []


def test_each_close_contact_of_the_trace_becomes_a_follow_up_with_its_end_date(
    client, medic, world, settings
):
    client.force_login(medic)
    case = open_case(client)
    result = trace(client, case["id"])
    assert result["case_id"] == case["id"] and result["case_reference"] == case["reference"]
    by_person = {f["person_id"]: f for f in result["follow_ups"]}
    assert set(by_person) == {"2", "3"}  # Dan's 2 minutes are not a close contact
    cleo = by_person["3"]
    ended = world + timedelta(hours=1, minutes=30)
    expected = ended.astimezone(ZONE).date() + timedelta(days=settings.CONTACT_FOLLOW_UP_DAYS)
    assert cleo["end_date"] == expected.isoformat()
    assert cleo["status"] == "to_contact" and cleo["assigned_to"] == medic.username
    assert "until the end of" in cleo["end_explained"]
    worklist = client.get(reverse("follow-ups")).json()
    assert {f["person_id"] for f in worklist} == {"2", "3"}
    detail = client.get(reverse("case-detail", args=[case["id"]])).json()
    assert len(detail["traces"]) == 1 and detail["traces"][0]["close_contacts"] == 2
    assert detail["follow_ups"] == 2


def test_a_contact_re_exposed_in_a_later_trace_has_its_end_moved_and_the_change_shown(
    client, medic, world
):
    client.force_login(medic)
    case = open_case(client)
    first = {f["person_id"]: f for f in trace(client, case["id"])["follow_ups"]}["2"]
    Encounter.objects.create(
        my_tag=200, ref_tag=100, started_at=world + timedelta(days=1), slots=40
    )
    second = {f["person_id"]: f for f in trace(client, case["id"])["follow_ups"]}["2"]
    assert second["id"] == first["id"]
    assert date.fromisoformat(second["end_date"]) == date.fromisoformat(
        first["end_date"]
    ) + timedelta(days=1)
    events = client.get(reverse("follow-up", args=[first["id"]])).json()["events"]
    moved = [e for e in events if e["kind"] == "re_exposed"]
    assert len(moved) == 1
    assert (moved[0]["old_end_date"], moved[0]["new_end_date"]) == (
        first["end_date"],
        second["end_date"],
    )


def test_the_notification_says_what_to_do_and_until_when_never_who_or_where(client, medic, world):
    client.force_login(medic)
    case = open_case(client)
    follow_ups = trace(client, case["id"])["follow_ups"]
    ids = [f["id"] for f in follow_ups]
    previews = client.post(
        reverse("notify-preview"), {"ids": ids}, content_type="application/json"
    ).json()
    assert len(previews) == 2 and not mail.outbox  # a preview sends nothing
    sent = client.post(reverse("notify-send"), {"ids": ids}, content_type="application/json")
    assert [o["done"] for o in sent.json()] == [True, True]
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in ("Ines", "Adams", "Radiology", "P-100", "710243", case["reference"]):
            assert secret not in text, secret
        assert "until the end of" in text
    statuses = {f["status"] for f in client.get(reverse("follow-ups")).json()}
    assert statuses == {"notified"}
    notified = AuditEntry.objects.filter(action="contact_notified")
    assert sorted(notified.values_list("target_person_id", flat=True)) == ["2", "3"]
    assert all(e.case_reference == case["reference"] for e in notified)


def test_a_failed_sending_is_visible_and_the_contact_stays_to_contact(
    client, medic, world, settings
):
    settings.EMAIL_BACKEND = "tests.cases.failing_mail.Backend"
    client.force_login(medic)
    case = open_case(client)
    follow_up = trace(client, case["id"])["follow_ups"][0]
    outcome = client.post(
        reverse("notify-send"), {"ids": [follow_up["id"]]}, content_type="application/json"
    ).json()
    assert outcome[0]["done"] is False and "refused" in outcome[0]["error"]
    detail = client.get(reverse("follow-up", args=[follow_up["id"]])).json()
    assert detail["status"] == "to_contact" and detail["notify_failed"] is True
    assert detail["notifications"][0]["sent"] is False


def test_the_person_sees_the_notice_in_my_data(client, medic, world):
    client.force_login(medic)
    case = open_case(client)
    bob = {f["person_id"]: f for f in trace(client, case["id"])["follow_ups"]}["2"]
    client.post(reverse("notify-send"), {"ids": [bob["id"]]}, content_type="application/json")
    from tests.personas import make_persona

    client.force_login(make_persona("wearer", person_id="2"))
    mine = client.get(reverse("my-data")).json()
    assert [n["until"] for n in mine["notifications"]] == [bob["end_date"]]
    assert "Ines" not in str(mine) and "P-100" not in str(mine)


def test_a_change_made_on_a_stale_screen_is_refused(client, medic, second_medic, world):
    client.force_login(medic)
    case = open_case(client)
    follow_up = trace(client, case["id"])["follow_ups"][0]
    url = reverse("follow-up-status", args=[follow_up["id"]])
    body = {"status": "in_quarantine", "version": follow_up["version"]}
    assert client.post(url, body, content_type="application/json").status_code == 200
    client.force_login(second_medic)
    stale = client.post(url, {**body, "status": "lost"}, content_type="application/json")
    assert stale.status_code == 409 and medic.username in stale.json()["detail"]
    assert FollowUp.objects.get(pk=follow_up["id"]).status == "in_quarantine"


def test_bulk_status_change_reports_each_follow_up(client, medic, world):
    client.force_login(medic)
    case = open_case(client)
    follow_ups = trace(client, case["id"])["follow_ups"]
    items = [{"id": f["id"], "version": f["version"]} for f in follow_ups]
    items[1]["version"] += 5
    outcome = client.post(
        reverse("follow-ups-status"),
        {"items": items, "status": "lost", "note": "no answer in 3 days"},
        content_type="application/json",
    ).json()
    assert [o["done"] for o in outcome] == [True, False]
    lost = FollowUp.objects.get(pk=items[0]["id"])
    assert lost.status == "lost" and lost.close_reason == "no answer in 3 days"


def test_a_contact_who_becomes_a_case_keeps_the_link_and_the_chain_shows_two_levels(
    client, medic, world
):
    client.force_login(medic)
    case = open_case(client)
    bob = {f["person_id"]: f for f in trace(client, case["id"])["follow_ups"]}["2"]
    second = trace_contact_named(client, bob)
    assert [f["person_id"] for f in second["follow_ups"]] == ["5"]
    assert second["follow_ups"][0]["degree"] == 2
    changed = client.post(
        reverse("follow-up-status", args=[bob["id"]]),
        {"status": "became_case", "version": bob["version"]},
        content_type="application/json",
    )
    assert changed.status_code == 200
    bobs_case = Case.objects.get(person_id="2")
    assert bobs_case.source_follow_up_id == bob["id"]
    chain = client.get(reverse("case-chain", args=[case["id"]])).json()
    kinds = {(n["kind"], n["person_id"], n.get("level")) for n in chain["nodes"]}
    assert ("case", "710243", None) in kinds and ("case", "2", None) in kinds
    assert ("follow_up", "2", 1) in kinds and ("follow_up", "5", 2) in kinds
    edges = {(e["from"], e["to"]) for e in chain["edges"]}
    assert (f"follow-up-{bob['id']}", f"case-{bobs_case.pk}") in edges
    times = [n["at"] for n in chain["nodes"]]
    assert times == sorted(times, key=datetime.fromisoformat)


def test_follow_ups_past_their_end_close_themselves_with_the_reason(medic, world):
    case = services.case_open(
        person_id="710243", positive_test=timezone.localdate(), acting_user=medic
    )
    touched = traced_and_named(case, medic)
    end = max(f.end_date for f in touched)
    assert services.followups_close_expired(today=end) == 0  # the last day still counts
    assert services.followups_close_expired(today=end + timedelta(days=1)) == 2
    closed = FollowUp.objects.get(person_id="3")
    assert closed.status == "released" and str(end.year) in closed.close_reason
    assert closed.events.last().kind == "auto_closed"


def test_the_supervisor_figures_hide_small_counts(client, medic, world, settings):
    settings.STATS_MIN_COUNT = 2
    client.force_login(medic)
    case = open_case(client)
    trace(client, case["id"])
    figures = client.get(reverse("follow-up-figures")).json()
    assert figures["open_cases"] == "< 2"
    assert figures["follow_ups_by_status"]["to_contact"] == 2
    assert figures["notified_within_24h_percent"] is None  # none is 24 h old yet


def test_the_worklist_csv_has_the_screens_rows_in_its_order(client, medic, world):
    client.force_login(medic)
    case = open_case(client)
    trace(client, case["id"])
    screen = client.get(reverse("follow-ups")).json()
    lines = client.get(reverse("follow-ups-export")).content.decode().splitlines()
    assert lines[0].startswith("case_reference,person_id,name")
    assert [line.split(",")[1] for line in lines[1:]] == [f["person_id"] for f in screen]


def test_the_purge_deletes_cases_closed_long_ago_but_waits_for_open_follow_ups(
    medic, world, settings
):
    from retention.services import purge_expired

    case = services.case_open(
        person_id="710243", positive_test=timezone.localdate(), acting_user=medic
    )
    traced_and_named(case, medic)
    services.case_update(case=case, acting_user=medic, status=Case.Status.CLOSED)
    later = timezone.now() + timedelta(days=settings.CASE_RETENTION_DAYS + 1)
    assert purge_expired(now=later)["cases"] == 0  # two follow-ups are still open
    for follow_up in FollowUp.objects.all():
        services.followup_set_status(
            follow_up_id=follow_up.pk, status="released", version=None, acting_user=medic
        )
    assert purge_expired(now=timezone.now())["cases"] == 0  # closed only just now
    assert purge_expired(now=later)["cases"] > 0
    assert not Case.objects.exists() and not FollowUp.objects.exists()
    assert AuditEntry.objects.filter(action="case_opened").exists()  # the trail stays


def test_a_wrong_date_of_a_case_can_be_cleared(client, medic, world):
    client.force_login(medic)
    case = open_case(client, symptom_onset=timezone.localdate().isoformat())
    url = reverse("case-detail", args=[case["id"]])
    cleared = client.patch(url, {"symptom_onset": None}, content_type="application/json")
    assert cleared.status_code == 200
    assert cleared.json()["symptom_onset"] is None
    assert cleared.json()["positive_test"] == case["positive_test"]  # not given: unchanged


def _bob(client, case):
    return {f["person_id"]: f for f in trace(client, case["id"])["follow_ups"]}["2"]


def traced_and_named(case, medic):
    """Trace through the service, and name the close contacts: the follow-ups touched."""
    trace, _link = services.case_trace(case=case, reason="r", acting_user=medic)
    return name_contacts(trace, medic)[1]


def trace_contact(client, follow_up):
    """Trace a contact in turn (second degree): the answer."""
    return client.post(
        reverse("follow-up-trace", args=[follow_up["id"]]),
        {"reason": "r"},
        content_type="application/json",
    )


def trace_contact_named(client, follow_up):
    """Trace a contact in turn and name their close contacts: the result and follow-ups."""
    response = trace_contact(client, follow_up)
    assert response.status_code == 201, response.content
    named = name_over_api(client, response.json()["id"])
    return {**named["result"], "follow_ups": named["follow_ups"]}


def test_a_contact_of_a_contact_is_not_told_a_positive_person_met_them(client, medic, world):
    client.force_login(medic)
    case = open_case(client)
    bob = _bob(client, case)
    eve = trace_contact_named(client, bob)["follow_ups"][0]
    client.post(
        reverse("notify-send"), {"ids": [bob["id"], eve["id"]]}, content_type="application/json"
    )
    to_eve = next(m for m in mail.outbox if m.to == ["p5@example.org"])
    to_bob = next(m for m in mail.outbox if m.to == ["p2@example.org"])
    assert "tested positive for the disease was in close contact with you" in to_bob.body
    assert "tested positive for the disease was in close contact with you" not in to_eve.body
    assert "may have been infected" in to_eve.body and "may have been exposed" in to_eve.subject


def test_a_second_degree_trace_starts_on_the_day_of_the_first_contact(client, medic, world):
    """Bob met Ines two days ago and again today; he met Eve in between: Eve is found."""
    Encounter.objects.create(
        my_tag=100, ref_tag=200, started_at=timezone.now() - timedelta(hours=2), slots=40
    )
    client.force_login(medic)
    case = open_case(client)
    bob = _bob(client, case)
    second = trace_contact_named(client, bob)
    assert [f["person_id"] for f in second["follow_ups"]] == ["5"]
    assert second["window"]["from"].startswith((world.astimezone(ZONE)).date().isoformat())


def test_the_chain_stops_at_the_second_degree(client, medic, world):
    client.force_login(medic)
    case = open_case(client)
    bob = _bob(client, case)
    eve = trace_contact_named(client, bob)["follow_ups"][0]
    third = trace_contact(client, eve)
    assert third.status_code == 400 and "2 levels deep" in third.json()["detail"]


def test_tracing_a_case_again_does_not_reopen_a_closed_follow_up(client, medic, world):
    client.force_login(medic)
    case = open_case(client)
    bob = _bob(client, case)
    client.post(
        reverse("follow-up-status", args=[bob["id"]]),
        {"status": "released", "version": bob["version"]},
        content_type="application/json",
    )
    again = trace(client, case["id"])["follow_ups"]
    assert {f["person_id"]: f["status"] for f in again}["2"] == "released"
    assert FollowUp.objects.filter(person_id="2").count() == 1


def test_a_contact_opened_as_a_case_elsewhere_closes_as_became_a_case(client, medic, world):
    client.force_login(medic)
    case = open_case(client)
    bob = _bob(client, case)
    bobs_case = open_case(client, person_id="2")
    follow_up = FollowUp.objects.get(pk=bob["id"])
    assert follow_up.status == "became_case"
    assert Case.objects.get(pk=bobs_case["id"]).source_follow_up_id == bob["id"]


def test_exporting_the_worklist_is_audited_with_everyone_in_it(client, medic, world):
    client.force_login(medic)
    trace(client, open_case(client)["id"])
    client.get(reverse("follow-ups-export"))
    entry = AuditEntry.objects.get(action="follow_ups_exported")
    assert entry.details["disclosed"] == ["2", "3"] and entry.details["follow_ups"] == 2


def test_an_odd_free_text_reference_does_not_stop_the_numbering(medic, world):
    year = timezone.localdate().year
    services.case_open(person_id="3", reference=f"C-{year}-²", acting_user=medic)
    case = services.case_open(person_id="710243", acting_user=medic)
    assert case.reference == f"C-{year}-0001"


def test_the_purge_keeps_a_follow_up_found_again_for_a_case_that_stays(medic, world, settings):
    ines = services.case_open(
        person_id="710243", positive_test=timezone.localdate(), acting_user=medic
    )
    traced_and_named(ines, medic)
    bob = FollowUp.objects.get(person_id="2")
    eve_case = services.case_open(
        person_id="5", positive_test=timezone.localdate(), acting_user=medic
    )
    traced_and_named(eve_case, medic)  # Eve met Bob: re-exposed
    for follow_up in FollowUp.objects.filter(case=ines):
        services.followup_set_status(
            follow_up_id=follow_up.pk, status="released", version=None, acting_user=medic
        )
    services.case_update(case=ines, acting_user=medic, status=Case.Status.CLOSED)
    later = timezone.now() + timedelta(days=settings.CASE_RETENTION_DAYS + 1)
    services.cases_purge(now=later)
    assert Case.objects.filter(pk=ines.pk).exists()  # Bob's follow-up is Eve's case's too
    assert Exposure.objects.filter(follow_up=bob, case_trace__case=eve_case).exists()


def test_a_contact_told_by_phone_counts_as_notified_in_time(medic, world, settings):
    settings.STATS_MIN_COUNT = 1
    case = services.case_open(
        person_id="710243", positive_test=timezone.localdate(), acting_user=medic
    )
    touched = traced_and_named(case, medic)
    for follow_up in touched:
        services.followup_set_status(
            follow_up_id=follow_up.pk, status="in_quarantine", version=None, acting_user=medic
        )
    from cases import selectors

    figures = selectors.figures(now=timezone.now() + timedelta(days=1))
    assert figures["notified_within_24h_of"] == 2
    assert figures["notified_within_24h_percent"] == 100


def test_a_contact_found_only_after_the_end_is_recorded_closed_and_never_e_mailed(
    medic, world, settings
):
    settings.CONTACT_FOLLOW_UP_DAYS = 1  # the contact two days ago ended yesterday
    case = services.case_open(
        person_id="710243", positive_test=timezone.localdate(), acting_user=medic
    )
    touched = traced_and_named(case, medic)
    assert {f.status for f in touched} == {"released"}
    assert all("before this trace found the contact" in f.close_reason for f in touched)
    assert not FollowUp.objects.filter(status__in=FollowUp.OPEN).exists()


def test_an_end_moved_after_the_e_mail_asks_to_tell_the_contact_again(client, medic, world):
    client.force_login(medic)
    case = open_case(client)
    bob = _bob(client, case)
    client.post(reverse("notify-send"), {"ids": [bob["id"]]}, content_type="application/json")
    told = client.get(reverse("follow-up", args=[bob["id"]])).json()
    assert (told["told_until"], told["tell_again"]) == (bob["end_date"], False)
    Encounter.objects.create(
        my_tag=200, ref_tag=100, started_at=world + timedelta(days=1), slots=40
    )
    moved = _bob(client, case)
    detail = client.get(reverse("follow-up", args=[bob["id"]])).json()
    assert detail["end_date"] == moved["end_date"] != bob["end_date"]
    assert (detail["told_until"], detail["tell_again"]) == (bob["end_date"], True)
