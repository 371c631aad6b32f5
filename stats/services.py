from datetime import datetime

from stats.models import PurgeRecord


def purge_record_create(
    *, at: datetime, removed: dict[str, int], oldest_remaining: datetime | None
) -> PurgeRecord:
    return PurgeRecord.objects.create(at=at, removed=removed, oldest_remaining=oldest_remaining)
