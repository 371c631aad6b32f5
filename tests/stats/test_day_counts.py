"""The statistics' per-day counts (encounters/aggregates.py) against the records they count.

A deliberately plain reference (a dict of records, Python's zoneinfo, the close-contact
length in seconds) is compared by hypothesis with what the closer keeps and what the purge
reports, over generated histories of writes, late uplinks, repeats, closer runs and
purges around a day of the clock change; then several processes write late uplinks while
two closers run, on PostgreSQL.
"""

import os
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core.databases import ENCOUNTERS
from encounters import aggregates, partitions
from encounters.aggregates import day_counts, days_close
from encounters.models import DayChange, DayCount, Encounter, HourCount
from encounters.services import encounters_purge, encounters_upsert
from retention.services import purge_expired
from tests.processes import at_once

EXAMPLES = int(os.environ.get("DAY_COUNT_EXAMPLES", "120"))
ZURICH = ZoneInfo("Europe/Zurich")
#: The clock goes back in Zurich on 2026-10-25: that day has 25 hours.
BASE = datetime(2026, 10, 18, tzinfo=ZURICH)


# --- The reference -------------------------------------------------------------------


class Reference:
    """Records as a dict; counts by the local date of each start, written out plainly."""

    def __init__(self) -> None:
        self.slots: dict[tuple[int, int, datetime], int] = {}

    def write(self, records) -> None:
        for my_tag, ref_tag, started_at, slots in records:
            key = (my_tag, ref_tag, started_at)
            self.slots[key] = max(slots, self.slots.get(key, 0))

    def purge(self, cutoff: datetime) -> int:
        old = [key for key in self.slots if key[2] < cutoff]
        for key in old:
            del self.slots[key]
        return len(old)

    def counts(self, day: date) -> tuple[int, int, int]:
        mine = [
            (key, n) for key, n in self.slots.items() if key[2].astimezone(ZURICH).date() == day
        ]
        close_seconds = settings.TRACING_CLOSE_CONTACT_MINUTES * 60
        return (
            len({key[0] for key, _ in mine}),
            len(mine),
            sum(1 for _, n in mine if n * 30 > close_seconds),
        )


def over_with_grace(day: date, now: datetime) -> bool:
    """The day ended (local midnight) at least ten minutes ago."""
    after = day + timedelta(days=1)
    next_midnight = datetime(after.year, after.month, after.day, tzinfo=ZURICH)
    return now >= next_midnight.astimezone(UTC) + timedelta(minutes=10)


def kept(day: date) -> tuple[int, int, int] | None:
    row = DayCount.objects.filter(day=day).first()
    return None if row is None else (row.active, row.encounters, row.close)


# --- Generated histories ---------------------------------------------------------------

#: Minutes after BASE (local midnight): near midnights, the doubled hour, anywhere.
_EDGES = [0, 1, 9, 10, 11, 2 * 60, 2 * 60 + 30, 3 * 60, 23 * 60 + 59]
minutes = st.one_of(
    st.integers(0, 16 * 1440),
    st.builds(lambda day, edge: day * 1440 + edge, st.integers(0, 16), st.sampled_from(_EDGES)),
)
record = st.tuples(
    st.integers(1, 5),  # my_tag
    st.integers(1, 5),  # ref_tag
    st.integers(0, 3 * 1440),  # how long before the write the meeting began (minutes)
    st.integers(1, 40),  # slots: 30 (15 minutes) is the close-contact length
)
step = st.one_of(
    st.tuples(st.just("write"), minutes, st.lists(record, min_size=1, max_size=6)),
    st.tuples(st.just("close"), minutes, st.just(None)),
    st.tuples(st.just("purge"), minutes, st.just(None)),
)


def _moment(minute: int) -> datetime:
    # Minutes of elapsed time after BASE, so the doubled hour is two different hours.
    return BASE.astimezone(UTC) + timedelta(minutes=minute)


@pytest.fixture
def day_partitions():
    """Day partitions around the histories, so that the purge drops some (PostgreSQL)."""
    first = (BASE - timedelta(days=5)).date()
    partitions.partitions_ensure(first_day=first, last_day=first + timedelta(days=25))


@pytest.mark.django_db(databases="__all__")
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=14))
# Found by this test: 14 days of elapsed time before 2026-11-02 23:50 CET end at 00:50 on
# 2026-10-20 (the clocks went back on 10-25), a day the statistics still show. The purge
# takes its first record; the closer must count the day again.
@example(
    steps=[
        ("write", 2890, [(1, 2, 0, 1)]),  # 2026-10-20 00:10 CEST
        ("write", 3600, [(3, 4, 0, 1)]),  # 2026-10-20 12:00 CEST
        ("close", 5000, None),
        ("purge", 23090, None),  # cutoff 2026-10-20 00:50 CEST
        ("close", 23095, None),
    ]
)
def test_kept_counts_and_purged_rows_match_a_plain_reference(day_partitions, steps):
    note(str(sorted(steps, key=lambda s: s[1])))
    with transaction.atomic(using=ENCOUNTERS):
        reference = Reference()
        for kind, minute, records in sorted(steps, key=lambda s: s[1]):
            now = _moment(minute)
            if kind == "write":
                rows = [
                    (my, ref, (now - timedelta(minutes=before)).replace(second=0), slots)
                    for my, ref, before, slots in records
                ]
                encounters_upsert(rows, now=now)
                reference.write(rows)
            elif kind == "purge":
                cutoff = now - timedelta(days=settings.ENCOUNTER_RETENTION_DAYS)
                assert encounters_purge(cutoff=cutoff) == reference.purge(cutoff)
            else:
                days_close(now=now)
                today = now.astimezone(ZURICH).date()
                for back in range(1, settings.ENCOUNTER_RETENTION_DAYS):
                    day = today - timedelta(days=back)
                    if over_with_grace(day, now):
                        assert kept(day) == reference.counts(day), (day, now)
        # What the statistics read at the end (the closer has run, as the beat runs it), for
        # each day they show, kept or counted on reading, is the reference's.
        now = _moment(max(minute for _, minute, _ in steps))
        days_close(now=now)
        today = now.astimezone(ZURICH).date()
        days = [today - timedelta(days=n) for n in range(1, settings.ENCOUNTER_RETENTION_DAYS)]
        assert {d: tuple(vars(c).values()) for d, c in day_counts(days).items()} == {
            d: reference.counts(d) for d in days
        }
        transaction.set_rollback(True, using=ENCOUNTERS)


# --- What a user notices -------------------------------------------------------------------

pytestmark = pytest.mark.django_db(databases="__all__")


def _at_ten(days_ago: int) -> datetime:
    return timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(
        days=days_ago
    )


def _page(client, medic) -> dict:
    client.force_login(medic)
    return {d["date"]: d for d in client.get(reverse("stats-daily")).json()["days"]}


def test_a_late_uplink_shows_on_the_statistics_after_the_next_closer_run(client, medic):
    two_days_ago = _at_ten(2)
    encounters_upsert([(tag, 900, two_days_ago, 2) for tag in range(1, 7)])
    assert days_close() >= 1
    day = two_days_ago.date().isoformat()
    assert _page(client, medic)[day]["encounters"] == 6
    # A device that was out of reach uploads yesterday's meetings: the day is due again.
    encounters_upsert([(tag, 901, two_days_ago, 40) for tag in range(7, 13)])
    assert DayChange.objects.filter(day=two_days_ago.date()).exists()
    assert _page(client, medic)[day]["encounters"] == 6  # counted as kept until the closer runs
    days_close()
    shown = _page(client, medic)[day]
    assert (shown["encounters"], shown["active_proximeters"]) == (12, 12)
    assert shown["close_contact_length_encounters"] == 6
    assert not DayChange.objects.exists()


def test_the_page_counts_a_day_the_closer_has_not_counted_yet_without_writing(client, medic):
    encounters_upsert([(tag, 900, _at_ten(3), 2) for tag in range(1, 8)])
    assert _page(client, medic)[_at_ten(3).date().isoformat()]["encounters"] == 7
    assert not DayCount.objects.exists() and not HourCount.objects.exists()


def test_counts_made_under_other_settings_are_counted_again(client, medic, settings):
    encounters_upsert([(tag, 900, _at_ten(2), 31) for tag in range(1, 7)])  # 15.5 minutes
    days_close()
    day = _at_ten(2).date().isoformat()
    assert _page(client, medic)[day]["close_contact_length_encounters"] == 6
    settings.TRACING_CLOSE_CONTACT_MINUTES = 20
    assert _page(client, medic)[day]["close_contact_length_encounters"] == 0  # on reading
    assert days_close() >= 1 and days_close() == 0  # counted again once
    assert kept(_at_ten(2).date()) == (6, 6, 0)


def test_the_purge_reports_the_rows_it_removed_from_the_kept_hours(day_partitions):
    day = (BASE - timedelta(days=2)).astimezone(UTC).date()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    rows = [(1 + n % 5, 9, start + timedelta(minutes=7 * n), 3) for n in range(150)]
    encounters_upsert(rows, now=start + timedelta(days=1))
    days_close(now=start + timedelta(days=3))
    # A purge whose cutoff falls inside the day removes its first hours by DELETE...
    first = encounters_purge(cutoff=start + timedelta(hours=5, minutes=30))
    assert first == sum(1 for r in rows if r[2] < start + timedelta(hours=5, minutes=30))
    days_close(now=start + timedelta(days=3))  # the beat's next run counts that day again
    # ... the next drops the rest of its partition, counted from the hours still kept (no
    # count(*) of the partition) plus the rows of the hour the first purge cut.
    with CaptureQueriesContext(connections[ENCOUNTERS]) as captured:
        rest = encounters_purge(cutoff=start + timedelta(days=1, hours=3))
    assert first + rest == 150
    assert not [q for q in captured if re.search(r'count\(\*\) FROM "[a-z_0-9]+"$', q["sql"])]
    assert not Encounter.objects.filter(started_at__lt=start + timedelta(days=1)).exists()
    # The counts of the days whose records are all gone went with them.
    assert not DayCount.objects.filter(day__lte=(start + timedelta(hours=5)).date()).exists()


def test_a_table_a_stopped_purge_detached_is_counted_not_added_up(day_partitions):
    day = (BASE - timedelta(days=2)).astimezone(UTC).date()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    encounters_upsert([(1 + n % 5, 9, start + timedelta(minutes=9 * n), 3) for n in range(120)])
    days_close(now=start + timedelta(days=3))
    # A purge detaches the day, then stops before DROP (a deploy, a killed process) ...
    partitions._with_short_locks(
        lambda cursor: partitions._detach(cursor, day, table="tracing_encounter")
    )
    # ... and the closer counts the day's local days again meanwhile: without those rows.
    for local in {(start + timedelta(hours=h)).astimezone(ZURICH).date() for h in (0, 23)}:
        DayChange.objects.create(day=local)
    days_close(now=start + timedelta(days=3))
    assert encounters_purge(cutoff=start + timedelta(days=1)) == 120


# --- An attacker ------------------------------------------------------------------------------


def test_replayed_future_dated_and_expired_records_change_no_kept_day(client, medic):
    yesterday = _at_ten(1)
    encounters_upsert([(tag, 900, yesterday, 2) for tag in range(1, 7)])
    days_close()
    before = {day: kept(day) for day in DayCount.objects.values_list("day", flat=True)}
    # The same uplink again (a replay), and a repeat with fewer slots: no row changes.
    encounters_upsert([(tag, 900, yesterday, 2) for tag in range(1, 7)])
    encounters_upsert([(tag, 900, yesterday, 1) for tag in range(1, 7)])
    assert not DayChange.objects.exists()
    # Dated tomorrow: not a day over, nothing is marked, no closed day moves.
    encounters_upsert([(7, 900, timezone.now() + timedelta(days=1), 40)])
    assert not DayChange.objects.exists()
    # Dated long before the retention: marked, but never a day the statistics show.
    long_ago = timezone.now() - timedelta(days=40)
    encounters_upsert([(8, 900, long_ago, 40)])
    assert DayChange.objects.filter(day=timezone.localdate(long_ago)).exists()
    days_close()
    assert {day: kept(day) for day in DayCount.objects.values_list("day", flat=True)} == before
    purge_expired()
    assert not DayChange.objects.filter(day__lte=timezone.localdate(long_ago)).exists()


# --- Several processes at once (PostgreSQL) ---------------------------------------------------


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_day_is_not_first_counted_while_a_writer_from_before_its_end_is_open():
    """A writer judged its record "today" (no mark) and stalled past midnight and the grace:
    the first count waits for it."""
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate(now)
    after_midnight = aggregates.midnight(today + timedelta(days=1)) + timedelta(minutes=20)
    db = connections[ENCOUNTERS].settings_dict
    writer = psycopg.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
        host=db["HOST"] or None, port=db["PORT"] or None,
    )  # fmt: skip
    try:
        writer.execute(
            "INSERT INTO tracing_encounter (my_tag, ref_tag, started_at, slots) "
            "VALUES (1, 2, %s, 40)",
            [now],
        )
        days_close(now=after_midnight)
        assert kept(today) is None  # postponed, not counted without the open writer's record
        writer.commit()
    finally:
        writer.close()
    days_close(now=after_midnight)
    assert kept(today) == (1, 1, 1)


_WRITER_AND_CLOSER = """
import random
from datetime import timedelta
from django.utils import timezone
from encounters.aggregates import days_close
from encounters.services import encounters_upsert
role, seed = sys.argv[3], int(sys.argv[4])
rng = random.Random(seed)
if role == "write":
    for n in range(80):
        days_ago = rng.randint(1, 5)
        back = timedelta(days=days_ago, minutes=rng.randint(0, 600))
        at = timezone.now().replace(microsecond=0) - back
        encounters_upsert([(rng.randint(1, 400), seed, at, rng.randint(1, 40)) for _ in range(5)])
    print("wrote")
else:
    counted = 0
    for n in range(25):
        counted += days_close()
        time.sleep(0.02)
    print("counted", counted)
"""


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_late_uplinks_written_while_two_closers_run_are_never_lost(tmp_path):
    args = [["write", str(1000 + n)] for n in range(4)] + [["close", "0"], ["close", "1"]]
    outputs = at_once(_WRITER_AND_CLOSER, args, tmp_path, timeout=240)
    assert sum(o.startswith("wrote") for o in outputs) == 4, outputs
    # Every day counted and not marked since holds the true counts: no write slipped between
    # a closer's count and the deletion of the marks it saw.
    pending = set(DayChange.objects.values_list("day", flat=True))
    fresh = {row.day: row for row in DayCount.objects.all() if row.day not in pending}
    assert fresh, "the closers counted nothing"
    for day, row in fresh.items():
        truth = day_counts_from_records(day)
        assert (row.active, row.encounters, row.close) == truth, day
    days_close()
    for row in DayCount.objects.all():
        assert (row.active, row.encounters, row.close) == day_counts_from_records(row.day)


def day_counts_from_records(day: date) -> tuple[int, int, int]:
    """The reference over what PostgreSQL holds now."""
    reference = Reference()
    reference.write(Encounter.objects.values_list("my_tag", "ref_tag", "started_at", "slots"))
    return reference.counts(day)
