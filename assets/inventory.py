"""Inventory checks: compare the devices scanned on the shelf with the stock in the records."""

import re
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from assets.models import Device, DeviceState, InventoryCheck
from core.databases import ASSETS
from core.errors import DomainError

MAX_SCANS = 20_000
UNKNOWN = "unknown"
_DEVICE_ID = re.compile(r"[A-Za-z0-9-]{1,32}")


def match_key(device_id: str) -> str:
    """Scans match Device IDs trimmed and whatever the case (a scanner may send `p-1 `)."""
    return device_id.strip().upper()


def inventory_compare(
    *, devices: Iterable[tuple[str, str]], scanned: Iterable[str]
) -> tuple[list[str], list[dict], int]:
    """(missing, unexpected, different devices scanned) for `devices` as (device_id, state).

    Missing: in stock and not scanned, by their Device ID. Unexpected: scanned and
    not in stock, with the device's state as the reason, or `unknown`. A scan
    repeated, in another case or with spaces, counts once.
    """
    by_key: dict[str, tuple[str, str]] = {}
    for device_id, state in devices:
        by_key[match_key(device_id)] = (device_id, state)
    seen: dict[str, str] = {}
    for raw in scanned:
        seen.setdefault(match_key(raw), raw.strip())
    missing = sorted(
        device_id
        for key, (device_id, state) in by_key.items()
        if state == DeviceState.IN_STOCK and key not in seen
    )
    unexpected = []
    for key, as_scanned in seen.items():
        found = by_key.get(key)
        if found is None:
            unexpected.append({"device_id": as_scanned, "reason": UNKNOWN})
        elif found[1] != DeviceState.IN_STOCK:
            unexpected.append({"device_id": found[0], "reason": found[1]})
    unexpected.sort(key=lambda row: row["device_id"])
    return missing, unexpected, len(seen)


def _checked(scanned: list[str]) -> list[str]:
    if len(scanned) > MAX_SCANS:
        raise DomainError(f"A check holds at most {MAX_SCANS} scans.", code="too_many_scans")
    for raw in scanned:
        if not _DEVICE_ID.fullmatch(raw.strip()):
            raise DomainError(
                f"{raw.strip()[:40]!r} is not a Device ID (letters, digits and dashes, "
                "at most 32): remove that scan and finish again.",
                code="bad_scan",
            )
    return scanned


def inventory_check_record(*, scanned: list[str], acting_user) -> InventoryCheck:
    """Compare the scans with the records as they are now, and keep the result.

    The devices are read in one query, so a check sees one moment of the
    records; two checks at once are two records, each of its own moment.
    """
    scanned = _checked(scanned)
    with transaction.atomic(using=ASSETS):
        devices = Device.objects.values_list("device_id", "state")
        expected = 0
        rows = []
        for device_id, state in devices.iterator(chunk_size=5000):
            rows.append((device_id, state))
            expected += state == DeviceState.IN_STOCK
        missing, unexpected, scanned_count = inventory_compare(devices=rows, scanned=scanned)
        return InventoryCheck.objects.create(
            at=timezone.now(),
            actor=acting_user.get_username(),
            expected_count=expected,
            scanned_count=scanned_count,
            missing=missing,
            unexpected=unexpected,
        )
