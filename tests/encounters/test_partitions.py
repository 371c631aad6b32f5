"""Daily partitions of the encounter table on PostgreSQL, and the purge that drops them.

DDL is transactional in PostgreSQL, so each test's partitions roll back with
its transaction. Days far from today are used so that the partitions the
migration created ahead are never touched.
"""

import threading
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from django.db import connections
from django.utils import timezone

from core.databases import ENCOUNTERS
from encounters import partitions
from encounters.models import Encounter
from encounters.services import encounters_upsert
from encounters.tasks import partitions_ahead as partitions_ahead_task
from retention.models import PurgeRecord
from retention.services import purge_expired
from tests.embedded import embedded_env, manage
from tracing.selectors import HeldTag, encounters_while_held

pytestmark = pytest.mark.django_db(databases="__all__")


def at(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def table_of(my_tag: int) -> str:
    """The partition holding `my_tag`'s rows."""
    with connections[ENCOUNTERS].cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tableoid::regclass::text FROM tracing_encounter WHERE my_tag = %s",
            [my_tag],
        )
        return ", ".join(sorted(row[0] for row in cursor.fetchall()))


def test_the_encounter_table_is_partitioned_with_days_ahead_after_migrating():
    assert partitions.is_partitioned()
    today = timezone.now().astimezone(UTC).date()
    days = partitions.day_partitions()
    for ahead in range(partitions.AHEAD_DAYS + 1):
        assert today + timedelta(days=ahead) in days
    assert partitions.partitions_ahead() == 0  # nothing left to create


def test_the_beat_creates_the_days_ahead_every_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["encounter-partitions-ahead"]
    assert entry == {"task": "encounters.partitions_ahead", "schedule": 3600.0}
    later = timezone.now() + timedelta(days=30)
    assert partitions_ahead_task.apply(kwargs={}).get() == 0
    assert partitions.partitions_ahead(now=later) == partitions.AHEAD_DAYS + 2
    assert later.astimezone(UTC).date() + timedelta(days=7) in partitions.day_partitions()


def test_a_row_outside_every_day_partition_lands_in_the_default_one_and_is_traced():
    now = timezone.now()
    long_ago, far_ahead = now - timedelta(days=3000), now + timedelta(days=400)
    encounters_upsert([(11, 12, long_ago, 4), (13, 14, far_ahead, 2)])
    assert table_of(11) == table_of(13) == "tracing_encounter_default"
    # Deduplicated there too: the unique constraint covers the default partition.
    assert encounters_upsert([(11, 12, long_ago, 4)]) == 0
    held = [HeldTag("d1", 12, long_ago - timedelta(hours=1), far_ahead + timedelta(hours=1))]
    assert [(e.peer_tag, e.start) for e in encounters_while_held(held)] == [(11, long_ago)]


def test_creating_a_day_partition_moves_the_rows_the_default_one_holds_for_that_day():
    day = date(2019, 3, 5)
    encounters_upsert([(21, 22, at(day, 10), 3), (23, 24, at(day + timedelta(days=1), 1), 1)])
    row = Encounter.objects.get(my_tag=21)
    assert table_of(21) == "tracing_encounter_default"
    assert partitions.partitions_ensure(first_day=day, last_day=day) == 1
    assert table_of(21) == "tracing_encounter_p20190305"
    assert table_of(23) == "tracing_encounter_default"  # another day stays
    assert Encounter.objects.get(my_tag=21) == row  # same id, same values
    assert partitions.partitions_ensure(first_day=day, last_day=day) == 0


def test_the_purge_drops_expired_days_deletes_the_partial_day_and_the_default_rows(settings):
    settings.ENCOUNTER_RETENTION_DAYS = 14
    first = date(2020, 1, 1)
    partitions.partitions_ensure(first_day=first, last_day=first + timedelta(days=2))
    rows = [
        (1, 2, at(first, 1), 1),  # day 1: dropped with its partition
        (1, 3, at(first, 23), 1),
        (2, 3, at(first, 12), 1),
        (1, 2, at(first + timedelta(days=1), 5), 1),  # day 2 before the cutoff: deleted
        (1, 2, at(first + timedelta(days=1), 18), 1),  # day 2 after the cutoff: kept
        (1, 2, at(first + timedelta(days=2), 9), 1),  # day 3: kept
        (5, 6, at(date(2019, 6, 1), 9), 1),  # the default partition, expired: deleted
        (5, 6, at(date(2020, 1, 10), 9), 1),  # the default partition, not expired: kept
    ]
    encounters_upsert(rows)
    now = at(first + timedelta(days=15), 12)  # cutoff: day 2 at noon
    removed = purge_expired(now=now)
    assert removed["encounters"] == 5
    assert first not in partitions.day_partitions()
    assert first + timedelta(days=1) in partitions.day_partitions()
    assert sorted(Encounter.objects.values_list("started_at", flat=True)) == [
        at(first + timedelta(days=1), 18),
        at(first + timedelta(days=2), 9),
        at(date(2020, 1, 10), 9),
    ]
    record = PurgeRecord.objects.get(at=now)
    assert record.removed["encounters"] == 5
    assert record.oldest_remaining == at(first + timedelta(days=1), 18)
    # Run again: nothing more to remove, and the counts say so.
    assert purge_expired(now=now)["encounters"] == 0


def test_a_day_table_detached_by_an_interrupted_purge_is_dropped_and_counted_next_time():
    day = date(2020, 2, 1)
    partitions.partitions_ensure(first_day=day, last_day=day)
    encounters_upsert([(7, 8, at(day, 3), 1), (7, 9, at(day, 4), 1)])
    with connections[ENCOUNTERS].cursor() as cursor:
        cursor.execute("ALTER TABLE tracing_encounter DETACH PARTITION tracing_encounter_p20200201")
    assert partitions.partitions_drop_expired(cutoff=at(day + timedelta(days=1))) == 2
    with connections[ENCOUNTERS].cursor() as cursor:
        cursor.execute("SELECT to_regclass('tracing_encounter_p20200201')")
        assert cursor.fetchone()[0] is None


def _connect():
    settings = connections[ENCOUNTERS].settings_dict
    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    )


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_ddl_behind_a_long_reader_waits_without_holding_up_the_inserts():
    """Creating a partition retries a short lock wait instead of queueing every insert."""
    reader_holds = threading.Event()
    inserting = threading.Event()
    latencies = []

    def long_reader():
        with _connect() as connection, connection.transaction():
            connection.execute("LOCK TABLE tracing_encounter IN ACCESS SHARE MODE")
            reader_holds.set()
            time.sleep(1.0)

    def inserter():
        with _connect() as connection:
            for n in range(60):
                started = time.perf_counter()
                connection.execute(
                    "INSERT INTO tracing_encounter (my_tag, ref_tag, started_at, slots) "
                    "VALUES (%s, 1, now(), 1)",
                    [1000 + n],
                )
                latencies.append(time.perf_counter() - started)
                inserting.set()
                time.sleep(0.02)

    threads = [threading.Thread(target=long_reader), threading.Thread(target=inserter)]
    for thread in threads:
        thread.start()
    reader_holds.wait(5)
    inserting.wait(5)
    day = date(2031, 1, 1)
    try:
        assert partitions.partitions_ensure(first_day=day, last_day=day) == 1
    finally:
        for thread in threads:
            thread.join()
        with connections[ENCOUNTERS].cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {partitions.partition_name(day)}")
    # Waiting for the lock without a timeout would hold every insert for most of a second.
    assert len(latencies) == 60
    assert max(latencies) < 0.5


PURGE_ON_SQLITE = """
from datetime import timedelta
from django.utils import timezone
from retention.services import purge_expired
from encounters import partitions
from encounters.models import Encounter
from encounters.services import encounters_upsert
from encounters.tasks import partitions_ahead as partitions_ahead_task
now = timezone.now()
encounters_upsert([(1, 2, now - timedelta(days=d), 1) for d in (30, 15, 14.5, 13, 0)])
assert partitions.partitions_ahead() == 0
print("removed", purge_expired(now=now)["encounters"], "left", Encounter.objects.count())
"""


@pytest.mark.django_db(databases=[])
def test_the_embedded_sqlite_default_keeps_a_plain_table_and_purges_the_same_rows(tmp_path):
    env = embedded_env(tmp_path)
    manage(env, "migrate_all", "-v0", timeout=300)
    result = manage(env, "shell", "-c", PURGE_ON_SQLITE, timeout=120)
    assert "removed 3 left 2" in result.stdout
