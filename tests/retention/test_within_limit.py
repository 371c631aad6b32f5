"""The "within its limit" rule against an independent model of the purge's schedule.

The reference does not use the rule's formula: it simulates purges run on time, every
`interval`, at every possible phase, each deleting what is older than the limit at its
run (strictly older, as the purges' `__lt=cutoff` do), and asks whether the item could
still be here at `now` under one of them (a run happening at `now` has not finished).
"""

from datetime import UTC, datetime, timedelta

import pytest
from celery.schedules import crontab
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from retention.selectors import purge_interval, within_limit

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def could_still_be_here(*, age: int, limit: int, interval: int) -> bool:
    """Brute force over every phase of a schedule with runs at phase + k * interval."""
    created = 0
    now = age
    for phase in range(interval):
        runs = range(phase - interval * 3, now + interval, interval)
        # The run at r deletes the item if created < r - limit; one strictly before now did?
        if not any(created < r - limit and r < now for r in runs):
            return True
    return False


@hypothesis_settings(max_examples=400, deadline=None)
@given(
    limit=st.integers(min_value=1, max_value=40),
    interval=st.integers(min_value=1, max_value=12),
    data=st.data(),
)
@example(limit=14, interval=1, data=None)  # the edges below, for the usual values
def test_the_rule_agrees_with_the_simulated_schedule(limit, interval, data):
    # Ages around the limit and the limit plus one interval: the edges that matter.
    edges = [limit - 1, limit, limit + 1, limit + interval - 1, limit + interval]
    edges += [limit + interval + 1, 0]
    ages = edges if data is None else [data.draw(st.integers(0, limit + 3 * interval)), *edges]
    unit = timedelta(hours=1)
    for age in ages:
        if age < 0:
            continue
        expected = could_still_be_here(age=age, limit=limit, interval=interval)
        got = within_limit(
            oldest=NOW - age * unit, now=NOW, limit=limit * unit, interval=interval * unit
        )
        assert got == expected, (age, limit, interval)


def test_one_second_past_the_tolerance_is_overdue():
    limit, interval = timedelta(days=14), timedelta(hours=25)
    at_edge = NOW - limit - interval
    assert within_limit(oldest=at_edge, now=NOW, limit=limit, interval=interval)
    assert not within_limit(
        oldest=at_edge - timedelta(seconds=1), now=NOW, limit=limit, interval=interval
    )


@pytest.mark.parametrize(
    ("schedule", "zone", "expected"),
    [
        (crontab(hour=3, minute=15), "Europe/Zurich", timedelta(hours=25)),  # across a change
        (crontab(hour=3, minute=15), "UTC", timedelta(days=1)),
        (crontab(hour="*/6", minute=0), "UTC", timedelta(hours=6)),
        (crontab(hour="1,13", minute=0), "UTC", timedelta(hours=12)),
        (crontab(hour=2, minute=0, day_of_week="mon"), "UTC", timedelta(days=7)),
        (crontab(hour=2, minute=0, day_of_week="mon,thu"), "UTC", timedelta(days=4)),
        (3600.0, "UTC", timedelta(hours=1)),
        (timedelta(hours=8), "UTC", timedelta(hours=8)),
    ],
)
def test_the_tolerance_is_the_longest_gap_of_the_beat_schedule(settings, schedule, zone, expected):
    settings.CELERY_TIMEZONE = zone
    settings.CELERY_BEAT_SCHEDULE = {
        **settings.CELERY_BEAT_SCHEDULE,
        "purge-expired": {"task": "retention.purge_expired", "schedule": schedule},
    }
    assert purge_interval() == expected
