"""Pure functions of a trace: windows, merging both directions, days, close-contact policies.

No database here: tracing/selectors.py gathers the data, these decide.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.utils.translation import gettext as _

from core.errors import DomainError
from risk.infectious import POSITIVE_TEST_DAYS_BEFORE, SYMPTOM_ONSET_DAYS_BEFORE


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
            _("Give exactly one of: a start (from), the symptom onset, or the positive test."),
            code="window",
        )
    if symptom_onset is not None:
        start, derived = symptom_onset - timedelta(days=SYMPTOM_ONSET_DAYS_BEFORE), "symptom_onset"
    elif positive_test is not None:
        start, derived = positive_test - timedelta(days=POSITIVE_TEST_DAYS_BEFORE), "positive_test"
    else:
        derived = "explicit"
    # In UTC: Python compares two times of one zone by the wall clock, so 02:59 summer
    # time would come after 02:00 winter time on the night the clocks go back.
    now, start = now.astimezone(UTC), start.astimezone(UTC)
    end = end.astimezone(UTC) if end else now
    # A trace counts whole seconds (encounter records start on one).
    end = min(end, now).replace(microsecond=0)
    floor = (now - retention).replace(microsecond=0)
    clamped = start < floor
    start = max(start, floor).replace(microsecond=0)
    if end <= start:
        raise DomainError(
            _(
                "The window is empty: its end is before its start, or both lie beyond the "
                "%(days)d-day retention."
            )
            % {"days": retention.days},
            code="window",
        )
    return Window(start=start, end=end, derived_from=derived, clamped=clamped)


Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Piece:
    """Time in contact with one peer: a part of an encounter record, or merged encounters.

    `cut_start`/`cut_end`: the record went on before/after what is counted,
    because the window (or the traced person's holding) begins or ends there.
    """

    start: datetime
    end: datetime
    cut_start: bool = False
    cut_end: bool = False

    @property
    def seconds(self) -> int:
        return round((self.end.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds())


def merge(pieces: list[Piece]) -> list[Piece]:
    """Overlapping or touching pieces become one encounter.

    Both directions of one meeting (A→B and B→A) overlap and count once; a
    record that ends the second the next begins continues the same meeting.
    A gap, even of one second, separates two encounters.
    """
    merged: list[Piece] = []
    for piece in sorted(pieces, key=lambda p: (p.start, p.end)):
        if not merged or piece.start > merged[-1].end:
            merged.append(piece)
            continue
        last = merged[-1]
        cut_start = last.cut_start or (piece.start == last.start and piece.cut_start)
        if piece.end > last.end:
            end, cut_end = piece.end, piece.cut_end
        else:
            end, cut_end = last.end, last.cut_end or (piece.end == last.end and piece.cut_end)
        merged[-1] = Piece(last.start, end, cut_start, cut_end)
    return merged


def seconds_per_day(intervals: list[Piece], zone: tzinfo) -> dict[date, int]:
    """Seconds in contact per local calendar day; an interval across midnight is split.

    Day boundaries are local midnights, so a day with a daylight-saving
    change has 23 or 25 hours and is summed correctly.
    """
    days: dict[date, float] = defaultdict(float)
    for piece in intervals:
        # In UTC: Python subtracts two times of the same zone as wall-clock times.
        cursor, end_utc = piece.start.astimezone(UTC), piece.end.astimezone(UTC)
        while cursor < end_utc:
            local_day = cursor.astimezone(zone).date()
            next_midnight = datetime.combine(local_day + timedelta(days=1), time.min, tzinfo=zone)
            piece_end = min(end_utc, next_midnight.astimezone(UTC))
            days[local_day] += (piece_end - cursor).total_seconds()
            cursor = piece_end
    return {day: round(seconds) for day, seconds in sorted(days.items())}


def is_close_contact(
    encounters: list[Piece], *, policy: str, threshold: timedelta, zone: tzinfo
) -> bool:
    """`encounter`: one (merged) encounter longer than the threshold.
    `daily`: that, or the threshold reached, cumulated, within one calendar day.

    The daily rule is never narrower: an encounter over the threshold that
    midnight splits into two short halves is still a close contact.
    """
    longer = any(piece.seconds > threshold.total_seconds() for piece in encounters)
    if policy == Policy.ENCOUNTER:
        return longer
    if policy == Policy.DAILY:
        return longer or any(
            seconds >= threshold.total_seconds()
            for seconds in seconds_per_day(encounters, zone).values()
        )
    raise DomainError(
        _("Unknown policy %(policy)r; choose one of %(policies)s.")
        % {"policy": policy, "policies": ", ".join(Policy.ALL)},
        code="policy",
    )


def minutes(seconds: int) -> float:
    """Seconds as minutes to one decimal, halves rounded up: the one rounding rule of every
    page, print and CSV (71 min 51 s is 71.9, never 71.8)."""
    return ((int(seconds) * 10 + 30) // 60) / 10
