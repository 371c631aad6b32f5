"""The audit chain's arithmetic: keyed hashes of entries and signed checkpoints.

Every entry's hash is an HMAC-SHA256, under a key that lives in no database
(AUDIT_CHAIN_KEY, or one derived from SECRET_KEY), of the entry's fields and
its predecessor's hash. Whoever owns the database but not the key cannot
edit, insert or re-link an entry without `verify_audit` noticing; removing
the newest entries is caught by the checkpoints, which are signed with the
same key and kept outside the database (audit/checkpoints.py).

No Django model here: the migration that re-keyed the legacy chain uses it too.
"""

import hashlib
import hmac
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

GENESIS = "0" * 64


def chain_key() -> bytes:
    """AUDIT_CHAIN_KEY, else derived from SECRET_KEY (neither is in any database)."""
    if settings.AUDIT_CHAIN_KEY:
        return settings.AUDIT_CHAIN_KEY.encode()
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"proximeter audit chain"
    ).derive(settings.SECRET_KEY.encode())


def canonical(fields: dict) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)


def hashed_fields(entry) -> dict:
    """What an entry's hash covers: everything it says, and its place in the chain."""
    return {
        "position": entry.position,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target_person_id": entry.target_person_id,
        "case_reference": entry.case_reference,
        "reason": entry.reason,
        "details": entry.details,
    }


def entry_hash(previous_hash: str, fields: dict, *, key: bytes | None = None) -> str:
    message = f"{previous_hash}\n{canonical(fields)}".encode()
    return hmac.new(key or chain_key(), message, hashlib.sha256).hexdigest()


def checkpoint_signature(position: int, head: str, at: str, *, key: bytes | None = None) -> str:
    """Signs "the chain had `position` entries, the newest hashed `head`, at `at`"."""
    message = f"checkpoint\n{position}\n{head}\n{at}".encode()
    return hmac.new(key or chain_key(), message, hashlib.sha256).hexdigest()


def report_signature(fields: dict, *, key: bytes | None = None) -> str:
    """Signs a report the portal hands out (the end of service's): its canonical JSON.

    The "report" prefix keeps it from ever passing for an entry or a checkpoint.
    """
    message = f"report\n{canonical(fields)}".encode()
    return hmac.new(key or chain_key(), message, hashlib.sha256).hexdigest()
