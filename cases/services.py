"""Writes of contact follow-up: cases, their traces, follow-ups, status changes, notifications.

A case's trace is tracing's audited trace (tracing.services.trace_run); what it
found is then turned into follow-ups here. Two medics at once: every change to
a follow-up locks its row and names the version the medic saw, so a change made
on a stale screen is refused (409) instead of silently overwriting another.
"""

import logging
import re
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.services import audit_record
from cases import dates, emails
from cases.models import Case, CaseTrace, Exposure, FollowUp, FollowUpEvent, Notification
from cases.selectors import cases_expired, cases_releasable
from core.databases import DEFAULT
from core.dates import format_date, format_time
from core.errors import DomainError
from registration.models import Person
from tracing import contacts
from tracing.services import trace_run

logger = logging.getLogger(__name__)

DIGITS = re.compile(r"[0-9]+")
SYSTEM = "system"  # the actor of what the portal does by itself (the nightly close)
MAX_DEGREE = 2  # a contact's contacts; further is a case of its own


def _username(acting_user) -> str:
    return acting_user.get_username()


# --- Cases ---------------------------------------------------------------------------


def _next_reference(now: datetime) -> str:
    year = timezone.localtime(now).year
    prefix = f"C-{year}-"
    taken = Case.objects.filter(reference__startswith=prefix).values_list("reference", flat=True)
    # ASCII digits only: a free-text reference "C-2026-²" is no number ("²".isdigit() is True).
    numbers = [int(ref[len(prefix) :]) for ref in taken if DIGITS.fullmatch(ref[len(prefix) :])]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _person(person_id: str) -> Person:
    person = Person.objects.filter(person_id=person_id).first()
    if person is None:
        raise DomainError(
            _("There is no person %(person_id)s.") % {"person_id": person_id},
            code="unknown_person",
            status_code=404,
        )
    return person


def case_open(
    *,
    person_id: str,
    acting_user,
    symptom_onset: date | None = None,
    positive_test: date | None = None,
    notes: str = "",
    reference: str = "",
    source_follow_up: FollowUp | None = None,
) -> Case:
    """Open a case for a person (audited: it records that this person is a case).

    `reference` empty: the next C-<year>-<n>. A person has one open case at a time.
    """
    person = _person(person_id)
    existing = Case.objects.filter(person_id=person_id, status=Case.Status.OPEN).first()
    if existing is not None:
        raise _open_case_refusal(person.full_name, existing.reference)
    if reference and Case.objects.filter(reference=reference).exists():
        raise _reference_taken(reference)
    for _attempt in range(5):
        now = timezone.now()
        try:
            with transaction.atomic(using=DEFAULT):
                case = Case.objects.create(
                    reference=reference or _next_reference(now),
                    person_id=person_id,
                    symptom_onset=symptom_onset,
                    positive_test=positive_test,
                    notes=notes,
                    created_at=now,
                    created_by=_username(acting_user),
                    source_follow_up=source_follow_up,
                )
                audit_record(
                    acting_user=acting_user,
                    action=AuditEntry.Action.CASE_OPENED,
                    target_person_id=person_id,
                    case_reference=case.reference,
                    details={"case": case.pk},
                )
                if source_follow_up is None:
                    _close_as_case(case, acting_user)
            return case
        except IntegrityError:
            # Another medic took the same number, or opened a case for this person, at once.
            existing = Case.objects.filter(person_id=person_id, status=Case.Status.OPEN).first()
            if existing is not None:
                raise _open_case_refusal(person.full_name, existing.reference) from None
            if reference:
                raise _reference_taken(reference) from None
    raise DomainError(_("Could not number the case; try again."), code="busy", status_code=409)


def _open_case_refusal(name: str, reference: str) -> DomainError:
    return DomainError(
        _("%(name)s already has an open case, %(reference)s: add to it.")
        % {"name": name, "reference": reference},
        code="case_open",
        status_code=409,
    )


def _reference_taken(reference: str) -> DomainError:
    return DomainError(
        _("The case reference %(reference)s is taken by another case.") % {"reference": reference},
        code="reference_taken",
    )


def _close_as_case(case: Case, acting_user) -> None:
    """A person followed as a contact who is now a case: the follow-up closes as "became a
    case" and the case keeps the link (the chain), whichever page opened the case."""
    follow_up = (
        FollowUp.objects.select_for_update()
        .filter(person_id=case.person_id, status__in=FollowUp.OPEN)
        .first()
    )
    if follow_up is None:
        return
    _change_status(
        follow_up,
        FollowUp.Status.BECAME_CASE,
        who=_username(acting_user),
        now=timezone.now(),
        kind=FollowUpEvent.Kind.STATUS,
        note=_("Opened as case %(reference)s.") % {"reference": case.reference},
    )
    case.source_follow_up = follow_up
    case.save(update_fields=["source_follow_up"])


_UNCHANGED = object()


def case_update(
    *,
    case: Case,
    acting_user,
    notes: str | None = None,
    symptom_onset=_UNCHANGED,
    positive_test=_UNCHANGED,
    status: str | None = None,
) -> Case:
    """Change what is given; a date given as None is cleared."""
    with transaction.atomic(using=DEFAULT):
        case = Case.objects.select_for_update().get(pk=case.pk)
        if notes is not None:
            case.notes = notes
        if symptom_onset is not _UNCHANGED:
            case.symptom_onset = symptom_onset
        if positive_test is not _UNCHANGED:
            case.positive_test = positive_test
        if status == Case.Status.CLOSED and case.status == Case.Status.OPEN:
            case.status, case.closed_at = Case.Status.CLOSED, timezone.now()
        elif status == Case.Status.OPEN and case.status == Case.Status.CLOSED:
            if Case.objects.filter(person_id=case.person_id, status=Case.Status.OPEN).exists():
                raise _another_open_case()
            case.status, case.closed_at = Case.Status.OPEN, None
        try:
            with transaction.atomic(using=DEFAULT):
                case.save()
        except IntegrityError:  # reopened while another case of the person was opened
            raise _another_open_case() from None
    return case


def _another_open_case() -> DomainError:
    return DomainError(
        _("This person has another open case now."), code="case_open", status_code=409
    )


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=dates.zone())


def case_window(case: Case, *, now: datetime | None = None) -> contacts.Window:
    """The case's infectious period: from the symptom onset if known, else the positive test."""
    retention = timedelta(days=settings.ENCOUNTER_RETENTION_DAYS)
    now = now or timezone.now()
    if case.symptom_onset:
        return contacts.trace_window(
            now=now, retention=retention, symptom_onset=_local_midnight(case.symptom_onset)
        )
    if case.positive_test:
        return contacts.trace_window(
            now=now, retention=retention, positive_test=_local_midnight(case.positive_test)
        )
    raise DomainError(
        _(
            "Give the case a symptom onset or a positive test date first: the trace window "
            "derives from it."
        ),
        code="window",
    )


def case_trace(
    *,
    case: Case,
    reason: str,
    acting_user,
    policy: str | None = None,
    window: contacts.Window | None = None,
    follow_up: FollowUp | None = None,
):
    """Trace for a case (the audited trace, pseudonymous: it names nobody yet).

    Degree 1: the index person, over the case's window (or `window`). Degree 2: the
    contact of `follow_up`, from the day of its first exposure to now. Returns
    (trace, case_trace). Its close contacts become follow-ups when they are
    named (cases.reveals, with a second person's approval).
    """
    if case.status != Case.Status.OPEN:
        raise DomainError(
            _("Case %(reference)s is closed; reopen it to trace.") % {"reference": case.reference},
            code="case_closed",
        )
    policy = policy or settings.TRACING_DEFAULT_POLICY
    if follow_up is not None:
        if follow_up.degree >= MAX_DEGREE:
            raise DomainError(
                _(
                    "The chain goes %(max)d levels deep: this contact is of degree "
                    "%(degree)d. Open a case for the person to trace them."
                )
                % {"max": MAX_DEGREE, "degree": follow_up.degree},
                code="degree",
            )
        traced, degree = follow_up.person_id, follow_up.degree + 1
        first = follow_up.exposures.order_by("first_exposure").first()
        since = first.first_exposure if first else follow_up.last_exposure
        window = contacts.trace_window(
            now=timezone.now(),
            retention=timedelta(days=settings.ENCOUNTER_RETENTION_DAYS),
            start=_local_midnight(dates.exposure_day(since, dates.zone())),
        )
    else:
        traced, degree = case.person_id, 1
        window = window or case_window(case)
    trace = trace_run(
        person_id=traced,
        window=window,
        policy=policy,
        case_reference=case.reference,
        reason=reason,
        acting_user=acting_user,
    )
    link = CaseTrace.objects.create(
        case=case,
        trace=trace,
        degree=degree,
        follow_up=follow_up,
        traced_person_id=traced,
        created_at=trace.created_at,
        author=_username(acting_user),
        policy=policy,
        window_from=window.start,
        window_to=window.end,
        close_contacts=trace.close_contacts,
    )
    return trace, link


def followups_from_trace(link: CaseTrace, result: dict, *, acting_user) -> list[FollowUp]:
    """Each named close contact of a trace: a new follow-up, or an open one moved on."""
    zone, days = dates.zone(), settings.CONTACT_FOLLOW_UP_DAYS
    index_people = set(
        Case.objects.filter(status=Case.Status.OPEN).values_list("person_id", flat=True)
    )
    found = sorted(
        (contact["person_id"], contact)
        for contact in result["contacts"]
        if contact["close_contact"] and contact["kind"] == "person" and contact["person_id"]
    )
    touched = []
    # In person-number order: two traces at once lock their common contacts in the same order
    # (in the trace's own order, by duration, they could wait for each other for good).
    for person_id, contact in found:
        if person_id == link.traced_person_id or person_id in index_people:
            continue  # a case already: followed as a case, not as a contact
        first = min(datetime.fromisoformat(e["start"]) for e in contact["encounters"])
        moment = dates.last_exposure(contact["encounters"])
        touched.append(
            _expose(link, person_id, first, moment, zone=zone, days=days, actor=acting_user)
        )
    return touched


def _today() -> date:
    """The organisation's day now (one place, so a rule's test can set the day)."""
    return timezone.localdate()


def _open_follow_up(link, person_id: str, moment, end, *, who: str, now) -> FollowUp:
    return FollowUp.objects.create(
        person_id=person_id,
        case=link.case,
        degree=link.degree,
        last_exposure=moment,
        end_date=end,
        assigned_to=who,
        created_at=now,
        changed_at=now,
        changed_by=who,
    )


def _expose(
    link: CaseTrace, person_id: str, first: datetime, moment: datetime, *, zone, days, actor
) -> FollowUp:
    who = _username(actor)
    end = dates.end_date(moment, zone, days)
    for _attempt in range(3):
        try:
            with transaction.atomic(using=DEFAULT):
                follow_up = (
                    FollowUp.objects.select_for_update()
                    .filter(person_id=person_id, status__in=FollowUp.OPEN)
                    .first()
                )
                now = timezone.now()  # once locked: after the change it may have waited for
                # Found again for an exposure a closed follow-up already covers (the same case
                # traced again): the exposure joins it, nothing reopens.
                covered = follow_up or (
                    FollowUp.objects.filter(person_id=person_id, last_exposure__gte=moment)
                    .order_by("-last_exposure")
                    .first()
                )
                if follow_up is None and covered is not None:
                    follow_up = covered
                elif follow_up is None:
                    follow_up = _open_follow_up(link, person_id, moment, end, who=who, now=now)
                    FollowUpEvent.objects.create(
                        follow_up=follow_up,
                        at=now,
                        actor=who,
                        kind=FollowUpEvent.Kind.OPENED,
                        to_status=FollowUp.Status.TO_CONTACT,
                        new_end_date=end,
                        note=_("Close contact in %(reference)s.")
                        % {"reference": link.case.reference}
                        + " "
                        + dates.explain(moment, zone, days),
                    )
                    if end < _today():
                        # Found only after the end: recorded, and closed at once, never e-mailed.
                        _change_status(
                            follow_up,
                            FollowUp.Status.RELEASED,
                            who=who,
                            now=now,
                            kind=FollowUpEvent.Kind.AUTO_CLOSED,
                            note=_(
                                "Quarantine or monitoring would have ended on %(date)s, "
                                "before this trace found the contact."
                            )
                            % {"date": format_date(end)},
                        )
                elif moment > follow_up.last_exposure:
                    old_end = follow_up.end_date
                    follow_up.last_exposure, follow_up.end_date = moment, end
                    follow_up.changed_at, follow_up.changed_by = now, who
                    follow_up.version += 1
                    follow_up.save()
                    FollowUpEvent.objects.create(
                        follow_up=follow_up,
                        at=now,
                        actor=who,
                        kind=FollowUpEvent.Kind.RE_EXPOSED,
                        old_end_date=old_end,
                        new_end_date=end,
                        note=_("Close contact again in %(reference)s.")
                        % {"reference": link.case.reference}
                        + " "
                        + dates.explain(moment, zone, days),
                    )
                Exposure.objects.create(
                    follow_up=follow_up,
                    case_trace=link,
                    first_exposure=first,
                    last_exposure=moment,
                )
            return follow_up
        except IntegrityError:
            continue  # another trace opened this person's follow-up at the same moment: join it
    raise DomainError(_("The follow-ups were busy; run the trace again."), status_code=409)


# --- Status ---------------------------------------------------------------------------


def _locked(follow_up_id: int, *, version: int | None) -> FollowUp:
    follow_up = FollowUp.objects.select_for_update().filter(pk=follow_up_id).first()
    if follow_up is None:
        raise DomainError(_("There is no such follow-up."), code="not_found", status_code=404)
    if version is not None and follow_up.version != version:
        raise DomainError(
            _(
                "%(who)s changed this follow-up at %(time)s (now: %(status)s). "
                "Reload it and try again."
            )
            % {
                "who": follow_up.changed_by,
                "time": format_time(follow_up.changed_at),
                "status": follow_up.get_status_display(),
            },
            code="changed",
            status_code=409,
        )
    if not follow_up.is_open:
        raise DomainError(
            (
                _(
                    "This follow-up is closed (%(status)s: %(reason)s). "
                    "A new exposure opens a new one."
                )
                if follow_up.close_reason
                else _("This follow-up is closed (%(status)s). A new exposure opens a new one.")
            )
            % {"status": follow_up.get_status_display(), "reason": follow_up.close_reason},
            code="closed",
            status_code=409,
        )
    return follow_up


def _change_status(
    follow_up: FollowUp, status: str, *, who: str, now: datetime, kind: str, note: str
) -> None:
    """Move a locked follow-up to `status` (a closed one keeps the note as its reason), bump its
    version, and write the event."""
    old = follow_up.status
    follow_up.status = status
    follow_up.changed_at, follow_up.changed_by = now, who
    follow_up.version += 1
    if status not in FollowUp.OPEN:
        follow_up.closed_at = now
        follow_up.close_reason = note or FollowUp.Status(status).label
    follow_up.save()
    FollowUpEvent.objects.create(
        follow_up=follow_up,
        at=now,
        actor=who,
        kind=kind,
        from_status=old,
        to_status=status,
        note=note,
    )


def followup_set_status(
    *, follow_up_id: int, status: str, version: int | None, acting_user, note: str = ""
) -> FollowUp:
    """Change a follow-up's status; `version` is the one the medic saw (None: any)."""
    if status not in FollowUp.Status.values:
        raise DomainError(_("Unknown status %(status)r.") % {"status": status}, code="status")
    who = _username(acting_user)
    with transaction.atomic(using=DEFAULT):
        follow_up = _locked(follow_up_id, version=version)
        _change_status(
            follow_up,
            status,
            who=who,
            now=timezone.now(),  # once locked: after the change it may have waited for
            kind=FollowUpEvent.Kind.STATUS,
            note=note,
        )
        if status == FollowUp.Status.BECAME_CASE:
            _became_case(follow_up, acting_user)
    return follow_up


def _became_case(follow_up: FollowUp, acting_user) -> None:
    """The contact is a case now: its own case, linked to the follow-up (the chain)."""
    open_case = Case.objects.filter(person_id=follow_up.person_id, status=Case.Status.OPEN).first()
    if open_case is not None:
        if open_case.source_follow_up_id is None:
            open_case.source_follow_up = follow_up
            open_case.save(update_fields=["source_follow_up"])
        return
    case_open(person_id=follow_up.person_id, acting_user=acting_user, source_follow_up=follow_up)


def followups_close_expired(*, today: date | None = None) -> int:
    """Close every open follow-up whose end date has passed (the nightly task)."""
    today = today or timezone.localdate()
    closed = 0
    for follow_up_id in FollowUp.objects.filter(
        status__in=FollowUp.OPEN, end_date__lt=today
    ).values_list("pk", flat=True):
        with transaction.atomic(using=DEFAULT):
            follow_up = (
                FollowUp.objects.select_for_update()
                .filter(pk=follow_up_id, status__in=FollowUp.OPEN, end_date__lt=today)
                .first()
            )
            if follow_up is None:
                continue  # changed or moved on meanwhile
            _change_status(
                follow_up,
                FollowUp.Status.RELEASED,
                who=SYSTEM,
                now=timezone.now(),
                kind=FollowUpEvent.Kind.AUTO_CLOSED,
                note=_("Quarantine or monitoring ended on %(date)s.")
                % {"date": format_date(follow_up.end_date)},
            )
            closed += 1
    return closed


# --- Notifications ------------------------------------------------------------------------


def notification_send(*, follow_up_id: int, acting_user) -> Notification:
    """E-mail the contact what to do and until when (never who or where); recorded and audited.

    A contact still "to contact" is "notified" once the message has left.
    """
    with transaction.atomic(using=DEFAULT):
        follow_up = _locked(follow_up_id, version=None)
    person = Person.objects.filter(person_id=follow_up.person_id).first()
    stated = follow_up.end_date  # what the e-mail says, whatever moves meanwhile
    message = emails.notification_email(follow_up, person)
    error = ""
    if message is None:
        error = _("No e-mail address on file: call the person.")
    else:
        try:
            message.send()
        except Exception as exc:  # SMTP refusals, timeouts, DNS: all say "not sent"
            error = _("The mail server refused it (%(error)s); try again or call.") % {
                "error": type(exc).__name__
            }
            logger.warning("contact notification not sent", extra={"error": type(exc).__name__})
    who = _username(acting_user)
    with transaction.atomic(using=DEFAULT):
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        now = timezone.now()  # once locked: after the sending it may have waited for
        sent = Notification.objects.create(
            follow_up=follow_up,
            at=now,
            sent_by=who,
            to_email=person.email if person else "",
            until=stated,
            sent=not error,
            error=error,
        )
        FollowUpEvent.objects.create(
            follow_up=follow_up,
            at=now,
            actor=who,
            kind=FollowUpEvent.Kind.NOTIFY_FAILED if error else FollowUpEvent.Kind.NOTIFIED,
            note=error
            or _("Told to stay in quarantine until %(date)s.") % {"date": format_date(stated)},
        )
        if not error and follow_up.status == FollowUp.Status.TO_CONTACT:
            _change_status(
                follow_up,
                FollowUp.Status.NOTIFIED,
                who=who,
                now=now,
                kind=FollowUpEvent.Kind.STATUS,
                note="",
            )
        else:
            follow_up.changed_at, follow_up.changed_by = now, who
            follow_up.version += 1
            follow_up.save()
        audit_record(
            acting_user=acting_user,
            action=AuditEntry.Action.CONTACT_NOTIFIED,
            target_person_id=follow_up.person_id,
            case_reference=follow_up.case.reference,
            details={"follow_up": follow_up.pk, "until": stated, "sent": not error},
        )
    return sent


# --- Retention ------------------------------------------------------------------------------


def cases_purge(*, now: datetime | None = None) -> int:
    """Delete cases closed more than CASE_RETENTION_DAYS ago, with their follow-ups."""
    # A follow-up still open in a closed case is kept with it, until it closes too; a
    # follow-up that began here and was found again for a case that stays keeps its case.
    old = cases_releasable(cases_expired(now=now or timezone.now()))
    removed, _rows = Case.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()
    return removed
