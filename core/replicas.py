"""Reads from the streaming replicas of the encounters and associations databases.

A read-only piece of work (the trace's join, MY DATA's encounters, the statistics) runs under
`replica_reads`; while it runs, the router (core.databases) sends reads of a database that has
a replica alias (`encounters_replica`, `associations_replica`) to the replica, when one is
configured and usable. Writes always go to the primary, and so does everything outside such a
block: the trace's audit entry and stored result, the desk, ingestion, the inbox.

Usable means: it answers, and its lag is at most REPLICA_MAX_LAG_SECONDS. The lag is 0 when
the replica has replayed everything the primary has written (an idle, caught-up replica reads
0), else the time since the last transaction it replayed. Each process checks at most once per
REPLICA_CHECK_SECONDS per replica and keeps the answer meanwhile; a replica that fails during
a read is taken out at once and the work done again on the primary: never a 500 for a replica.
"""

import functools
import logging
import threading
import time
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

from core.databases import PRIMARY_OF, REPLICAS

log = logging.getLogger(__name__)

_reading: ContextVar[bool] = ContextVar("reading_from_replica", default=False)
# The replicas a block has read from: if it fails, those are the suspects.
_used: ContextVar[set | None] = ContextVar("replicas_used", default=None)


@dataclass
class ReplicaState:
    checked_at: float
    lag_seconds: float | None  # None: it did not answer
    usable: bool


_states: dict[str, ReplicaState] = {}
_lock = threading.Lock()


def configured(alias: str) -> bool:
    return alias in settings.DATABASES


def measure_lag(replica: str) -> float | None:
    """Seconds behind its primary (0 when caught up), or None when either does not answer."""
    try:
        with connections[PRIMARY_OF[replica]].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            (written,) = cursor.fetchone()
        with connections[replica].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn,"
                " EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())",
                [written],
            )
            recovering, caught_up, since_last = cursor.fetchone()
    except DatabaseError as exc:
        _close(replica)
        log.warning("replica unreachable", extra={"alias": replica, "error": type(exc).__name__})
        return None
    if not recovering:
        # A promoted replica is a primary of its own now: reading from it could miss writes.
        log.warning("replica is not in recovery", extra={"alias": replica})
        return None
    if caught_up:
        return 0.0
    return float(since_last) if since_last is not None else float("inf")


def _close(replica: str) -> None:
    with suppress(DatabaseError):
        connections[replica].close()


def state(replica: str, *, fresh: bool = False) -> ReplicaState:
    """The replica's last known state, measured again when older than REPLICA_CHECK_SECONDS."""
    now = time.monotonic()
    known = _states.get(replica)
    if not fresh and known and now - known.checked_at < settings.REPLICA_CHECK_SECONDS:
        return known
    with _lock:
        known = _states.get(replica)
        if not fresh and known and now - known.checked_at < settings.REPLICA_CHECK_SECONDS:
            return known
        lag = measure_lag(replica)
        usable = lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
        if known and known.usable != usable:
            message = "replica in use again" if usable else "replica bypassed"
            log.warning(message, extra={"alias": replica, "lag_seconds": lag})
        _states[replica] = ReplicaState(time.monotonic(), lag, usable)
        return _states[replica]


def _take_out(replica: str) -> None:
    with _lock:
        _states[replica] = ReplicaState(time.monotonic(), None, False)
    _close(replica)


def read_alias(home: str) -> str:
    """Where a read of `home` goes now: its replica inside `replica_reads` if usable, else home."""
    replica = REPLICAS.get(home)
    if not _reading.get() or replica is None or not configured(replica):
        return home
    if not state(replica).usable:
        return home
    used = _used.get()
    if used is not None:
        used.add(replica)
    return replica


@contextmanager
def _on_replicas():
    reading, used = _reading.set(True), _used.set(set())
    try:
        yield
    finally:
        _reading.reset(reading)
        _used.reset(used)


def replica_reads(func):
    """Run `func` (which only reads) with its reads on the replicas; again on the primaries if
    a replica fails under it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if _reading.get():
            return func(*args, **kwargs)
        with _on_replicas():
            try:
                return func(*args, **kwargs)
            except DatabaseError:
                suspects = set(_used.get())
                if not suspects:
                    raise
        for replica in suspects:
            log.warning("replica failed during a read", extra={"alias": replica})
            _take_out(replica)
        return func(*args, **kwargs)

    return wrapper


def replica_report() -> dict[str, dict]:
    """Each configured replica for /healthz and /metrics: its lag and whether reads go to it."""
    report = {}
    for replica in REPLICAS.values():
        if configured(replica):
            now = state(replica, fresh=True)
            report[replica] = {"lag_seconds": now.lag_seconds, "in_use": now.usable}
    return report
