"""The ingest worker: drains the inbox in batches as soon as rows arrive.

    loop:  move this host's spool into the inbox  →  drain the inbox, a batch per commit
           →  nothing left: wait for a wake-up

Wake-up: on PostgreSQL the webhook's INSERT notifies INBOX_CHANNEL (in the same
statement, delivered at commit) and the worker LISTENs on its own connection; on the
embedded default (SQLite) it looks again every INGEST_POLL_SECONDS, one indexed query.
Either way it also looks every IDLE_SECONDS, so a missed signal delays nothing for long.

Several workers may run, on one host or many: each claims rows with FOR UPDATE SKIP
LOCKED, so no row is processed twice. Run one per web host at least, for its spool.
"""

import logging
import threading

import psycopg
from django.conf import settings
from django.db import connections

from core.databases import ENCOUNTERS
from ingestion import services

logger = logging.getLogger(__name__)

IDLE_SECONDS = 5.0
RETRY_SECONDS = 1.0


class _Listener:
    """LISTEN on the inbox channel (PostgreSQL): wait() returns at a notification."""

    def __init__(self) -> None:
        config = connections[ENCOUNTERS].settings_dict
        options = config.get("OPTIONS", {})
        self.connection = psycopg.connect(
            dbname=config["NAME"],
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            connect_timeout=options.get("connect_timeout", 2),
            autocommit=True,
        )
        self.connection.execute(f"LISTEN {services.INBOX_CHANNEL}")

    def wait(self, timeout: float) -> None:
        for _ in self.connection.notifies(timeout=timeout, stop_after=1):
            pass
        # Several uplinks notify once each: take what else is queued without waiting.
        for _ in self.connection.notifies(timeout=0, stop_after=10_000):
            pass

    def close(self) -> None:
        self.connection.close()


class _Poller:
    """The embedded default: look again after a short sleep."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop

    def wait(self, timeout: float) -> None:
        self.stop.wait(min(timeout, settings.INGEST_POLL_SECONDS))

    def close(self) -> None:
        pass


def run(stop: threading.Event) -> None:
    """Drain until `stop` is set; survives the database going away and coming back."""
    waker = None
    logger.info("ingest worker started", extra={"batch": settings.INGEST_BATCH_SIZE})
    while not stop.is_set():
        try:
            if waker is None:
                postgres = connections[ENCOUNTERS].vendor == "postgresql"
                waker = _Listener() if postgres else _Poller(stop)
            services.spool_flush()
            if services.inbox_drain():
                continue
            waker.wait(IDLE_SECONDS)
        except (*services.DATABASE_DOWN, psycopg.Error) as exc:
            logger.warning(
                "ingest worker waits for the database", extra={"error": type(exc).__name__}
            )
            if waker is not None:
                waker.close()
                waker = None
            for connection in connections.all():
                connection.close_if_unusable_or_obsolete()
            stop.wait(RETRY_SECONDS)
    if waker is not None:
        waker.close()
    logger.info("ingest worker stopped")
