"""The ingestion path: accept a delivery into the inbox fast, process it later.

    webhook ──> uplink_accept: one INSERT into the inbox, task queued on commit ──> 2xx
    worker  ──> inbox_process: decode → validate → quarantine check → upsert encounters
    beat    ──> inbox_redrive (rows left waiting); retention/ calls inbox_purge daily

Tasks are acknowledged late and Redis redelivers the task of a killed
worker, so processing is idempotent: a row is locked, processed once, and
the encounters upsert changes nothing when repeated.
"""

import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from assets.models import Device
from core.databases import ENCOUNTERS, delete_in_batches
from core.queue import enqueue, enqueue_on_commit
from encounters import payload as codec
from encounters.services import encounters_upsert
from ingestion import metrics
from ingestion.models import DeadLetter, InboxUplink, IngestToken
from ingestion.parsers import Delivery

logger = logging.getLogger(__name__)

TOKEN_CACHE_SECONDS = 10

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
    """Active tokens' hashes, re-read every few seconds (so a revocation applies within them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hashes: list[str] = []
        self._read_at = float("-inf")

    def get(self) -> list[str]:
        with self._lock:
            if time.monotonic() - self._read_at > TOKEN_CACHE_SECONDS:
                self._hashes = list(
                    IngestToken.objects.filter(revoked_at__isnull=True).values_list(
                        "token_hash", flat=True
                    )
                )
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
    """Put an encounter uplink in the inbox; False if this delivery was seen before."""
    inbox_id = _inbox_insert(
        integration=integration,
        delivery_key=delivery.delivery_key,
        fport=delivery.fport,
        payload=delivery.payload,
        dev_eui=delivery.dev_eui,
        received_at=delivery.received_at,
        accepted_at=timezone.now(),
        status=InboxUplink.Status.PENDING,
        attempts=0,
    )
    if inbox_id is None:
        return False
    _queue(inbox_id)
    return True


def _inbox_insert(**values) -> int | None:
    """One INSERT ... ON CONFLICT DO NOTHING RETURNING id: the new row's id, None if a duplicate.

    The webhook's hot path: one round trip instead of get_or_create's
    SELECT, savepoint, INSERT and commit (bench/ingest.py). PostgreSQL and
    SQLite (3.35+) both speak this.
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
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def _queue(inbox_id: int) -> None:
    # delay_on_commit() would follow the default database only.
    enqueue_on_commit("ingestion.inbox_process", [inbox_id], using=ENCOUNTERS, fallback=REDRIVE)


# The 2xx is given either way: the uplink is committed to the inbox, nothing is lost.
REDRIVE = "the re-drive will process the inbox"


def _send_to_workers(inbox_ids: list[int]) -> bool:
    """Queue processing; if the broker is down, the rows wait for the re-drive instead."""
    return enqueue("ingestion.inbox_process", inbox_ids, fallback=REDRIVE)


# --- Processing -----------------------------------------------------------------


@dataclass
class Outcome:
    stored: int = 0
    unchanged: int = 0
    expired: int = 0
    invalid: dict[str, int] = field(default_factory=dict)
    dead_letter: str | None = None


def _sender_refusal(dev_eui: str | None, my_tag: int) -> tuple[str, str] | None:
    """Why an uplink may not speak for `my_tag` (reason, detail), or None when it may."""
    if not dev_eui:
        return ("no_dev_eui", "The uplink names no DevEUI: no registered device sent it.")
    registered = Device.objects.filter(dev_eui=dev_eui.upper()).values_list("tag_id", flat=True)
    tag = registered.first()
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


def _dead_letter(source, *, integration: str, delivery_key: str, reason: str, detail: str) -> None:
    # The hour's end: never earlier than the uplink's arrival, so that processing it again
    # judges "in the future" no more strictly, and no per-device arrival time is kept.
    DeadLetter.objects.create(
        integration=integration,
        delivery_key=delivery_key,
        fport=source.fport,
        payload=bytes(source.payload or b""),
        dev_eui=source.dev_eui,
        reason=reason,
        detail=detail[:500],
        created_at=_end_of_hour(portal_received_at(source) or timezone.now()),
    )
    metrics.DEAD_LETTERS.labels(reason=reason).inc()


def uplink_process(
    source, *, integration: str, delivery_key: str, now: datetime | None = None
) -> Outcome:
    """Decode an uplink and store its valid records; dead-letter what cannot be stored.

    `source` has fport, payload, dev_eui and received_at (an inbox row or a
    dead letter). Must run inside `transaction.atomic(using=ENCOUNTERS)`.
    """
    now = now or timezone.now()
    outcome = Outcome()
    try:
        decoded = codec.decode(bytes(source.payload or b""))
    except codec.PayloadError as error:
        outcome.dead_letter = error.reason
        _dead_letter(
            source,
            integration=integration,
            delivery_key=delivery_key,
            reason=error.reason,
            detail=str(error),
        )
        return outcome
    # Only a registered device speaks for its tag: a network-server token alone must not be
    # able to make two people close contacts.
    refusal = _sender_refusal(source.dev_eui, decoded.my_tag)
    if refusal is not None:
        outcome.dead_letter = refusal[0]
        _dead_letter(
            source,
            integration=integration,
            delivery_key=delivery_key,
            reason=refusal[0],
            detail=refusal[1],
        )
        return outcome
    valid = []
    # The portal's clock: a time the body claims may only move the reference earlier.
    claimed = getattr(source, "received_at", None)
    received_at = min(filter(None, (portal_received_at(source), claimed, now)))
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
            valid.append((decoded.my_tag, record.ref_tag, record.started_at, record.slots))
        elif verdict == codec.EXPIRED:
            outcome.expired += 1
        else:
            outcome.invalid[verdict] = outcome.invalid.get(verdict, 0) + 1
    if outcome.invalid:
        outcome.dead_letter = "invalid_records"
        detail = ", ".join(
            f"{count} x {reason}" for reason, count in sorted(outcome.invalid.items())
        )
        _dead_letter(
            source,
            integration=integration,
            delivery_key=delivery_key,
            reason="invalid_records",
            detail=f"Records not stored: {detail}; the valid ones were.",
        )
    outcome.stored = encounters_upsert(valid)
    outcome.unchanged = len(valid) - outcome.stored
    return outcome


def _count(outcome: Outcome) -> None:
    metrics.RECORDS.labels(outcome="stored").inc(outcome.stored)
    metrics.RECORDS.labels(outcome="unchanged").inc(outcome.unchanged)
    metrics.RECORDS.labels(outcome="expired").inc(outcome.expired)
    for reason, count in outcome.invalid.items():
        metrics.RECORDS.labels(outcome=f"invalid_{reason}").inc(count)


def inbox_process(*, inbox_ids: list[int]) -> int:
    """Process waiting inbox rows (each once, whoever asks twice); returns how many."""
    done = 0
    for inbox_id in inbox_ids:
        with transaction.atomic(using=ENCOUNTERS):
            row = (
                InboxUplink.objects.select_for_update(skip_locked=True)
                .filter(pk=inbox_id, status=InboxUplink.Status.PENDING)
                .first()
            )
            if row is None:
                continue  # processed already, or another worker has it now
            outcome = uplink_process(
                row, integration=row.integration, delivery_key=row.delivery_key
            )
            if row.received_at is not None:
                metrics.LAG.observe(max(0.0, (timezone.now() - row.received_at).total_seconds()))
            # Keep only the delivery ID (to recognise a repeat) until the purge.
            row.status, row.payload, row.dev_eui, row.received_at, row.fport = (
                InboxUplink.Status.PROCESSED,
                None,
                None,
                None,
                None,
            )
            row.attempts += 1
            row.save(
                update_fields=["status", "payload", "dev_eui", "received_at", "fport", "attempts"]
            )
        _count(outcome)
        done += 1
    return done


def inbox_redrive(*, older_than: timedelta = timedelta(minutes=2), batch: int = 500) -> int:
    """Queue again the rows still waiting (Redis or the workers were down); returns how many."""
    waiting = list(
        InboxUplink.objects.filter(
            status=InboxUplink.Status.PENDING, accepted_at__lt=timezone.now() - older_than
        )
        .order_by("accepted_at")
        .values_list("pk", flat=True)[: batch * 20]
    )
    for start in range(0, len(waiting), batch):
        if not _send_to_workers(waiting[start : start + batch]):
            break
    return len(waiting)


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
    _count(outcome)
    return outcome


# --- Purge ----------------------------------------------------------------------


def inbox_purge(*, now: datetime, cutoff: datetime, batch: int = 10_000) -> dict[str, int]:
    """Inbox rows older than `cutoff` (processed ones after INBOX_KEEP_PROCESSED_HOURS) and
    dead letters after DEAD_LETTER_RETENTION_HOURS; rows removed per table (retention/)."""
    processed_cutoff = now - timedelta(hours=settings.INBOX_KEEP_PROCESSED_HOURS)
    expired = InboxUplink.objects.filter(accepted_at__lt=cutoff)
    processed = InboxUplink.objects.filter(
        status=InboxUplink.Status.PROCESSED, accepted_at__lt=processed_cutoff
    )
    dead = DeadLetter.objects.filter(
        created_at__lt=now - timedelta(hours=settings.DEAD_LETTER_RETENTION_HOURS)
    )
    return {
        "inbox": delete_in_batches(expired, batch=batch)
        + delete_in_batches(processed, batch=batch),
        "dead_letters": delete_in_batches(dead, batch=batch),
    }
