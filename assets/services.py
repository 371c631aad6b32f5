"""Writes to the `assets` database: the device state machine."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from assets.models import Device, DeviceEvent, DeviceState
from core.databases import ASSETS
from core.dates import day_in_words
from core.device_ids import clean_device_id, device_id_key, pick_device_id
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

# What to do next, told to a desk clerk when a change is refused, by the device's state.
# (The assets database names nobody: the desk adds who holds a device.)
REFUSAL_HINTS = {
    S.ASSIGNED: "It is held by someone: take it back first (Registration page).",
    S.LOST: "Once it is back at the desk, mark it found first (Found page).",
    S.BROKEN: "Once it is repaired, put it back in stock first (Status page).",
    S.RETIRED: "It is out of service for good: use another device.",
    S.IN_STOCK: "Nobody holds it: hand it out on the Registration page first.",
    S.FOUND: "It is waiting at the desk: return it to its holder or put it back in stock "
    "(Found page).",
    S.IN_REPAIR: "It is at the repairer: record it back from repair first (administration).",
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


def device_get(*, device_id: str, for_update: bool = False) -> Device:
    """The device a typed or scanned ID means (core.device_ids: trimmed, any case).

    With `for_update`, locked until the surrounding `assets` transaction ends.
    """
    cleaned = clean_device_id(device_id)
    key = device_id_key(cleaned)
    devices = Device.objects.filter(device_id__iexact=key) if key else Device.objects.none()
    if for_update:
        devices = devices.select_for_update()
    found = {d.device_id: d for d in devices}
    picked = pick_device_id(found, cleaned)
    if picked is None:
        raise DomainError(
            f"There is no device {cleaned[:40]}. Check the ID printed on the device "
            "and scan or type it again.",
            code="unknown_device",
            status_code=404,
        )
    if isinstance(picked, tuple):
        raise DomainError(
            f"{cleaned} fits several devices ({', '.join(picked)}): type the ID exactly, "
            "with its capital letters.",
            code="ambiguous_device",
        )
    return found[picked]


def device_get_for_update(*, device_id: str) -> Device:
    """The device, locked until the surrounding `assets` transaction ends."""
    return device_get(device_id=device_id, for_update=True)


def device_since(device: Device) -> str:
    """Since when the device is in its state, in words ("2 December"), or "" if unknown."""
    last = device.events.filter(to_state=device.state).order_by("-at", "-pk").first()
    return day_in_words(last.at) if last else ""


def device_refusal(device: Device, to_state: str) -> str:
    """Why `device` cannot go to `to_state`: its state, since when, and what to do first."""
    since = device_since(device)
    state = DeviceState(device.state).label
    is_ = f"has been {state} since {since}" if since else f"is {state}"
    return (
        f"Device {device.device_id} {is_}: it cannot be {VERBS[to_state]}. "
        f"{REFUSAL_HINTS[device.state]}"
    )


def device_transition(
    *, device: Device, to_state: str, actor: str, note: str = "", at: datetime | None = None
) -> DeviceEvent:
    """Move a (locked) device to `to_state` and record it, or refuse with a reason."""
    if not transaction.get_connection(ASSETS).in_atomic_block:
        raise RuntimeError("device_transition must run inside transaction.atomic(using=ASSETS)")
    if to_state not in TRANSITIONS[device.state]:
        raise DomainError(
            device_refusal(device, to_state),
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
