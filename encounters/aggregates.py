"""Per-day counts of the encounters: what the statistics show, counted once per day.

The statistics page shows, for each closed local day the retention holds, the tags
that recorded anyone, the records, and the records longer than the close-contact
length. Counting them from the encounter table on every view reads two weeks of
records (docs/performance.md); here each day is counted once, when it closes, and
again only when a write changes it afterwards (a late uplink). The counts are kept in
the encounters database beside the records they count, and go when the records go.

    DayCount    one row per local day: active tags, records, close-contact-length records
    HourCount   records per (local day, UTC hour): a purge that drops a UTC day's
                partition adds them up instead of counting its rows
    DayChange   "this day changed after it was over": one row per writing transaction

Why no change is lost:

1. A write of records of a day that is over (`day < today`, by the writer's clock)
   inserts a DayChange row for that day in its own transaction (`days_changed`, called
   by `services.encounters_upsert`). The row becomes visible exactly when the records
   do.
2. The closer counts a day in one transaction: a per-day advisory lock (one closer per
   day at a time), then DELETE of the day's DayChange rows, then the counts. Under READ
   COMMITTED each statement sees what was committed before it began. A writer committed
   before the DELETE began has its records counted (the counts begin later); a writer
   committed after it leaves its DayChange row behind (the DELETE did not see it), so the
   day is counted again at the next run. A writer's uncommitted row is never deleted.
3. A writer of today's records inserts no DayChange row. The closer counts a day for the
   first time only GRACE after it ended, and (PostgreSQL) not while a transaction of the
   encounters database that began before that midnight is still open: a writer that
   judged a record "today" just before midnight has committed by then, even one whose
   link stalled. GRACE also covers clocks of hosts that differ by less than it.

On SQLite (the embedded default) writers take turns and the same order holds. The
beat runs the closer every five minutes ("encounter-days-close"); until a day is
counted, the statistics count it on reading (`day_counts`), without writing anything.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from core.databases import ENCOUNTERS
from encounters.models import DayChange, DayCount, Encounter, HourCount

#: How long after a local midnight the day before it is first counted.
GRACE = timedelta(minutes=10)
#: pg_advisory_xact_lock's first key ("days" in ASCII); the second is the day's ordinal.
DAY_LOCK = 0x64617973


@dataclass(frozen=True)
class Counts:
    active: int
    encounters: int
    close: int


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _close_slots() -> int:
    return settings.TRACING_CLOSE_CONTACT_MINUTES * 2  # 30-second slots


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone())


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment, _zone()).date()


def days_changed(started: Iterable[datetime], *, now: datetime | None = None) -> int:
    """Note the days over by now among `started` (records just written); returns how many.

    Must run in the transaction that wrote the records (point 1 above).
    """
    today = local_day(now or timezone.now())
    late = sorted({day for day in map(local_day, started) if day < today})
    DayChange.objects.bulk_create([DayChange(day=day) for day in late])
    return len(late)


def _records_of(day: date):
    return Encounter.objects.filter(
        started_at__gte=midnight(day), started_at__lt=midnight(day + timedelta(days=1))
    )


def measure(day: date) -> Counts:
    """Count one local day from the records themselves."""
    totals = _records_of(day).aggregate(
        active=Count("my_tag", distinct=True),
        encounters=Count("id"),
        close=Count("id", filter=Q(slots__gt=_close_slots())),
    )
    return Counts(**totals)


def _current():
    return DayCount.objects.filter(zone=settings.TIME_ZONE, close_slots=_close_slots())


def day_counts(days: list[date]) -> dict[date, Counts]:
    """The counts of `days`: kept ones as kept, the others counted now (nothing is written:
    this also runs on a replica)."""
    kept = {
        row.day: Counts(row.active, row.encounters, row.close)
        for row in _current().filter(day__in=days)
    }
    return {day: kept[day] if day in kept else measure(day) for day in days}


def count_day(day: date, *, now: datetime | None = None) -> Counts:
    """Count one day and keep its counts (point 2 above)."""
    with transaction.atomic(using=ENCOUNTERS):
        connection = connections[ENCOUNTERS]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [DAY_LOCK, day.toordinal()])
        DayChange.objects.filter(day=day).delete()
        counts = measure(day)
        hours = (
            _records_of(day)
            .annotate(hour=TruncHour("started_at", tzinfo=UTC))
            .values("hour")
            .annotate(n=Count("id"))
            .values_list("hour", "n")
        )
        hour_rows = [HourCount(day=day, hour=hour, encounters=n) for hour, n in hours]
        DayCount.objects.update_or_create(
            day=day,
            defaults={
                "zone": settings.TIME_ZONE,
                "close_slots": _close_slots(),
                "active": counts.active,
                "encounters": counts.encounters,
                "close": counts.close,
                "computed_at": now or timezone.now(),
            },
        )
        HourCount.objects.filter(day=day).delete()
        HourCount.objects.bulk_create(hour_rows)
    return counts


def closable_days(*, now: datetime) -> list[date]:
    """The days the retention holds, over for at least GRACE, oldest first: from the day the
    retention limit falls in (the purge cuts into it, then it is counted again), so that
    the purge finds the hours it adds up counted."""
    today = local_day(now)
    first = today - timedelta(days=settings.ENCOUNTER_RETENTION_DAYS)
    days = [first + timedelta(days=n) for n in range((today - first).days)]
    return [day for day in days if now >= midnight(day + timedelta(days=1)) + GRACE]


def days_close(*, now: datetime | None = None) -> int:
    """Count each closable day never counted (under today's settings) or changed since it was;
    returns how many were counted. Safe to run twice, and beside itself."""
    now = now or timezone.now()
    days = closable_days(now=now)
    counted = set(_current().filter(day__in=days).values_list("day", flat=True))
    changed = set(DayChange.objects.filter(day__in=days).values_list("day", flat=True))
    due = [
        day
        for day in days
        if (
            day in changed if day in counted else not _open_since(midnight(day + timedelta(days=1)))
        )
    ]  # a first count waits for writers older than the day's end (point 3): the next run
    for day in due:
        count_day(day, now=now)
    return len(due)


def _open_since(moment: datetime) -> bool:
    """Whether another session of the encounters database has a transaction open since
    before `moment` (PostgreSQL; SQLite's writers take turns)."""
    connection = connections[ENCOUNTERS]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            " AND xact_start < %s)",
            [moment],
        )
        return cursor.fetchone()[0]


def _hour_after(moment: datetime) -> datetime:
    """The first whole UTC hour at or after `moment`."""
    moment = moment.astimezone(UTC)
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(hours=1)


def partition_rows(cursor, name: str, utc_day: date) -> int | None:
    """The rows of a UTC-day partition about to be detached (under the parent's lock, so no
    count of its days runs meanwhile), from the kept counts where they are exact.

    An earlier purge may have deleted the start of this day (its cutoff fell in it), so
    the hours from the first whole hour after the oldest row left are added up, and the
    rows before that hour (at most one hour's) are counted. None when a day those hours
    belong to is uncounted or changed since: the caller counts the rows.
    """
    table = connections[ENCOUNTERS].ops.quote_name(name)
    cursor.execute(f"SELECT min(started_at) FROM {table}")
    oldest = cursor.fetchone()[0]
    if oldest is None:
        return 0
    start = _hour_after(oldest)
    end = datetime(utc_day.year, utc_day.month, utc_day.day, tzinfo=UTC) + timedelta(days=1)
    first, last = local_day(start), local_day(end - timedelta(microseconds=1))
    days = (
        [first + timedelta(days=n) for n in range((last - first).days + 1)] if start < end else []
    )
    if days and (
        _current().filter(day__in=days).count() != len(days)
        or DayChange.objects.filter(day__in=days).exists()
    ):
        return None
    summed = HourCount.objects.filter(day__in=days, hour__gte=start, hour__lt=end).aggregate(
        n=Sum("encounters")
    )["n"]
    cursor.execute(f"SELECT count(*) FROM {table} WHERE started_at < %s", [start])
    return (summed or 0) + cursor.fetchone()[0]


def counts_purge(*, cutoff: datetime, removed: int) -> None:
    """After a purge: forget the counts of the days whose records are all older than `cutoff`,
    and count again the day it falls in, which lost its first hours (`removed` > 0).

    That day is shown on the statistics only when the clocks went back in the last 14 days
    (14 days of elapsed time then end an hour into a later day); the closer counts it
    again within minutes, and the next purge finds it counted.
    """
    last_gone = local_day(cutoff) - timedelta(days=1)  # ends at a midnight <= cutoff
    DayCount.objects.filter(day__lte=last_gone).delete()
    HourCount.objects.filter(day__lte=last_gone).delete()
    DayChange.objects.filter(day__lte=last_gone).delete()
    if removed:
        day_purged(cutoff=cutoff)


def day_purged(*, cutoff: datetime) -> None:
    """Mark the day `cutoff` falls in: the purge takes (or took) its first hours."""
    DayChange.objects.create(day=local_day(cutoff))
