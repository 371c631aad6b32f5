"""The portal-wide purge: each app deletes its own expired rows; this runs them and keeps a record.

    encounters    encounters_purge     ENCOUNTER_RETENTION_DAYS (whole day partitions first)
    ingestion     inbox_purge          the same, processed rows after INBOX_KEEP_PROCESSED_HOURS,
                                       dead letters after DEAD_LETTER_RETENTION_HOURS
    tracing       traces_purge         stored results after TRACE_RESULT_RETENTION_DAYS
    cases         cases_purge          cases closed CASE_RETENTION_DAYS ago, with their follow-ups
    zones         coordinates_purge    ZONES_RETENTION_DAYS, archive, empty zones, codes

The record (PurgeRecord, `default`) is what the data-protection office and the
transparency page read: rows removed per table and the oldest encounter left.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from cases.services import cases_purge
from encounters.services import encounters_purge, oldest_encounter_start
from ingestion.services import inbox_purge
from retention.metrics import LAST_PURGE, PURGED
from retention.models import PurgeRecord
from tracing.services import traces_purge
from zones.services import coordinates_purge

logger = logging.getLogger(__name__)


def purge_expired(*, now: datetime | None = None, batch: int = 10_000) -> dict[str, int]:
    """Delete what is older than its retention; returns rows removed per table."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ENCOUNTER_RETENTION_DAYS)
    removed = {"encounters": encounters_purge(cutoff=cutoff, batch=batch)}
    removed.update(inbox_purge(now=now, cutoff=cutoff, batch=batch))
    removed["trace_results"] = traces_purge(now=now)
    removed["cases"] = cases_purge(now=now)
    removed.update(coordinates_purge(now=now, batch=batch))
    PurgeRecord.objects.create(at=now, removed=removed, oldest_remaining=oldest_encounter_start())
    PURGED.inc(sum(removed.values()))
    LAST_PURGE.set(now.timestamp())
    logger.info("purge finished", extra={"removed": removed, "cutoff": cutoff.isoformat()})
    return removed
