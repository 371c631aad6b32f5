"""A durable local spool for uplinks the inbox could not take (its database does not answer).

A network server never retries: an uplink that gets no 2xx is lost. So when the
inbox INSERT fails because the database is down, the webhook writes the same row to
a file here instead (written to a temporary name, fsync'd, renamed, and the folder
fsync'd), answers 202, and the ingest worker of this host moves the files into the
inbox once the database answers again (`spool_flush`).

Exactly once: a file is deleted only after its INSERT ... ON CONFLICT DO NOTHING
committed, and the inbox's unique key (integration, delivery ID) makes a second move
of the same file (a crash between the two) change nothing.

The spool keeps what the inbox row keeps, no more: integration, delivery ID, FPort,
payload, DevEUI, the network server's receive time, the portal's acceptance time.
One folder per web host (INGEST_SPOOL_DIR), on local disk.

What a spool may leave behind (a file set aside as unreadable, a temporary file of a
write that a crash interrupted, a file the database never took) is deleted after
INGEST_SPOOL_RETENTION_DAYS by `spool_purge`: its encounters are past their retention
by then, so the inbox would drop them anyway.
"""

import base64
import contextlib
import json
import logging
import os
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

SUFFIX = ".uplink.json"
UNREADABLE = ".unreadable"


class SpoolUnavailable(Exception):
    """The spool cannot be written (a full disk, a missing or read-only folder)."""


def spool_dir() -> Path:
    return Path(settings.INGEST_SPOOL_DIR)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _encode(values: dict) -> bytes:
    row = {}
    for name, value in values.items():
        if isinstance(value, bytes):
            row[name] = {"b64": base64.b64encode(value).decode()}
        elif isinstance(value, datetime):
            row[name] = {"at": value.isoformat()}
        else:
            row[name] = value
    return json.dumps(row, separators=(",", ":")).encode()


def _decode(data: bytes) -> dict:
    values = {}
    for name, value in json.loads(data).items():
        if isinstance(value, dict) and "b64" in value:
            values[name] = base64.b64decode(value["b64"])
        elif isinstance(value, dict) and "at" in value:
            values[name] = datetime.fromisoformat(value["at"])
        else:
            values[name] = value
    return values


def spool_write(values: dict) -> Path:
    """Keep one inbox row durably on this host; raises SpoolUnavailable if it cannot."""
    folder = spool_dir()
    name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}"
    temporary = folder / f".{name}.tmp"
    final = folder / f"{name}{SUFFIX}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as file:
            file.write(_encode(values))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, final)
        _fsync_dir(folder)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise SpoolUnavailable(f"{type(exc).__name__}: {exc.strerror or exc}") from exc
    return final


def spooled() -> list[Path]:
    """The spooled uplinks waiting for the inbox, oldest first."""
    try:
        return sorted(spool_dir().glob(f"*{SUFFIX}"))
    except OSError:
        return []


def spool_flush(insert, *, limit: int = 5000) -> int:
    """Move spooled uplinks into the inbox with `insert(**values)` (committed on return);
    stops at the first database error (the files stay). Returns how many files went."""
    moved = 0
    for path in spooled()[:limit]:
        try:
            values = _decode(path.read_bytes())
        except FileNotFoundError:
            continue  # another mover of this host took it
        except (ValueError, OSError) as exc:
            # Never delete what might be an encounter: set it aside for an operator.
            logger.error("unreadable spool file set aside", extra={"error": type(exc).__name__})
            path.rename(path.with_suffix(UNREADABLE))
            continue
        insert(**values)  # a database error propagates: the file stays for the next try
        path.unlink(missing_ok=True)
        moved += 1
    if moved:
        _fsync_dir(spool_dir())
    return moved


def _copies() -> list[Path]:
    """Every file of the spool that holds (or held part of) an uplink: waiting, set aside as
    unreadable, or a temporary file left by an interrupted write. Not the token hashes."""
    try:
        entries = list(spool_dir().iterdir())
    except OSError:
        return []
    return [
        path
        for path in entries
        if path.name.endswith((SUFFIX, UNREADABLE))
        or (path.name.startswith(".") and path.name.endswith(".tmp"))
    ]


def _written_at(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        return None  # moved into the inbox meanwhile


def spool_oldest() -> datetime | None:
    """When the oldest file still in this host's spool was written (None: the spool is empty)."""
    times = [at for at in map(_written_at, _copies()) if at is not None]
    return min(times, default=None)


def spool_purge(*, older_than: datetime) -> int:
    """Delete this host's spool files written before `older_than`; returns how many went.

    Another process deleting the same file at once is not an error: each file is
    counted by the one process whose unlink removed it.
    """
    removed = 0
    for path in _copies():
        written = _written_at(path)
        if written is None or written >= older_than:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            logger.error("spool file not deleted", extra={"error": type(exc).__name__})
            continue
        removed += 1
    if removed:
        with contextlib.suppress(OSError):
            _fsync_dir(spool_dir())
    return removed
