"""The registration desk's operations. Each changes two databases: `assets` and `associations`.

No transaction spans two databases, so every operation opens one on each,
does all its checks and writes in both, and commits `associations` (who holds
what: the truth) first, then `assets` (the device's state). A failure before
the commits changes nothing; a crash between the two commits leaves a device
state that disagrees with its holdings, which `manage.py reconcile` finds and
repairs from the holdings. Device history never names a person: the assets
database must not link people to tags.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from assets.models import Device, DeviceState
from assets.services import device_get_for_update, device_transition
from core.databases import ASSETS, ASSOCIATIONS
from core.errors import DomainError
from registration.models import Association, EndReason, LostReport, Person
from registration.selectors import person_get

# The state a device is in once a holding ended for this reason.
STATE_AFTER_HOLDING = {
    EndReason.RELINQUISHED: DeviceState.IN_STOCK,
    EndReason.SWAPPED: DeviceState.IN_STOCK,
    EndReason.PERSON_LEFT: DeviceState.IN_STOCK,
    EndReason.BROKEN: DeviceState.BROKEN,
    EndReason.LOST: DeviceState.LOST,
}

CONCURRENT_CHANGE = (
    "Another desk changed this person's or this device's holding at the same moment; "
    "nothing was changed here. Look them up again."
)


@contextmanager
def _on_both_databases() -> Iterator[None]:
    """One unit of work over assets and associations; associations commits first."""
    try:
        with transaction.atomic(using=ASSETS), transaction.atomic(using=ASSOCIATIONS):
            yield
    except IntegrityError as exc:
        # A constraint of the database caught a race the checks could not see.
        raise DomainError(CONCURRENT_CHANGE, code="concurrent_change", status_code=409) from exc


def _actor(acting_user) -> str:
    return acting_user.get_username()


def _now(at: datetime | None) -> datetime:
    now = timezone.now()
    if at is None:
        return now
    if at > now + timedelta(minutes=1):
        raise DomainError("That time is in the future.", code="time_in_future")
    return at


def _active_person(person_id: str) -> Person:
    person = person_get(person_id=person_id)
    if not person.active:
        raise DomainError(
            f"{person.full_name} ({person.person_id}) is no longer in the directory; "
            "a device cannot be handed to them.",
            code="inactive_person",
            status_code=409,
        )
    return person


def _open_holding_of_device(device_id: str) -> Association | None:
    return (
        Association.objects.select_for_update(of=("self",))
        .select_related("person")
        .filter(device_id=device_id, ended_at__isnull=True)
        .first()
    )


def _open_holding_of_person(person_id: str) -> Association | None:
    return (
        Association.objects.select_for_update()
        .filter(person_id=person_id, ended_at__isnull=True)
        .first()
    )


def _start_holding(*, person: Person, device: Device, at: datetime, actor: str) -> Association:
    current = _open_holding_of_person(person.person_id)
    if current is not None:
        raise DomainError(
            f"{person.full_name} already holds device {current.device_id}. "
            "Take it back first, or swap it.",
            code="person_holds_device",
            status_code=409,
        )
    device_transition(device=device, to_state=DeviceState.ASSIGNED, actor=actor, at=at)
    return Association.objects.create(
        person=person, device_id=device.device_id, started_at=at, started_by=actor
    )


def _end_holding(*, holding: Association, at: datetime, reason: str, actor: str) -> None:
    if at < holding.started_at:
        raise DomainError(
            f"Device {holding.device_id} was handed out at "
            f"{timezone.localtime(holding.started_at):%Y-%m-%d %H:%M}, after the time given.",
            code="time_before_holding",
        )
    holding.ended_at, holding.end_reason, holding.ended_by = at, reason, actor
    holding.save(update_fields=["ended_at", "end_reason", "ended_by"])


def device_assign(
    *, device_id: str, person_id: str, acting_user, at: datetime | None = None
) -> Association:
    """Hand a device to a person."""
    at = _now(at)
    with _on_both_databases():
        device = device_get_for_update(device_id=device_id)
        person = _active_person(person_id)
        return _start_holding(person=person, device=device, at=at, actor=_actor(acting_user))


def device_relinquish(
    *,
    device_id: str,
    acting_user,
    reason: str = EndReason.RELINQUISHED,
    at: datetime | None = None,
    expected_person_id: str | None = None,
) -> Association:
    """Take a device back from its holder (given back, broken, or the person left).

    With `expected_person_id` (the person at the counter), a device held by
    someone else is refused: a wrong scan must not end another person's holding.
    """
    if reason not in (EndReason.RELINQUISHED, EndReason.BROKEN, EndReason.PERSON_LEFT):
        raise DomainError(f"{reason!r} is not a reason to take a device back.", code="bad_reason")
    at = _now(at)
    actor = _actor(acting_user)
    with _on_both_databases():
        device = device_get_for_update(device_id=device_id)
        holding = _open_holding_of_device(device_id)
        if holding is None:
            raise DomainError(
                f"Device {device_id} is not held by anyone (it is {device.get_state_display()}).",
                code="not_held",
                status_code=409,
            )
        if expected_person_id is not None and holding.person_id != expected_person_id:
            raise DomainError(
                f"Device {device_id} is held by someone else, not by person {expected_person_id}. "
                "Nothing was changed.",
                code="held_by_someone_else",
                status_code=409,
            )
        _end_holding(holding=holding, at=at, reason=reason, actor=actor)
        device_transition(device=device, to_state=STATE_AFTER_HOLDING[reason], actor=actor, at=at)
        return holding


def device_swap(
    *,
    old_device_id: str,
    new_device_id: str,
    acting_user,
    reason: str = EndReason.SWAPPED,
    at: datetime | None = None,
) -> Association:
    """Take one device back and hand over another in one step (recall, or broken)."""
    if reason not in (EndReason.SWAPPED, EndReason.BROKEN):
        raise DomainError("A swap is for a recalled or a broken device.", code="bad_reason")
    if old_device_id == new_device_id:
        raise DomainError("The new device must be another device.", code="same_device")
    at = _now(at)
    actor = _actor(acting_user)
    with _on_both_databases():
        # Lock in a fixed order so two swaps of the same pair cannot deadlock.
        locked = {
            d: device_get_for_update(device_id=d) for d in sorted({old_device_id, new_device_id})
        }
        holding = _open_holding_of_device(old_device_id)
        if holding is None:
            raise DomainError(
                f"Device {old_device_id} is not held by anyone; assign the new device instead.",
                code="not_held",
                status_code=409,
            )
        _end_holding(holding=holding, at=at, reason=reason, actor=actor)
        device_transition(
            device=locked[old_device_id], to_state=STATE_AFTER_HOLDING[reason], actor=actor, at=at
        )
        return _start_holding(
            person=holding.person, device=locked[new_device_id], at=at, actor=actor
        )


def device_report_lost(
    *, device_id: str, acting_user, lost_at: datetime | None = None
) -> LostReport:
    """Record a loss; the holding ends at the time of the loss, not of the report."""
    now = timezone.now()
    lost_at = _now(lost_at)
    actor = _actor(acting_user)
    with _on_both_databases():
        device = device_get_for_update(device_id=device_id)
        holding = _open_holding_of_device(device_id)
        if holding is not None:
            _end_holding(holding=holding, at=lost_at, reason=EndReason.LOST, actor=actor)
        device_transition(device=device, to_state=DeviceState.LOST, actor=actor, at=lost_at)
        return LostReport.objects.create(
            device_id=device_id,
            holder=holding.person if holding else None,
            lost_at=lost_at,
            reported_at=now,
            reported_by=actor,
        )


def _open_lost_report(device_id: str) -> LostReport | None:
    return (
        LostReport.objects.select_for_update()
        .filter(device_id=device_id, found_at__isnull=True)
        .first()
    )


def device_mark_found(*, device_id: str, acting_user) -> LostReport | None:
    """A lost device is back at the desk; it waits to be returned or restocked."""
    actor = _actor(acting_user)
    now = timezone.now()
    with _on_both_databases():
        device = device_get_for_update(device_id=device_id)
        device_transition(device=device, to_state=DeviceState.FOUND, actor=actor, at=now)
        report = _open_lost_report(device_id)
        if report is not None:
            report.found_at, report.found_by = now, actor
            report.save(update_fields=["found_at", "found_by"])
        return report


def _last_found_report(device_id: str) -> LostReport | None:
    return (
        LostReport.objects.select_for_update(of=("self",))
        .select_related("holder")
        .filter(device_id=device_id, found_at__isnull=False)
        .order_by("-found_at")
        .first()
    )


def device_return_to_holder(*, device_id: str, acting_user) -> Association:
    """Give a found device back to the person who held it when it was lost."""
    actor = _actor(acting_user)
    now = timezone.now()
    with _on_both_databases():
        device = device_get_for_update(device_id=device_id)
        report = _last_found_report(device_id)
        if device.state != DeviceState.FOUND or report is None:
            raise DomainError(
                f"Device {device_id} is {device.get_state_display()}, not waiting to be returned.",
                code="not_found_state",
                status_code=409,
            )
        if report.holder is None:
            raise DomainError(
                f"Nobody held device {device_id} when it was lost; put it back in stock.",
                code="no_last_holder",
                status_code=409,
            )
        holding = _start_holding(
            person=_active_person(report.holder.person_id), device=device, at=now, actor=actor
        )
        report.outcome = LostReport.Outcome.RETURNED
        report.save(update_fields=["outcome"])
        return holding


def device_restock(*, device_id: str, acting_user, note: str = "") -> Device:
    """Put a found or repaired device back in stock."""
    actor = _actor(acting_user)
    with _on_both_databases():
        device = device_get_for_update(device_id=device_id)
        if device.state not in (DeviceState.FOUND, DeviceState.BROKEN):
            # A held device goes back through "take back", which ends the holding.
            raise DomainError(
                f"Device {device_id} is {device.get_state_display()}; only a found or a "
                "repaired broken device is put back in stock here.",
                code="refused_transition",
                status_code=409,
            )
        was_found = device.state == DeviceState.FOUND
        device_transition(device=device, to_state=DeviceState.IN_STOCK, actor=actor, note=note)
        report = _last_found_report(device_id) if was_found else None
        if report is not None and not report.outcome:
            report.outcome = LostReport.Outcome.RESTOCKED
            report.save(update_fields=["outcome"])
        return device


def device_mark_broken(*, device_id: str, acting_user, note: str = "") -> Device:
    """A device no longer works; a holder, if any, no longer holds it."""
    actor = _actor(acting_user)
    now = timezone.now()
    with _on_both_databases():
        device = device_get_for_update(device_id=device_id)
        holding = _open_holding_of_device(device_id)
        if holding is not None:
            _end_holding(holding=holding, at=now, reason=EndReason.BROKEN, actor=actor)
        device_transition(
            device=device, to_state=DeviceState.BROKEN, actor=actor, note=note, at=now
        )
        return device
