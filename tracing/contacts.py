"""Pure functions of a trace: windows, merging both directions, days, close-contact policies.

No database here: tracing/selectors.py gathers the data, these decide.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from core.errors import DomainError

SYMPTOM_ONSET_DAYS_BEFORE = 3  # seeds/002: infectious from 3 days before symptoms
POSITIVE_TEST_DAYS_BEFORE = 7  # ... or 7 days before the test when there were none


class Policy:
    ENCOUNTER = "encounter"  # CERN: one encounter longer than the threshold
    DAILY = "daily"  # Swiss/ECDC: at least the threshold, cumulated within one calendar day
    ALL = (ENCOUNTER, DAILY)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    derived_from: str  # "explicit", "symptom_onset" or "positive_test"
    clamped: bool = False  # the start was moved up to the retention limit


def trace_window(
    *,
    now: datetime,
    retention: timedelta,
    start: datetime | None = None,
    end: datetime | None = None,
    symptom_onset: datetime | None = None,
    positive_test: datetime | None = None,
) -> Window:
    """The period to trace: explicit, or the infectious period; never older than the retention."""
    given = [
        name
        for name, value in (
            ("from", start),
            ("symptom_onset", symptom_onset),
            ("positive_test", positive_test),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise DomainError(
            "Give exactly one of: a start (from), the symptom onset, or the positive test.",
            code="window",
        )
    if symptom_onset is not None:
        start, derived = symptom_onset - timedelta(days=SYMPTOM_ONSET_DAYS_BEFORE), "symptom_onset"
    elif positive_test is not None:
        start, derived = positive_test - timedelta(days=POSITIVE_TEST_DAYS_BEFORE), "positive_test"
    else:
        derived = "explicit"
    end = min(end or now, now)
    floor = now - retention
    clamped = start < floor
    start = max(start, floor)
    if end <= start:
        raise DomainError(
            "The window is empty: its end is before its start, or both lie beyond the "
            f"{retention.days}-day retention.",
            code="window",
        )
    return Window(start=start, end=end, derived_from=derived, clamped=clamped)


Interval = tuple[datetime, datetime]


def merge(intervals: list[Interval]) -> list[Interval]:
    """Overlapping (or touching) intervals become one: A→B and B→A of one meeting count once."""
    merged: list[list[datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def seconds_per_day(intervals: list[Interval], zone: tzinfo) -> dict[date, int]:
    """Seconds in contact per local calendar day; an interval across midnight is split.

    Day boundaries are local midnights, so a day with a daylight-saving
    change has 23 or 25 hours and is summed correctly.
    """
    days: dict[date, float] = defaultdict(float)
    for start, end in intervals:
        # In UTC: Python subtracts two times of the same zone as wall-clock times.
        cursor, end_utc = start.astimezone(UTC), end.astimezone(UTC)
        while cursor < end_utc:
            local_day = cursor.astimezone(zone).date()
            next_midnight = datetime.combine(local_day + timedelta(days=1), time.min, tzinfo=zone)
            piece_end = min(end_utc, next_midnight.astimezone(UTC))
            days[local_day] += (piece_end - cursor).total_seconds()
            cursor = piece_end
    return {day: round(seconds) for day, seconds in sorted(days.items())}


def is_close_contact(
    intervals: list[Interval], *, policy: str, threshold: timedelta, zone: tzinfo
) -> bool:
    """`encounter`: one (merged) encounter longer than the threshold.
    `daily`: the threshold reached, cumulated, within one calendar day."""
    if policy == Policy.ENCOUNTER:
        return any(
            end.astimezone(UTC) - start.astimezone(UTC) > threshold for start, end in intervals
        )
    if policy == Policy.DAILY:
        return any(
            seconds >= threshold.total_seconds()
            for seconds in seconds_per_day(intervals, zone).values()
        )
    raise DomainError(
        f"Unknown policy {policy!r}; choose one of {', '.join(Policy.ALL)}.", code="policy"
    )
