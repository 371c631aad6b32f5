"""Inventory checks: compare the devices scanned on the shelf with the stock in the records."""

import re
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Device, DeviceState, InventoryCheck
from core.databases import ASSETS
from core.device_ids import clean_device_id, device_id_key, pick_device_id
from core.errors import DomainError

MAX_SCANS = 20_000
UNKNOWN = "unknown"
_DEVICE_ID = re.compile(r"[A-Za-z0-9-]{1,32}")


def inventory_compare(
    *, devices: Iterable[tuple[str, str]], scanned: Iterable[str]
) -> tuple[list[str], list[dict], int]:
    """(missing, unexpected, different devices scanned) for `devices` as (device_id, state).

    Missing: in stock and not scanned, by their Device ID. Unexpected: scanned and
    not in stock, with the device's state as the reason, or `unknown`. A scan is
    matched as the desk matches a typed ID (core.device_ids: trimmed, any case);
    a scan repeated, in another case or with spaces, counts once. Two stored IDs
    that differ only by case stay two devices (an old import kept both): keyed
    by the upper-cased ID alone, one of them vanished from the check.
    """
    by_key: dict[str, dict[str, str]] = {}
    for device_id, state in devices:
        by_key.setdefault(device_id_key(device_id) or device_id, {})[device_id] = state
    states = {device_id: state for same in by_key.values() for device_id, state in same.items()}
    seen: set[str] = set()
    unknown: dict[str, str] = {}  # key -> the ID as first scanned
    for raw in scanned:
        key = device_id_key(raw) or clean_device_id(raw)
        picked = pick_device_id(by_key.get(key, {}), raw)
        if picked is None:
            unknown.setdefault(key, clean_device_id(raw))
        elif isinstance(picked, tuple):
            raise DomainError(
                _(
                    "%(scan)r fits several devices (%(devices)s): "
                    "scan the label, or type that ID exactly with its capital letters, "
                    "and finish again."
                )
                % {"scan": clean_device_id(raw), "devices": ", ".join(picked)},
                code="ambiguous_scan",
            )
        else:
            seen.add(picked)
    missing = sorted(
        device_id
        for device_id, state in states.items()
        if state == DeviceState.IN_STOCK and device_id not in seen
    )
    unexpected = [
        {"device_id": device_id, "reason": states[device_id]}
        for device_id in seen
        if states[device_id] != DeviceState.IN_STOCK
    ]
    unexpected += [{"device_id": as_scanned, "reason": UNKNOWN} for as_scanned in unknown.values()]
    unexpected.sort(key=lambda row: row["device_id"])
    return missing, unexpected, len(seen) + len(unknown)


def _checked(scanned: list[str]) -> list[str]:
    if len(scanned) > MAX_SCANS:
        raise DomainError(
            _("A check holds at most %(max)d scans.") % {"max": MAX_SCANS}, code="too_many_scans"
        )
    for raw in scanned:
        if not _DEVICE_ID.fullmatch(raw.strip()):
            raise DomainError(
                _(
                    "%(scan)r is not a Device ID (letters, digits and dashes, "
                    "at most 32): remove that scan and finish again."
                )
                % {"scan": raw.strip()[:40]},
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
