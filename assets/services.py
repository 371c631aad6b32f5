"""Writes to the `assets` database: the device state machine."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    S.ASSIGNED: gettext_lazy("It is held by someone: take it back first (Registration page)."),
    S.LOST: gettext_lazy("Once it is back at the desk, mark it found first (Found page)."),
    S.BROKEN: gettext_lazy("Once it is repaired, put it back in stock first (Status page)."),
    S.RETIRED: gettext_lazy("It is out of service for good: use another device."),
    S.IN_STOCK: gettext_lazy("Nobody holds it: hand it out on the Registration page first."),
    S.FOUND: gettext_lazy(
        "It is waiting at the desk: return it to its holder or put it back in stock (Found page)."
    ),
    S.IN_REPAIR: gettext_lazy(
        "It is at the repairer: record it back from repair first (administration)."
    ),
}

# "it cannot be ...", by the state a change was refused to.
CANNOT_BE = {
    S.ASSIGNED: gettext_lazy("it cannot be assigned."),
    S.IN_STOCK: gettext_lazy("it cannot be put back in stock."),
    S.LOST: gettext_lazy("it cannot be reported lost."),
    S.FOUND: gettext_lazy("it cannot be marked found."),
    S.BROKEN: gettext_lazy("it cannot be marked broken."),
    S.RETIRED: gettext_lazy("it cannot be retired."),
    S.IN_REPAIR: gettext_lazy("it cannot be sent for repair."),
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
            _(
                "There is no device %(device)s. Check the ID printed on the device "
                "and scan or type it again."
            )
            % {"device": cleaned[:40]},
            code="unknown_device",
            status_code=404,
        )
    if isinstance(picked, tuple):
        raise DomainError(
            _(
                "%(typed)s fits several devices (%(devices)s): type the ID exactly, "
                "with its capital letters."
            )
            % {"typed": cleaned, "devices": ", ".join(picked)},
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


def device_state_sentence(device: Device) -> str:
    """`Device X has been lost since 2 December` (or `Device X is in stock`), no full stop."""
    since = device_since(device)
    state = DeviceState(device.state).label
    if since:
        return _("Device %(device)s has been %(state)s since %(since)s") % {
            "device": device.device_id,
            "state": state,
            "since": since,
        }
    return _("Device %(device)s is %(state)s") % {"device": device.device_id, "state": state}


def device_refusal(device: Device, to_state: str) -> str:
    """Why `device` cannot go to `to_state`: its state, since when, and what to do first."""
    return _("%(device_state)s: %(cannot_be)s %(hint)s") % {
        "device_state": device_state_sentence(device),
        "cannot_be": CANNOT_BE[to_state],
        "hint": REFUSAL_HINTS[device.state],
    }


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
                _(
                    "Device %(device)s is %(state)s, not in repair; "
                    "only a device sent for repair comes back from repair."
                )
                % {"device": device_id, "state": device.get_state_display()},
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
