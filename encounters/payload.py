"""The encounter uplink: LoRaWAN FPort 10, payload version 1 (docs/payload-format.md).

A proximeter reports the encounters it recorded as one header and N records,
all integers big-endian:

    offset  size  field
    0       1     version = 0x01
    1       4     my_tag   (uint32) the sending device's Tag ID
    then N >= 1 records of 10 bytes:
    +0      4     ref_tag  (uint32) the peer's Tag ID
    +4      4     start    (uint32) start of the encounter, Unix seconds, UTC
    +8      2     slots    (uint16) number of 30-second slots, >= 1

This module is pure Python (standard library only) so the ingestion worker,
the tests and any tool can share one definition of the bytes. Two layers are
kept apart on purpose: `decode` only answers "are these well-formed bytes?"
(a malformed uplink is rejected whole), while `classify` judges each record
against the clock and the retention window (one bad record does not spoil
the others in its uplink). `encounters/payload_formatter.js` is the same decoder
for the network server's console; the tests hold the two to the same vectors.
"""

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

ENCOUNTER_FPORT = 10
PAYLOAD_VERSION = 1
HEADER_SIZE = 5
RECORD_SIZE = 10
SLOT_SECONDS = 30
# EU868 maximum application payload (N, no FOpts), LoRaWAN Regional Parameters RP002:
# 51 bytes at DR0-2 holds 4 records, 242 bytes at DR4-7 holds 23.
MAX_RECORDS_DR0 = 4
MAX_RECORDS = 23
MAX_PAYLOAD_SIZE = HEADER_SIZE + RECORD_SIZE * MAX_RECORDS  # 235, within 242
UINT16_MAX = 0xFFFF
UINT32_MAX = 0xFFFF_FFFF

# Reasons a whole payload is refused (PayloadError.reason), for counting.
PAYLOAD_ERROR_REASONS = ("empty", "unknown_version", "bad_length", "no_records", "too_many_records")
# Reasons one record is refused by `classify`: the first three are invalid
# (dead-lettered), "expired" is merely too old (dropped and counted).
ZERO_SLOTS = "zero_slots"
SELF_ENCOUNTER = "self_encounter"
START_IN_FUTURE = "start_in_future"
TOO_LONG = "too_long"
EXPIRED = "expired"
INVALID_RECORD_REASONS = (ZERO_SLOTS, SELF_ENCOUNTER, START_IN_FUTURE, TOO_LONG)

DEFAULT_CLOCK_TOLERANCE = timedelta(minutes=5)

_HEADER = struct.Struct(">BI")
_RECORD = struct.Struct(">IIH")
assert _HEADER.size == HEADER_SIZE and _RECORD.size == RECORD_SIZE


@dataclass(frozen=True)
class EncounterRecord:
    """One encounter as the sending device saw it: which peer, from when, how long."""

    ref_tag: int
    start: int
    slots: int

    @property
    def started_at(self) -> datetime:
        """The start as an aware UTC datetime (the wire carries Unix seconds)."""
        return datetime.fromtimestamp(self.start, tz=UTC)

    @property
    def seconds(self) -> int:
        """The duration in seconds: the device counts whole 30-second slots."""
        return self.slots * SLOT_SECONDS


@dataclass(frozen=True)
class DecodedUplink:
    """A well-formed encounter uplink; its records are not judged yet (see `classify`)."""

    my_tag: int
    records: tuple[EncounterRecord, ...]


class PayloadError(ValueError):
    """A payload that is not a well-formed version-1 encounter uplink.

    `reason` is a short code from PAYLOAD_ERROR_REASONS so the ingestion can
    count refusals by kind; the message is for a person reading a dead letter.
    The JavaScript formatter reports the same thing as "<reason>: <message>".
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def decode(payload: bytes) -> DecodedUplink:
    """The header and records of an FPort-10 payload, or PayloadError.

    Structural only: lengths and the version byte. Values inside the records
    (zero slots, a start in the future) are `classify`'s business, so one
    odd record does not cost the device the rest of its uplink. Any bytes at
    all yield a DecodedUplink or a PayloadError, never another exception: the
    payload comes off the air and the worker must be able to dead-letter it.
    """
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise TypeError(f"payload must be bytes, not {type(payload).__name__}")
    data = bytes(payload)
    if not data:
        raise PayloadError("empty", "payload is empty")
    if data[0] != PAYLOAD_VERSION:
        raise PayloadError(
            "unknown_version",
            f"unknown payload version {data[0]} (this decoder reads version {PAYLOAD_VERSION})",
        )
    if len(data) == HEADER_SIZE:
        raise PayloadError("no_records", "payload holds a header but no encounter records")
    if len(data) < HEADER_SIZE or (len(data) - HEADER_SIZE) % RECORD_SIZE:
        raise PayloadError(
            "bad_length",
            f"payload of {len(data)} bytes; the length must be "
            f"{HEADER_SIZE} + {RECORD_SIZE}*N with N >= 1",
        )
    count = (len(data) - HEADER_SIZE) // RECORD_SIZE
    if count > MAX_RECORDS:
        raise PayloadError(
            "too_many_records",
            f"payload holds {count} records; at most {MAX_RECORDS} fit "
            "the largest LoRaWAN payload (242 bytes)",
        )
    _version, my_tag = _HEADER.unpack_from(data)
    records = tuple(
        EncounterRecord(ref_tag=ref_tag, start=start, slots=slots)
        for ref_tag, start, slots in _RECORD.iter_unpack(data[HEADER_SIZE:])
    )
    return DecodedUplink(my_tag=my_tag, records=records)


def _check_uint(name: str, value: object, maximum: int) -> None:
    """Refuse what struct would refuse, but with a message naming the field."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        raise ValueError(f"{name} must be an integer from 0 to {maximum}, got {value!r}")


def encode(my_tag: int, records: Iterable[EncounterRecord]) -> bytes:
    """The payload a device sends for these records (what device firmware does).

    Checks only what the wire can carry (field ranges, 1 to MAX_RECORDS
    records), the mirror of `decode`: a record with zero slots or the
    device's own tag can be encoded, so tests can produce what a faulty
    device would send.
    """
    _check_uint("my_tag", my_tag, UINT32_MAX)
    records = tuple(records)
    if not records:
        raise ValueError("an uplink carries at least one encounter record")
    if len(records) > MAX_RECORDS:
        raise ValueError(
            f"{len(records)} records do not fit one uplink; at most {MAX_RECORDS} "
            "(use split_into_uplinks)"
        )
    parts = [_HEADER.pack(PAYLOAD_VERSION, my_tag)]
    for index, record in enumerate(records):
        _check_uint(f"records[{index}].ref_tag", record.ref_tag, UINT32_MAX)
        _check_uint(f"records[{index}].start", record.start, UINT32_MAX)
        _check_uint(f"records[{index}].slots", record.slots, UINT16_MAX)
        parts.append(_RECORD.pack(record.ref_tag, record.start, record.slots))
    return b"".join(parts)


def records_per_uplink(max_payload_bytes: int) -> int:
    """How many records fit an application payload of this size (capped at MAX_RECORDS).

    The size is the data rate's maximum FRMPayload less any MAC commands the
    stack piggybacks in FOpts; a size below one record is a ValueError because
    such an uplink could carry nothing.
    """
    fitting = (max_payload_bytes - HEADER_SIZE) // RECORD_SIZE
    if fitting < 1:
        raise ValueError(
            f"max_payload_bytes must be at least {HEADER_SIZE + RECORD_SIZE}, "
            f"got {max_payload_bytes}"
        )
    return min(fitting, MAX_RECORDS)


def split_into_uplinks(
    my_tag: int, records: Iterable[EncounterRecord], *, max_payload_bytes: int = 51
) -> list[bytes]:
    """A device's queue as the uplinks it sends, in order, each as full as the size allows.

    The default, 51 bytes, is the smallest EU868 payload (DR0-2), which every
    data rate can carry; an empty queue sends nothing.
    """
    per_uplink = records_per_uplink(max_payload_bytes)
    _check_uint("my_tag", my_tag, UINT32_MAX)
    queue = tuple(records)
    return [
        encode(my_tag, queue[first : first + per_uplink])
        for first in range(0, len(queue), per_uplink)
    ]


def _require_aware(name: str, moment: datetime) -> None:
    """Naive datetimes would be compared in the server's local time: refuse them."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def classify(
    record: EncounterRecord,
    *,
    my_tag: int,
    received_at: datetime,
    now: datetime,
    retention: timedelta,
    clock_tolerance: timedelta = DEFAULT_CLOCK_TOLERANCE,
    longest: timedelta | None = None,
) -> str | None:
    """None for a record to store, else why not: a reason code.

    - "zero_slots": slots = 0; the device only reports encounters over 30 s.
    - "self_encounter": ref_tag = my_tag; a device cannot meet itself.
    - "start_in_future": the start lies more than `clock_tolerance` after
      `received_at`: the portal's own receive time (a time the sender claims
      may only move it earlier, never later).
    - "too_long": the record lasts longer than `longest` (65,535 slots are 22
      days: not an encounter, and it would outlive every purge's reach).
    - "expired": the start lies before `now - retention`. A record starting
      exactly at `now - retention` is still kept; one second earlier is
      expired.

    The first four make the record invalid: the caller dead-letters it with
    the reason, because it points at a faulty device or firmware. They are
    checked first, so an old record from a faulty device is still seen as
    invalid. "expired" is not a fault (a device that was out of coverage for
    weeks delivers late): the caller drops the record and counts it, since
    the portal may not keep what the retention window has passed.

    The default tolerance is 5 minutes. A genuine record always starts
    before its uplink is sent, so only the device's clock error needs room:
    the device keeps UTC from the network (DeviceTimeReq) and a ±20 ppm
    crystal drifts under 2 s a day, so seconds to a minute cover weeks
    without a resynchronisation. Five minutes leaves ample margin for that
    while still catching the errors that do happen, all far larger: a
    clock set to local time instead of UTC (one hour or more in Europe), a
    clock reset to a default after a power loss, a corrupt field. A future
    record left in would also outlive the retention window by its offset.
    """
    _require_aware("received_at", received_at)
    _require_aware("now", now)
    if clock_tolerance < timedelta(0):
        raise ValueError("clock_tolerance must not be negative")
    if retention <= timedelta(0):
        raise ValueError("retention must be positive")
    if record.slots == 0:
        return ZERO_SLOTS
    if record.ref_tag == my_tag:
        return SELF_ENCOUNTER
    started_at = record.started_at
    if started_at > received_at + clock_tolerance:
        return START_IN_FUTURE
    if longest is not None and record.seconds > longest.total_seconds():
        return TOO_LONG
    if started_at < now - retention:
        return EXPIRED
    return None


def _iso_utc(seconds: int) -> str:
    """Unix seconds as the formatter writes them: 2024-05-01T12:00:00Z."""
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_dict(decoded: DecodedUplink) -> dict[str, Any]:
    """The `data` object the JavaScript formatter returns for the same payload.

    Operators see this shape in the network server's console; keeping the
    Python side able to produce it lets the tests compare both decoders.
    """
    return {
        "version": PAYLOAD_VERSION,
        "my_tag": decoded.my_tag,
        "encounters": [
            {
                "ref_tag": record.ref_tag,
                "start": record.start,
                "start_iso": _iso_utc(record.start),
                "slots": record.slots,
                "seconds": record.seconds,
            }
            for record in decoded.records
        ],
    }
