"""Writing and purging encounters: single-database operations of the `encounters` database."""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import connections, transaction
from django.db.models import Min
from django.utils.dateparse import parse_datetime

from core.databases import ENCOUNTERS, delete_in_batches
from encounters.aggregates import counts_purge, day_purged, days_changed, partition_rows
from encounters.models import Encounter
from encounters.partitions import partitions_drop_expired

# One statement per batch: insert, or keep the larger slot count of a repeat.
_UPSERT = {
    "postgresql": (
        "INSERT INTO {table} (my_tag, ref_tag, started_at, slots) VALUES {values} "
        "ON CONFLICT (my_tag, ref_tag, started_at) DO UPDATE SET slots = EXCLUDED.slots "
        "WHERE {table}.slots < EXCLUDED.slots RETURNING started_at"
    ),
    "sqlite": (
        "INSERT INTO {table} (my_tag, ref_tag, started_at, slots) VALUES {values} "
        "ON CONFLICT (my_tag, ref_tag, started_at) DO UPDATE SET slots = excluded.slots "
        "WHERE {table}.slots < excluded.slots RETURNING started_at"
    ),
}


def encounters_upsert(
    records: Iterable[tuple[int, int, datetime, int]], *, now: datetime | None = None
) -> int:
    """Store (my_tag, ref_tag, started_at, slots) records idempotently.

    A record seen again changes nothing, unless it now has more slots (a
    device re-sending a meeting that went on). Returns how many rows were
    inserted or grew. Rows of a day already over mark it for counting again
    (encounters/aggregates.py), in the same transaction.
    """
    largest: dict[tuple, int] = {}
    for my_tag, ref_tag, started_at, slots in records:
        key = (my_tag, ref_tag, started_at)
        largest[key] = max(slots, largest.get(key, 0))
    rows = [(*key, slots) for key, slots in largest.items()]
    if not rows:
        return 0
    connection = connections[ENCOUNTERS]
    sql = _UPSERT[connection.vendor].format(
        table=connection.ops.quote_name(Encounter._meta.db_table),
        values=", ".join(["(%s, %s, %s, %s)"] * len(rows)),
    )
    params = []
    for my_tag, ref_tag, started_at, slots in rows:
        params += [my_tag, ref_tag, connection.ops.adapt_datetimefield_value(started_at), slots]
    # No savepoint: inside ingestion's transaction this adds no round trip.
    with transaction.atomic(using=ENCOUNTERS, savepoint=False), connection.cursor() as cursor:
        cursor.execute(sql, params)
        changed = [_aware(started_at) for (started_at,) in cursor.fetchall()]
        days_changed(changed, now=now)
    return len(changed)


def _aware(value) -> datetime:
    """A RETURNING column as PostgreSQL (aware) or SQLite (text, UTC) gives it."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def encounters_purge(*, cutoff: datetime, batch: int = 10_000) -> int:
    """Drop whole expired day partitions (PostgreSQL), then DELETE the expired rest.

    The rest: the start of the cutoff's own day and the default partition
    (or, on SQLite, the whole plain table).
    """
    dropped = partitions_drop_expired(cutoff=cutoff, known_rows=partition_rows)
    day_purged(cutoff=cutoff)  # before the DELETE too: a purge stopped midway leaves the mark
    deleted = delete_in_batches(Encounter.objects.filter(started_at__lt=cutoff), batch=batch)
    counts_purge(cutoff=cutoff, removed=dropped + deleted)
    return dropped + deleted


def oldest_encounter_start() -> datetime | None:
    """When the oldest encounter kept began (the purge record shows it)."""
    return Encounter.objects.aggregate(oldest=Min("started_at"))["oldest"]
