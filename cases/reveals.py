"""Four eyes: naming a trace's contacts takes a second person's approval.

A trace names nobody (tracing.services.trace_run). Its author asks to name
its close contacts, or every contact, with a reason. Unless the service's
setting lets the trace through (REVEAL_OWN_CASE_WITHOUT_APPROVAL: the case's
own infectious period, a confirmed open case, degree 1, close contacts only,
not named again within REVEAL_RETRACE_DAYS), the request waits for a second
person of REVEAL_APPROVER_ROLE, who sees the case, the reason, the window and
the pseudonymous result, and approves or refuses it with a comment; the author
is told by e-mail. Approving names the contacts for the author (the author's
audited reveal); the approver never sees them.

Break-glass: an urgent reveal without approval, with a reason of at least
BREAK_GLASS_MIN_REASON characters, named at once and flagged for the
data-protection office, which reviews it afterwards (reviewed or escalated).

Every step is in the audit trail; the reveal's close contacts become follow-ups
once, when they are first named.
"""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.services import audit_record
from cases.models import Case, CaseTrace, FollowUp, Reveal
from cases.services import case_window, followups_from_trace
from core.databases import DEFAULT
from core.errors import DomainError
from core.i18n import in_language_of, language_of
from core.roles import Role, has_role
from tracing import services as tracing
from tracing.models import Trace

logger = logging.getLogger(__name__)

BREAK_GLASS_MIN_REASON = 20
#: The window a trace may reach past the case's infectious period and still be "its own"
#: (the end is "now" when the trace ran: a few minutes between opening the case and tracing).
_SLACK = timedelta(minutes=5)
#: The reveals that named someone (the retrace rule looks for them).
NAMED = (Reveal.Status.APPROVED, Reveal.Status.NOT_NEEDED, Reveal.Status.BREAK_GLASS)


def approver_role() -> Role:
    return Role(settings.REVEAL_APPROVER_ROLE)


def may_approve(user) -> bool:
    return has_role(user, approver_role())


def approval_reasons(link: CaseTrace, scope: str, *, now=None) -> list[str]:
    """Why naming `scope` of this trace needs a second person's approval ([] when it does not)."""
    if not settings.REVEAL_OWN_CASE_WITHOUT_APPROVAL:
        return [_("Every reveal needs a second person's approval (the service's setting).")]
    case = link.case
    reasons = []
    if scope == Reveal.Scope.ALL:
        reasons.append(_("It names contacts who are not close contacts."))
    if link.degree > 1:
        reasons.append(_("It is a second-degree trace: the contacts of a contact."))
    if case.status != Case.Status.OPEN:
        reasons.append(_("Case %(reference)s is not open.") % {"reference": case.reference})
    if case.positive_test is None:
        reasons.append(
            _("Case %(reference)s is not confirmed by a positive test.")
            % {"reference": case.reference}
        )
    elif link.degree == 1:
        own = case_window(case, now=link.created_at)
        if link.window_from < own.start - _SLACK or link.window_to > own.end + _SLACK:
            reasons.append(_("The period traced goes beyond the case's infectious period."))
    since = (now or timezone.now()) - timedelta(days=settings.REVEAL_RETRACE_DAYS)
    again = (
        Reveal.objects.filter(
            case_trace__traced_person_id=link.traced_person_id,
            status__in=NAMED,
            requested_at__gte=since,
        )
        .exclude(case_trace=link)
        .exists()
    )
    if again:
        reasons.append(
            _("This person's contacts were already named in the last %(days)d days.")
            % {"days": settings.REVEAL_RETRACE_DAYS}
        )
    return reasons


#: The stored reasons (in English, as `approval_reasons` says them without a language) and
#: their sentence with its values, to show them in the reader's language.
_STORED_REASONS = [
    (re.compile(r"Case (?P<reference>.+) is not open\."), "Case %(reference)s is not open."),
    (
        re.compile(r"Case (?P<reference>.+) is not confirmed by a positive test\."),
        "Case %(reference)s is not confirmed by a positive test.",
    ),
    (
        re.compile(
            r"This person's contacts were already named in the last (?P<days>[0-9]+) days\."
        ),
        "This person's contacts were already named in the last %(days)d days.",
    ),
]


def reasons_shown(because: list[str]) -> list[str]:
    """A request's stored reasons in the active language (a reason stored in another language,
    or unknown, is shown as stored)."""
    shown = []
    for why in because:
        for pattern, sentence in _STORED_REASONS:
            found = pattern.fullmatch(why)
            if found:
                values = found.groupdict()
                if "days" in values:
                    values["days"] = int(values["days"])
                shown.append(_(sentence) % values)
                break
        else:
            shown.append(_(why))
    return shown


def _trace_of(link: CaseTrace) -> Trace:
    if link.trace is None:
        raise DomainError(
            _(
                "This trace's result is no longer kept (TRACE_RESULT_RETENTION_DAYS): "
                "run a new one."
            ),
            code="purged",
            status_code=410,
        )
    return link.trace


def _link_of(trace: Trace) -> CaseTrace:
    link = CaseTrace.objects.select_related("case").filter(trace=trace).first()
    if link is None:
        raise DomainError(_("This trace belongs to no case."), code="no_case", status_code=404)
    return link


def reveal_state(*, trace: Trace, acting_user) -> dict:
    """What the trace's author may do: whom it names, and what naming more would need."""
    if trace.author != acting_user.get_username():
        raise DomainError(
            _("This trace was run by someone else."), code="not_yours", status_code=404
        )
    link = _link_of(trace)
    because = {scope: approval_reasons(link, scope) for scope in Reveal.Scope.values}
    return {
        "revealed": tracing.revealed(trace),
        "approver_role": approver_role().value,
        "needs_approval": {scope: bool(reasons) for scope, reasons in because.items()},
        "because": because,
        "latest": link.reveals.first(),
    }


def _named_now(reveal: Reveal, link: CaseTrace, *, action: str, acting_user, details=None):
    """Name the contacts for the author, and follow up the close contacts the first time.

    An approved request counts towards the author's hourly limit without being refused by
    it: the limit was checked when it was asked."""
    within_limit = reveal.status != Reveal.Status.APPROVED
    result = tracing.trace_reveal(
        trace=_trace_of(link),
        scope=reveal.scope,
        reason=reveal.reason,
        acting_user=acting_user,
        action=action,
        details={"reveal": reveal.pk, **(details or {})},
        within_limit=within_limit,
    )
    # Claimed under the row's lock: two reveals of one trace at once (an approval and a
    # break-glass, or two clicks) follow its close contacts up once.
    claimed = CaseTrace.objects.filter(pk=link.pk, followed_up_at__isnull=True).update(
        followed_up_at=timezone.now()
    )
    touched: list[FollowUp] = []
    if claimed:
        touched = followups_from_trace(link, result, acting_user=acting_user)
    return result, touched


def reveal_ask(*, trace: Trace, scope: str, reason: str, urgent: bool, acting_user):
    """Ask to name a trace's contacts. Returns (reveal, result or None, follow-ups touched):
    the result when it is named at once (no approval needed, or break-glass), None when the
    request waits for a second person."""
    if scope not in Reveal.Scope.values:
        raise DomainError(
            _("Name the close contacts or all contacts, not %(scope)r.") % {"scope": scope}
        )
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason for naming these contacts."), code="reason")
    if urgent and len(reason) < BREAK_GLASS_MIN_REASON:
        raise DomainError(
            _(
                "An urgent reveal without approval needs a reason of at least %(n)d "
                "characters: the data-protection office reviews it."
            )
            % {"n": BREAK_GLASS_MIN_REASON},
            code="reason",
        )
    if trace.author != acting_user.get_username():
        raise DomainError(
            _("This trace was run by someone else."), code="not_yours", status_code=404
        )
    link = _link_of(trace)
    _trace_of(link)
    tracing.trace_limit_check(acting_user=acting_user, person_id=link.traced_person_id)
    # Stored as the portal says it without a language (English), shown in the reader's.
    with translation.override(settings.LANGUAGE_CODE):
        because = approval_reasons(link, scope)
    status = (
        Reveal.Status.BREAK_GLASS
        if urgent
        else Reveal.Status.WAITING
        if because
        else Reveal.Status.NOT_NEEDED
    )
    now = timezone.now()
    try:
        with transaction.atomic(using=DEFAULT):
            reveal = Reveal.objects.create(
                case_trace=link,
                scope=scope,
                reason=reason,
                urgent=urgent,
                because=because,
                status=status,
                requested_by=acting_user.get_username(),
                requested_at=now,
            )
            if status == Reveal.Status.WAITING:
                audit_record(
                    acting_user=acting_user,
                    action=AuditEntry.Action.REVEAL_REQUESTED,
                    target_person_id=link.traced_person_id,
                    case_reference=link.case.reference,
                    reason=reason,
                    details={"trace": trace.pk, "reveal": reveal.pk, "scope": scope},
                )
                result, touched = None, []
            else:
                action = (
                    AuditEntry.Action.BREAK_GLASS if urgent else AuditEntry.Action.TRACE_REVEALED
                )
                result, touched = _named_now(
                    reveal,
                    link,
                    action=action,
                    acting_user=acting_user,
                    details={"approval": "break-glass" if urgent else "not needed"},
                )
    except IntegrityError:
        raise DomainError(
            _("A request to name this trace's contacts already waits for approval."),
            code="waiting",
            status_code=409,
        ) from None
    if status == Reveal.Status.WAITING:
        transaction.on_commit(lambda: _tell_approvers(reveal), using=DEFAULT)
    return reveal, result, touched


def reveal_decide(*, reveal_id: int, approve: bool, comment: str, acting_user):
    """Approve (naming the contacts for the requester) or refuse a waiting request.
    Returns (reveal, the named result or None, the follow-ups the approval opened or moved):
    the result is the requester's to see, never the approver's (the API answers the reveal)."""
    if not may_approve(acting_user):
        raise DomainError(_("You may not approve reveals."), code="forbidden", status_code=403)
    comment = comment.strip()
    if not approve and not comment:
        raise DomainError(_("Say why you refuse: the requester reads it."), code="comment")
    with transaction.atomic(using=DEFAULT):
        reveal = (
            Reveal.objects.select_for_update(of=("self",))
            .select_related("case_trace__case", "case_trace__trace")
            .filter(pk=reveal_id)
            .first()
        )
        if reveal is None:
            raise DomainError(_("There is no such request."), code="not_found", status_code=404)
        if reveal.requested_by == acting_user.get_username():
            raise DomainError(
                _("You asked for this reveal: a second person must decide it."),
                code="own_request",
                status_code=403,
            )
        if reveal.status != Reveal.Status.WAITING:
            raise DomainError(
                (
                    _("%(who)s already decided this request (%(status)s).")
                    % {"who": reveal.decided_by, "status": reveal.get_status_display()}
                    if reveal.decided_by
                    else _("Someone already decided this request (%(status)s).")
                    % {"status": reveal.get_status_display()}
                ),
                code="decided",
                status_code=409,
            )
        link = reveal.case_trace
        reveal.status = Reveal.Status.APPROVED if approve else Reveal.Status.REFUSED
        reveal.decided_by, reveal.decided_at = acting_user.get_username(), timezone.now()
        reveal.comment = comment
        reveal.save(update_fields=["status", "decided_by", "decided_at", "comment"])
        audit_record(
            acting_user=acting_user,
            action=(
                AuditEntry.Action.REVEAL_APPROVED if approve else AuditEntry.Action.REVEAL_REFUSED
            ),
            target_person_id=link.traced_person_id,
            case_reference=link.case.reference,
            reason=comment,
            details={"reveal": reveal.pk, "requested_by": reveal.requested_by},
        )
        result, touched = None, []
        if approve:
            requester = get_user_model().objects.filter(username=reveal.requested_by).first()
            if requester is None or not requester.is_active:
                raise DomainError(
                    _(
                        "%(who)s's account is closed: nobody would see the names. "
                        "Refuse the request; a colleague may trace again."
                    )
                    % {"who": reveal.requested_by},
                    code="requester_gone",
                    status_code=409,
                )
            result, touched = _named_now(
                reveal,
                link,
                action=AuditEntry.Action.TRACE_REVEALED,
                acting_user=requester,
                details={"approved_by": reveal.decided_by},
            )
    transaction.on_commit(lambda: _tell_requester(reveal), using=DEFAULT)
    return reveal, result, touched


def break_glass_review(*, reveal_id: int, outcome: str, comment: str, acting_user) -> Reveal:
    """The data-protection office's review of a break-glass reveal: reviewed or escalated."""
    if outcome not in Reveal.Review.values:
        raise DomainError(_("Mark it reviewed or escalated."), code="outcome")
    with transaction.atomic(using=DEFAULT):
        reveal = (
            Reveal.objects.select_for_update(of=("self",))
            .select_related("case_trace__case")
            .filter(pk=reveal_id, status=Reveal.Status.BREAK_GLASS)
            .first()
        )
        if reveal is None:
            raise DomainError(
                _("There is no such break-glass reveal."), code="not_found", status_code=404
            )
        if reveal.review:
            raise DomainError(
                _("%(who)s already reviewed it (%(outcome)s).")
                % {"who": reveal.reviewed_by, "outcome": reveal.get_review_display()},
                code="reviewed",
                status_code=409,
            )
        if reveal.requested_by == acting_user.get_username():
            raise DomainError(
                _("You made this reveal: someone else reviews it."),
                code="own_request",
                status_code=403,
            )
        reveal.review, reveal.review_comment = outcome, comment.strip()
        reveal.reviewed_by, reveal.reviewed_at = acting_user.get_username(), timezone.now()
        reveal.save(update_fields=["review", "review_comment", "reviewed_by", "reviewed_at"])
        audit_record(
            acting_user=acting_user,
            action=AuditEntry.Action.BREAK_GLASS_REVIEWED,
            target_person_id=reveal.case_trace.traced_person_id,
            case_reference=reveal.case_trace.case.reference,
            reason=reveal.review_comment,
            details={"reveal": reveal.pk, "outcome": outcome, "by": reveal.requested_by},
        )
    return reveal


# --- E-mails: to the staff, about a request (never a contact's identity) ---------------------


def reveal_email_text(template: str, context: dict, reader=None) -> tuple[str, str]:
    """(subject, body) of a reveal e-mail in `reader`'s language (an accounts.User; None: the
    portal's). `context` holds the reveal and its case."""
    with in_language_of(reader):
        context = {
            **context,
            "because": reasons_shown(context["reveal"].because),
            "portal_url": settings.PORTAL_URL,
        }
        subject = " ".join(render_to_string(f"cases/email/{template}_subject.txt", context).split())
        return subject, render_to_string(f"cases/email/{template}_body.txt", context)


def _send(to: list[str], template: str, context: dict, *, reader=None) -> None:
    if not to:
        return
    subject, body = reveal_email_text(template, context, reader)
    try:
        EmailMessage(subject, body, settings.CONTACT_NOTIFY_FROM_EMAIL, to).send()
    except OSError:  # a mail server down loses the e-mail, not the decision (the page shows it)
        logger.warning("could not send the %s e-mail", template)


def _send_to(readers, template: str, reveal: Reveal) -> None:
    """One e-mail per language its readers read, each in theirs (an address once)."""
    by_language: dict[str, list] = {}
    for reader in readers:
        by_language.setdefault(language_of(reader), []).append(reader)
    context = {"reveal": reveal, "case": reveal.case_trace.case}
    for group in by_language.values():
        _send(sorted({r.email for r in group}), template, context, reader=group[0])


def _tell_approvers(reveal: Reveal) -> None:
    users = (
        get_user_model()
        .objects.filter(groups__name=approver_role().value, is_active=True)
        .exclude(username=reveal.requested_by)
    )
    _send_to([u for u in users if u.email], "reveal_waiting", reveal)


def _tell_requester(reveal: Reveal) -> None:
    requester = get_user_model().objects.filter(username=reveal.requested_by).first()
    _send_to([requester] if requester and requester.email else [], "reveal_decided", reveal)
