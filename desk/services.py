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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.models import Device, DeviceState
from assets.services import (
    TRANSITIONS,
    device_get_for_update,
    device_refusal,
    device_since,
    device_state_sentence,
    device_transition,
)
from core.databases import ASSETS, ASSOCIATIONS
from core.dates import day_in_words, format_time
from core.device_ids import device_id_key
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

CONCURRENT_CHANGE = gettext_lazy(
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
        raise DomainError(
            _(
                "That time is in the future: give the time it happened, or leave it empty "
                "for just now."
            ),
            code="time_in_future",
        )
    return at


def _active_person(person_id: str) -> Person:
    person = person_get(person_id=person_id)
    if not person.active:
        raise DomainError(
            _(
                "%(name)s (%(person)s) is no longer in the organisation's "
                "directory: a device cannot be handed to them. If they are back, ask HR to "
                "restore them in the directory first."
            )
            % {"name": person.full_name, "person": person.person_id},
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


def _held_by(holding: Association) -> str:
    person = holding.person
    return _("held by %(name)s (%(person)s) since %(since)s") % {
        "name": person.full_name,
        "person": person.person_id,
        "since": day_in_words(holding.started_at),
    }


def _transition(*, device: Device, to_state: str, actor: str, at: datetime, note: str = "") -> None:
    """The state machine's change, refused in the desk's words: who holds it, since when."""
    if device.state == DeviceState.ASSIGNED and to_state not in TRANSITIONS[device.state]:
        holding = _open_holding_of_device(device.device_id)
        if holding is not None:
            raise DomainError(
                _(
                    "Device %(device)s is %(held_by)s: take it back first "
                    "(find %(name)s, then Take back), or use another device."
                )
                % {
                    "device": device.device_id,
                    "held_by": _held_by(holding),
                    "name": holding.person.full_name,
                },
                code="refused_transition",
                status_code=409,
            )
    device_transition(device=device, to_state=to_state, actor=actor, at=at, note=note)


def _start_holding(*, person: Person, device: Device, at: datetime, actor: str) -> Association:
    current = _open_holding_of_person(person.person_id)
    if current is not None:
        raise DomainError(
            _(
                "%(name)s (%(person)s) has held device %(device)s "
                "since %(since)s: take it back first, or swap it "
                "for the new one."
            )
            % {
                "name": person.full_name,
                "person": person.person_id,
                "device": current.device_id,
                "since": day_in_words(current.started_at),
            },
            code="person_holds_device",
            status_code=409,
        )
    _transition(device=device, to_state=DeviceState.ASSIGNED, actor=actor, at=at)
    return Association.objects.create(
        person=person, device_id=device.device_id, started_at=at, started_by=actor
    )


def _end_holding(*, holding: Association, at: datetime, reason: str, actor: str) -> None:
    if at < holding.started_at:
        raise DomainError(
            _(
                "Device %(device)s was handed out on %(day)s "
                "at %(time)s, after the time given: "
                "give a time after that."
            )
            % {
                "device": holding.device_id,
                "day": day_in_words(holding.started_at),
                "time": format_time(holding.started_at),
            },
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


def _not_held(device: Device, then: str) -> DomainError:
    since = device_since(device)
    words = {
        "device": device.device_id,
        "state": DeviceState(device.state).label,
        "since": since,
        "then": then,
    }
    if since:
        message = _(
            "Device %(device)s is not held by anyone (it has been %(state)s since %(since)s): "
            "%(then)s"
        )
    else:
        message = _("Device %(device)s is not held by anyone (it is %(state)s): %(then)s")
    return DomainError(
        message % words,
        code="not_held",
        status_code=409,
    )


def _held_holding(device: Device, *, expected_person_id: str | None) -> Association:
    """The device's open holding (locked), held by `expected_person_id` when given."""
    holding = _open_holding_of_device(device.device_id)
    if holding is None:
        raise _not_held(
            device,
            _(
                "there is nothing to take back. Look the device up on the "
                "Status page to see its history."
            ),
        )
    if expected_person_id is not None and holding.person_id != expected_person_id:
        raise DomainError(
            _(
                "Device %(device)s is %(held_by)s, not by person "
                "%(expected)s: check the device in hand. Nothing was changed."
            )
            % {
                "device": device.device_id,
                "held_by": _held_by(holding),
                "expected": expected_person_id,
            },
            code="held_by_someone_else",
            status_code=409,
        )
    return holding


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
        raise DomainError(
            _("%(reason)r is not a reason to take a device back.") % {"reason": reason},
            code="bad_reason",
        )
    at = _now(at)
    actor = _actor(acting_user)
    with _on_both_databases():
        device = device_get_for_update(device_id=device_id)
        holding = _held_holding(device, expected_person_id=expected_person_id)
        _end_holding(holding=holding, at=at, reason=reason, actor=actor)
        _transition(device=device, to_state=STATE_AFTER_HOLDING[reason], actor=actor, at=at)
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
        raise DomainError(_("A swap is for a recalled or a broken device."), code="bad_reason")
    old_key, new_key = device_id_key(old_device_id), device_id_key(new_device_id)
    if old_key is not None and old_key == new_key:
        raise DomainError(
            _("The new device must be another device: scan the one you hand over."),
            code="same_device",
        )
    at = _now(at)
    actor = _actor(acting_user)
    with _on_both_databases():
        # Lock in a fixed order so two swaps of the same pair cannot deadlock.
        # (An ID that is no Device ID sorts first, and is refused as unknown.)
        typed = sorted([old_device_id, new_device_id], key=lambda d: device_id_key(d) or "")
        locked = {d: device_get_for_update(device_id=d) for d in typed}
        old, new = locked[old_device_id], locked[new_device_id]
        if old.pk == new.pk:  # two typings of one device
            raise DomainError(
                _("The new device must be another device: scan the one you hand over."),
                code="same_device",
            )
        holding = _open_holding_of_device(old.device_id)
        if holding is None:
            raise _not_held(old, _("hand the new device out with Assign instead."))
        _end_holding(holding=holding, at=at, reason=reason, actor=actor)
        _transition(device=old, to_state=STATE_AFTER_HOLDING[reason], actor=actor, at=at)
        return _start_holding(person=holding.person, device=new, at=at, actor=actor)


def _already_lost(device: Device) -> DomainError | None:
    report = _open_lost_report(device.device_id)
    if device.state != DeviceState.LOST or report is None:
        return None
    return DomainError(
        _(
            "Device %(device)s was already reported lost on "
            "%(reported)s (lost on %(lost)s): "
            "nothing more to do until it is found; then mark it found on the Found page."
        )
        % {
            "device": device.device_id,
            "reported": day_in_words(report.reported_at),
            "lost": day_in_words(report.lost_at),
        },
        code="already_lost",
        status_code=409,
    )


def _record_loss(
    *,
    device: Device,
    holding: Association | None,
    lost_at: datetime,
    actor: str,
    device_actor: str | None = None,
) -> LostReport:
    if holding is not None:
        _end_holding(holding=holding, at=lost_at, reason=EndReason.LOST, actor=actor)
    _transition(device=device, to_state=DeviceState.LOST, actor=device_actor or actor, at=lost_at)
    return LostReport.objects.create(
        device_id=device.device_id,
        holder=holding.person if holding else None,
        lost_at=lost_at,
        reported_at=timezone.now(),
        reported_by=actor,
    )


def device_report_lost(
    *,
    device_id: str,
    acting_user,
    lost_at: datetime | None = None,
    expected_person_id: str | None = None,
) -> LostReport:
    """Record a loss; the holding ends at the time of the loss, not of the report.

    With `expected_person_id` (the desk found the person and reports their
    device), the device must be held by that person.
    """
    lost_at = _now(lost_at)
    actor = _actor(acting_user)
    with _on_both_databases():
        device = device_get_for_update(device_id=device_id)
        if (refusal := _already_lost(device)) is not None:
            raise refusal
        holding = _open_holding_of_device(device.device_id)
        if expected_person_id is not None:
            holding = _held_holding(device, expected_person_id=expected_person_id)
        return _record_loss(device=device, holding=holding, lost_at=lost_at, actor=actor)


# Who changed the device's state in its history when the wearer reported it themselves.
HOLDER_ACTOR = "the holder (MY DATA)"

NOT_YOUR_DEVICE = gettext_lazy(
    "You do not hold device %(device)s now: you can report only the device you hold "
    "(MY DATA shows it). For another device, call the registration desk."
)


def device_report_lost_by_holder(
    *, person_id: str, device_id: str, acting_user, at: datetime | None = None, broken: bool = False
) -> Association:
    """A wearer reports the device they hold lost (or broken); their holding ends at `at`.

    Only the person's own current device: any other device is refused with
    the same words, naming nobody (a wearer may not learn who holds what).
    """
    at = _now(at)
    actor = _actor(acting_user)
    refusal = DomainError(
        NOT_YOUR_DEVICE % {"device": str(device_id)[:40]},
        code="not_your_device",
        status_code=403,
    )
    # The holding tells which device to lock; locked in the desk's order (device, then
    # holding), and read again under the lock: the desk may have acted in between.
    mine = Association.objects.filter(person_id=person_id, ended_at__isnull=True).first()
    if mine is None or device_id_key(mine.device_id) != device_id_key(str(device_id)):
        raise _reported_by_me_already(person_id, str(device_id)) or refusal
    with _on_both_databases():
        device = device_get_for_update(device_id=mine.device_id)
        holding = _open_holding_of_device(device.device_id)
        if holding is None or holding.person_id != person_id:
            raise _reported_by_me_already(person_id, device.device_id) or refusal
        # The device's history (assets) says "the holder", never the account: a wearer's
        # username names a person, and the assets database must not link people to tags.
        if broken:
            _end_holding(holding=holding, at=at, reason=EndReason.BROKEN, actor=actor)
            _transition(device=device, to_state=DeviceState.BROKEN, actor=HOLDER_ACTOR, at=at)
        else:
            _record_loss(
                device=device, holding=holding, lost_at=at, actor=actor, device_actor=HOLDER_ACTOR
            )
        return holding


def _reported_by_me_already(person_id: str, device_id: str) -> DomainError | None:
    """The same report sent again (a second tap, a page reloaded): say it is already done.

    Only about the person's own last holding and its still-open report, so it tells
    them nothing about anyone else.
    """
    last = Association.objects.filter(person_id=person_id).order_by("-started_at").first()
    if (
        last is None
        or last.end_reason not in (EndReason.LOST, EndReason.BROKEN)
        or device_id_key(last.device_id) != device_id_key(device_id)
        # Handed to someone since (repaired, or found): no longer theirs to speak of.
        or Association.objects.filter(
            device_id=last.device_id, started_at__gt=last.started_at
        ).exists()
    ):
        return None
    what = "lost" if last.end_reason == EndReason.LOST else "broken"
    if (
        what == "lost"
        and not LostReport.objects.filter(
            device_id=last.device_id, holder_id=person_id, found_at__isnull=True
        ).exists()
    ):
        return None  # found since: the desk has it
    if what == "lost":
        message = _(
            "Your device %(device)s is already recorded as lost (since "
            "%(since)s): nothing more to do here. Come to the registration "
            "desk for a new one."
        )
    else:
        message = _(
            "Your device %(device)s is already recorded as broken (since "
            "%(since)s): nothing more to do here. Come to the registration "
            "desk for a new one."
        )
    return DomainError(
        message % {"device": last.device_id, "since": day_in_words(last.ended_at)},
        code=f"already_{what}",
        status_code=409,
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
        _transition(device=device, to_state=DeviceState.FOUND, actor=actor, at=now)
        report = _open_lost_report(device.device_id)
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
        report = _last_found_report(device.device_id)
        if device.state != DeviceState.FOUND or report is None:
            raise DomainError(
                _(
                    "%(device_state)s, not waiting at the desk to be returned: look it up on "
                    "the Status page to see what to do."
                )
                % {"device_state": device_state_sentence(device)},
                code="not_found_state",
                status_code=409,
            )
        if report.holder is None:
            raise DomainError(
                _("Nobody held device %(device)s when it was lost: put it back in stock.")
                % {"device": device.device_id},
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
            holding = _open_holding_of_device(device.device_id)
            if holding is not None:
                raise DomainError(
                    _(
                        "Device %(device)s is %(held_by)s: take it back from "
                        "%(name)s instead (Take back), which puts it in stock."
                    )
                    % {
                        "device": device.device_id,
                        "held_by": _held_by(holding),
                        "name": holding.person.full_name,
                    },
                    code="refused_transition",
                    status_code=409,
                )
            raise DomainError(
                device_refusal(device, DeviceState.IN_STOCK),
                code="refused_transition",
                status_code=409,
            )
        was_found = device.state == DeviceState.FOUND
        device_transition(device=device, to_state=DeviceState.IN_STOCK, actor=actor, note=note)
        report = _last_found_report(device.device_id) if was_found else None
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
        holding = _open_holding_of_device(device.device_id)
        if holding is not None:
            _end_holding(holding=holding, at=now, reason=EndReason.BROKEN, actor=actor)
        _transition(device=device, to_state=DeviceState.BROKEN, actor=actor, note=note, at=now)
        return device
