"""Writes to the `assets` database: the device state machine."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from assets.models import Device, DeviceEvent, DeviceState
from core.databases import ASSETS
from core.errors import DomainError

S = DeviceState

# Every allowed change of state; anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.IN_STOCK: frozenset({S.ASSIGNED, S.LOST, S.BROKEN, S.RETIRED}),
    S.ASSIGNED: frozenset({S.IN_STOCK, S.LOST, S.BROKEN}),
    S.LOST: frozenset({S.FOUND, S.RETIRED}),
    S.FOUND: frozenset({S.ASSIGNED, S.IN_STOCK, S.BROKEN, S.RETIRED}),
    S.BROKEN: frozenset({S.IN_STOCK, S.IN_REPAIR, S.RETIRED}),
    # At the repairer: back repaired (in stock), back unrepaired (broken), or beyond repair.
    S.IN_REPAIR: frozenset({S.IN_STOCK, S.BROKEN, S.RETIRED}),
    S.RETIRED: frozenset(),
}

# What to tell a desk clerk when a change is refused, by the device's state.
REFUSAL_HINTS = {
    S.ASSIGNED: "It is held by someone: take it back first.",
    S.LOST: "It is reported lost: mark it found first.",
    S.BROKEN: "It is broken: it must be repaired (back in stock) first.",
    S.RETIRED: "It is retired and cannot be used again.",
    S.IN_STOCK: "It is in stock and held by nobody.",
    S.FOUND: "It was found: return it to its holder or put it back in stock.",
    S.IN_REPAIR: "It is at the repairer: record it back from repair first.",
}

VERBS = {
    S.ASSIGNED: "assigned",
    S.IN_STOCK: "put back in stock",
    S.LOST: "reported lost",
    S.FOUND: "marked found",
    S.BROKEN: "marked broken",
    S.RETIRED: "retired",
    S.IN_REPAIR: "sent for repair",
}


def device_get_for_update(*, device_id: str) -> Device:
    """The device, locked until the surrounding `assets` transaction ends."""
    device = Device.objects.select_for_update().filter(device_id=device_id).first()
    if device is None:
        raise DomainError(
            f"There is no device {device_id}.", code="unknown_device", status_code=404
        )
    return device


def device_transition(
    *, device: Device, to_state: str, actor: str, note: str = "", at: datetime | None = None
) -> DeviceEvent:
    """Move a (locked) device to `to_state` and record it, or refuse with a reason."""
    if not transaction.get_connection(ASSETS).in_atomic_block:
        raise RuntimeError("device_transition must run inside transaction.atomic(using=ASSETS)")
    if to_state not in TRANSITIONS[device.state]:
        raise DomainError(
            f"Device {device.device_id} is {DeviceState(device.state).label}; it cannot be "
            f"{VERBS[to_state]}. {REFUSAL_HINTS[device.state]}",
            code="refused_transition",
            status_code=409,
        )
    event = DeviceEvent.objects.create(
        device=device,
        at=at or timezone.now(),
        actor=actor,
        from_state=device.state,
        to_state=to_state,
        note=note[:500],
    )
    device.state = to_state
    device.save(update_fields=["state"])
    return event


def device_correct_state(*, device: Device, to_state: str, actor: str, note: str) -> DeviceEvent:
    """Set a state outside the state machine, to repair a disagreement (`reconcile --fix`).

    On PostgreSQL the database refuses changes outside the state machine
    (assets migration 0002); a repair says so for its own transaction. A
    retired device stays retired even then.
    """
    connection = transaction.get_connection(ASSETS)
    if not connection.in_atomic_block:
        raise RuntimeError("device_correct_state must run inside transaction.atomic(using=ASSETS)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL proximeter.state_correction = 'on'")
    event = DeviceEvent.objects.create(
        device=device,
        at=timezone.now(),
        actor=actor,
        from_state=device.state,
        to_state=to_state,
        note=note[:500],
    )
    device.state = to_state
    device.save(update_fields=["state"])
    return event


def device_retire(*, device_id: str, acting_user, note: str = "") -> Device:
    """Take a device out of service for good (written off, destroyed, never found)."""
    with transaction.atomic(using=ASSETS):
        device = device_get_for_update(device_id=device_id)
        device_transition(
            device=device,
            to_state=DeviceState.RETIRED,
            actor=acting_user.get_username(),
            note=note,
        )
        return device


def device_send_for_repair(*, device_id: str, acting_user, note: str = "") -> Device:
    """A broken device goes to the repairer; its history says so (and where, in `note`)."""
    with transaction.atomic(using=ASSETS):
        device = device_get_for_update(device_id=device_id)
        device_transition(
            device=device,
            to_state=DeviceState.IN_REPAIR,
            actor=acting_user.get_username(),
            note=note or "sent for repair",
        )
        return device


def device_return_from_repair(
    *, device_id: str, acting_user, repaired: bool = True, note: str = ""
) -> Device:
    """A device is back from the repairer: repaired (in stock) or not (broken again).

    Only a device in repair comes back: a second "back from repair" of the same
    device waits for the first on the row lock, then is refused (409).
    """
    with transaction.atomic(using=ASSETS):
        device = device_get_for_update(device_id=device_id)
        if device.state != DeviceState.IN_REPAIR:
            raise DomainError(
                f"Device {device_id} is {device.get_state_display()}, not in repair; "
                "only a device sent for repair comes back from repair.",
                code="refused_transition",
                status_code=409,
            )
        device_transition(
            device=device,
            to_state=DeviceState.IN_STOCK if repaired else DeviceState.BROKEN,
            actor=acting_user.get_username(),
            note=note
            or ("back from repair, repaired" if repaired else "back from repair, not repaired"),
        )
        return device
