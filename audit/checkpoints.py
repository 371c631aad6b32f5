"""Checkpoints of the audit chain, kept where a database owner cannot rewrite them.

After every append the portal writes a signed checkpoint (position, head
hash, time) to AUDIT_CHECKPOINT_FILE (a line appended and fsync'd; put it on
storage the database's owners do not administer) and to the log (shipped
elsewhere in production). The privacy officer can also download a signed
digest of the current head (GET /api/audit/digest) and keep it offline.
`verify_audit` compares the chain with all of them: removing the newest
entries, or all of them, no longer goes unnoticed.
"""

import hmac
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from audit.chain import checkpoint_signature

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    position: int
    head: str
    at: str
    signature: str

    @property
    def genuine(self) -> bool:
        expected = checkpoint_signature(self.position, self.head, self.at)
        return hmac.compare_digest(expected, self.signature)

    def as_dict(self) -> dict:
        return {
            "position": self.position,
            "head": self.head,
            "at": self.at,
            "signature": self.signature,
        }

    @classmethod
    def signed(cls, *, position: int, head: str, at: str) -> "Checkpoint":
        return cls(position, head, at, checkpoint_signature(position, head, at))

    @classmethod
    def from_dict(cls, data: dict) -> "Checkpoint":
        return cls(
            int(data["position"]), str(data["head"]), str(data["at"]), str(data["signature"])
        )


def checkpoint_write(checkpoint: Checkpoint) -> None:
    """Append the checkpoint to the file (one write, fsync'd) and to the log."""
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    line = (json.dumps(checkpoint.as_dict(), sort_keys=True) + "\n").encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line)  # one write of a short line: whole even when shared
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as exc:
        # The entry is committed; the log line below still anchors it.
        logger.error("audit checkpoint not written to its file", extra={"error": str(exc)})
    logger.info("audit checkpoint", extra=checkpoint.as_dict())


@dataclass
class CheckpointFile:
    checkpoints: list[Checkpoint]
    forged: int  # lines that do not carry a valid signature
    unreadable: bool = False
    missing: bool = False


def checkpoints_read(path: str | os.PathLike | None = None) -> CheckpointFile:
    path = Path(path or settings.AUDIT_CHECKPOINT_FILE)
    if not path.exists():
        return CheckpointFile([], 0, missing=True)
    found, forged = [], 0
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return CheckpointFile([], 0, unreadable=True)
    for line in lines:
        if not line.strip():
            continue
        try:
            checkpoint = Checkpoint.from_dict(json.loads(line))
        except (ValueError, KeyError, TypeError):
            forged += 1
            continue
        if checkpoint.genuine:
            found.append(checkpoint)
        else:
            forged += 1
    return CheckpointFile(found, forged)
