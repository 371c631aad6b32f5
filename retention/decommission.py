"""The end of the service: asked by the privacy office, approved by a second person, carried out.

The people who wear the devices were promised that the service stops when the
pandemic is under control. Stopping it means erasing, in every database,
everything that is about a person or links one to a device, and keeping the
audit trail (its hashes cover the person numbers it names: it cannot be
thinned without breaking the chain, and it is what shows how the data was
used) and the devices, which are nobody's once their links are gone.

    decommission_request   the privacy role asks, with a reason        (audited)
    decommission_approve   another person, privacy or medical role      (audited)
    decommission_carry_out `manage.py decommission --request N`: each step
                           below in order, the counts saved after each one;
                           then the DECOMMISSIONED entry (the chain's last, its
                           checkpoint written on commit) and the signed report

The steps are plain "remove all of X": a run stopped midway (a crash, a lost
connection) is finished by running the command again, and the counts add up.
They begin with what lets new data in (tokens revoked) and with the links
person <-> device, so that whatever a stopped run leaves behind links nobody.
"""

import contextlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import IntegrityError, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import RemovedSubject
from appointments.models import Booking, RecallInvitation, WaitlistEntry
from assets.models import DeviceEvent
from audit.chain import report_signature
from audit.checkpoints import Checkpoint
from audit.models import AuditEntry, Disclosure
from audit.receivers import Actor
from audit.services import audit_record
from cases.models import (
    Case,
    CaseTrace,
    Exposure,
    FollowUp,
    FollowUpEvent,
    Notification,
    Reveal,
)
from core.databases import DEFAULT, home_of
from core.errors import DomainError
from core.roles import Role, has_role
from encounters.models import DayChange, DayCount, Encounter, HourCount
from encounters.partitions import table_empty
from ingestion import spool
from ingestion.models import DeadLetter, InboxUplink, IngestToken
from registration.models import Association, LostReport, Person
from retention.models import Decommission
from tracing.models import Trace
from zones.models import (
    ArchivedCoordinate,
    Coordinate,
    DonationCode,
    GeoZone,
    GeoZoneCoordinate,
    TrustedSource,
)

logger = logging.getLogger(__name__)

# Who carries it out: an operator on the server, not a portal account.
COMMAND = Actor("manage.py decommission")
REPORT_KIND = "proximeter end of service"
BATCH = 10_000
# pg_advisory_lock's key for "a run of the end of service" (used for nothing else).
RUN_LOCK = 0x70726F78_656E6473  # "proxends"


# --- Asking and approving ------------------------------------------------------------------


def decommission_request(*, reason: str, acting_user) -> Decommission:
    """The privacy office asks to end the service; one request is open at a time."""
    if not has_role(acting_user, Role.PRIVACY):
        raise DomainError(
            _("Only the data-protection office (privacy role) may ask to end the service."),
            code="not_privacy",
            status_code=403,
        )
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError(_("Say why the service ends (the reason is audited)."), code="reason")
    open_one = Decommission.objects.filter(open=True).first()
    if open_one is not None:
        raise _already_asked(open_one)
    try:
        with transaction.atomic(using=DEFAULT):
            decommission = Decommission.objects.create(
                requested_by=acting_user.get_username(),
                requested_at=timezone.now(),
                reason=reason[:500],
            )
            audit_record(
                acting_user=acting_user,
                action=AuditEntry.Action.DECOMMISSION_REQUESTED,
                reason=decommission.reason,
                details={"request": decommission.pk},
            )
    except IntegrityError:
        # Asked by someone else at the same moment: the constraint kept one.
        raise _already_asked(Decommission.objects.filter(open=True).first()) from None
    return decommission


def _already_asked(open_one: Decommission | None) -> DomainError:
    if open_one is None:
        message = _("The end of the service is already asked: approve it or carry it out.")
    else:
        message = _(
            "The end of the service is already asked (request %(id)s, asked by %(who)s): "
            "approve it or carry it out."
        ) % {"id": open_one.pk, "who": open_one.requested_by}
    return DomainError(
        message,
        code="already_asked",
        status_code=409,
    )


def decommission_approve(*, decommission: Decommission, acting_user) -> Decommission:
    """A second person (privacy or medical role), never the one who asked, approves."""
    if not (has_role(acting_user, Role.PRIVACY) or has_role(acting_user, Role.MEDICAL)):
        raise DomainError(
            _(
                "Only the data-protection office or the medical service may approve the end of "
                "the service."
            ),
            code="not_allowed",
            status_code=403,
        )
    username = acting_user.get_username()
    with transaction.atomic(using=DEFAULT):
        # Two approvals at once: the second waits here, then finds it approved.
        locked = Decommission.objects.select_for_update().get(pk=decommission.pk)
        if locked.carried_out_at is not None:
            raise DomainError(
                _("This end of service was carried out already."),
                code="carried_out",
                status_code=409,
            )
        if locked.requested_by == username:
            raise DomainError(
                _("You asked to end the service: a second person must approve it."),
                code="own_request",
                status_code=403,
            )
        if locked.approved_by:
            raise DomainError(
                _("Already approved by %(who)s.") % {"who": locked.approved_by},
                code="approved",
                status_code=409,
            )
        locked.approved_by = username
        locked.approved_at = timezone.now()
        locked.save(update_fields=["approved_by", "approved_at"])
        audit_record(
            acting_user=acting_user,
            action=AuditEntry.Action.DECOMMISSION_APPROVED,
            reason=locked.reason,
            details={"request": locked.pk, "requested_by": locked.requested_by},
        )
    return locked


def decommission_check(*, decommission: Decommission) -> None:
    """Refuse unless two distinct people asked and approved, as the audit trail shows.

    The trail is read, not only the row: whoever can write the database but
    not the chain's key cannot forge an approval by filling in `approved_by`.
    """
    if not decommission.approved:
        raise DomainError(
            _("Request %(id)s is not approved by a second person yet.") % {"id": decommission.pk},
            code="not_approved",
        )
    for action, actor in (
        (AuditEntry.Action.DECOMMISSION_REQUESTED, decommission.requested_by),
        (AuditEntry.Action.DECOMMISSION_APPROVED, decommission.approved_by),
    ):
        if not AuditEntry.objects.filter(
            action=action, actor=actor, details__request=decommission.pk
        ).exists():
            raise DomainError(
                _(
                    "The audit trail does not show that %(actor)s %(action)s (request %(id)s); "
                    "nothing is erased."
                )
                % {"actor": actor, "action": action.label, "id": decommission.pk},
                code="not_in_audit_trail",
            )


# --- What is erased -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One kind of row: `key` is "<database>.<table>" (or ".<column>" for a cleared column)."""

    key: str
    count: Callable[[], int]
    erase: Callable[[], int]


def _key(queryset: QuerySet, suffix: str = "") -> str:
    return f"{home_of(queryset.model)}.{queryset.model._meta.db_table}{suffix}"


def _delete_all(queryset_of: Callable[[], QuerySet]) -> int:
    """Delete in batches; counts the queryset's own rows (children were deleted before)."""
    removed = 0
    model = queryset_of().model
    while True:
        ids = list(queryset_of().values_list("pk", flat=True)[:BATCH])
        if not ids:
            return removed
        with transaction.atomic(using=home_of(model)):
            _, per_model = model.objects.filter(pk__in=ids).delete()
        removed += per_model.get(model._meta.label, 0)


def _rows(queryset_of: Callable[[], QuerySet]) -> Step:
    return Step(
        _key(queryset_of()), lambda: queryset_of().count(), lambda: _delete_all(queryset_of)
    )


def _cleared(queryset_of: Callable[[], QuerySet], column: str, value) -> Step:
    """A column emptied where it is not already (idempotent: counts what it changed)."""

    def pending() -> QuerySet:
        return queryset_of().exclude(**{column: value})

    def clear() -> int:
        with transaction.atomic(using=home_of(queryset_of().model)):
            return pending().update(**{column: value})

    return Step(_key(queryset_of(), f".{column}"), lambda: pending().count(), clear)


def _revoked(model) -> Step:
    """What let data in (a network server's token, a trusted source's) stops working."""

    def pending() -> QuerySet:
        return model.objects.filter(revoked_at__isnull=True)

    return Step(
        _key(model.objects.all(), ".revoked_at"),
        lambda: pending().count(),
        lambda: pending().update(revoked_at=timezone.now()),
    )


def _encounters_erase() -> int:
    truncated = table_empty()  # PostgreSQL: every partition at once
    return truncated + _delete_all(Encounter.objects.all)  # SQLite, or what came meanwhile


def _spool_files() -> list:
    folder = spool.spool_dir()
    if not folder.is_dir():
        return []
    return [path for path in folder.iterdir() if path.is_file()]


def _spool_erase() -> int:
    removed = 0
    for path in _spool_files():
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def _wearers() -> QuerySet:
    """Accounts of the people who wear the devices: no role, neither staff nor superuser."""
    return (
        get_user_model()
        .objects.exclude(groups__name__in=[role.value for role in Role])
        .filter(is_staff=False, is_superuser=False)
    )


def _staff() -> QuerySet:
    return get_user_model().objects.exclude(pk__in=_wearers().values("pk"))


def steps() -> list[Step]:
    """Everything erased, in the order it is erased (see the module's docstring)."""
    return [
        # Nothing new comes in: the network servers' and trusted sources' tokens stop working.
        _revoked(IngestToken),
        _revoked(TrustedSource),
        # The links person <-> device.
        _rows(Association.objects.all),
        _rows(LostReport.objects.all),
        _rows(RecallInvitation.objects.all),
        # What devices recorded and what came in, on every path.
        Step(_key(Encounter.objects.all()), Encounter.objects.count, _encounters_erase),
        # The statistics' counts of those encounters (encounters/aggregates.py).
        _rows(DayCount.objects.all),
        _rows(HourCount.objects.all),
        _rows(DayChange.objects.all),
        _rows(InboxUplink.objects.all),
        _rows(DeadLetter.objects.all),
        Step("files.ingestion_spool", lambda: len(_spool_files()), _spool_erase),
        # Location exposure: donated points, their zones, the codes to donate.
        _rows(GeoZoneCoordinate.objects.all),
        _rows(Coordinate.objects.all),
        _rows(ArchivedCoordinate.objects.all),
        _cleared(GeoZone.objects.all, "parent", None),  # so any zone can go, in any order
        _rows(GeoZone.objects.all),
        _rows(DonationCode.objects.all),
        # The medical service's conclusions: follow-ups, cases, stored traces.
        _rows(Notification.objects.all),
        _rows(FollowUpEvent.objects.all),
        _rows(Exposure.objects.all),
        _rows(Reveal.objects.all),
        _rows(CaseTrace.objects.all),
        _cleared(Case.objects.all, "source_follow_up", None),
        _rows(FollowUp.objects.all),
        _rows(Case.objects.all),
        _rows(Trace.objects.all),
        # MY DATA's index of the trail (the trail itself stays), the admin's change history.
        _rows(Disclosure.objects.all),
        _rows(LogEntry.objects.all),
        # The appointments and the person directory.
        _rows(WaitlistEntry.objects.all),
        _rows(Booking.objects.all),
        _rows(Person.objects.all),
        # Accounts: the wearers' go; staff accounts stay, without a person number.
        _rows(SocialToken.objects.all),
        _rows(EmailConfirmation.objects.all),
        _cleared(SocialAccount.objects.all, "extra_data", {}),  # the provider's claims
        _rows(lambda: SocialAccount.objects.filter(user__in=_wearers())),
        _rows(lambda: EmailAddress.objects.filter(user__in=_wearers())),
        _rows(_wearers),
        _cleared(_staff, "person_id", ""),
        _rows(RemovedSubject.objects.all),
        _rows(Session.objects.all),
        # Device history stays; its free-text notes may name whoever handed a device back.
        _cleared(DeviceEvent.objects.all, "note", ""),
    ]


def decommission_preview() -> dict[str, int]:
    """What a run would erase now, per database and table (`--dry-run`)."""
    return {step.key: step.count() for step in steps()}


# --- Carrying it out --------------------------------------------------------------------------


def decommission_carry_out(
    *, decommission: Decommission, on_step: Callable[[str, int], None] | None = None
) -> dict:
    """Erase everything of `steps()`, record the end in the audit trail; the signed report.

    Carried out already: the report it printed then (nothing is erased twice).
    """
    with _one_run_at_a_time():
        decommission.refresh_from_db()
        if decommission.carried_out_at is not None:
            return decommission.report["signed"]
        decommission_check(decommission=decommission)
        return _carry_out(decommission, on_step)


@contextlib.contextmanager
def _one_run_at_a_time():
    """Two operators running it at once would each count rows the other erased: the second
    is refused (a session advisory lock on `default`; SQLite's writes are serial anyway)."""
    connection = connections[DEFAULT]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RUN_LOCK])
        if not cursor.fetchone()[0]:
            raise DomainError(
                _("The end of service is being carried out by another run: wait for it to end."),
                code="running",
                status_code=409,
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [RUN_LOCK])


def _carry_out(decommission: Decommission, on_step) -> dict:
    progress = decommission.report or {}
    progress.setdefault("started_at", timezone.now().isoformat())
    progress["runs"] = progress.get("runs", 0) + 1
    erased: dict[str, int] = progress.setdefault("erased", {})
    _save_progress(decommission, progress)
    logger.info("end of service started", extra={"request": decommission.pk})
    for step in steps():
        count = step.erase()
        erased[step.key] = erased.get(step.key, 0) + count
        _save_progress(decommission, progress)  # a run stopped after this keeps the count
        if on_step is not None:
            on_step(step.key, count)
    with transaction.atomic(using=DEFAULT):
        locked = Decommission.objects.select_for_update().get(pk=decommission.pk)
        if locked.carried_out_at is not None:  # another run finished first
            return locked.report["signed"]
        entry = audit_record(
            acting_user=COMMAND,
            action=AuditEntry.Action.DECOMMISSIONED,
            reason=locked.reason,
            details={
                "request": locked.pk,
                "requested_by": locked.requested_by,
                "approved_by": locked.approved_by,
                "erased": erased,
            },
        )
        # The same checkpoint audit_record writes on commit: the chain's final position.
        checkpoint = Checkpoint.signed(
            position=entry.position, head=entry.entry_hash, at=entry.at.isoformat()
        )
        report = _signed(
            {
                "kind": REPORT_KIND,
                "request": locked.pk,
                "reason": locked.reason,
                "requested_by": locked.requested_by,
                "requested_at": locked.requested_at.isoformat(),
                "approved_by": locked.approved_by,
                "approved_at": locked.approved_at.isoformat(),
                "started_at": progress["started_at"],
                "carried_out_at": entry.at.isoformat(),
                "runs": progress["runs"],
                "erased": erased,
                "kept": KEPT,
                "audit": checkpoint.as_dict(),
            }
        )
        locked.report = {**progress, "signed": report}
        locked.carried_out_at = entry.at
        locked.open = False
        locked.save(update_fields=["report", "carried_out_at", "open"])
    logger.info("end of service carried out", extra={"request": decommission.pk})
    return report


KEPT = [
    "the audit trail (audit_auditentry) and its checkpoints: how the data was used",
    "devices (assets_device) and their state history, notes cleared: nobody's once unlinked",
    "staff accounts, their roles and sign-in links, without a person number",
    "configuration: locations, campaigns and slots, zone specifications, revoked token hashes",
    "the purge records and this request: counts and staff names only",
]


def _save_progress(decommission: Decommission, progress: dict) -> None:
    Decommission.objects.filter(pk=decommission.pk).update(report=progress)
    decommission.report = progress


def _signed(fields: dict) -> dict:
    return {**fields, "signature": report_signature(fields)}


# --- Verifying a report -------------------------------------------------------------------------


@dataclass
class ReportCheck:
    genuine: bool
    problem: str = ""


def decommission_report_verify(report: dict) -> ReportCheck:
    """Is `report` one the portal signed, unchanged, and does the trail still end as it says?

    Needs the chain's key (AUDIT_CHAIN_KEY, or the SECRET_KEY it is derived from).
    """
    if not isinstance(report, dict) or not isinstance(report.get("signature"), str):
        return ReportCheck(False, "this is not a signed report of the end of service")
    fields = {name: value for name, value in report.items() if name != "signature"}
    if fields.get("kind") != REPORT_KIND:
        return ReportCheck(False, "this is not a signed report of the end of service")
    if not hmac.compare_digest(report_signature(fields), report["signature"]):
        return ReportCheck(False, "the signature does not match: the report was changed")
    try:
        checkpoint = Checkpoint.from_dict(fields["audit"])
    except (KeyError, TypeError, ValueError):
        return ReportCheck(False, "the report names no position of the audit trail")
    entry = AuditEntry.objects.filter(position=checkpoint.position).first()
    if entry is not None and (
        entry.entry_hash != checkpoint.head or entry.action != AuditEntry.Action.DECOMMISSIONED
    ):
        return ReportCheck(False, f"entry {checkpoint.position} of the audit trail is not this one")
    return ReportCheck(True)


def decommission_get(*, request_id: int) -> Decommission:
    # An ID no bigint holds is no request's either (and must not reach the database).
    found = Decommission.objects.filter(pk=request_id).first() if request_id < 2**63 else None
    if found is None:
        raise DomainError(
            _("No end-of-service request %(id)s.") % {"id": request_id},
            code="not_found",
            status_code=404,
        )
    return found
