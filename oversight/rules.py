"""The rules of unusual activity: counts of audited actions per account, day and hour in;
alerts out.

Pure functions over counts (no database, no clock), so that the rules can be read and
tested on their own; `oversight.selectors` counts the audit trail in the database and
hands the counts here.

A staff account's activity is held against two usual patterns over the previous
`baseline_days` (the day itself excluded): the account's own and the role's (every
account that holds the medical role now, the account included). A daily count is
"far above" a pattern when it exceeds

    limit = median + factor x max(MAD, 1)

where median and MAD (median absolute deviation from the median) are taken over the
days on which the account (or, for the role, any of its accounts) acted at least once:
a medic who traces on two days a week is compared with the days she traces, not with
the empty ones. Both are robust: one busy day in the history moves neither. The
spread counts as at least 1, so that an account that always runs 4 traces is not
flagged for a 5th. A pattern is known from `min_history_days` such days; an account in
its first days is held against the role only (and the floor); with neither known, the
floor alone decides. A day alerts when its count is strictly above the floor and above
the limit of every known pattern.

An hour of the day is unusual for an account when fewer than `unusual_hour_percent` %
of its traces and reveals in the previous days fell in that hour of the day (local
time), known from `hour_min_entries` of them; likewise for the role. An hour alerts
when it is unusual for every known pattern and at least one is known.

Break-glass reveals, refusals by the hourly limit and identity-revealing actions
outside working hours are reported every time, with how many of the same the
account and the role had in the previous days.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy, ngettext

from core.dates import EN_DASH, format_day


class Rule:
    TRACES_PER_DAY = "traces_per_day"
    EXPORTS_PER_DAY = "exports_per_day"
    UNUSUAL_HOUR = "unusual_hour"
    OUTSIDE_WORKING_HOURS = "outside_working_hours"
    BREAK_GLASS = "break_glass"
    RATE_LIMIT = "rate_limit"

    ALL = (
        TRACES_PER_DAY,
        EXPORTS_PER_DAY,
        UNUSUAL_HOUR,
        OUTSIDE_WORKING_HOURS,
        BREAK_GLASS,
        RATE_LIMIT,
    )
    LABELS = {
        TRACES_PER_DAY: gettext_lazy("many traces in a day"),
        EXPORTS_PER_DAY: gettext_lazy("many exports in a day"),
        UNUSUAL_HOUR: gettext_lazy("traces or reveals at an unusual hour"),
        OUTSIDE_WORKING_HOURS: gettext_lazy("identities shown outside working hours"),
        BREAK_GLASS: gettext_lazy("break-glass reveal"),
        RATE_LIMIT: gettext_lazy("refused by the hourly limit"),
    }


# Which audited actions each rule counts (audit.models.AuditEntry.Action values).
TRACES = frozenset({"trace"})
EXPORTS = frozenset({"trace_exported", "follow_ups_exported"})
TRACES_AND_REVEALS = frozenset({"trace", "trace_revealed", "contacts_revealed", "break_glass"})
IDENTITY_REVEALING = frozenset(
    {
        "trace",
        "trace_revealed",
        "contacts_revealed",
        "break_glass",
        "trace_reopened",
        "trace_exported",
    }
)
BREAK_GLASS = frozenset({"break_glass"})
REFUSED = frozenset({"trace_refused"})
WATCHED = TRACES | EXPORTS | TRACES_AND_REVEALS | IDENTITY_REVEALING | BREAK_GLASS | REFUSED


@dataclass(frozen=True)
class Count:
    """How many entries of `action` an account wrote in one hour of a local day."""

    actor: str
    action: str
    day: date
    hour: int  # 0-23, local time (on the night the clocks go back, 02:00 counts both hours)
    n: int


@dataclass(frozen=True)
class WorkingTime:
    days: frozenset[int]  # ISO weekdays, 1 = Monday
    start: int  # first working hour
    end: int  # first hour after work

    def covers(self, day: date, hour: int) -> bool:
        return day.isoweekday() in self.days and self.start <= hour < self.end

    def describe(self) -> str:
        # Django's own short weekday names (Mon ... Sun), in the active language.
        days = ", ".join(str(WEEKDAYS_ABBR[d - 1]) for d in sorted(self.days)) or gettext("no day")
        return f"{days}, {self.start:02d}:00-{self.end:02d}:00"

    @classmethod
    def parse(cls, days: Iterable[str], hours: str) -> "WorkingTime":
        """From OVERSIGHT_WORKING_DAYS ("1,2,3,4,5") and OVERSIGHT_WORKING_HOURS ("07:00-19:00")."""
        try:
            parsed_days = frozenset(int(str(day).strip()) for day in days)
            first, _, last = hours.partition("-")
            (start_h, start_m), (end_h, end_m) = (
                (int(part) for part in piece.strip().split(":")) for piece in (first, last)
            )
        except ValueError:
            parsed_days, start_h, start_m, end_h, end_m = frozenset({0}), 0, 1, 0, 0
        if (
            not parsed_days <= set(range(1, 8))
            or start_m
            or end_m
            or not 0 <= start_h < end_h <= 24
        ):
            raise ImproperlyConfigured(
                "OVERSIGHT_WORKING_DAYS must list ISO weekdays (1 = Monday ... 7 = Sunday) and "
                "OVERSIGHT_WORKING_HOURS whole hours, e.g. 07:00-19:00; "
                f"got {','.join(map(str, days))!r} and {hours!r}."
            )
        return cls(parsed_days, start_h, end_h)


@dataclass(frozen=True)
class Thresholds:
    baseline_days: int
    min_history_days: int
    spread_factor: int
    traces_per_day_floor: int
    exports_per_day_floor: int
    unusual_hour_percent: int
    hour_min_entries: int
    working: WorkingTime

    @classmethod
    def from_settings(cls) -> "Thresholds":
        return cls(
            baseline_days=settings.OVERSIGHT_BASELINE_DAYS,
            min_history_days=settings.OVERSIGHT_MIN_HISTORY_DAYS,
            spread_factor=settings.OVERSIGHT_SPREAD_FACTOR,
            traces_per_day_floor=settings.OVERSIGHT_TRACES_PER_DAY_FLOOR,
            exports_per_day_floor=settings.OVERSIGHT_EXPORTS_PER_DAY_FLOOR,
            unusual_hour_percent=settings.OVERSIGHT_UNUSUAL_HOUR_PERCENT,
            hour_min_entries=settings.OVERSIGHT_HOUR_MIN_ENTRIES,
            working=WorkingTime.parse(
                settings.OVERSIGHT_WORKING_DAYS, settings.OVERSIGHT_WORKING_HOURS
            ),
        )


@dataclass(frozen=True)
class Pattern:
    """A usual daily count: the median over the days with activity, and the limit above it."""

    usual: float
    spread: float
    limit: float
    days: int


@dataclass(frozen=True)
class Alert:
    """One unusual thing a staff account did (never whom it was about).

    usual_user / usual_role: for the daily rules, the median a day; for the hour rule,
    the percentage of traces and reveals in that hour; for the others, how many of the
    same the account / the role had in the previous days. None: no usual pattern known.
    limit_*: above what a count alerts (daily rules), under what a share does (hour).
    """

    rule: str
    actor: str
    day: date
    hour: int | None
    observed: int
    usual_user: float | None
    usual_role: float | None
    limit_user: float | None
    limit_role: float | None
    sentence: str


def pattern_of(values: list[int], *, min_days: int, factor: int) -> Pattern | None:
    """median + factor x max(MAD, 1) over the active days; None with fewer than min_days."""
    if len(values) < max(min_days, 1):
        return None
    middle = median(values)
    spread = median(abs(v - middle) for v in values)
    return Pattern(middle, spread, middle + factor * max(spread, 1), len(values))


def _number(value: float) -> str:
    """2, 2.5 (2,5 in French): whole numbers plain, others to one decimal."""
    return number_format(value, 0 if float(value).is_integer() else 1)


def _day(day: date) -> str:
    return format_day(day)  # Wed 18 Nov 2026, as every page writes a day


def _hour(hour: int) -> str:
    return f"{hour:02d}:00 {EN_DASH} {hour + 1:02d}:00"  # a period, as the pages write it


class _Activity:
    """The counts arranged per kind of action: actor -> day -> [24 hourly counts]."""

    def __init__(self, counts: Iterable[Count]):
        self.by_kind: dict[str, dict[str, dict[date, list[int]]]] = {}
        kinds = {
            "traces": TRACES,
            "exports": EXPORTS,
            "traces_and_reveals": TRACES_AND_REVEALS,
            "revealing": IDENTITY_REVEALING,
            "break_glass": BREAK_GLASS,
            "refused": REFUSED,
        }
        for kind in kinds:
            self.by_kind[kind] = defaultdict(lambda: defaultdict(lambda: [0] * 24))
        for count in counts:
            if count.n <= 0:
                continue
            for kind, actions in kinds.items():
                if count.action in actions:
                    self.by_kind[kind][count.actor][count.day][count.hour] += count.n

    def hours(self, kind: str) -> dict[str, dict[date, list[int]]]:
        return self.by_kind[kind]


def alerts_compute(
    counts: Iterable[Count],
    *,
    since: date,
    until: date,
    role_members: Iterable[str],
    thresholds: Thresholds,
) -> list[Alert]:
    """Every alert of the local days since..until; `counts` must reach back baseline_days
    before `since`. `role_members`: the accounts whose activity is the role's pattern."""
    activity = _Activity(counts)
    members = frozenset(role_members)
    t = thresholds
    alerts: list[Alert] = []
    period = {"since": since, "until": until, "members": members, "t": t}
    alerts += _daily_rule(
        Rule.TRACES_PER_DAY, activity.hours("traces"), t.traces_per_day_floor, **period
    )
    alerts += _daily_rule(
        Rule.EXPORTS_PER_DAY, activity.hours("exports"), t.exports_per_day_floor, **period
    )
    alerts += _hour_rule(activity.hours("traces_and_reveals"), since, until, members, t)
    alerts += _every_time_rules(activity, since, until, members, t)
    alerts.sort(key=lambda a: (a.day, -1 if a.hour is None else a.hour, a.rule, a.actor))
    alerts.reverse()  # newest first
    return alerts


def _days(since: date, until: date) -> Iterable[date]:
    day = since
    while day <= until:
        yield day
        day += timedelta(days=1)


def _baseline(day: date, t: Thresholds) -> list[date]:
    return [day - timedelta(days=back) for back in range(1, t.baseline_days + 1)]


def _daily_mine(rule, user: Pattern | None, t: Thresholds) -> str:
    """The account's own usual, in words (one sentence per rule: the verb differs)."""
    if user is not None:
        values = {
            "usual": _number(user.usual),
            "days": _number(user.days),
            "baseline": t.baseline_days,
            "limit": _number(user.limit),
        }
        if rule == Rule.TRACES_PER_DAY:
            return (
                ngettext(
                    "their usual is %(usual)s a day (the median of the %(days)s day they ran "
                    "any in the previous %(baseline)d; alert above %(limit)s)",
                    "their usual is %(usual)s a day (the median of the %(days)s days they ran "
                    "any in the previous %(baseline)d; alert above %(limit)s)",
                    user.days,
                )
                % values
            )
        return (
            ngettext(
                "their usual is %(usual)s a day (the median of the %(days)s day they made "
                "any in the previous %(baseline)d; alert above %(limit)s)",
                "their usual is %(usual)s a day (the median of the %(days)s days they made "
                "any in the previous %(baseline)d; alert above %(limit)s)",
                user.days,
            )
            % values
        )
    values = {"min": t.min_history_days, "baseline": t.baseline_days}
    if rule == Rule.TRACES_PER_DAY:
        return (
            gettext(
                "they have no usual pattern yet (fewer than %(min)d days with traces in the "
                "previous %(baseline)d)"
            )
            % values
        )
    return (
        gettext(
            "they have no usual pattern yet (fewer than %(min)d days with exports in the "
            "previous %(baseline)d)"
        )
        % values
    )


def _daily_sentence(rule, actor, observed, day, mine, theirs, floor) -> str:
    values = {
        "actor": actor,
        "n": observed,
        "day": _day(day),
        "mine": mine,
        "theirs": theirs,
        "floor": floor,
    }
    if rule == Rule.TRACES_PER_DAY:
        return (
            ngettext(
                "%(actor)s ran %(n)d trace on %(day)s: %(mine)s; %(theirs)s; never an alert "
                "at %(floor)s or fewer.",
                "%(actor)s ran %(n)d traces on %(day)s: %(mine)s; %(theirs)s; never an alert "
                "at %(floor)s or fewer.",
                observed,
            )
            % values
        )
    return (
        ngettext(
            "%(actor)s made %(n)d export on %(day)s: %(mine)s; %(theirs)s; never an alert "
            "at %(floor)s or fewer.",
            "%(actor)s made %(n)d exports on %(day)s: %(mine)s; %(theirs)s; never an alert "
            "at %(floor)s or fewer.",
            observed,
        )
        % values
    )


def _daily_rule(rule, per_actor, floor, *, since, until, members, t) -> list[Alert]:
    totals = {
        actor: {day: sum(hours) for day, hours in days.items() if sum(hours)}
        for actor, days in per_actor.items()
    }
    alerts = []
    for day in _days(since, until):
        window = _baseline(day, t)
        pool = [totals[m][w] for m in members if m in totals for w in window if w in totals[m]]
        role = pattern_of(pool, min_days=t.min_history_days, factor=t.spread_factor)
        for actor, days in totals.items():
            observed = days.get(day, 0)
            if not observed:
                continue
            own = [days[w] for w in window if w in days]
            user = pattern_of(own, min_days=t.min_history_days, factor=t.spread_factor)
            limit = max([floor, *(p.limit for p in (user, role) if p is not None)])
            if observed <= limit:
                continue
            mine = _daily_mine(rule, user, t)
            if role is not None:
                theirs = gettext(
                    "the medical service's usual is %(usual)s a day per person "
                    "(alert above %(limit)s)"
                ) % {"usual": _number(role.usual), "limit": _number(role.limit)}
            else:
                theirs = gettext("the medical service has no usual pattern yet")
            alerts.append(
                Alert(
                    rule=rule,
                    actor=actor,
                    day=day,
                    hour=None,
                    observed=observed,
                    usual_user=None if user is None else user.usual,
                    usual_role=None if role is None else role.usual,
                    limit_user=None if user is None else user.limit,
                    limit_role=None if role is None else role.limit,
                    sentence=_daily_sentence(rule, actor, observed, day, mine, theirs, floor),
                )
            )
    return alerts


def _hour_rule(per_actor, since, until, members, t) -> list[Alert]:
    def share(days: dict[date, list[int]], window: list[date]) -> list[int]:
        hours = [0] * 24
        for w in window:
            for hour, n in enumerate(days.get(w, ())):
                hours[hour] += n
        return hours

    alerts = []
    for day in _days(since, until):
        window = _baseline(day, t)
        role_hours = [0] * 24
        for member in members & per_actor.keys():
            for hour, n in enumerate(share(per_actor[member], window)):
                role_hours[hour] += n
        role_total = sum(role_hours)
        role_known = role_total >= max(t.hour_min_entries, 1)
        for actor, days in per_actor.items():
            if day not in days:
                continue
            own_hours = share(days, window)
            own_total = sum(own_hours)
            own_known = own_total >= max(t.hour_min_entries, 1)
            for hour, observed in enumerate(days[day]):
                if not observed or not (own_known or role_known):
                    continue
                pct = t.unusual_hour_percent
                if own_known and own_hours[hour] * 100 >= pct * own_total:
                    continue
                if role_known and role_hours[hour] * 100 >= pct * role_total:
                    continue
                own_share = own_hours[hour] * 100 / own_total if own_known else None
                role_share = role_hours[hour] * 100 / role_total if role_known else None
                if own_known:
                    mine = ngettext(
                        "%(share)s %% of their %(n)s trace or reveal",
                        "%(share)s %% of their %(n)s traces and reveals",
                        own_total,
                    ) % {"share": _number(own_share), "n": _number(own_total)}
                else:
                    mine = gettext("they have no usual pattern yet")
                if role_known:
                    theirs = gettext("%(share)s %% of the medical service's") % {
                        "share": _number(role_share)
                    }
                else:
                    theirs = gettext("the medical service has no usual pattern yet")
                alerts.append(
                    Alert(
                        rule=Rule.UNUSUAL_HOUR,
                        actor=actor,
                        day=day,
                        hour=hour,
                        observed=observed,
                        usual_user=own_share,
                        usual_role=role_share,
                        limit_user=pct if own_known else None,
                        limit_role=pct if role_known else None,
                        sentence=ngettext(
                            "%(actor)s traced or revealed %(n)s time on %(day)s, %(hour)s, an "
                            "unusual hour: in the previous %(baseline)d days, %(mine)s and "
                            "%(theirs)s fell in that hour (unusual: under %(pct)s %%).",
                            "%(actor)s traced or revealed %(n)s times on %(day)s, %(hour)s, an "
                            "unusual hour: in the previous %(baseline)d days, %(mine)s and "
                            "%(theirs)s fell in that hour (unusual: under %(pct)s %%).",
                            observed,
                        )
                        % {
                            "actor": actor,
                            "n": _number(observed),
                            "day": _day(day),
                            "hour": _hour(hour),
                            "baseline": t.baseline_days,
                            "mine": mine,
                            "theirs": theirs,
                            "pct": pct,
                        },
                    )
                )
    return alerts


def _every_time_rules(activity: _Activity, since, until, members, t) -> list[Alert]:
    working = t.working

    def outside(days: dict[date, list[int]], window: list[date]) -> int:
        return sum(
            n
            for w in window
            for hour, n in enumerate(days.get(w, ()))
            if not working.covers(w, hour)
        )

    def everything(days: dict[date, list[int]], window: list[date]) -> int:
        return sum(sum(days.get(w, ())) for w in window)

    rules = (
        (Rule.OUTSIDE_WORKING_HOURS, "revealing", outside, working.covers),
        (Rule.BREAK_GLASS, "break_glass", everything, lambda day, hour: False),
        (Rule.RATE_LIMIT, "refused", everything, lambda day, hour: False),
    )
    alerts = []
    for rule, kind, usual_of, excused in rules:
        per_actor = activity.hours(kind)
        for day in _days(since, until):
            window = _baseline(day, t)
            role_usual = sum(usual_of(per_actor[m], window) for m in members & per_actor.keys())
            for actor, days in per_actor.items():
                if day not in days:
                    continue
                own_usual = usual_of(days, window)
                for hour, observed in enumerate(days[day]):
                    if not observed or excused(day, hour):
                        continue
                    alerts.append(
                        Alert(
                            rule=rule,
                            actor=actor,
                            day=day,
                            hour=hour,
                            observed=observed,
                            usual_user=own_usual,
                            usual_role=role_usual,
                            limit_user=None,
                            limit_role=None,
                            sentence=_every_time_sentence(
                                rule, actor, day, hour, observed, own_usual, role_usual, t
                            ),
                        )
                    )
    return alerts


def _every_time_sentence(rule, actor, day, hour, observed, own, role, t) -> str:
    values = {
        "actor": actor,
        "n": _number(observed),
        "day": _day(day),
        "hour": _hour(hour),
        "baseline": t.baseline_days,
        "own": _number(own),
        "role": _number(role),
    }
    if rule == Rule.OUTSIDE_WORKING_HOURS:
        values["working"] = t.working.describe()
        return (
            ngettext(
                "%(actor)s showed identities %(n)s time on %(day)s, %(hour)s, outside working "
                "hours (%(working)s); in the previous %(baseline)d days: %(own)s such by them, "
                "%(role)s by the medical service.",
                "%(actor)s showed identities %(n)s times on %(day)s, %(hour)s, outside working "
                "hours (%(working)s); in the previous %(baseline)d days: %(own)s such by them, "
                "%(role)s by the medical service.",
                observed,
            )
            % values
        )
    if rule == Rule.BREAK_GLASS:
        return (
            ngettext(
                "%(actor)s named contacts urgently without approval (break-glass) %(n)s time "
                "on %(day)s, %(hour)s: review it; in the previous %(baseline)d days: %(own)s by "
                "them, %(role)s by the medical service.",
                "%(actor)s named contacts urgently without approval (break-glass) %(n)s times "
                "on %(day)s, %(hour)s: review it; in the previous %(baseline)d days: %(own)s by "
                "them, %(role)s by the medical service.",
                observed,
            )
            % values
        )
    return (
        ngettext(
            "%(actor)s was refused %(n)s trace by the hourly limit on %(day)s, %(hour)s; in the "
            "previous %(baseline)d days: %(own)s refusals of them, %(role)s in the medical "
            "service.",
            "%(actor)s was refused %(n)s traces by the hourly limit on %(day)s, %(hour)s; in the "
            "previous %(baseline)d days: %(own)s refusals of them, %(role)s in the medical "
            "service.",
            observed,
        )
        % values
    )
