"""Two purges at the same moment on PostgreSQL, each a real process (tests/processes.py).

Beat delivering the task twice, or an operator's `manage.py purge_expired` during the
nightly run: neither fails, and the two records together count each removed row once.
The test holds the purge's lock itself until both processes wait behind it, so that
they do meet on every run.
"""

import json
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from cases.models import Case
from encounters import partitions
from encounters.models import Encounter
from ingestion.models import DeadLetter, InboxUplink
from retention.models import PurgeRecord
from retention.services import PURGE_LOCK
from tests.cases.test_concurrency import held_until_blocked, outcome_lines
from tests.processes import at_once
from tests.retention.test_transparency_kept import spool_file, trace_at
from tests.zones.test_purge import store_days_ago

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

PURGE = """
import json
from datetime import datetime
from retention.services import purge_expired
print(json.dumps(purge_expired(now=datetime.fromisoformat(sys.argv[3]), batch=7)))
"""


def expired_rows(now, medic, spool) -> dict[str, int]:
    """Rows past their limits of every kind (and some within, which must stay)."""
    old_days = [(now - timedelta(days=d)).astimezone(UTC).date() for d in (18, 17, 16)]
    partitions.partitions_ensure(first_day=min(old_days), last_day=max(old_days))
    Encounter.objects.bulk_create(
        Encounter(my_tag=n, ref_tag=n + 1, started_at=now - timedelta(days=15 + n % 5), slots=1)
        for n in range(40)
    )
    Encounter.objects.bulk_create(
        Encounter(my_tag=n, ref_tag=n + 1, started_at=now - timedelta(days=1), slots=1)
        for n in range(5)
    )
    InboxUplink.objects.bulk_create(
        InboxUplink(integration="tts", delivery_key=f"w{n}", accepted_at=now - timedelta(days=20))
        for n in range(5)
    )
    InboxUplink.objects.bulk_create(
        InboxUplink(
            integration="tts",
            delivery_key=f"p{n}",
            accepted_at=now - timedelta(days=2),
            status="processed",
        )
        for n in range(9)
    )
    DeadLetter.objects.bulk_create(
        DeadLetter(
            integration="tts",
            delivery_key=f"d{n}",
            payload=b"",
            reason="r",
            detail="d",
            created_at=now - timedelta(days=4),
        )
        for n in range(4)
    )
    for n in range(6):
        spool_file(spool, f"{n:04d}-1-aa.uplink.json", age=timedelta(days=15))
    for _ in range(3):
        trace_at(now - timedelta(days=15), medic)
    for n in range(2):
        Case.objects.create(
            reference=f"C-{n}",
            person_id=f"9{n}",
            status=Case.Status.CLOSED,
            created_at=now - timedelta(days=45),
            created_by="medic",
            closed_at=now - timedelta(days=31),
        )
    store_days_ago(15, 16, 17, 2, now=now)
    return {
        "encounters": 40,
        "inbox_waiting": 5,
        "inbox_processed": 9,
        "dead_letters": 4,
        "spool_files": 6,
        "trace_results": 3,
        "cases": 2,
        "zone_coordinates": 3,
        "zone_archive": 3,
    }


def test_two_purges_at_once_both_finish_and_count_every_row_once(medic, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    now = timezone.now()
    expected = expired_rows(now, medic, spool)
    with held_until_blocked("SELECT pg_advisory_xact_lock(%s)", [PURGE_LOCK], waiters=2) as held:
        outputs = at_once(
            PURGE,
            [[now.isoformat()], [now.isoformat()]],
            tmp_path,
            env={"INGEST_SPOOL_DIR": str(spool)},
        )
    assert held.waiters == 2  # both were there, waiting for the same lock
    reports = [json.loads(line) for line in outcome_lines(outputs)]
    records = list(PurgeRecord.objects.order_by("finished_at"))
    assert len(records) == 2
    as_recorded = sorted(json.dumps(r.removed, sort_keys=True) for r in records)
    assert as_recorded == sorted(json.dumps(r, sort_keys=True) for r in reports)
    for kind, rows in expected.items():
        assert sum(r.removed[kind] for r in records) == rows, kind
    # One purge after the other: the second found nothing left.
    assert set(records[1].removed.values()) == {0}
    assert records[0].finished_at <= records[1].finished_at
    # What was within its limit stayed.
    assert Encounter.objects.count() == 5
    assert InboxUplink.objects.count() == 0 and DeadLetter.objects.count() == 0
    assert not list(spool.iterdir())
