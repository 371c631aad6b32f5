"""Reading the audit trail for unusual activity: counted in the database, judged in oversight.rules.

The database groups the watched entries by account, action, local day and local hour
(a few hundred rows for a month, however many entries), so no entry is loaded into
Python; only break-glass entries are read one by one, for the weekly digest.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count as CountOf
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from audit.models import AuditEntry
from cases.models import Reveal
from core.roles import Role
from oversight import rules


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


def activity_counts(*, since: date, until: date) -> list[rules.Count]:
    """Watched audit entries of the local days since..until, per account, action, day, hour."""
    zone = local_zone()
    rows = (
        AuditEntry.objects.filter(
            at__gte=local_midnight(since),
            at__lt=local_midnight(until + timedelta(days=1)),
            action__in=rules.WATCHED,
        )
        .annotate(day=TruncDate("at", tzinfo=zone), hour=ExtractHour("at", tzinfo=zone))
        .values("actor", "action", "day", "hour")
        .annotate(n=CountOf("id"))
        .order_by()
    )
    return [
        rules.Count(actor=r["actor"], action=r["action"], day=r["day"], hour=r["hour"], n=r["n"])
        for r in rows
    ]


def role_members(role: Role) -> set[str]:
    """User names of the active accounts that hold `role` now."""
    return set(
        get_user_model()
        .objects.filter(is_active=True, groups__name=role.value)
        .values_list("username", flat=True)
    )


def anomalies_list(*, since: date, until: date) -> list[rules.Alert]:
    """Every alert of the local days since..until (inclusive), newest first."""
    thresholds = rules.Thresholds.from_settings()
    counts = activity_counts(since=since - timedelta(days=thresholds.baseline_days), until=until)
    return rules.alerts_compute(
        counts,
        since=since,
        until=until,
        role_members=role_members(Role.MEDICAL),
        thresholds=thresholds,
    )


def alerts_today_per_rule(*, now: datetime | None = None) -> dict[str, int]:
    """How many alerts each rule raises for today (local), so far: the Prometheus gauge."""
    today = timezone.localdate(now or timezone.now())
    found = dict.fromkeys(rules.Rule.ALL, 0)
    for alert in anomalies_list(since=today, until=today):
        found[alert.rule] += 1
    return found


@dataclass(frozen=True)
class BreakGlass:
    """A break-glass reveal as the digest lists it: when, who, which case; never whom."""

    at: datetime
    actor: str
    case_reference: str
    review: str = ""  # "reviewed", "escalated", or "" while it waits for review


def break_glass_list(*, since: date, until: date) -> list[BreakGlass]:
    entries = list(
        AuditEntry.objects.filter(
            action=AuditEntry.Action.BREAK_GLASS,
            at__gte=local_midnight(since),
            at__lt=local_midnight(until + timedelta(days=1)),
        )
        .order_by("at")
        .values_list("at", "actor", "case_reference", "details")
    )
    ids = [details.get("reveal") for *_rest, details in entries]
    reviews = dict(Reveal.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "review"))
    return [
        BreakGlass(
            at=timezone.localtime(at),
            actor=actor,
            case_reference=case_reference,
            review=reviews.get(details.get("reveal"), ""),
        )
        for at, actor, case_reference, details in entries
    ]


def digest_recipients() -> list[str]:
    """The privacy officers' addresses (active accounts of the role) and PRIVACY_DIGEST_EMAILS."""
    return [address for address, _account in digest_recipients_with_accounts()]


def digest_recipients_with_accounts() -> list[tuple[str, object | None]]:
    """Each digest address with its account (whose language the digest is written in), or
    None for an address of PRIVACY_DIGEST_EMAILS that is no privacy officer's."""
    accounts = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.PRIVACY.value)
        .exclude(email="")
        .order_by("pk")
    )
    found: dict[str, tuple[str, object | None]] = {}
    for account in accounts:
        address = account.email.strip()
        found.setdefault(address.lower(), (address, account))
    for address in settings.PRIVACY_DIGEST_EMAILS:
        found.setdefault(address.strip().lower(), (address.strip(), None))
    return sorted(found.values(), key=lambda pair: pair[0].lower())
