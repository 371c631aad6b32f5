"""Writes of the tracing app: encounters (from ingestion) and traces (the medical service's)."""

import base64
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record
from core.errors import DomainError
from core.metrics import TRACES
from proximeter.databases import DEFAULT, ENCOUNTERS
from registration.models import Person
from tracing import contacts, selectors
from tracing.models import Encounter, Trace
from tracing.scoring.inria import InriaParams, aggregate_probability

# One statement per uplink: insert, or keep the larger slot count of a repeat.
_UPSERT = {
    "postgresql": (
        "INSERT INTO {table} (my_tag, ref_tag, started_at, slots) VALUES {values} "
        "ON CONFLICT (my_tag, ref_tag, started_at) DO UPDATE SET slots = EXCLUDED.slots "
        "WHERE {table}.slots < EXCLUDED.slots RETURNING 1"
    ),
    "sqlite": (
        "INSERT INTO {table} (my_tag, ref_tag, started_at, slots) VALUES {values} "
        "ON CONFLICT (my_tag, ref_tag, started_at) DO UPDATE SET slots = excluded.slots "
        "WHERE {table}.slots < excluded.slots RETURNING 1"
    ),
}


def encounters_upsert(records: Iterable[tuple[int, int, datetime, int]]) -> int:
    """Store (my_tag, ref_tag, started_at, slots) records idempotently.

    A record seen again changes nothing, unless it now has more slots (a
    device re-sending a meeting that went on). Returns how many rows were
    inserted or grew.
    """
    largest: dict[tuple, int] = {}
    for my_tag, ref_tag, started_at, slots in records:
        key = (my_tag, ref_tag, started_at)
        largest[key] = max(slots, largest.get(key, 0))
    rows = [(*key, slots) for key, slots in largest.items()]
    if not rows:
        return 0
    connection = connections[ENCOUNTERS]
    sql = _UPSERT[connection.vendor].format(
        table=connection.ops.quote_name(Encounter._meta.db_table),
        values=", ".join(["(%s, %s, %s, %s)"] * len(rows)),
    )
    params = []
    for my_tag, ref_tag, started_at, slots in rows:
        params += [my_tag, ref_tag, connection.ops.adapt_datetimefield_value(started_at), slots]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


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


def _contact_entry(key, intervals, directory, *, policy, threshold, zone, r0) -> dict:
    merged = contacts.merge(intervals)
    per_day = contacts.seconds_per_day(merged, zone)
    total = sum(int((end - start).total_seconds()) for start, end in merged)
    entry = {
        "kind": key.kind,
        "person_id": None,
        "name": None,
        "department": None,
        "email": None,
        "device_id": None,
        "close_contact": contacts.is_close_contact(
            merged, policy=policy, threshold=threshold, zone=zone
        ),
        "total_seconds": total,
        "longest_seconds": max(int((end - start).total_seconds()) for start, end in merged),
        "seconds_per_day": {day.isoformat(): seconds for day, seconds in per_day.items()},
        "encounters": [
            {"start": _iso(start), "seconds": int((end - start).total_seconds())}
            for start, end in merged
        ],
        # Every UWB minute in contact scores 1 (seeds/003, eq. 57 with a score of 1).
        "probability": round(aggregate_probability([1.0], minutes=[total / 60], r0=r0), 4),
    }
    if key.kind == "person":
        person = directory.people.get(key.value)
        entry.update(
            person_id=key.value,
            name=person.full_name if person else None,
            department=person.department if person else None,
            email=person.email if person else None,
        )
    elif key.kind == "no_holder":
        state = directory.state_of_device.get(key.value, "")
        entry.update(
            device_id=key.value,
            name=f"Nobody held device {key.value} then (now {state.replace('_', ' ')})",
        )
    else:
        entry.update(name=f"Tag {key.value} is not a registered device")
    return entry


def trace_compute(*, person_id: str, window: contacts.Window, policy: str) -> dict:
    """The close contacts of a person in the window (no audit, no storage: trace_run does both)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    threshold = timedelta(minutes=settings.TRACING_CLOSE_CONTACT_MINUTES)
    held = selectors.held_tags(person_id=person_id, window=window)
    seen = selectors.encounters_while_held(held)
    directory = selectors.peer_directory(peer_tags={e.peer_tag for e in seen}, window=window)
    by_peer = selectors.contact_intervals(seen, directory, exclude_person_id=person_id)
    r0 = InriaParams.from_settings().r0_per_min  # once: it reads a dozen settings
    found = [
        _contact_entry(
            key,
            intervals,
            directory,
            policy=policy,
            threshold=threshold,
            zone=zone,
            r0=r0,
        )
        for key, intervals in by_peer.items()
    ]
    found.sort(key=lambda c: (not c["close_contact"], -c["total_seconds"], c["name"] or ""))
    return {
        "window": {
            "from": _iso(window.start),
            "to": _iso(window.end),
            "derived_from": window.derived_from,
            "clamped_to_retention": window.clamped,
        },
        "policy": policy,
        "threshold_minutes": settings.TRACING_CLOSE_CONTACT_MINUTES,
        "devices": [
            {"device_id": h.device_id, "from": _iso(h.start), "to": _iso(h.end)} for h in held
        ],
        "contacts": found,
    }


def trace_run(
    *,
    person_id: str,
    window: contacts.Window,
    policy: str,
    case_reference: str,
    reason: str,
    acting_user,
) -> Trace:
    """Trace, write the audit entry, and keep the (encrypted) result for its author."""
    if policy not in contacts.Policy.ALL:
        raise DomainError(
            f"Unknown policy {policy!r}; choose one of {', '.join(contacts.Policy.ALL)}."
        )
    person = Person.objects.filter(person_id=person_id).first()
    if person is None:
        raise DomainError(
            f"There is no person {person_id}.", code="unknown_person", status_code=404
        )
    result = trace_compute(person_id=person_id, window=window, policy=policy)
    result["person"] = {
        "person_id": person.person_id,
        "name": person.full_name,
        "department": person.department,
    }
    result["case_reference"], result["reason"] = case_reference, reason
    close = sum(1 for c in result["contacts"] if c["close_contact"])
    with transaction.atomic(using=DEFAULT):
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
    TRACES.inc()
    result["id"] = trace.pk
    trace.plain_result = result
    return trace


def trace_reopen(
    *, trace: Trace, acting_user, action: str = AuditEntry.Action.TRACE_REOPENED
) -> dict:
    """The stored result, for its author only; reopening (or exporting) is audited too."""
    if trace.author != acting_user.get_username():
        raise DomainError("This trace was run by someone else.", code="not_yours", status_code=404)
    try:
        result = json.loads(_fernet().decrypt(bytes(trace.result)))
    except InvalidToken as exc:
        raise DomainError(
            "This trace can no longer be read (the key changed).",
            code="unreadable",
            status_code=410,
        ) from exc
    audit_record(
        acting_user=acting_user,
        action=action,
        target_person_id=trace.person_id,
        case_reference=trace.case_reference,
        details={"trace": trace.pk},
    )
    result["id"] = trace.pk
    return result


def traces_purge(*, now: datetime | None = None) -> int:
    """Delete stored results older than TRACE_RESULT_RETENTION_DAYS (the audit entries stay)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.TRACE_RESULT_RETENTION_DAYS)
    deleted, _ = Trace.objects.filter(created_at__lt=cutoff).delete()
    return deleted
