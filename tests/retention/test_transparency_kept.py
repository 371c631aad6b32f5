"""TRANSPARENCY, "What is kept, and for how long": every copy the portal keeps, its limit, the
age of its oldest item now, within the limit or overdue, and what the last purge removed."""

import os
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record
from cases.models import Case, FollowUp
from core.databases import ENCOUNTERS
from encounters.models import Encounter
from encounters.services import oldest_encounter_start
from ingestion.models import DeadLetter, InboxUplink
from retention.models import PurgeRecord
from retention.selectors import KINDS
from retention.services import purge_expired
from tests import personas
from tests.zones.test_purge import store_days_ago
from tracing.models import Trace

pytestmark = pytest.mark.django_db(databases="__all__")

PURGED_KINDS = {
    "encounters",
    "inbox_waiting",
    "inbox_processed",
    "dead_letters",
    "spool_files",
    "trace_results",
    "cases",
    "zone_coordinates",
    "zone_archive",
}


@pytest.fixture(autouse=True)
def spool_folder(settings, tmp_path):
    settings.INGEST_SPOOL_DIR = str(tmp_path / "spool")
    (tmp_path / "spool").mkdir()
    return tmp_path / "spool"


def kept(client) -> dict:
    answer = client.get(reverse("transparency"))
    assert answer.status_code == 200, answer.content
    return {row["kind"]: row for row in answer.json()["kept"]["kinds"]}


def spool_file(folder, name: str, *, age: timedelta) -> None:
    path = folder / name
    path.write_text("{}")
    moment = (timezone.now() - age).timestamp()
    os.utime(path, (moment, moment))


def trace_at(when, medic) -> Trace:
    entry = audit_record(
        acting_user=medic, action=AuditEntry.Action.TRACE, target_person_id="810001", reason="r"
    )
    return Trace.objects.create(
        author=medic.username,
        created_at=when,
        person_id="810001",
        case_reference="C-1",
        contacts=0,
        close_contacts=0,
        result=b"encrypted",
        audit_entry=entry,
    )


def age_every_kind(*, now, medic, spool_folder) -> None:
    """One item of each kind past its limit (and its tolerance), one within it."""
    for days in (20, 1):
        Encounter.objects.create(
            my_tag=1, ref_tag=2, started_at=now - timedelta(days=days), slots=3
        )
    InboxUplink.objects.create(
        integration="tts", delivery_key="stuck", accepted_at=now - timedelta(days=20)
    )
    for key, age in (("old", timedelta(days=3)), ("new", timedelta(hours=1))):
        InboxUplink.objects.create(
            integration="tts", delivery_key=key, accepted_at=now - age, status="processed"
        )
    for hours in (24 * 5, 2):
        DeadLetter.objects.create(
            integration="tts",
            delivery_key=f"d{hours}",
            payload=b"",
            reason="unknown_device",
            detail="d",
            created_at=now - timedelta(hours=hours),
        )
    spool_file(spool_folder, "0001-1-aa.uplink.json", age=timedelta(days=20))
    spool_file(spool_folder, "0002-1-bb.uplink.unreadable", age=timedelta(days=30))
    spool_file(spool_folder, ".0003-1-cc.tmp", age=timedelta(days=16))
    spool_file(spool_folder, "0004-1-dd.uplink.json", age=timedelta(hours=3))
    spool_file(spool_folder, "token-hashes.json", age=timedelta(days=60))  # no one's data
    trace_at(now - timedelta(days=20), medic)
    trace_at(now - timedelta(days=2), medic)
    for n, closed_days in enumerate((40, 3)):
        Case.objects.create(
            reference=f"C-{n}",
            person_id=f"9{n}",
            status=Case.Status.CLOSED,
            created_at=now - timedelta(days=closed_days + 5),
            created_by="medic",
            closed_at=now - timedelta(days=closed_days),
        )
    store_days_ago(20, 2, now=now)


def test_every_kind_past_its_limit_shows_overdue_then_the_purge_brings_it_within(
    client, medic, person, spool_folder
):
    now = timezone.now()
    age_every_kind(now=now, medic=medic, spool_folder=spool_folder)
    client.force_login(person)  # anyone signed in

    before = kept(client)
    assert list(before) == [kind.key for kind in KINDS]
    for kind in PURGED_KINDS:
        assert before[kind]["status"] == "overdue", (kind, before[kind])
        assert before[kind]["removed_by_last_purge"] is None  # no purge yet
    assert before["encounters"]["oldest_age_hours"] == 20 * 24
    assert before["spool_files"]["oldest_age_hours"] == 30 * 24  # the unreadable one
    assert before["cases"]["oldest_age_hours"] == 40 * 24
    assert before["audit_trail"]["status"] == "no_limit"
    assert before["audit_trail"]["limit_hours"] is None
    assert before["export_files"]["status"] == before["log_files"]["status"] == "not_written"

    purge_expired()

    after = kept(client)
    for kind in PURGED_KINDS - {"inbox_waiting"}:
        row = after[kind]
        assert row["status"] == "within_limit", (kind, row)
        assert row["oldest_age_hours"] <= row["limit_hours"]
    assert after["encounters"]["oldest_age_hours"] == 24
    assert after["inbox_waiting"]["status"] == "none_kept"  # the only one waited too long
    removed = {kind: after[kind]["removed_by_last_purge"] for kind in PURGED_KINDS}
    assert removed == {
        "encounters": 1,
        "inbox_waiting": 1,
        "inbox_processed": 1,
        "dead_letters": 1,
        "spool_files": 3,
        # One row is one person's trace or case: the small-count rule.
        "trace_results": "< 5",
        "cases": "< 5",
        "zone_coordinates": 1,
        "zone_archive": 1,
    }
    assert sorted(p.name for p in spool_folder.iterdir()) == [
        "0004-1-dd.uplink.json",
        "token-hashes.json",
    ]
    answer = client.get(reverse("transparency")).json()["kept"]
    assert answer["last_purge_at"] is not None
    assert answer["tolerance_hours"] == 25  # daily at 03:15 local, 25 hours across a clock change


def test_a_kind_with_nothing_left_says_none_kept_and_the_purge_record_keeps_each_kinds_oldest(
    client, person
):
    now = timezone.now()
    DeadLetter.objects.create(
        integration="tts",
        delivery_key="d",
        payload=b"",
        reason="r",
        detail="d",
        created_at=now - timedelta(days=9),
    )
    Encounter.objects.create(my_tag=1, ref_tag=2, started_at=now - timedelta(days=3), slots=1)
    purge_expired(now=now)
    client.force_login(person)
    rows = kept(client)
    assert rows["dead_letters"]["status"] == "none_kept"
    assert rows["dead_letters"]["oldest_age_hours"] is None
    assert rows["dead_letters"]["removed_by_last_purge"] == 1
    record = PurgeRecord.objects.get()
    assert record.finished_at >= record.at
    assert record.oldest_kept["dead_letters"] is None
    assert record.oldest_kept["encounters"] == (now - timedelta(days=3)).isoformat()
    assert set(record.removed) >= PURGED_KINDS


def test_a_closed_case_kept_for_its_open_follow_up_is_not_called_overdue(client, person):
    now = timezone.now()
    case = Case.objects.create(
        reference="C-held",
        person_id="91",
        status=Case.Status.CLOSED,
        created_at=now - timedelta(days=50),
        created_by="medic",
        closed_at=now - timedelta(days=40),
    )
    FollowUp.objects.create(
        person_id="92",
        case=case,
        last_exposure=now - timedelta(days=2),
        end_date=(now + timedelta(days=8)).date(),
        assigned_to="medic",
        created_at=now - timedelta(days=2),
        changed_at=now - timedelta(days=2),
        changed_by="medic",
    )
    client.force_login(person)
    assert kept(client)["cases"]["status"] == "none_kept"  # kept on purpose, not forgotten
    assert purge_expired(now=now)["cases"] == 0
    FollowUp.objects.update(status=FollowUp.Status.RELEASED, closed_at=now)
    assert kept(client)["cases"]["status"] == "overdue"  # now the purge owes it
    assert purge_expired(now=now)["cases"] > 0
    assert kept(client)["cases"]["status"] == "none_kept"


def test_the_page_shows_ages_and_counts_only_never_a_moment_a_tag_or_a_device(
    client, medic, person, spool_folder
):
    now = timezone.now()
    age_every_kind(now=now, medic=medic, spool_folder=spool_folder)
    purge_expired()
    client.force_login(person)
    answer = client.get(reverse("transparency"))
    text = answer.content.decode()
    for forbidden in ("810001", "C-1", "stuck", "unknown_device", "spool/", "0004-1-dd"):
        assert forbidden not in text
    section = answer.json()["kept"]
    for row in section["kinds"]:
        assert set(row) == {
            "kind",
            "label",
            "description",
            "setting",
            "limit_hours",
            "measured_from",
            "oldest_age_hours",
            "status",
            "this_host_only",
            "removed_by_last_purge",
        }
        assert row["oldest_age_hours"] is None or isinstance(row["oldest_age_hours"], int)


@pytest.mark.skipif(
    "postgres" not in os.environ.get("ENCOUNTERS_DATABASE_URL", "postgres"), reason="PostgreSQL"
)
def test_the_oldest_encounter_is_read_from_an_index_not_by_scanning_the_table():
    now = timezone.now()
    Encounter.objects.bulk_create(
        Encounter(my_tag=n, ref_tag=n + 1, started_at=now - timedelta(minutes=n), slots=1)
        for n in range(3000)
    )
    connection = connections[ENCOUNTERS]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracing_encounter")
    with CaptureQueriesContext(connection) as queries:
        assert oldest_encounter_start() == now - timedelta(minutes=2999)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan" in plan or "Index Scan" in plan, plan
    assert "Seq Scan" not in plan, plan


# --- Who may see it ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona",
    ["person", "clerk", "medic", "asset_manager", "privacy_officer", "superuser"],
)
def test_everyone_signed_in_sees_the_same_list_and_may_only_read_it(client, persona):
    DeadLetter.objects.create(
        integration="tts",
        delivery_key="d",
        payload=b"",
        reason="r",
        detail="d",
        created_at=timezone.now() - timedelta(days=9),
    )
    client.force_login(personas.make_persona(persona))
    url = reverse("transparency")
    rows = kept(client)
    assert rows["dead_letters"]["status"] == "overdue"
    # Hostile or meaningless parameters change nothing; writing is not a method of it.
    assert kept_with(client, url + "?now=1999-01-01&kind=<script>&status=within_limit") == rows
    for method in (client.post, client.put, client.patch, client.delete):
        assert method(url, {"kinds": []}, content_type="application/json").status_code == 405


def kept_with(client, url: str) -> dict:
    answer = client.get(url)
    assert answer.status_code == 200
    return {row["kind"]: row for row in answer.json()["kept"]["kinds"]}


def test_anonymous_visitors_are_refused():
    answer = Client().get(reverse("transparency"))
    assert answer.status_code in (401, 403) or answer.status_code == 302
    assert b"dead_letters" not in answer.content


def test_the_rows_removed_in_30_days_do_not_give_away_a_small_count_of_cases_or_traces(
    client, medic, person
):
    now = timezone.now()
    trace_at(now - timedelta(days=20), medic)  # one person's trace
    for minutes in range(3):
        Encounter.objects.create(
            my_tag=1, ref_tag=2, started_at=now - timedelta(days=20, minutes=minutes), slots=1
        )
    removed = purge_expired(now=now)
    assert (removed["trace_results"], removed["encounters"]) == (1, 3)
    client.force_login(person)
    answer = client.get(reverse("transparency")).json()
    # 4 rows went; the trace's 1 is rounded away, so that 4 - 3 cannot name it.
    assert answer["rows_removed_last_30_days"] == 3
    rows = {row["kind"]: row for row in answer["kept"]["kinds"]}
    assert rows["trace_results"]["removed_by_last_purge"] == "< 5"
    assert rows["encounters"]["removed_by_last_purge"] == 3
