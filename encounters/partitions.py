"""Daily partitions of the encounter table on PostgreSQL (docs/performance.md, Partitioning).

    tracing_encounter                  PARTITION BY RANGE (started_at), days in UTC
      ├── tracing_encounter_p20261120  [2026-11-20 00:00Z, 2026-11-21 00:00Z)
      ├── tracing_encounter_p20261121  ...
      └── tracing_encounter_default    anything no day partition covers (nothing is refused)

Partitions are created ahead by the beat (`partitions_ahead`), and the
purge detaches and drops whole expired days instead of deleting their rows.
On SQLite the table stays plain: every function here is then a no-op.

DDL takes a short ACCESS EXCLUSIVE lock on the parent table. It is asked for
with a small lock_timeout and retried, so that an insert never waits long
behind DDL that itself waits behind a slow reader.
"""

import logging
import re
import time
from datetime import UTC, date, datetime, timedelta

from django.db import OperationalError, connections, transaction
from django.utils import timezone

from core.databases import ENCOUNTERS

logger = logging.getLogger(__name__)

TABLE = "tracing_encounter"
COLUMN = "started_at"
AHEAD_DAYS = 7
LOCK_TIMEOUT_MS = 20
LOCK_ATTEMPTS = 100


def partition_name(day: date, *, table: str = TABLE) -> str:
    return f"{table}_p{day:%Y%m%d}"


def default_partition_name(*, table: str = TABLE) -> str:
    return f"{table}_default"


def day_start(day: date) -> datetime:
    """Partition bounds are UTC midnights (whatever TIME_ZONE is)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _literal(moment: datetime) -> str:
    # DDL takes no bind parameters; a datetime's ISO form is a safe literal.
    return f"'{moment.isoformat()}'"


def _day_table_pattern(table: str) -> str:
    return f"^{re.escape(table)}_p[0-9]{{8}}$"


def _is_day_table(name: str, *, table: str) -> bool:
    return re.match(_day_table_pattern(table), name) is not None


def _day_of(name: str, *, table: str) -> date:
    return date.fromisoformat(name[len(table) + 2 :])  # YYYYMMDD after "<table>_p"


def is_partitioned(*, table: str = TABLE, using: str = ENCOUNTERS) -> bool:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [table],
        )
        return cursor.fetchone() is not None


def day_partitions(*, table: str = TABLE, using: str = ENCOUNTERS) -> dict[date, str]:
    """The existing day partitions, by day (the default partition is not one)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [table],
        )
        names = [row[0] for row in cursor.fetchall()]
    return {_day_of(name, table=table): name for name in names if _is_day_table(name, table=table)}


def _with_short_locks(work, *, using: str = ENCOUNTERS, attempts: int = LOCK_ATTEMPTS):
    """Run `work(cursor)` in a transaction whose lock waits are short; retry when they time out."""
    connection = connections[using]
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic(using=using), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
                return work(cursor)
        except OperationalError as error:
            if "lock timeout" not in str(error) or attempt == attempts:
                raise
            time.sleep(0.02 * attempt)  # let the queued inserts through, then try again
    return None


def _create_day_partition(cursor, day: date, *, table: str, column: str) -> None:
    """Create one day's partition, moving in the rows the default partition holds for it."""
    qn = connections[ENCOUNTERS].ops.quote_name
    parent, default, partition = (
        qn(table),
        qn(default_partition_name(table=table)),
        qn(partition_name(day, table=table)),
    )
    low, high = _literal(day_start(day)), _literal(day_start(day + timedelta(days=1)))
    in_range = f"{qn(column)} >= {low} AND {qn(column)} < {high}"
    # Parent first, always: the same order as inserts take their locks (no deadlock).
    cursor.execute(f"LOCK TABLE {parent} IN ACCESS EXCLUSIVE MODE")
    if _is_partition(cursor, partition_name(day, table=table)):
        return  # created meanwhile by another process (the beat, a migration)
    cursor.execute(f"SELECT count(*) FROM {default} WHERE {in_range}")
    waiting = cursor.fetchone()[0]
    if waiting:
        # Creating the partition would leave these rows in the wrong place: PostgreSQL refuses.
        cursor.execute(
            f"CREATE TEMPORARY TABLE _moving ON COMMIT DROP AS "
            f"WITH moved AS (DELETE FROM {default} WHERE {in_range} RETURNING *) "
            f"SELECT * FROM moved"
        )
    cursor.execute(
        f"CREATE TABLE {partition} PARTITION OF {parent} FOR VALUES FROM ({low}) TO ({high})"
    )
    if waiting:
        cursor.execute(f"INSERT INTO {parent} SELECT * FROM _moving")
        cursor.execute("DROP TABLE _moving")
        logger.info("rows moved out of the default partition", extra={"rows": waiting})


def partitions_ensure(
    *, first_day: date, last_day: date, table: str = TABLE, column: str = COLUMN
) -> int:
    """Create the missing daily partitions from first_day to last_day; returns how many.

    Rows the default partition holds for those days move into them. A no-op
    (0) where the table is not partitioned (SQLite).
    """
    if not is_partitioned(table=table):
        return 0
    existing = day_partitions(table=table)
    created = 0
    day = first_day
    while day <= last_day:
        if day not in existing:
            _with_short_locks(
                lambda cursor, day=day: _create_day_partition(
                    cursor, day, table=table, column=column
                )
            )
            created += 1
        day += timedelta(days=1)
    return created


def partitions_ahead(*, now: datetime | None = None) -> int:
    """Yesterday to AHEAD_DAYS ahead (the beat runs it hourly; the migration once)."""
    today = (now or timezone.now()).astimezone(UTC).date()
    return partitions_ensure(
        first_day=today - timedelta(days=1), last_day=today + timedelta(days=AHEAD_DAYS)
    )


def _is_partition(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s)", [name])
    return cursor.fetchone() is not None


def _detach(cursor, day: date, *, table: str, known_rows=None) -> int | None:
    """Detach one day's partition; with `known_rows(cursor, name, day)` (encounters/aggregates.py
    partition_rows), also its rows as the kept counts know them, or None.

    The counts are read under the parent's lock, before the DETACH: from then on a count of
    the day made meanwhile could no longer see these rows.
    """
    qn = connections[ENCOUNTERS].ops.quote_name
    name = partition_name(day, table=table)
    cursor.execute(f"LOCK TABLE {qn(table)} IN ACCESS EXCLUSIVE MODE")
    if not _is_partition(cursor, name):
        return None  # detached meanwhile by another purge
    rows = known_rows(cursor, name, day) if known_rows is not None else None
    cursor.execute(f"ALTER TABLE {qn(table)} DETACH PARTITION {qn(name)}")
    return rows


def _count_and_drop(name: str, *, rows: int | None = None) -> int:
    """Drop a detached partition; returns its rows: `rows` when known, else counted first
    (nobody can write them any more)."""
    qn = connections[ENCOUNTERS].ops.quote_name
    with transaction.atomic(using=ENCOUNTERS), connections[ENCOUNTERS].cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is None:
            return 0  # dropped (and counted) by another purge
        cursor.execute(f"LOCK TABLE {qn(name)} IN ACCESS EXCLUSIVE MODE")
        if rows is None:
            cursor.execute(f"SELECT count(*) FROM {qn(name)}")
            rows = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {qn(name)}")
    return rows


def _detached_leftovers(*, table: str) -> dict[date, str]:
    """Day tables detached by a purge that stopped before dropping them."""
    with connections[ENCOUNTERS].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND c.relname ~ %s "
            "AND pg_table_is_visible(c.oid) AND NOT c.relispartition",
            [_day_table_pattern(table)],
        )
        names = [row[0] for row in cursor.fetchall()]
    return {_day_of(name, table=table): name for name in names}


def partitions_drop_expired(*, cutoff: datetime, table: str = TABLE, known_rows=None) -> int:
    """Detach and drop the day partitions that end at or before `cutoff`; returns their rows.

    The lock on the parent is held only for the DETACH and the reading of the kept
    counts (`known_rows`, a few index lookups); counting, when they do not know, and
    dropping happen on the detached table, which inserts no longer reach. A table a
    stopped purge detached earlier is always counted. The rest of
    what is older than the cutoff (the start of the cutoff's own day, the
    default partition) is left for the caller to DELETE.
    """
    if not is_partitioned(table=table):
        return 0
    expired: dict[str, int | None] = {}  # name -> rows the kept counts know, or None
    for day, name in sorted(day_partitions(table=table).items()):
        if day_start(day + timedelta(days=1)) <= cutoff:
            expired[name] = _with_short_locks(
                lambda cursor, day=day: _detach(cursor, day, table=table, known_rows=known_rows)
            )
    for day, name in sorted(_detached_leftovers(table=table).items()):
        if day_start(day + timedelta(days=1)) <= cutoff:
            expired.setdefault(name, None)  # a purge stopped after its DETACH: counted
    return sum(_count_and_drop(name, rows=rows) for name, rows in expired.items())


def table_empty(*, table: str = TABLE) -> int:
    """Remove every row, of every partition and of day tables a purge detached but did not
    drop; returns how many rows went (the end of the service, retention/decommission.py).

    PostgreSQL: one TRUNCATE of the parent (all its partitions, which stay for the rows
    to come); SQLite: the caller deletes the plain table's rows (0 here).
    """
    if not is_partitioned(table=table):
        return 0
    qn = connections[ENCOUNTERS].ops.quote_name
    with transaction.atomic(using=ENCOUNTERS), connections[ENCOUNTERS].cursor() as cursor:
        cursor.execute(f"LOCK TABLE {qn(table)} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"SELECT count(*) FROM {qn(table)}")
        rows = cursor.fetchone()[0]
        cursor.execute(f"TRUNCATE {qn(table)}")
    return rows + sum(_count_and_drop(name) for name in _detached_leftovers(table=table).values())
