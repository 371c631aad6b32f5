"""Every copy the portal keeps of encounter-derived or personal tracing data, and its rule.

    kind              what                                  limit (setting)
    encounters        tag met tag, when, how long           ENCOUNTER_RETENTION_DAYS
    inbox_waiting     uplinks not yet decoded (payload)     ENCOUNTER_RETENTION_DAYS
    inbox_processed   delivery IDs of decoded uplinks       INBOX_KEEP_PROCESSED_HOURS
    dead_letters      uplinks that could not be stored      DEAD_LETTER_RETENTION_HOURS
    spool_files       uplinks spooled on this web host      INGEST_SPOOL_RETENTION_DAYS
    trace_results     traces kept (encrypted) for authors   TRACE_RESULT_RETENTION_DAYS
    cases             cases, follow-ups, their e-mails      CASE_RETENTION_DAYS after closing
    zone_coordinates  donated points of infectious periods  ZONES_RETENTION_DAYS
    zone_archive      the raw copy of every donated point   ZONES_ARCHIVE_RETENTION_DAYS
    audit_trail       who traced whom, when, why            none: kept for accountability
    export_files      temporary files of exports            not written (made in memory)
    log_files         log files of the portal               not written (standard output)

Which model belongs to which kind is listed in MODELS; tests/retention/test_kinds.py
fails when a model that holds such data belongs to none, so a new copy is not forgotten.

An age is within its limit while it is no more than the limit plus one purge interval
(the purge runs on a schedule: what expires just after a run goes at the next one).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from celery.schedules import crontab
from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from cases.selectors import closed_case_oldest
from encounters.services import oldest_encounter_start
from ingestion.models import DeadLetter, InboxUplink
from ingestion.spool import spool_oldest
from tracing.models import Trace
from zones.models import ArchivedCoordinate, Coordinate

PURGE_BEAT_ENTRY = "purge-expired"


class Status:
    WITHIN = "within_limit"
    OVERDUE = "overdue"
    NONE_KEPT = "none_kept"
    NO_LIMIT = "no_limit"
    NOT_WRITTEN = "not_written"
    ALL = (WITHIN, OVERDUE, NONE_KEPT, NO_LIMIT, NOT_WRITTEN)


def _oldest(queryset, field: str) -> datetime | None:
    # MIN of an indexed column: read from one end of the index, never the whole table.
    return queryset.aggregate(oldest=Min(field))["oldest"]


def _days(name: str) -> Callable[[], timedelta]:
    return lambda: timedelta(days=getattr(settings, name))


def _hours(name: str) -> Callable[[], timedelta]:
    return lambda: timedelta(hours=getattr(settings, name))


@dataclass(frozen=True)
class Kind:
    """One copy the portal keeps (or says it does not write), and how its age is read."""

    key: str
    label: str
    description: str
    setting: str  # the setting that holds its limit ("" when there is none)
    limit: Callable[[], timedelta | None]
    measured_from: str
    oldest: Callable[[datetime], datetime | None] | None  # None: nothing of it is written
    # Whose count of removed rows could point at a person (one row is one person's case or
    # trace): those go through the small-count rule. Rows of encounters, uplinks, points
    # are many per person and tell nothing about any one of them.
    about_people: bool = False
    host_local: bool = False  # a file on each web host: read on the host that answers


KINDS: tuple[Kind, ...] = (
    Kind(
        "encounters",
        _("Encounters"),
        _("Which tag met which tag, when and for how long (never a name or a place)."),
        "ENCOUNTER_RETENTION_DAYS",
        _days("ENCOUNTER_RETENTION_DAYS"),
        _("the start of the encounter"),
        lambda now: oldest_encounter_start(),
    ),
    Kind(
        "inbox_waiting",
        _("Messages from devices waiting to be read"),
        _("Uplinks received from the network server and not yet decoded into encounters."),
        "ENCOUNTER_RETENTION_DAYS",
        _days("ENCOUNTER_RETENTION_DAYS"),
        _("when the portal received the message"),
        lambda now: _oldest(
            InboxUplink.objects.filter(status=InboxUplink.Status.PENDING), "accepted_at"
        ),
    ),
    Kind(
        "inbox_processed",
        _("Receipts of messages already read"),
        _("Only the network server's ID of each message, to recognise a repeated delivery."),
        "INBOX_KEEP_PROCESSED_HOURS",
        _hours("INBOX_KEEP_PROCESSED_HOURS"),
        _("when the portal received the message"),
        lambda now: _oldest(
            InboxUplink.objects.filter(status=InboxUplink.Status.PROCESSED), "accepted_at"
        ),
    ),
    Kind(
        "dead_letters",
        _("Messages that could not be stored"),
        _(
            "Uplinks set aside with the reason (e.g. an unknown device), to "
            "be read again once fixed."
        ),
        "DEAD_LETTER_RETENTION_HOURS",
        _hours("DEAD_LETTER_RETENTION_HOURS"),
        _("the hour the message was set aside"),
        lambda now: _oldest(DeadLetter.objects.all(), "created_at"),
    ),
    Kind(
        "spool_files",
        _("Messages kept on disk while the database was down"),
        _(
            "Files a web server writes when the database does not answer; moved into the inbox "
            "once it does. Read on the web server that answered this page."
        ),
        "INGEST_SPOOL_RETENTION_DAYS",
        _days("INGEST_SPOOL_RETENTION_DAYS"),
        _("when the file was written"),
        lambda now: spool_oldest(),
        host_local=True,
    ),
    Kind(
        "trace_results",
        _("Trace results"),
        _(
            "A trace's result, encrypted, kept so that the medical user who "
            "ran it can open it again."
        ),
        "TRACE_RESULT_RETENTION_DAYS",
        _days("TRACE_RESULT_RETENTION_DAYS"),
        _("when the trace was run"),
        lambda now: _oldest(Trace.objects.all(), "created_at"),
        about_people=True,
    ),
    Kind(
        "cases",
        _("Cases and follow-ups"),
        _(
            "The medical service's cases, the follow-up of their close contacts and the e-mails "
            "sent. A closed case whose follow-up is still running is kept until that ends too."
        ),
        "CASE_RETENTION_DAYS",
        _days("CASE_RETENTION_DAYS"),
        _("when the case was closed"),
        lambda now: closed_case_oldest(now=now),
        about_people=True,
    ),
    Kind(
        "zone_coordinates",
        _("Donated locations"),
        _("Places and times that people who tested positive chose to donate, for location risk."),
        "ZONES_RETENTION_DAYS",
        _days("ZONES_RETENTION_DAYS"),
        _("the time of the place"),
        lambda now: _oldest(Coordinate.objects.all(), "time"),
    ),
    Kind(
        "zone_archive",
        _("Archive of donated locations"),
        _("The unchanged copy of every donated place."),
        "ZONES_ARCHIVE_RETENTION_DAYS",
        _days("ZONES_ARCHIVE_RETENTION_DAYS"),
        _("the time of the place"),
        lambda now: _oldest(ArchivedCoordinate.objects.all(), "time"),
    ),
    Kind(
        "audit_trail",
        _("Audit trail"),
        _(
            "Who traced whom, when and why. Kept for accountability for as long as the service "
            "runs, and kept at its end too; it holds no encounter."
        ),
        "",
        lambda: None,
        _("when the action took place"),
        lambda now: _oldest(AuditEntry.objects.all(), "at"),
    ),
    Kind(
        "export_files",
        _("Temporary files of exports"),
        _(
            "Exports (a trace, the follow-ups, MY DATA, the statistics, the audit digest) are "
            "produced in memory "
            "and sent to the browser: the portal writes no file for them."
        ),
        "",
        lambda: None,
        "",
        None,
    ),
    Kind(
        "log_files",
        _("Log files"),
        _(
            "The portal writes no log file: its log lines go to standard output, without a "
            "person number, tag or device ID; the hosting's log system keeps them."
        ),
        "",
        lambda: None,
        "",
        None,
    ),
)

# Every model that holds encounter-derived or personal tracing data, by the kind that
# covers it (its rows are purged with that kind, or by cascade with it).
MODELS: dict[str, str] = {
    "encounters.Encounter": "encounters",
    "ingestion.InboxUplink": "inbox_waiting",  # and inbox_processed: one table, two rules
    "ingestion.DeadLetter": "dead_letters",
    "tracing.Trace": "trace_results",
    "cases.Case": "cases",
    "cases.CaseTrace": "cases",
    "cases.FollowUp": "cases",
    "cases.Exposure": "cases",
    "cases.FollowUpEvent": "cases",
    "cases.Notification": "cases",
    "cases.Reveal": "cases",  # requests to name a trace's contacts: deleted with their case
    "zones.Coordinate": "zone_coordinates",
    "zones.GeoZoneCoordinate": "zone_coordinates",  # a point's link to its zone, with it
    "zones.GeoZone": "zone_coordinates",  # deleted once no point lies in it
    "zones.ArchivedCoordinate": "zone_archive",
    "audit.AuditEntry": "audit_trail",
    "audit.Disclosure": "audit_trail",
}


def purge_interval() -> timedelta:
    """The longest time between two runs of the purge in the beat schedule (a crontab's gap
    in its own time zone, so a daily run across a clock change counts 25 hours)."""
    schedule = settings.CELERY_BEAT_SCHEDULE[PURGE_BEAT_ENTRY]["schedule"]
    if isinstance(schedule, timedelta):
        return schedule
    if isinstance(schedule, int | float):
        return timedelta(seconds=schedule)
    if isinstance(schedule, crontab):
        return _longest_crontab_gap(schedule)
    raise TypeError(f"{PURGE_BEAT_ENTRY}: an unknown kind of schedule ({type(schedule).__name__})")


def _longest_crontab_gap(schedule: crontab) -> timedelta:
    zone = ZoneInfo(settings.CELERY_TIMEZONE)
    start = datetime(2025, 1, 1, tzinfo=zone)
    runs = []
    for n in range(400):  # a year and more: every weekday, month day and clock change
        day = start + timedelta(days=n)
        if (
            day.month in schedule.month_of_year
            and day.day in schedule.day_of_month
            and (day.weekday() + 1) % 7 in schedule.day_of_week  # celery: 0 is Sunday
        ):
            # In UTC: two times of one zone subtract as wall-clock times, clock changes lost.
            runs += [
                day.replace(hour=hour, minute=minute).astimezone(UTC)
                for hour in sorted(schedule.hour)
                for minute in sorted(schedule.minute)
            ]
    if len(runs) < 2:
        raise ValueError(f"{PURGE_BEAT_ENTRY}: the schedule runs less than twice a year")
    return max(later - earlier for earlier, later in pairwise(runs))


def within_limit(*, oldest: datetime, now: datetime, limit: timedelta, interval: timedelta) -> bool:
    """Is the oldest item young enough? Its age may exceed the limit by one purge interval
    (it expired just after a run); at exactly limit + interval it still is."""
    return now - oldest <= limit + interval


@dataclass(frozen=True)
class Kept:
    kind: Kind
    limit: timedelta | None
    oldest: datetime | None
    status: str

    def age(self, now: datetime) -> timedelta | None:
        return None if self.oldest is None else max(now - self.oldest, timedelta(0))


def kept_copies(*, now: datetime | None = None) -> list[Kept]:
    """Each kind now: its limit, its oldest item and whether that is within the limit."""
    now = now or timezone.now()
    interval = purge_interval()
    out = []
    for kind in KINDS:
        limit = kind.limit()
        if kind.oldest is None:
            out.append(Kept(kind, limit, None, Status.NOT_WRITTEN))
            continue
        oldest = kind.oldest(now)
        if oldest is None:
            status = Status.NONE_KEPT
        elif limit is None:
            status = Status.NO_LIMIT
        elif within_limit(oldest=oldest, now=now, limit=limit, interval=interval):
            status = Status.WITHIN
        else:
            status = Status.OVERDUE
        out.append(Kept(kind, limit, oldest, status))
    return out


def oldest_kept(*, now: datetime) -> dict[str, str | None]:
    """The oldest item of each kind that has one, as the purge record keeps it."""
    return {
        kept.kind.key: kept.oldest.isoformat() if kept.oldest else None
        for kept in kept_copies(now=now)
        if kept.kind.oldest is not None
    }


# --- Is the purge overdue? ---------------------------------------------------------------


def installed_at() -> datetime | None:
    """When this portal was installed: the moment the first migration was applied to the
    `default` database (Django's own `django_migrations` table).

    Why this moment and not "the earliest record the portal holds": `migrate_all` writes it
    once, before the portal serves anyone; it travels with the database through a backup and
    a restore; and nothing the portal later stores can move it. The earliest record can: an
    import of people or devices carries older dates, the demo's holdings start weeks back, and
    a fresh install holds no record at all. None only in a database never migrated.
    """
    return MigrationRecorder.Migration.objects.using("default").aggregate(first=Min("applied"))[
        "first"
    ]


@dataclass(frozen=True)
class PurgeDue:
    overdue: bool
    # Set while no purge was ever recorded: the latest moment the first one is due.
    first_due_by: datetime | None


def purge_due(
    *, last_purge: datetime | None, installed: datetime | None, now: datetime, allowed: timedelta
) -> PurgeDue:
    """Overdue when more than `allowed` has passed since the last purge; before the first
    purge, since the install (a fresh install is not late for a purge that was never due).
    An unknown install with no purge counts as overdue: the alarm errs on the side of telling.
    """
    if last_purge is not None:
        return PurgeDue(overdue=now - last_purge > allowed, first_due_by=None)
    if installed is None:
        return PurgeDue(overdue=True, first_due_by=None)
    due_by = installed + allowed
    return PurgeDue(overdue=now > due_by, first_due_by=due_by)
