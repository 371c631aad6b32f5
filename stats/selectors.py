"""Statistics that identify no one: counts per closed day, week or month; small counts hidden.

Each count comes from one database alone (active proximeters from
`encounters`, hand-outs from `associations`, traces from the audit trail);
nothing is joined. A count between 1 and STATS_MIN_COUNT - 1 is shown as
"< STATS_MIN_COUNT" (core.small_counts). A figure that is the sum of others
(a month of four whole weeks, the policy what-if's "daily" beside
"per encounter") goes through core.small_counts.protect, so that a hidden
count cannot be recovered as a total minus the figures shown.

Only closed periods are published (days before today, weeks before this
one, months before this one), and each is counted from its own data alone:
two releases show a period with the same cells, so comparing today's page
with yesterday's reveals no day's count. docs/user-guide/stats.md says it for
the reader, "Totals and two releases".
"""

import math
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from audit.models import AuditEntry
from cases.models import Reveal
from core.databases import ENCOUNTERS
from core.replicas import replica_reads
from core.small_counts import protect, shown
from encounters.aggregates import day_counts
from encounters.payload import SLOT_SECONDS
from registration.models import Association
from retention.models import PurgeRecord
from retention.selectors import KINDS, installed_at, kept_copies, purge_due, purge_interval
from tracing.contacts import Piece, Policy, is_close_contact, merge

#: Closed weeks of traces on the statistics page, closed months on the transparency page.
TRACE_WEEKS = 8
TRACE_MONTHS = 12


def rounded_total(total: int) -> int:
    return total - total % settings.STATS_MIN_COUNT


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone())


def closed_days(today: date) -> list[date]:
    """The days the statistics show: every whole day the retention still holds, today not
    (it is not over). The day the retention limit falls in is not whole any more."""
    return [today - timedelta(days=n) for n in range(settings.ENCOUNTER_RETENTION_DAYS - 1, 0, -1)]


@replica_reads  # only reads: on the replicas when they are usable (core/replicas.py)
def daily_stats(*, today: date | None = None) -> dict:
    zone = _zone()
    today = today or timezone.localdate()
    days = closed_days(today)
    start, end = _midnight(days[0]), _midnight(today)
    # Counted once per day as it closes (encounters/aggregates.py), never from every record.
    per_day = day_counts(days)
    handed = Counter(
        timezone.localtime(started, zone).date()
        for started in Association.objects.filter(
            started_at__gte=start, started_at__lt=end
        ).values_list("started_at", flat=True)
    )
    rows = []
    for day in days:
        counts = per_day[day]
        rows.append(
            {
                "date": day.isoformat(),
                "active_proximeters": shown(counts.active),
                "encounters": shown(counts.encounters),
                "close_contact_length_encounters": shown(counts.close),
                "devices_handed_out": shown(handed.get(day, 0)),
            }
        )
    return {
        "min_count": settings.STATS_MIN_COUNT,
        "days": rows,
        "traces_per_week": trace_periods(today=today)["weeks"],
    }


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def trace_periods(*, today: date) -> dict:
    """Traces per closed week (statistics) and per closed month (transparency), one table.

    A month of exactly four Monday-to-Sunday weeks (a February of 28 days that begins on
    a Monday) is the sum of four weeks the statistics page showed before the month
    closed: its weeks keep the figures they had, and the month is hidden whenever one of
    them is (core.small_counts.protect with the weeks fixed).
    """
    zone = _zone()
    this_week, this_month = _monday(today), _month_start(today)
    first_week = this_week - timedelta(weeks=TRACE_WEEKS)
    first_month = _month_start(today, TRACE_MONTHS)
    since = min(_midnight(first_week), _midnight(first_month))
    # Up to the later of the two starts: the open week or month is counted, never read.
    traces = AuditEntry.objects.filter(
        action=AuditEntry.Action.TRACE,
        at__gte=since,
        at__lt=_midnight(max(this_week, this_month)),
    )
    per_week = dict(
        traces.annotate(week=TruncWeek("at", tzinfo=zone))
        .values("week")
        .annotate(n=Count("id"))
        .values_list("week", "n")
    )
    per_week = {w.date() if isinstance(w, datetime) else w: n for w, n in per_week.items()}
    per_month = dict(
        traces.annotate(month=TruncMonth("at", tzinfo=zone))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    per_month = {m.date() if isinstance(m, datetime) else m: n for m, n in per_month.items()}
    weeks = [first_week + timedelta(weeks=n) for n in range(TRACE_WEEKS)]
    months = [_month_start(today, back) for back in range(TRACE_MONTHS, 0, -1)]
    shown_months = {}
    for month in months:
        count = per_month.get(month, 0)
        four = [month + timedelta(weeks=n) for n in range(4)]
        if month.weekday() == 0 and _month_start(month, -1) == month + timedelta(weeks=4):
            week_counts = _week_counts(four, per_week, zone)
            cells = {("week", w): week_counts[w] for w in four} | {"month": count}
            published = protect(cells, [("month", list(cells)[:4])], fixed=list(cells)[:4])
            shown_months[month] = published["month"]
        else:
            shown_months[month] = shown(count)
    return {
        "weeks": [{"week": w.isoformat(), "traces": shown(per_week.get(w, 0))} for w in weeks],
        "months": [{"month": m.strftime("%Y-%m"), "traces": shown_months[m]} for m in months],
    }


def _week_counts(weeks: list[date], known: dict, zone) -> dict:
    """Traces in each of `weeks`, also those older than the page's weeks."""
    missing = [w for w in weeks if w not in known]
    counts = {w: known.get(w, 0) for w in weeks}
    if missing:
        rows = (
            AuditEntry.objects.filter(
                action=AuditEntry.Action.TRACE,
                at__gte=_midnight(min(missing)),
                at__lt=_midnight(max(missing) + timedelta(weeks=1)),
            )
            .annotate(week=TruncWeek("at", tzinfo=zone))
            .values("week")
            .annotate(n=Count("id"))
            .values_list("week", "n")
        )
        for week, n in rows:
            week = week.date() if isinstance(week, datetime) else week
            if week in missing:
                counts[week] = n
    return counts


#: Pairs of tags together at least the threshold in the window (summed, both directions),
#: then every record of those pairs, in pair order: the only candidates for either rule.
_WHAT_IF_SQL = """
WITH near AS (
    SELECT LEAST(my_tag, ref_tag) AS a, GREATEST(my_tag, ref_tag) AS b, started_at, slots
    FROM tracing_encounter
    WHERE started_at > %(earliest)s AND started_at < %(end)s
      AND started_at + slots * %(slot)s * interval '1 second' > %(start)s
      AND my_tag <> ref_tag
), candidates AS (
    SELECT a, b FROM near
    GROUP BY a, b
    HAVING SUM(EXTRACT(EPOCH FROM
        LEAST(started_at + slots * %(slot)s * interval '1 second', %(end)s)
        - GREATEST(started_at, %(start)s))) >= %(threshold)s
)
SELECT near.a, near.b, near.started_at, near.slots
FROM near JOIN candidates USING (a, b)
ORDER BY near.a, near.b, near.started_at
"""


def policy_what_if(*, today: date | None = None) -> dict:
    """Close contacts of the whole service under each rule, from the encounters database alone.

    Counted: distinct unordered pairs of tags that were a close contact at least once in
    the window (the closed days of the statistics) under the rule. Each pair's records,
    both directions, are cut to the window and merged as a trace merges them
    (tracing.contacts.merge: overlapping or touching records are one encounter), then
    judged by tracing.contacts.is_close_contact. A pair of tags is not a pair of people:
    nothing here knows who held a tag (no holding, no person), and a tag that met
    itself is left out, as a trace leaves out a person's own second device.

    SQL keeps the pairs whose time together in the window, summed over their records,
    reaches the threshold (merging only shortens it, so no close pair is lost) and
    returns their records in pair order; Python merges one pair at a time.
    """
    today = today or timezone.localdate()
    days = closed_days(today)
    # The figure is one per day (closed days only) and costs about 1.2 s per 200,000
    # records (docs/performance.md, "stats what-if"): counted by the day's first visitor,
    # kept for the day, already suppressed. One figure all day also means a late upload
    # does not change it between two visits of the same day.
    key = "stats:policy-what-if:" + ":".join(
        str(part)
        for part in (
            today,
            settings.TIME_ZONE,
            settings.ENCOUNTER_RETENTION_DAYS,
            settings.TRACING_CLOSE_CONTACT_MINUTES,
            settings.STATS_MIN_COUNT,
        )
    )
    published = cache.get(key)
    if published is None:
        counts = close_pairs(start=_midnight(days[0]), end=_midnight(today))
        per_encounter, daily = counts[Policy.ENCOUNTER], counts[Policy.DAILY]
        published = protect(
            {"per_encounter": per_encounter, "daily_only": daily - per_encounter, "daily": daily},
            [("daily", ["per_encounter", "daily_only"])],
        )
        cache.set(key, published, timeout=24 * 3600)
    return {
        "first_day": days[0].isoformat(),
        "last_day": days[-1].isoformat(),
        "days": len(days),
        "threshold_minutes": settings.TRACING_CLOSE_CONTACT_MINUTES,
        "min_count": settings.STATS_MIN_COUNT,
        **published,
    }


def close_pairs(*, start: datetime, end: datetime) -> dict[str, int]:
    """Policy -> distinct unordered pairs of tags close at least once in [start, end)."""
    zone = _zone()
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    threshold = timedelta(minutes=settings.TRACING_CLOSE_CONTACT_MINUTES)
    params = {
        "start": start,
        "end": end,
        "earliest": start - timedelta(minutes=settings.ENCOUNTER_MAX_MINUTES),
        "slot": SLOT_SECONDS,
        "threshold": threshold.total_seconds(),
    }
    close = {Policy.ENCOUNTER: 0, Policy.DAILY: 0}

    def judge(pieces: list[Piece]) -> None:
        merged = merge(pieces)
        for policy in close:
            close[policy] += is_close_contact(merged, policy=policy, threshold=threshold, zone=zone)

    pair, pieces = None, []
    with connections[ENCOUNTERS].chunked_cursor() as cursor:
        cursor.execute(_WHAT_IF_SQL, params)
        while rows := cursor.fetchmany(5000):
            for a, b, started_at, slots in rows:
                if (a, b) != pair:
                    if pieces:
                        judge(pieces)
                    pair, pieces = (a, b), []
                ended_at = started_at + timedelta(seconds=slots * SLOT_SECONDS)
                piece_start, piece_end = max(started_at, start), min(ended_at, end)
                pieces.append(
                    Piece(piece_start, piece_end, piece_start > started_at, piece_end < ended_at)
                )
    if pieces:
        judge(pieces)
    return close


def transparency(*, now: datetime | None = None) -> dict:
    """For everyone: traces per closed month, purges and what they removed, devices in service."""
    now = now or timezone.now()
    zone = _zone()
    months = trace_periods(today=timezone.localdate(now, zone))["months"]
    purges = list(PurgeRecord.objects.filter(at__gte=now - timedelta(days=30)))
    return {
        "traces_per_month": months,
        "purges_last_30_days": len(purges),
        "rows_removed_last_30_days": _rows_removed(purges),
        "last_purge": timezone.localtime(purges[0].at).isoformat() if purges else None,
        **devices_in_service(now=now),
        "retention_days": settings.ENCOUNTER_RETENTION_DAYS,
        "kept": what_is_kept(now=now),
        # Staff actions, not people: shown as they are (the privacy officer's backlog).
        "break_glass_unreviewed": Reveal.objects.filter(
            status=Reveal.Status.BREAK_GLASS, review=""
        ).count(),
    }


_ABOUT_PEOPLE = {kind.key for kind in KINDS if kind.about_people}


def _rows_removed(purges: list[PurgeRecord]) -> int:
    """Every row the purges removed; the kinds whose rows are people's (cases, traces) only
    in steps of STATS_MIN_COUNT, so that their small count cannot be taken out of the sum."""
    people = sum(n for p in purges for key, n in p.removed.items() if key in _ABOUT_PEOPLE)
    rest = sum(n for p in purges for key, n in p.removed.items() if key not in _ABOUT_PEOPLE)
    return rest + rounded_total(people)


def what_is_kept(*, now: datetime) -> dict:
    """Each copy the portal keeps: its limit, the age of its oldest item now (whole hours, so
    that no moment of anyone's encounter or message shows), within the limit or overdue
    (one purge interval of tolerance), and what the last purge removed of it.

    Counts of removed rows are rows of expired data, many per person and never per day,
    place or person: shown as they are, except for the kinds whose one row is one person's
    case or trace (`about_people`), which follow the small-count rule.
    """
    last = PurgeRecord.objects.order_by("-at", "-pk").first()
    kinds = []
    for kept in kept_copies(now=now):
        kind = kept.kind
        age = kept.age(now)
        removed = None
        if last is not None and kind.key in last.removed:
            count = last.removed[kind.key]
            removed = shown(count) if kind.about_people else count
        kinds.append(
            {
                "kind": kind.key,
                "label": kind.label,
                "description": kind.description,
                "setting": kind.setting,
                "limit_hours": (
                    int(kept.limit.total_seconds() // 3600) if kept.limit is not None else None
                ),
                "measured_from": kind.measured_from,
                "oldest_age_hours": int(age.total_seconds() // 3600) if age is not None else None,
                "status": kept.status,
                "this_host_only": kind.host_local,
                "removed_by_last_purge": removed,
            }
        )
    return {
        "tolerance_hours": math.ceil(purge_interval().total_seconds() / 3600),
        "last_purge_at": timezone.localtime(last.at).isoformat() if last else None,
        "kinds": kinds,
    }


def devices_in_service(*, now: datetime) -> dict:
    """Devices held by someone at the start of today, rounded down to a multiple of
    STATS_MIN_COUNT: a live count would show each hand-out as it happens."""
    midnight = datetime.combine(timezone.localdate(now, _zone()), time.min, tzinfo=_zone())
    held = Association.objects.filter(started_at__lt=midnight).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=midnight)
    )
    return {
        "devices_in_service": rounded_total(held.count()),
        "devices_in_service_on": midnight.isoformat(),
        "min_count": settings.STATS_MIN_COUNT,
    }


def purge_log(*, now: datetime | None = None, limit: int = 60) -> dict:
    """The purge runs, newest first, and whether the purge is overdue (retention.selectors
    purge_due: before the first run, counted from the install, never from "no record")."""
    now = now or timezone.now()
    records = list(PurgeRecord.objects.all()[:limit])
    due = purge_due(
        last_purge=records[0].at if records else None,
        installed=installed_at() if not records else None,
        now=now,
        allowed=timedelta(hours=settings.PURGE_OVERDUE_HOURS),
    )
    return {
        "overdue": due.overdue,
        "overdue_after_hours": settings.PURGE_OVERDUE_HOURS,
        "first_purge_due_by": (
            timezone.localtime(due.first_due_by).isoformat() if due.first_due_by else None
        ),
        "records": [
            {
                "at": timezone.localtime(r.at).isoformat(),
                "removed": r.removed,
                "oldest_remaining": timezone.localtime(r.oldest_remaining).isoformat()
                if r.oldest_remaining
                else None,
            }
            for r in records
        ],
    }
