"""The portal-wide purge: each app deletes its own expired rows; this runs them and keeps a record.

    encounters    encounters_purge     ENCOUNTER_RETENTION_DAYS (whole day partitions first)
    ingestion     inbox_purge          processed rows after INBOX_KEEP_PROCESSED_HOURS, any row
                                       after ENCOUNTER_RETENTION_DAYS, dead letters after
                                       DEAD_LETTER_RETENTION_HOURS
                  spool_purge          this host's spool files after INGEST_SPOOL_RETENTION_DAYS
    tracing       traces_purge         stored results after TRACE_RESULT_RETENTION_DAYS
    cases         cases_purge          cases closed CASE_RETENTION_DAYS ago, with their follow-ups
    zones         coordinates_purge    ZONES_RETENTION_DAYS, archive, empty zones, codes

The record (PurgeRecord, `default`) is what the data-protection office and the
transparency page read: what each kind lost (retention/selectors.py KINDS), and the
oldest item of each kind left.

One purge at a time (a PostgreSQL advisory lock on `default`): a second one started
meanwhile (beat delivering twice, an operator's `manage.py purge_expired`) waits, then
finds nothing left to remove and records that. Each row is counted once, by the purge
that deleted it.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone

from cases.services import cases_purge
from core.databases import DEFAULT
from encounters.services import encounters_purge, oldest_encounter_start
from ingestion.services import inbox_purge, spool_purge
from retention.metrics import LAST_PURGE, PURGED
from retention.models import PurgeRecord
from retention.selectors import oldest_kept
from tracing.services import traces_purge
from zones.services import coordinates_purge

logger = logging.getLogger(__name__)

# pg_advisory_lock's key of the purge ("purge" in ASCII).
PURGE_LOCK = 0x7075726765


@contextmanager
def one_purge_at_a_time() -> Iterator[None]:
    """Hold the purge's session lock on `default` (PostgreSQL; SQLite serialises writers)."""
    connection = connections[DEFAULT]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [PURGE_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [PURGE_LOCK])


def purge_expired(*, now: datetime | None = None, batch: int = 10_000) -> dict[str, int]:
    """Delete what is older than its retention; returns rows (files) removed per kind."""
    with one_purge_at_a_time():
        now = now or timezone.now()
        cutoff = now - timedelta(days=settings.ENCOUNTER_RETENTION_DAYS)
        removed = {"encounters": encounters_purge(cutoff=cutoff, batch=batch)}
        removed.update(inbox_purge(now=now, cutoff=cutoff, batch=batch))
        removed.update(spool_purge(now=now))
        removed["trace_results"] = traces_purge(now=now)
        removed["cases"] = cases_purge(now=now)
        removed.update(coordinates_purge(now=now, batch=batch))
        PurgeRecord.objects.create(
            at=now,
            finished_at=timezone.now(),
            removed=removed,
            oldest_remaining=oldest_encounter_start(),
            oldest_kept=oldest_kept(now=now),
        )
    PURGED.inc(sum(removed.values()))
    LAST_PURGE.set(now.timestamp())
    logger.info("purge finished", extra={"removed": removed, "cutoff": cutoff.isoformat()})
    return removed
