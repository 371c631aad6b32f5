"""Writing and verifying the audit trail."""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry, Disclosure
from proximeter.databases import DEFAULT

GENESIS = "0" * 64


def _entry_hash(previous_hash: str, fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous_hash}\n{canonical}".encode()).hexdigest()


def _hashed_fields(entry: AuditEntry) -> dict:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target_person_id": entry.target_person_id,
        "case_reference": entry.case_reference,
        "reason": entry.reason,
        "details": entry.details,
    }


def audit_record(
    *,
    acting_user,
    action: str,
    target_person_id: str = "",
    case_reference: str = "",
    reason: str = "",
    details: dict | None = None,
    disclosed: list[str] | tuple[str, ...] = (),
) -> AuditEntry:
    """Append an entry to the chain (the last entry is locked, so appends never fork).

    `disclosed`: the person numbers whose identity this action shows besides
    the target (the contacts it names); with the target, they are hashed with
    the entry and listed in each one's MY DATA ("consulted on").
    """
    disclosed = sorted({*disclosed, target_person_id} - {""})
    if disclosed:
        details = {**(details or {}), "disclosed": disclosed}
    with transaction.atomic(using=DEFAULT):
        last = AuditEntry.objects.select_for_update().order_by("-pk").first()
        entry = AuditEntry(
            at=timezone.now(),
            actor=acting_user.get_username(),
            action=action,
            target_person_id=target_person_id,
            case_reference=case_reference,
            reason=reason,
            details=json.loads(json.dumps(details or {}, default=str)),  # as it will read back
            previous_hash=last.entry_hash if last else GENESIS,
        )
        entry.entry_hash = _entry_hash(entry.previous_hash, _hashed_fields(entry))
        entry.save()
        Disclosure.objects.bulk_create(
            Disclosure(entry=entry, person_id=person_id) for person_id in disclosed
        )
        return entry


@dataclass
class ChainReport:
    entries: int
    first_broken: AuditEntry | None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken is None


def audit_verify() -> ChainReport:
    """Recompute every hash in order; the first entry that does not match breaks the chain."""
    previous = GENESIS
    count = 0
    for entry in AuditEntry.objects.order_by("pk").iterator():
        count += 1
        if entry.previous_hash != previous:
            return ChainReport(
                count,
                entry,
                "its link to the entry before does not match (one was removed or inserted)",
            )
        if _entry_hash(previous, _hashed_fields(entry)) != entry.entry_hash:
            return ChainReport(count, entry, "its content was changed after it was written")
        previous = entry.entry_hash
    return ChainReport(count, None)
