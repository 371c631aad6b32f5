"""The rules of unusual activity against an independent, simple model, on generated histories.

The model below reads the rules' definition (oversight/rules.py, module docstring) and
nothing of its code: it takes every entry one by one, finds its local day and hour with
Python's zoneinfo (the portal asks PostgreSQL), and counts by looping over all entries.
Hypothesis writes histories around midnight and around the days the clocks change in
Europe/Zurich (29 March and 25 October 2026), with accounts in their first days, and
compares every alert: rule, account, day, hour, count and both usual values.

Small thresholds (a pattern from 2 days or 3 entries, a 5-day history) make every
branch reachable with a few dozen entries; repeats make counts land on the limits.
"""

import statistics
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from audit.models import AuditEntry
from core.roles import Role
from oversight.selectors import anomalies_list
from tests.oversight.history import write

pytestmark = pytest.mark.django_db(databases="__all__")

ZURICH = ZoneInfo("Europe/Zurich")
UTC = ZoneInfo("UTC")

BASELINE, MIN_DAYS, FACTOR, TRACE_FLOOR, EXPORT_FLOOR = 5, 2, 1, 2, 1
HOUR_PERCENT, HOUR_MIN = 25, 3
WORK_DAYS, WORK_START, WORK_END = {1, 2, 3, 4, 5}, 8, 17

MEDICAL = ["ann", "bob"]  # the role's accounts; "cyd" traces but no longer holds the role
ACTORS = [*MEDICAL, "cyd"]
ACTIONS = [
    "trace",
    "trace_exported",
    "follow_ups_exported",
    "trace_revealed",
    "contacts_revealed",
    "break_glass",
    "trace_reopened",
    "trace_refused",
    "case_opened",  # not watched
    "reveal_requested",  # not watched
]
# The days looked at: the clocks go forward, back, and an ordinary Monday.
DAYS = [date(2026, 3, 29), date(2026, 10, 25), date(2026, 6, 15)]


@pytest.fixture
def thresholds(settings, make_user):
    settings.TIME_ZONE = "Europe/Zurich"
    settings.OVERSIGHT_BASELINE_DAYS = BASELINE
    settings.OVERSIGHT_MIN_HISTORY_DAYS = MIN_DAYS
    settings.OVERSIGHT_SPREAD_FACTOR = FACTOR
    settings.OVERSIGHT_TRACES_PER_DAY_FLOOR = TRACE_FLOOR
    settings.OVERSIGHT_EXPORTS_PER_DAY_FLOOR = EXPORT_FLOOR
    settings.OVERSIGHT_UNUSUAL_HOUR_PERCENT = HOUR_PERCENT
    settings.OVERSIGHT_HOUR_MIN_ENTRIES = HOUR_MIN
    settings.OVERSIGHT_WORKING_DAYS = ["1", "2", "3", "4", "5"]
    settings.OVERSIGHT_WORKING_HOURS = f"{WORK_START:02d}:00-{WORK_END:02d}:00"
    for name in MEDICAL:
        make_user(name, Role.MEDICAL)
    make_user("cyd")


# --- The model ------------------------------------------------------------------------


def model(entries, since: date, until: date) -> set[tuple]:
    seen = [(actor, action, at.astimezone(ZURICH)) for actor, action, at in entries]

    def n(actors, actions, when) -> int:
        return sum(1 for a, act, t in seen if a in actors and act in actions and when(t))

    def window(day):
        return {day - timedelta(days=k) for k in range(1, BASELINE + 1)}

    def limit(values):
        if len(values) < MIN_DAYS:
            return None, None
        middle = statistics.median(values)
        mad = statistics.median([abs(v - middle) for v in values])
        return middle, middle + FACTOR * max(mad, 1)

    days = [since + timedelta(days=k) for k in range((until - since).days + 1)]
    found = set()
    for rule, actions, floor in (
        ("traces_per_day", {"trace"}, TRACE_FLOOR),
        ("exports_per_day", {"trace_exported", "follow_ups_exported"}, EXPORT_FLOOR),
    ):
        for day in days:
            before = window(day)
            pool = [
                c
                for m in MEDICAL
                for w in before
                if (c := n({m}, actions, lambda t, w=w: t.date() == w))
            ]
            role_usual, role_limit = limit(pool)
            for actor in ACTORS:
                today = n({actor}, actions, lambda t, day=day: t.date() == day)
                own = [
                    c for w in before if (c := n({actor}, actions, lambda t, w=w: t.date() == w))
                ]
                own_usual, own_limit = limit(own)
                limits = [x for x in (floor, own_limit, role_limit) if x is not None]
                if today and today > max(limits):
                    found.add((rule, actor, day, None, today, own_usual, role_usual))

    reveals = {"trace", "trace_revealed", "contacts_revealed", "break_glass"}
    for day in days:
        before = window(day)
        for actor in ACTORS:
            for hour in range(24):
                now = n({actor}, reveals, lambda t, d=day, h=hour: (t.date(), t.hour) == (d, h))
                if not now:
                    continue
                shares = []
                for who in ({actor}, set(MEDICAL)):
                    total = n(who, reveals, lambda t, b=before: t.date() in b)
                    there = n(
                        who, reveals, lambda t, b=before, h=hour: t.date() in b and t.hour == h
                    )
                    shares.append(Fraction(there, total) * 100 if total >= HOUR_MIN else None)
                known = [s for s in shares if s is not None]
                if known and all(s < HOUR_PERCENT for s in known):
                    own, role = (None if s is None else float(s) for s in shares)
                    found.add(("unusual_hour", actor, day, hour, now, own, role))

    def off_work(t: datetime) -> bool:
        return t.isoweekday() not in WORK_DAYS or not WORK_START <= t.hour < WORK_END

    revealing = reveals | {"trace_reopened", "trace_exported"}
    for rule, actions, counted in (
        ("outside_working_hours", revealing, off_work),
        ("break_glass", {"break_glass"}, lambda t: True),
        ("rate_limit", {"trace_refused"}, lambda t: True),
    ):
        for day in days:
            before = window(day)
            for actor in ACTORS:
                for hour in range(24):
                    here = lambda t, d=day, h=hour: (t.date(), t.hour) == (d, h)  # noqa: E731
                    now = n({actor}, actions, lambda t, h=here, c=counted: h(t) and c(t))
                    if now:
                        past = lambda t, b=before, c=counted: t.date() in b and c(t)  # noqa: E731
                        own = n({actor}, actions, past)
                        role = n(set(MEDICAL), actions, past)
                        found.add((rule, actor, day, hour, now, own, role))
    return found


# --- The histories ----------------------------------------------------------------------


def edges(day: date) -> list[datetime]:
    """Instants where a rule's arithmetic could slip: midnights, the clocks' change, hours."""
    points = []
    for k in range(-BASELINE - 1, 2):
        midnight = datetime.combine(day + timedelta(days=k), time.min, tzinfo=ZURICH)
        points += [midnight, midnight - timedelta(seconds=1), midnight + timedelta(hours=23)]
    points += [
        datetime(day.year, day.month, day.day, h, m, tzinfo=UTC) for h in (0, 1, 2) for m in (0, 59)
    ]
    points += [datetime.combine(day, time(WORK_START), tzinfo=ZURICH) - timedelta(seconds=1)]
    points += [datetime.combine(day, time(WORK_END), tzinfo=ZURICH)]
    return points


@st.composite
def histories(draw):
    day = draw(st.sampled_from(DAYS))
    start = datetime.combine(day - timedelta(days=BASELINE + 1), time.min, tzinfo=ZURICH)
    seconds = int(timedelta(days=BASELINE + 3).total_seconds())
    instant = st.one_of(
        st.sampled_from(edges(day)),
        st.integers(0, seconds).map(lambda s: start + timedelta(seconds=s)),
    )
    action = st.one_of(st.sampled_from(["trace", "trace_exported"]), st.sampled_from(ACTIONS))
    groups = draw(
        st.lists(
            st.tuples(
                st.sampled_from(ACTORS),
                action,
                instant,
                st.integers(1, 5),  # the same action this many times within the minute
            ),
            max_size=25,
        )
    )
    entries = [
        (actor, action, (at + timedelta(seconds=k)).astimezone(UTC))
        for actor, action, at, times in groups
        for k in range(times)
    ]
    # Habits: an account doing the same thing so many times a day, several days running,
    # at one local hour (so that usual patterns are known and limits are met).
    habits = draw(
        st.lists(
            st.tuples(
                st.sampled_from(ACTORS),
                action,
                st.integers(-BASELINE - 1, 1),  # the first day, from the day looked at
                st.integers(1, BASELINE),  # days running
                st.integers(1, 4),  # a day
                st.integers(0, 23),  # at this hour
            ),
            max_size=4,
        )
    )
    for actor, action, first, days, per_day, hour in habits:
        for d in range(days):
            at = datetime.combine(day + timedelta(days=first + d), time(hour), tzinfo=ZURICH)
            entries += [
                (actor, action, (at + timedelta(minutes=m)).astimezone(UTC)) for m in range(per_day)
            ]
    return day, entries


def alerts_of(entries, since: date, until: date) -> set[tuple]:
    AuditEntry.objects.all().delete()
    write(entries)
    return {
        (a.rule, a.actor, a.day, a.hour, a.observed, a.usual_user, a.usual_role)
        for a in anomalies_list(since=since, until=until)
    }


@hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
@example(  # a count exactly at the user's limit (median 3, MAD 0: limit 4) is no alert
    history=(
        date(2026, 6, 15),
        [
            ("ann", "trace", datetime(2026, 6, d, 10, m, tzinfo=ZURICH))
            for d, times in ((12, 3), (13, 3), (15, 4))
            for m in range(times)
        ],
    )
)
@example(  # an hour holding exactly 25 % of ann's history is usual for her (not the role's)
    history=(
        date(2026, 6, 15),
        [
            *(("ann", "trace", datetime(2026, 6, 12, 10, m, tzinfo=ZURICH)) for m in range(3)),
            ("ann", "trace", datetime(2026, 6, 12, 12, 0, tzinfo=ZURICH)),
            *(("bob", "trace", datetime(2026, 6, 12, 10, m, tzinfo=ZURICH)) for m in range(8)),
            ("ann", "trace", datetime(2026, 6, 15, 12, 0, tzinfo=ZURICH)),
        ],
    )
)
@example(  # exactly 25 % of the role's is usual for cyd (no history); 17:00 is after work
    history=(
        date(2026, 6, 15),
        [
            *(("ann", "trace", datetime(2026, 6, 12, 10, m, tzinfo=ZURICH)) for m in range(3)),
            ("ann", "trace", datetime(2026, 6, 12, 12, 0, tzinfo=ZURICH)),
            ("cyd", "trace", datetime(2026, 6, 15, 12, 30, tzinfo=ZURICH)),
            ("bob", "trace_reopened", datetime(2026, 6, 15, 17, 0, tzinfo=ZURICH)),
            ("bob", "trace_reopened", datetime(2026, 6, 15, 16, 59, 59, tzinfo=ZURICH)),
        ],
    )
)
def test_the_rules_agree_with_the_model(thresholds, history):
    day, entries = history
    since, until = day - timedelta(days=1), day + timedelta(days=1)
    expected = model(entries, since, until)
    for rule in {alert[0] for alert in expected}:
        event(rule)
    assert alerts_of(entries, since, until) == expected


def test_the_model_can_fail_a_count_one_above_the_limit_alerts(thresholds):
    """The example above, one trace more: the rules and the model both see it."""
    entries = [
        ("ann", "trace", datetime(2026, 6, d, 10, m, tzinfo=ZURICH))
        for d, times in ((12, 3), (13, 3), (15, 5))
        for m in range(times)
    ]
    found = alerts_of(entries, date(2026, 6, 15), date(2026, 6, 15))
    assert found == model(entries, date(2026, 6, 15), date(2026, 6, 15))
    assert ("traces_per_day", "ann", date(2026, 6, 15), None, 5, 3, 3) in found


def test_on_the_night_the_clocks_go_back_both_two_oclocks_are_one_hour(thresholds):
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer time
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 winter time
    entries = [("ann", "break_glass", first), ("ann", "break_glass", second)]
    found = alerts_of(entries, date(2026, 10, 25), date(2026, 10, 25))
    assert ("break_glass", "ann", date(2026, 10, 25), 2, 2, 0, 0) in found
    assert found == model(entries, date(2026, 10, 25), date(2026, 10, 25))


def test_a_second_before_midnight_belongs_to_the_day_before(thresholds):
    late = datetime(2026, 3, 28, 23, 59, 59, tzinfo=ZURICH)
    entries = [("bob", "trace_refused", late)]
    found = alerts_of(entries, date(2026, 3, 28), date(2026, 3, 29))
    assert found == {("rate_limit", "bob", date(2026, 3, 28), 23, 1, 0, 0)}
