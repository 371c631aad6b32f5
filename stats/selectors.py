"""Statistics that identify no one: counts per day or week, small counts shown as "< N".

Each count comes from one database alone (active proximeters from
`encounters`, hand-outs from `associations`, traces from the audit trail);
nothing is joined. A count between 1 and STATS_MIN_COUNT - 1 is shown as
"< STATS_MIN_COUNT", and running totals are rounded down to a multiple of it,
so that a small daily count cannot be recovered from two totals either.
"""

import math
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from audit.models import AuditEntry
from core.small_counts import shown
from encounters.models import Encounter
from registration.models import Association
from retention.models import PurgeRecord
from retention.selectors import KINDS, kept_copies, purge_interval


def rounded_total(total: int) -> int:
    return total - total % settings.STATS_MIN_COUNT


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _days(today: date) -> list[date]:
    return [today - timedelta(days=n) for n in range(settings.ENCOUNTER_RETENTION_DAYS - 1, -1, -1)]


def daily_stats(*, today: date | None = None) -> dict:
    zone = _zone()
    today = today or timezone.localdate()
    days = _days(today)
    start = datetime.combine(days[0], datetime.min.time(), tzinfo=zone)
    close_slots = settings.TRACING_CLOSE_CONTACT_MINUTES * 2  # 30-second slots
    per_day = {
        row["day"]: row
        for row in Encounter.objects.filter(started_at__gte=start)
        .annotate(day=TruncDate("started_at", tzinfo=zone))
        .values("day")
        .annotate(
            active=Count("my_tag", distinct=True),
            encounters=Count("id"),
            close=Count("id", filter=Q(slots__gt=close_slots)),
        )
    }
    handed = Counter(
        timezone.localtime(started, zone).date()
        for started in Association.objects.filter(started_at__gte=start).values_list(
            "started_at", flat=True
        )
    )
    total = Association.objects.filter(started_at__lt=start).count()
    rows = []
    for day in days:
        encounter_row = per_day.get(day, {})
        total += handed.get(day, 0)
        rows.append(
            {
                "date": day.isoformat(),
                "active_proximeters": shown(encounter_row.get("active", 0)),
                "encounters": shown(encounter_row.get("encounters", 0)),
                "close_contact_length_encounters": shown(encounter_row.get("close", 0)),
                "devices_handed_out": shown(handed.get(day, 0)),
                "devices_handed_out_total": rounded_total(total),
            }
        )
    weeks = (
        AuditEntry.objects.filter(
            action=AuditEntry.Action.TRACE, at__gte=start - timedelta(days=7 * 6)
        )
        .annotate(week=TruncWeek("at", tzinfo=zone))
        .values("week")
        .annotate(traces=Count("id"))
        .order_by("week")
    )
    return {
        "min_count": settings.STATS_MIN_COUNT,
        "days": rows,
        "traces_per_week": [
            {"week": w["week"].date().isoformat(), "traces": shown(w["traces"])} for w in weeks
        ],
    }


def transparency(*, now: datetime | None = None) -> dict:
    """For everyone: traces per month, purges and what they removed, devices in service."""
    now = now or timezone.now()
    zone = _zone()
    months = (
        AuditEntry.objects.filter(action=AuditEntry.Action.TRACE, at__gte=now - timedelta(days=366))
        .annotate(month=TruncMonth("at", tzinfo=zone))
        .values("month")
        .annotate(traces=Count("id"))
        .order_by("month")
    )
    purges = list(PurgeRecord.objects.filter(at__gte=now - timedelta(days=30)))
    return {
        "traces_per_month": [
            {"month": m["month"].strftime("%Y-%m"), "traces": shown(m["traces"])} for m in months
        ],
        "purges_last_30_days": len(purges),
        "rows_removed_last_30_days": _rows_removed(purges),
        "last_purge": timezone.localtime(purges[0].at).isoformat() if purges else None,
        **devices_in_service(now=now),
        "retention_days": settings.ENCOUNTER_RETENTION_DAYS,
        "kept": what_is_kept(now=now),
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
    now = now or timezone.now()
    records = list(PurgeRecord.objects.all()[:limit])
    overdue_after = timedelta(hours=settings.PURGE_OVERDUE_HOURS)
    return {
        "overdue": not records or now - records[0].at > overdue_after,
        "overdue_after_hours": settings.PURGE_OVERDUE_HOURS,
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
