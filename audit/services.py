"""Writing and verifying the audit trail.

Appends serialise on a fixed lock (a PostgreSQL advisory lock; SQLite's
write transactions are serial already), never on "the newest row": a writer
that waited for a row lock would be handed the old newest row under READ
COMMITTED, and two entries would share a predecessor. Each entry carries its
place in the chain (`position`), and the database refuses a second entry
with the same predecessor, so a fork cannot even be stored.
"""

import json
from dataclasses import dataclass

from django.db import connections, transaction
from django.utils import timezone

from audit.chain import GENESIS, entry_hash, hashed_fields
from audit.checkpoints import Checkpoint, CheckpointFile, checkpoint_write, checkpoints_read
from audit.models import AuditEntry, Disclosure
from core.databases import DEFAULT

# pg_advisory_xact_lock's key for "the audit chain" (any constant the portal uses for nothing else).
CHAIN_LOCK = 0x70726F78_61756474  # "proxaudt"


def audit_lock() -> None:
    """Hold the chain's lock until the surrounding `default` transaction ends (appends wait)."""
    connection = connections[DEFAULT]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


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
    """Append an entry to the chain, and a signed checkpoint of it once it is committed.

    `disclosed`: the person numbers whose identity this action shows besides
    the target (the contacts it names); with the target, they are hashed with
    the entry and listed in each one's MY DATA ("consulted on").
    """
    disclosed = sorted({*disclosed, target_person_id} - {""})
    if disclosed:
        details = {**(details or {}), "disclosed": disclosed}
    with transaction.atomic(using=DEFAULT):
        audit_lock()  # held until the outermost transaction commits
        last = AuditEntry.objects.order_by("-position").first()
        entry = AuditEntry(
            position=last.position + 1 if last else 1,
            at=timezone.now(),
            actor=acting_user.get_username(),
            action=action,
            target_person_id=target_person_id,
            case_reference=case_reference,
            reason=reason,
            details=json.loads(json.dumps(details or {}, default=str)),  # as it will read back
            previous_hash=last.entry_hash if last else GENESIS,
        )
        entry.entry_hash = entry_hash(entry.previous_hash, hashed_fields(entry))
        entry.save()
        Disclosure.objects.bulk_create(
            Disclosure(entry=entry, person_id=person_id) for person_id in disclosed
        )
        checkpoint = Checkpoint.signed(
            position=entry.position, head=entry.entry_hash, at=entry.at.isoformat()
        )
        transaction.on_commit(lambda: checkpoint_write(checkpoint), using=DEFAULT)
        return entry


def audit_digest() -> Checkpoint | None:
    """A signed statement of the chain's current head, for the privacy officer to keep."""
    last = AuditEntry.objects.order_by("-position").first()
    if last is None:
        return None
    return Checkpoint.signed(position=last.position, head=last.entry_hash, at=last.at.isoformat())


@dataclass
class ChainReport:
    entries: int
    first_broken: AuditEntry | None = None
    problem: str = ""
    checkpoints: int = 0  # genuine checkpoints compared

    @property
    def intact(self) -> bool:
        return not self.problem


def audit_verify(
    *, checkpoint_file: CheckpointFile | None = None, digests: list[Checkpoint] = ()
) -> ChainReport:
    """Recompute every keyed hash in order, then hold the chain against every checkpoint.

    Finds an edited entry, an inserted or removed one (its neighbours no
    longer link), and the newest entries removed (a checkpoint, or a digest
    the privacy officer kept, saw more of them, or a different head).
    """
    checkpoint_file = checkpoint_file or checkpoints_read()
    previous, count = GENESIS, 0
    heads: dict[int, str] = {}
    for entry in AuditEntry.objects.order_by("position").iterator():
        count += 1
        if entry.position != count or entry.previous_hash != previous:
            return ChainReport(
                count,
                entry,
                "its link to the entry before does not match (one was removed or inserted)",
            )
        if entry_hash(previous, hashed_fields(entry)) != entry.entry_hash:
            return ChainReport(count, entry, "its content was changed after it was written")
        previous = heads[entry.position] = entry.entry_hash
    report = ChainReport(count)
    if count and checkpoint_file.missing:
        report.problem = (
            "the checkpoint file is missing: the chain alone is intact, but that the newest "
            "entries were not removed cannot be shown (keep AUDIT_CHECKPOINT_FILE; give digests)"
        )
        if not digests:
            return report
        report.problem = ""
    if checkpoint_file.unreadable:
        report.problem = f"the checkpoint file cannot be read; the chain alone is intact ({count})"
        return report
    if checkpoint_file.forged:
        report.problem = (
            f"{checkpoint_file.forged} line(s) of the checkpoint file carry no valid signature"
        )
        return report
    anchors = [*checkpoint_file.checkpoints, *digests]
    report.checkpoints = len(anchors)
    for anchor in sorted(anchors, key=lambda c: -c.position):
        if not anchor.genuine:
            report.problem = f"the digest of {anchor.at} is not signed with the chain's key"
        elif anchor.position > count:
            report.problem = (
                f"the newest entries were removed: on {anchor.at} the trail held "
                f"{anchor.position} entries, now it holds {count}"
            )
        elif heads[anchor.position] != anchor.head:
            report.problem = (
                f"the trail was rewritten: entry {anchor.position} is not the one "
                f"checkpointed on {anchor.at}"
            )
        if report.problem:
            return report
    return report
