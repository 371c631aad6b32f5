"""Writes of the tracing app: encounters (from ingestion) and traces (the medical service's)."""

import base64
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assets.models import DeviceState
from audit.models import AuditEntry
from audit.services import audit_lock, audit_record
from core.databases import DEFAULT
from core.errors import DomainError
from core.metrics import TRACES
from core.replicas import replica_reads
from registration.models import Person
from risk.scoring.inria import InriaParams, aggregate_probability
from tracing import contacts, selectors
from tracing.models import Trace

# --- Traces ---------------------------------------------------------------------


def _fernet() -> Fernet:
    """The key of stored trace results: TRACE_RESULT_KEY, else derived from SECRET_KEY."""
    if settings.TRACE_RESULT_KEY:
        return Fernet(settings.TRACE_RESULT_KEY)
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"proximeter trace results"
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat()


def _pseudonym(nonce: str, key: selectors.PeerKey) -> str:
    """A contact's reference within one trace: stable when the trace is reopened or revealed,
    unrelated from one trace to the next (a fresh nonce each time)."""
    digest = hmac.new(nonce.encode(), f"{key.kind}:{key.value}".encode(), hashlib.sha256)
    return "c-" + digest.hexdigest()[:10]


def _encounter_entry(piece: contacts.Piece) -> dict:
    return {
        "start": _iso(piece.start),
        "seconds": piece.seconds,
        "minutes": contacts.minutes(piece.seconds),
        "cut_start": piece.cut_start,
        "cut_end": piece.cut_end,
    }


class Reveal:
    """Whom a trace's result names: nobody (as it is run), its close contacts, or everyone met.

    Revealing is a step of its own (trace_reveal), which cases.reveals puts behind a
    second person's approval."""

    NONE, CLOSE, ALL = "none", "close", "all"
    ORDER = (NONE, CLOSE, ALL)

    @classmethod
    def wider(cls, one: str, other: str) -> str:
        return max(one, other, key=cls.ORDER.index)


def _names(reveal: str, *, close: bool) -> bool:
    return reveal == Reveal.ALL or (reveal == Reveal.CLOSE and close)


def _contact_entry(key, pieces, directory, *, policy, threshold, zone, r0, nonce, reveal) -> dict:
    """One contact: durations always; a person's identity only when `reveal` allows it."""
    merged = contacts.merge(pieces)
    per_day = contacts.seconds_per_day(merged, zone)
    total = sum(piece.seconds for piece in merged)
    longest = max(piece.seconds for piece in merged)
    close = contacts.is_close_contact(merged, policy=policy, threshold=threshold, zone=zone)
    entry = {
        "ref": _pseudonym(nonce, key),
        "kind": key.kind,
        "named": False,
        "person_id": None,
        "name": None,
        "department": None,
        "email": None,
        "device_id": None,
        "close_contact": close,
        "total_seconds": total,
        "total_minutes": contacts.minutes(total),
        "longest_seconds": longest,
        "longest_minutes": contacts.minutes(longest),
        "seconds_per_day": {day.isoformat(): seconds for day, seconds in per_day.items()},
        "encounters": [_encounter_entry(piece) for piece in merged],
        # Every UWB minute in contact scores 1 (seeds/003, eq. 57 with a score of 1).
        "probability": round(aggregate_probability([1.0], minutes=[total / 60], r0=r0), 4),
    }
    if key.kind == "person":
        if _names(reveal, close=close):
            person = directory.people.get(key.value)
            entry.update(
                named=True,
                person_id=key.value,
                name=person.full_name if person else None,
                department=person.department if person else None,
                email=person.email if person else None,
            )
    elif key.kind == "no_holder":
        # A device nobody held names nobody.
        state = directory.state_of_device.get(key.value, "")
        entry.update(
            device_id=key.value,
            name=_("Nobody held device %(device)s then (now %(state)s)")
            % {"device": key.value, "state": _device_state(state)},
        )
    else:
        entry.update(name=_("Tag %(tag)s is not a registered device") % {"tag": key.value})
    return entry


def _device_state(state: str) -> str:
    """A device's state as the asset pages name it ("in stock")."""
    if state in DeviceState.values:
        return str(DeviceState(state).label)
    return state.replace("_", " ")


@replica_reads  # the join only reads; trace_run writes the audit entry on the primary
def trace_compute(
    *,
    person_id: str,
    window: contacts.Window,
    policy: str,
    nonce: str | None = None,
    reveal: str = Reveal.NONE,
) -> dict:
    """The contacts of a person in the window (no audit, no storage: trace_run does both).

    Every contact is counted, with its durations, under a reference (`ref`)
    that names no one; `reveal` names the close contacts or everyone (a
    separate, audited step: trace_reveal).
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    threshold = timedelta(minutes=settings.TRACING_CLOSE_CONTACT_MINUTES)
    nonce = nonce or secrets.token_hex(16)
    held, directory, by_peer = selectors.contacts_of(person_id=person_id, window=window)
    r0 = InriaParams.from_settings().r0_per_min  # once: it reads a dozen settings
    found = [
        _contact_entry(
            key,
            pieces,
            directory,
            policy=policy,
            threshold=threshold,
            zone=zone,
            r0=r0,
            nonce=nonce,
            reveal=reveal,
        )
        for key, pieces in by_peer.items()
    ]
    # Close contacts first, then the longest; never by name (that would order the unnamed).
    found.sort(key=lambda c: (not c["close_contact"], -c["total_seconds"], c["ref"]))
    return {
        "nonce": nonce,
        "window": {
            "from": _iso(window.start),
            "to": _iso(window.end),
            "derived_from": window.derived_from,
            "clamped_to_retention": window.clamped,
            # How the edges count: the part of an encounter inside the window.
            "counts": "overlap",
        },
        "policy": policy,
        "threshold_minutes": settings.TRACING_CLOSE_CONTACT_MINUTES,
        "revealed": reveal,
        "devices": [
            {"device_id": h.device_id, "from": _iso(h.start), "to": _iso(h.end)} for h in held
        ],
        "contacts": found,
    }


# What counts towards TRACING_MAX_TRACES_PER_HOUR: every identity-revealing step a user starts.
_COUNTED = (
    AuditEntry.Action.TRACE,
    AuditEntry.Action.CONTACTS_REVEALED,
    AuditEntry.Action.TRACE_REVEALED,
    AuditEntry.Action.BREAK_GLASS,
)


class _OverLimit(Exception):
    pass


def _check_hourly_limit(acting_user) -> None:
    """Raise _OverLimit when the user already ran TRACING_MAX_TRACES_PER_HOUR in the last hour.

    Checked once before the work, and again under the audit chain's lock
    right before the entry is written, so that simultaneous requests of one
    user cannot slip past the limit together.
    """
    ran = AuditEntry.objects.filter(
        actor=acting_user.get_username(),
        action__in=_COUNTED,
        at__gte=timezone.now() - timedelta(hours=1),
    ).count()
    if ran >= settings.TRACING_MAX_TRACES_PER_HOUR:
        raise _OverLimit


def trace_limit_check(*, acting_user, person_id: str) -> None:
    """Refuse (429, recorded) a user who reached TRACING_MAX_TRACES_PER_HOUR: before asking
    for a reveal that would count towards it."""
    try:
        _check_hourly_limit(acting_user)
    except _OverLimit:
        raise _refuse_over_limit(acting_user, person_id=person_id) from None


def _refuse_over_limit(acting_user, *, person_id: str) -> DomainError:
    """The refusal, written to the audit trail so the privacy officer sees who hit the limit."""
    limit = settings.TRACING_MAX_TRACES_PER_HOUR
    audit_record(
        acting_user=acting_user,
        action=AuditEntry.Action.TRACE_REFUSED,
        details={"person_id": person_id, "limit_per_hour": limit},
    )
    return DomainError(
        ngettext(
            "You have run %(n)d trace in the last hour, the most one person may. This "
            "refusal is recorded for the data-protection office; ask them if you need more.",
            "You have run %(n)d traces in the last hour, the most one person may. This "
            "refusal is recorded for the data-protection office; ask them if you need more.",
            limit,
        )
        % {"n": limit},
        code="rate_limited",
        status_code=429,
    )


def _named(result: dict) -> list[str]:
    return [c["person_id"] for c in result["contacts"] if c["named"]]


def trace_run(
    *,
    person_id: str,
    window: contacts.Window,
    policy: str,
    case_reference: str,
    reason: str,
    acting_user,
) -> Trace:
    """Trace, write the audit entry, and keep the (encrypted) result for its author.

    The result names nobody: revealing the contacts is trace_reveal's step."""
    if policy not in contacts.Policy.ALL:
        raise DomainError(
            _("Unknown policy %(policy)r; choose one of %(policies)s.")
            % {"policy": policy, "policies": ", ".join(contacts.Policy.ALL)}
        )
    person = Person.objects.filter(person_id=person_id).first()
    if person is None:
        raise DomainError(
            _("There is no person %(person_id)s.") % {"person_id": person_id},
            code="unknown_person",
            status_code=404,
        )
    try:
        _check_hourly_limit(acting_user)
    except _OverLimit:
        raise _refuse_over_limit(acting_user, person_id=person_id) from None
    result = trace_compute(person_id=person_id, window=window, policy=policy)
    result["person"] = {
        "person_id": person.person_id,
        "name": person.full_name,
        "department": person.department,
    }
    result["case_reference"], result["reason"] = case_reference, reason
    close = sum(1 for c in result["contacts"] if c["close_contact"])
    try:
        trace = _store_trace(
            result, person_id=person_id, policy=policy, close=close, acting_user=acting_user
        )
    except _OverLimit:
        raise _refuse_over_limit(acting_user, person_id=person_id) from None
    TRACES.inc()
    trace.plain_result = _shown(result, trace)
    return trace


def _store_trace(result: dict, *, person_id: str, policy: str, close: int, acting_user) -> Trace:
    """The audit entry and the encrypted result, in one commit, within the hourly limit."""
    case_reference, reason = result["case_reference"], result["reason"]
    with transaction.atomic(using=DEFAULT):
        audit_lock()
        _check_hourly_limit(acting_user)
        entry = audit_record(
            acting_user=acting_user,
            action=AuditEntry.Action.TRACE,
            target_person_id=person_id,
            case_reference=case_reference,
            reason=reason,
            details={
                "window": result["window"],
                "policy": policy,
                "contacts": len(result["contacts"]),
                "close_contacts": close,
            },
            disclosed=_named(result),
        )
        trace = Trace.objects.create(
            author=acting_user.get_username(),
            created_at=entry.at,
            person_id=person_id,
            case_reference=case_reference,
            contacts=len(result["contacts"]),
            close_contacts=close,
            result=_fernet().encrypt(json.dumps(result).encode()),
            audit_entry=entry,
        )
    return trace


def _shown(result: dict, trace: Trace) -> dict:
    """The result as the API shows it: the pseudonyms' nonce stays on the server."""
    return {**{k: v for k, v in result.items() if k != "nonce"}, "id": trace.pk}


def _read(trace: Trace) -> dict:
    try:
        result = json.loads(_fernet().decrypt(bytes(trace.result)))
    except InvalidToken as exc:
        raise DomainError(
            _("This trace can no longer be read (the key changed)."),
            code="unreadable",
            status_code=410,
        ) from exc
    if "nonce" not in result:
        _from_before_naming_rules(result)
    if "revealed" not in result:
        # Stored when a trace named its close contacts at once (and the others on request).
        result["revealed"] = Reveal.ALL if result.pop("others_named", False) else Reveal.CLOSE
    return result


def _from_before_naming_rules(result: dict) -> None:
    """A result stored before only close contacts were named: unname the others on reading."""
    result["nonce"] = secrets.token_hex(16)
    result["revealed"] = Reveal.CLOSE
    for n, contact in enumerate(result["contacts"]):
        contact["ref"] = f"c-{n:010d}"
        contact["named"] = contact["kind"] == "person" and contact["close_contact"]
        if contact["kind"] == "person" and not contact["named"]:
            contact.update(person_id=None, name=None, department=None, email=None)
        for encounter in contact["encounters"]:
            encounter.setdefault("minutes", contacts.minutes(encounter["seconds"]))
            encounter.setdefault("cut_start", False)
            encounter.setdefault("cut_end", False)
        contact.setdefault("total_minutes", contacts.minutes(contact["total_seconds"]))
        contact.setdefault("longest_minutes", contacts.minutes(contact["longest_seconds"]))


def _own(trace: Trace, acting_user) -> None:
    if trace.author != acting_user.get_username():
        raise DomainError(
            _("This trace was run by someone else."), code="not_yours", status_code=404
        )


def _stored_window(stored: dict) -> contacts.Window:
    return contacts.Window(
        start=datetime.fromisoformat(stored["window"]["from"]).astimezone(UTC),
        end=datetime.fromisoformat(stored["window"]["to"]).astimezone(UTC),
        derived_from=stored["window"]["derived_from"],
        clamped=stored["window"]["clamped_to_retention"],
    )


def revealed(trace: Trace) -> str:
    """Whom the stored result of a trace names (Reveal.NONE, CLOSE or ALL)."""
    return _read(trace)["revealed"]


def pseudonymous(trace: Trace) -> dict:
    """The stored result with every identity taken out, for the second person who decides
    whether to reveal it: the window, the policy and each contact's reference and minutes."""
    stored = _read(trace)
    keep = ("ref", "kind", "close_contact", "total_seconds", "longest_seconds", "seconds_per_day")
    return {
        "window": stored["window"],
        "policy": stored["policy"],
        "threshold_minutes": stored["threshold_minutes"],
        "contacts": [{k: c[k] for k in keep} for c in stored["contacts"]],
    }


def trace_reveal(
    *,
    trace: Trace,
    scope: str,
    reason: str,
    acting_user,
    action: str = AuditEntry.Action.TRACE_REVEALED,
    details: dict | None = None,
    within_limit: bool = True,
) -> dict:
    """Name the close contacts (`scope` Reveal.CLOSE) or every contact (Reveal.ALL) of a trace,
    for its author: its own identity-revealing audit entry, with its own reason.

    The stored result never held identities, so the chain is joined again for
    the same person, window and policy (encounters that arrived since count;
    those purged since do not). The references stay the same. Whether a second
    person must approve first is the caller's rule (cases.reveals);
    `within_limit=False` for an approved request (the limit was checked when
    it was asked).
    """
    if scope not in (Reveal.CLOSE, Reveal.ALL):
        raise DomainError(
            _("Reveal the close contacts or all contacts, not %(scope)r.") % {"scope": scope}
        )
    _own(trace, acting_user)
    if within_limit:
        trace_limit_check(acting_user=acting_user, person_id=trace.person_id)
    stored = _read(trace)
    scope = Reveal.wider(scope, stored["revealed"])
    result = trace_compute(
        person_id=trace.person_id,
        window=_stored_window(stored),
        policy=stored["policy"],
        nonce=stored["nonce"],
        reveal=scope,
    )
    for kept in ("person", "case_reference", "reason"):
        result[kept] = stored[kept]
    newly_named = sorted(set(_named(result)) - set(_named(stored)))
    try:
        with transaction.atomic(using=DEFAULT):
            audit_lock()
            if within_limit:
                _check_hourly_limit(acting_user)
            audit_record(
                acting_user=acting_user,
                action=action,
                target_person_id=trace.person_id,
                case_reference=trace.case_reference,
                reason=reason,
                details={
                    **(details or {}),
                    "trace": trace.pk,
                    "scope": scope,
                    "named": len(newly_named),
                },
                disclosed=newly_named,
            )
            trace.result = _fernet().encrypt(json.dumps(result).encode())
            trace.contacts = len(result["contacts"])
            trace.close_contacts = sum(1 for c in result["contacts"] if c["close_contact"])
            trace.save(update_fields=["result", "contacts", "close_contacts"])
    except _OverLimit:
        raise _refuse_over_limit(acting_user, person_id=trace.person_id) from None
    return _shown(result, trace)


def trace_what_if(*, trace: Trace, acting_user) -> dict:
    """How many close contacts one of my traces would have under the other policy: counts only.

    The same person and window are joined again under both policies, with the
    trace's own nonce (so each contact keeps its `ref`), and the close-contact
    classes are compared by `ref`. Both sides come from the same join, so
    encounters that arrived or were purged since the trace count on both or
    on neither. The answer is five counts: no name, no reference, no person
    number. It discloses no one, so it writes no audit entry and counts
    towards no limit (TRACING_MAX_TRACES_PER_HOUR counts revealing steps).
    """
    _own(trace, acting_user)
    stored = _read(trace)
    policy = stored["policy"]
    other = next(p for p in contacts.Policy.ALL if p != policy)
    window = _stored_window(stored)
    close = {}
    for each in (policy, other):
        result = trace_compute(
            person_id=trace.person_id, window=window, policy=each, nonce=stored["nonce"]
        )
        close[each] = {c["ref"]: c["close_contact"] for c in result["contacts"]}
    refs = set(close[policy]) | set(close[other])
    under_this = {ref for ref in refs if close[policy].get(ref)}
    under_other = {ref for ref in refs if close[other].get(ref)}
    return {
        "policy": policy,
        "other_policy": other,
        "close_under_both": len(under_this & under_other),
        "only_under_this": len(under_this - under_other),
        "only_under_other": len(under_other - under_this),
        "neither": len(refs - under_this - under_other),
        "contacts": len(refs),
    }


def trace_reopen(
    *, trace: Trace, acting_user, action: str = AuditEntry.Action.TRACE_REOPENED
) -> dict:
    """The stored result, for its author only; reopening (or exporting) is audited too."""
    _own(trace, acting_user)
    result = _read(trace)
    audit_record(
        acting_user=acting_user,
        action=action,
        target_person_id=trace.person_id,
        case_reference=trace.case_reference,
        details={"trace": trace.pk},
        disclosed=_named(result),
    )
    return _shown(result, trace)


def traces_purge(*, now: datetime | None = None) -> int:
    """Delete stored results older than TRACE_RESULT_RETENTION_DAYS (the audit entries stay)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.TRACE_RESULT_RETENTION_DAYS)
    deleted, _ = Trace.objects.filter(created_at__lt=cutoff).delete()
    return deleted
