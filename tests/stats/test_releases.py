"""Two releases of the statistics, side by side, and an attacker holding both.

Each period is published once it is closed, from its own data alone, so a day or a week
shows the same cells in every release. The one published equation between periods (a
February of exactly four Monday weeks is their sum) is protected with the weeks as they
were first published: the attacker of tests/core/test_small_counts.py, given every week
of both releases and the month, recovers no week.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEntry
from encounters.models import Encounter
from stats import selectors
from tests.core.test_small_counts import recover

pytestmark = pytest.mark.django_db(databases="__all__")

ZONE = ZoneInfo("Europe/Zurich")
FEBRUARY = [date(2027, 2, 1) + timedelta(weeks=n) for n in range(4)]  # Mondays; 28 days


def traces_in(weeks_and_counts: dict[date, int]) -> None:
    AuditEntry.objects.all().delete()
    entries, position = [], 0
    for monday, n in weeks_and_counts.items():
        for k in range(n):
            position += 1
            at = datetime.combine(monday + timedelta(days=k % 7), time(12), tzinfo=ZONE)
            entries.append(
                AuditEntry(
                    position=position,
                    at=at,
                    actor="medic",
                    action=AuditEntry.Action.TRACE,
                    previous_hash=f"{position - 1:064x}",
                    entry_hash=f"{position:064x}",
                )
            )
    AuditEntry.objects.bulk_create(entries)


def published(today: date) -> tuple[dict, dict]:
    periods = selectors.trace_periods(today=today)
    weeks = {date.fromisoformat(w["week"]): w["traces"] for w in periods["weeks"]}
    months = {m["month"]: m["traces"] for m in periods["months"]}
    return weeks, months


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9]), min_size=4, max_size=4))
def test_no_week_of_a_four_week_february_comes_back_from_the_month(counts):
    traces_in(dict(zip(FEBRUARY, counts, strict=True)))
    before_weeks, _ = published(date(2027, 2, 27))  # the last week of February under way
    after_weeks, after_months = published(date(2027, 3, 1))  # February closed
    for week in FEBRUARY[:3]:
        assert before_weeks[week] == after_weeks[week]  # one week, one figure, in both
    assert FEBRUARY[3] not in before_weeks
    month = after_months["2027-02"]
    if all(isinstance(after_weeks[w], int) for w in FEBRUARY):
        assert month == sum(counts)  # nothing hidden: the month is shown
    cells = {w: after_weeks[w] for w in FEBRUARY} | {"month": month}
    truth = dict(zip(FEBRUARY, counts, strict=True)) | {"month": sum(counts)}
    lines = [("month", FEBRUARY)]
    assert recover(cells, lines, cap=sum(counts) + 5, truth=truth, shown_alone=FEBRUARY) == {}


def test_with_the_month_shown_as_it_was_a_small_week_came_back():
    counts = [6, 3, 9, 7]
    traces_in(dict(zip(FEBRUARY, counts, strict=True)))
    weeks, months = published(date(2027, 3, 1))
    assert months["2027-02"] == "hidden"
    old_month = sum(counts)  # the old page: every month shown unless small
    cells = {w: weeks[w] for w in FEBRUARY} | {"month": old_month}
    truth = dict(zip(FEBRUARY, counts, strict=True)) | {"month": old_month}
    recovered = recover(cells, [("month", FEBRUARY)], cap=40, truth=truth, shown_alone=FEBRUARY)
    assert recovered == {FEBRUARY[1]: 3}


def test_a_month_that_is_not_four_whole_weeks_is_shown_under_the_small_count_rule_only():
    traces_in({date(2027, 3, 1): 3, date(2027, 3, 8): 20})
    _, months = published(date(2027, 4, 2))
    assert months["2027-03"] == 23  # March begins on a Monday but has 31 days: no equation


def test_two_consecutive_releases_show_every_shared_day_the_same(settings):
    settings.TIME_ZONE = "Europe/Zurich"
    day = date(2026, 10, 30)
    for offset, n in [(1, 3), (2, 7), (5, 1), (12, 6)]:
        start = datetime.combine(day - timedelta(days=offset), time(10), tzinfo=ZONE)
        for k in range(n):
            Encounter.objects.create(
                my_tag=k + 1, ref_tag=99, started_at=start + timedelta(minutes=k), slots=40
            )
    first = selectors.daily_stats(today=day)
    # The day of the first release goes on: three more encounters. They show the next day.
    for k in range(3):
        Encounter.objects.create(
            my_tag=50 + k,
            ref_tag=99,
            started_at=datetime.combine(day, time(15), tzinfo=ZONE),
            slots=2,
        )
    second = selectors.daily_stats(today=day + timedelta(days=1))
    shared = {d["date"]: d for d in first["days"]}
    for row in second["days"]:
        if row["date"] in shared:
            assert row == shared[row["date"]]
    assert second["days"][-1] == {
        "date": day.isoformat(),
        "active_proximeters": "< 5",
        "encounters": "< 5",
        "close_contact_length_encounters": 0,
        "devices_handed_out": 0,
    }
    assert len(first["days"]) == django_settings.ENCOUNTER_RETENTION_DAYS - 1
