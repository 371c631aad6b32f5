"""The ingestion path: accept a delivery into the inbox fast, process inbox rows in batches.

    webhook ──> uplink_accept: one INSERT into the inbox (which wakes the ingest worker) ──> 2xx
                (the database does not answer: the row goes to this host's spool ──> 2xx)
    ingest worker ──> inbox_drain: claim a batch of pending rows (FOR UPDATE SKIP LOCKED),
                decode → validate → sender check → one multi-row upsert, one commit;
                spool_flush moves spooled rows into the inbox once the database answers
    beat    ──> inbox_redrive (drains what waits, should no ingest worker run);
                retention/ calls inbox_purge daily

Processing is idempotent: a row is claimed by one worker, processed once (its status
changes in the same commit as its encounters), and the upsert changes nothing when
repeated. A worker killed mid-batch rolls back; the rows wait for the next claim.
"""

import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.db.models import F
from django.utils import timezone

from assets.models import Device
from core.databases import ASSETS, ENCOUNTERS, delete_in_batches
from encounters import payload as codec
from encounters.services import encounters_upsert
from ingestion import metrics, spool
from ingestion.models import DeadLetter, InboxUplink, IngestToken
from ingestion.parsers import Delivery

logger = logging.getLogger(__name__)

TOKEN_CACHE_SECONDS = 10
# PostgreSQL's channel the webhook notifies and the ingest worker listens on.
INBOX_CHANNEL = "proximeter_inbox"
# What tells the database is down (rather than the row being wrong): spool, and answer 2xx.
DATABASE_DOWN = (OperationalError, InterfaceError)

# --- Tokens ---------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ingest_token_create(*, name: str) -> str:
    """Create a token for a network server; returns the token itself (shown once, never stored)."""
    token = "pxi_" + secrets.token_urlsafe(32)
    IngestToken.objects.create(name=name, token_hash=_hash(token))
    active_token_hashes.forget()  # usable at once in this process (others: within seconds)
    return token


class _ActiveTokenHashes:
    """Active tokens' hashes, re-read every few seconds (so a revocation applies within them).

    When the database does not answer, the last hashes read stay in force, so that
    uplinks keep being accepted (into the spool); they are also kept in the spool's
    folder, so a web process started while the database is down knows them too.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hashes: list[str] = []
        self._read_at = float("-inf")

    @staticmethod
    def _kept() -> Path:
        return spool.spool_dir() / "token-hashes.json"

    def _keep(self, hashes: list[str]) -> None:
        try:
            path = self._kept()
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or json.loads(path.read_text()) != hashes:
                temporary = path.with_suffix(".tmp")
                temporary.write_text(json.dumps(hashes))
                temporary.replace(path)
        except (OSError, ValueError):
            pass  # only a cold start during an outage needs it

    def get(self) -> list[str]:
        with self._lock:
            if time.monotonic() - self._read_at > TOKEN_CACHE_SECONDS:
                try:
                    self._hashes = list(
                        IngestToken.objects.filter(revoked_at__isnull=True).values_list(
                            "token_hash", flat=True
                        )
                    )
                    self._keep(self._hashes)
                except DATABASE_DOWN:
                    if not self._hashes:  # a cold start during the outage
                        try:
                            self._hashes = json.loads(self._kept().read_text())
                        except (OSError, ValueError):
                            self._hashes = []  # nothing to check against: 401
                    logger.warning("ingest tokens not re-read: the database does not answer")
                self._read_at = time.monotonic()
            return self._hashes

    def forget(self) -> None:
        with self._lock:
            self._read_at = float("-inf")


active_token_hashes = _ActiveTokenHashes()


def ingest_token_is_valid(presented: str) -> bool:
    """Compare with every active token in constant time (no early exit on a match)."""
    if not presented:
        return False
    digest = _hash(presented)
    matched = False
    for known in active_token_hashes.get():
        matched |= hmac.compare_digest(digest, known)
    return matched


def ingest_token_revoke(*, token: IngestToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    active_token_hashes.forget()


# --- Accepting a delivery -------------------------------------------------------


def uplink_accept(*, integration: str, delivery: Delivery) -> bool:
    """Put an encounter uplink in the inbox; False if this delivery was seen before.

    When the inbox's database does not answer, the row goes to this host's spool and
    counts as accepted (True): a repeat of it is recognised when the spool is moved.
    Raises spool.SpoolUnavailable only if the spool cannot be written either.
    """
    values = {
        "integration": integration,
        "delivery_key": delivery.delivery_key,
        "fport": delivery.fport,
        "payload": delivery.payload,
        "dev_eui": delivery.dev_eui,
        "received_at": delivery.received_at,
        "accepted_at": timezone.now(),
        "status": InboxUplink.Status.PENDING,
        "attempts": 0,
    }
    try:
        return inbox_insert(**values) is not None
    except DATABASE_DOWN as exc:
        # (Django closes the broken connection at the request's end; the next one reconnects.)
        spool.spool_write(values)
        metrics.SPOOLED.inc()
        logger.warning("inbox unavailable, uplink spooled", extra={"error": type(exc).__name__})
        return True


def inbox_insert(**values) -> int | None:
    """One INSERT ... ON CONFLICT DO NOTHING RETURNING id: the new row's id, None if a duplicate.

    The webhook's hot path: one round trip, committed on return (autocommit). On
    PostgreSQL the same statement notifies the ingest worker (delivered at commit).
    """
    connection = connections[ENCOUNTERS]
    meta = InboxUplink._meta
    fields = [meta.get_field(name) for name in values]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({qn('integration')}, {qn('delivery_key')}) DO NOTHING "
        f"RETURNING {qn(meta.pk.column)}"
    )
    if connection.vendor == "postgresql":
        sql = f"WITH new AS ({sql}) SELECT id, pg_notify('{INBOX_CHANNEL}', '') FROM new"
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def spool_flush() -> int:
    """Move this host's spooled uplinks into the inbox (exactly once); returns how many."""
    moved = spool.spool_flush(inbox_insert)
    if moved:
        logger.info("spooled uplinks moved into the inbox", extra={"count": moved})
    return moved


# --- Processing -----------------------------------------------------------------


@dataclass
class Outcome:
    stored: int = 0
    unchanged: int = 0
    expired: int = 0
    invalid: dict[str, int] = field(default_factory=dict)
    dead_letter: str | None = None

    def add(self, other: "Outcome") -> None:
        self.stored += other.stored
        self.unchanged += other.unchanged
        self.expired += other.expired
        for reason, count in other.invalid.items():
            self.invalid[reason] = self.invalid.get(reason, 0) + count


def _registered_tags(dev_euis) -> dict[str, int]:
    """DevEUI -> the tag of the device registered with it (one query to `assets`)."""
    wanted = {dev_eui.upper() for dev_eui in dev_euis if dev_eui}
    if not wanted:
        return {}
    return dict(
        Device.objects.using(ASSETS).filter(dev_eui__in=wanted).values_list("dev_eui", "tag_id")
    )


def _sender_refusal(dev_eui: str | None, my_tag: int, tags: dict[str, int]):
    """Why an uplink may not speak for `my_tag` (reason, detail), or None when it may."""
    if not dev_eui:
        return ("no_dev_eui", "The uplink names no DevEUI: no registered device sent it.")
    tag = tags.get(dev_eui.upper())
    if tag is None:
        return ("unregistered_device", "The DevEUI is not registered for any device.")
    if tag != my_tag:
        return (
            "quarantined",
            f"The DevEUI is registered for tag {tag}; the payload says {my_tag}.",
        )
    return None


def portal_received_at(source) -> datetime | None:
    """When the portal itself received the uplink: the inbox row's acceptance, or (a dead
    letter, which keeps no more) when it was dead-lettered, which is no earlier."""
    return getattr(source, "accepted_at", None) or getattr(source, "created_at", None)


def _end_of_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _dead_letter(source, *, integration: str, delivery_key: str, reason: str, detail: str):
    # The hour's end: never earlier than the uplink's arrival, so that processing it again
    # judges "in the future" no more strictly, and no per-device arrival time is kept.
    return DeadLetter(
        integration=integration,
        delivery_key=delivery_key,
        fport=source.fport,
        payload=bytes(source.payload or b""),
        dev_eui=source.dev_eui,
        reason=reason,
        detail=detail[:500],
        created_at=_end_of_hour(portal_received_at(source) or timezone.now()),
    )


@dataclass
class _Judged:
    records: list = field(default_factory=list)  # (my_tag, ref_tag, started_at, slots)
    outcome: Outcome = field(default_factory=Outcome)
    dead_letter: DeadLetter | None = None


def _judge(source, *, integration: str, delivery_key: str, tags: dict, now: datetime) -> _Judged:
    """Decode one uplink and sort its records: to store, expired, or invalid (dead letter)."""
    judged = _Judged()
    try:
        decoded = codec.decode(bytes(source.payload or b""))
    except codec.PayloadError as error:
        judged.outcome.dead_letter = error.reason
        judged.dead_letter = _dead_letter(
            source,
            integration=integration,
            delivery_key=delivery_key,
            reason=error.reason,
            detail=str(error),
        )
        return judged
    # Only a registered device speaks for its tag: a network-server token alone must not be
    # able to make two people close contacts.
    refusal = _sender_refusal(source.dev_eui, decoded.my_tag, tags)
    if refusal is not None:
        judged.outcome.dead_letter = refusal[0]
        judged.dead_letter = _dead_letter(
            source,
            integration=integration,
            delivery_key=delivery_key,
            reason=refusal[0],
            detail=refusal[1],
        )
        return judged
    # The portal's clock: a time the body claims may only move the reference earlier.
    claimed = getattr(source, "received_at", None)
    received_at = min(filter(None, (portal_received_at(source), claimed, now)))
    outcome = judged.outcome
    for record in decoded.records:
        verdict = codec.classify(
            record,
            my_tag=decoded.my_tag,
            received_at=received_at,
            now=now,
            retention=timedelta(days=settings.ENCOUNTER_RETENTION_DAYS),
            longest=timedelta(minutes=settings.ENCOUNTER_MAX_MINUTES),
        )
        if verdict is None:
            judged.records.append((decoded.my_tag, record.ref_tag, record.started_at, record.slots))
        elif verdict == codec.EXPIRED:
            outcome.expired += 1
        else:
            outcome.invalid[verdict] = outcome.invalid.get(verdict, 0) + 1
    if outcome.invalid:
        outcome.dead_letter = "invalid_records"
        detail = ", ".join(
            f"{count} x {reason}" for reason, count in sorted(outcome.invalid.items())
        )
        judged.dead_letter = _dead_letter(
            source,
            integration=integration,
            delivery_key=delivery_key,
            reason="invalid_records",
            detail=f"Records not stored: {detail}; the valid ones were.",
        )
    return judged


def _store(judged: list[_Judged]) -> Outcome:
    """Store the records of several judged uplinks with one upsert; save their dead letters.

    Must run inside `transaction.atomic(using=ENCOUNTERS)`.
    """
    total = Outcome()
    records = [record for one in judged for record in one.records]
    for one in judged:
        total.add(one.outcome)
    total.stored = encounters_upsert(records)
    total.unchanged = len(records) - total.stored
    letters = [one.dead_letter for one in judged if one.dead_letter is not None]
    if letters:
        DeadLetter.objects.bulk_create(letters)
    return total


def uplink_process(
    source, *, integration: str, delivery_key: str, now: datetime | None = None
) -> Outcome:
    """Decode one uplink and store its valid records; dead-letter what cannot be stored.

    `source` has fport, payload, dev_eui and received_at (an inbox row or a
    dead letter). Must run inside `transaction.atomic(using=ENCOUNTERS)`.
    """
    judged = _judge(
        source,
        integration=integration,
        delivery_key=delivery_key,
        tags=_registered_tags([source.dev_eui]),
        now=now or timezone.now(),
    )
    outcome = _store([judged])
    outcome.dead_letter = judged.outcome.dead_letter
    return outcome


def _count(outcome: Outcome, dead_letters: list[str]) -> None:
    metrics.RECORDS.labels(outcome="stored").inc(outcome.stored)
    metrics.RECORDS.labels(outcome="unchanged").inc(outcome.unchanged)
    metrics.RECORDS.labels(outcome="expired").inc(outcome.expired)
    for reason, count in outcome.invalid.items():
        metrics.RECORDS.labels(outcome=f"invalid_{reason}").inc(count)
    for reason in dead_letters:
        metrics.DEAD_LETTERS.labels(reason=reason).inc()


def _process_batch(*, batch: int, only_ids: list[int] | None = None, older_than=None) -> int:
    """Claim up to `batch` pending rows, process them all, commit once; returns how many."""
    now = timezone.now()
    with transaction.atomic(using=ENCOUNTERS):
        pending = InboxUplink.objects.select_for_update(skip_locked=True).filter(
            status=InboxUplink.Status.PENDING
        )
        if only_ids is not None:
            pending = pending.filter(pk__in=only_ids)
        if older_than is not None:
            pending = pending.filter(accepted_at__lt=now - older_than)
        rows = list(pending.order_by("accepted_at", "pk")[:batch])
        if not rows:
            return 0
        tags = _registered_tags(row.dev_eui for row in rows)
        judged = [
            _judge(
                row, integration=row.integration, delivery_key=row.delivery_key, tags=tags, now=now
            )
            for row in rows
        ]
        outcome = _store(judged)
        # Keep only the delivery ID (to recognise a repeat) until the purge.
        InboxUplink.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=InboxUplink.Status.PROCESSED,
            payload=None,
            dev_eui=None,
            received_at=None,
            fport=None,
            attempts=F("attempts") + 1,
        )
    _count(outcome, [one.outcome.dead_letter for one in judged if one.dead_letter is not None])
    finished = timezone.now()
    for row in rows:
        if row.received_at is not None:
            metrics.LAG.observe(max(0.0, (finished - row.received_at).total_seconds()))
    metrics.BATCHES.observe(len(rows))
    return len(rows)


def inbox_drain(*, batch: int | None = None, older_than: timedelta | None = None) -> int:
    """Process every pending inbox row, a batch per commit; returns how many."""
    batch = batch or settings.INGEST_BATCH_SIZE
    done = 0
    while True:
        claimed = _process_batch(batch=batch, older_than=older_than)
        done += claimed
        if claimed < batch:
            return done


def inbox_process(*, inbox_ids: list[int]) -> int:
    """Process these inbox rows if still pending (each once, whoever asks twice)."""
    return _process_batch(batch=len(inbox_ids), only_ids=inbox_ids) if inbox_ids else 0


def inbox_redrive(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Beat's safety net: drain the rows waiting longer than `older_than` (should no ingest
    worker run), and this host's spool; returns how many rows were processed."""
    with contextlib.suppress(*DATABASE_DOWN):
        spool_flush()
    return inbox_drain(older_than=older_than)


def pending_count() -> int:
    return InboxUplink.objects.filter(status=InboxUplink.Status.PENDING).count()


def dead_letter_reprocess(*, dead_letter: DeadLetter) -> Outcome:
    """Try a dead letter again (e.g. after the device's tag was corrected)."""
    with transaction.atomic(using=ENCOUNTERS):
        letter = DeadLetter.objects.select_for_update().get(pk=dead_letter.pk)
        if letter.reprocessed_at is not None:
            return Outcome()
        letter.reprocessed_at = timezone.now()
        letter.save(update_fields=["reprocessed_at"])
        outcome = uplink_process(
            letter, integration=letter.integration, delivery_key=letter.delivery_key
        )
    _count(outcome, [outcome.dead_letter] if outcome.dead_letter else [])
    return outcome


# --- Purge ----------------------------------------------------------------------


def inbox_purge(*, now: datetime, cutoff: datetime, batch: int = 10_000) -> dict[str, int]:
    """Processed inbox rows after INBOX_KEEP_PROCESSED_HOURS, any row older than `cutoff` (an
    uplink never processed), dead letters after DEAD_LETTER_RETENTION_HOURS; rows removed per
    kind (retention/): `inbox_processed`, `inbox_waiting`, `dead_letters`."""
    processed = InboxUplink.objects.filter(
        status=InboxUplink.Status.PROCESSED,
        accepted_at__lt=now - timedelta(hours=settings.INBOX_KEEP_PROCESSED_HOURS),
    )
    expired = InboxUplink.objects.filter(accepted_at__lt=cutoff)
    dead = DeadLetter.objects.filter(
        created_at__lt=now - timedelta(hours=settings.DEAD_LETTER_RETENTION_HOURS)
    )
    # Processed first: what is left past the cutoff waited, and counts as such.
    removed = {"inbox_processed": delete_in_batches(processed, batch=batch)}
    removed["inbox_waiting"] = delete_in_batches(expired, batch=batch)
    removed["dead_letters"] = delete_in_batches(dead, batch=batch)
    return removed


def spool_purge(*, now: datetime) -> dict[str, int]:
    """This host's spool files written more than INGEST_SPOOL_RETENTION_DAYS ago (retention/)."""
    older_than = now - timedelta(days=settings.INGEST_SPOOL_RETENTION_DAYS)
    return {"spool_files": spool.spool_purge(older_than=older_than)}
