"""Writes for appointments: slots, bookings, the desk's check-in, recall invitations.

All of it lives in `associations`; a recall also reads device firmware and
batch from `assets` (plain Device IDs cross over, nothing else).
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import (
    Booking,
    Campaign,
    Location,
    RecallInvitation,
    Slot,
    WaitlistEntry,
)
from appointments.selectors import bookable_from, full_days
from assets.models import Device, DeviceState
from core.databases import ASSOCIATIONS
from core.dates import format_day, format_time
from core.errors import DomainError
from core.queue import enqueue, enqueue_on_commit
from registration.models import Association, Person


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _days(first: date, last: date):
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def campaign_generate_slots(*, campaign: Campaign) -> int:
    """Slots of `slot_minutes` through each opening period of each location, every day.

    Times are wall-clock times of the organisation's time zone, so a slot at
    09:00 stays at 09:00 across a daylight-saving change. Running it again
    adds only what is missing (e.g. after adding a location). Returns how
    many slots were created.
    """
    zone = _local_zone()
    step = timedelta(minutes=campaign.slot_minutes)
    wanted = []
    for location in campaign.locations.prefetch_related("opening_hours"):
        periods = list(location.opening_hours.all())
        for day in _days(campaign.starts_on, campaign.ends_on):
            for period in (p for p in periods if p.weekday == day.weekday()):
                start = datetime.combine(day, period.opens, tzinfo=zone)
                closes = datetime.combine(day, period.closes, tzinfo=zone)
                while start + step <= closes:
                    wanted.append(
                        Slot(
                            campaign=campaign,
                            location=location,
                            starts_at=start,
                            ends_at=start + step,
                            capacity=campaign.capacity_per_slot,
                        )
                    )
                    start += step
    with transaction.atomic(using=ASSOCIATIONS):
        before = campaign.slots.count()
        Slot.objects.bulk_create(wanted, batch_size=1000, ignore_conflicts=True)
        return campaign.slots.count() - before


def _locked_slot(slot_id: int) -> Slot:
    slot = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("campaign", "location")
        .filter(pk=slot_id)
        .first()
    )
    if slot is None:
        raise DomainError(
            _("That time does not exist (any more)."), code="unknown_slot", status_code=404
        )
    return slot


def _check_bookable(slot: Slot, person: Person, *, now: datetime) -> None:
    if not slot.campaign.active or not slot.location.active:
        raise DomainError(
            _("Booking for this campaign or location is closed."), code="closed", status_code=409
        )
    if slot.starts_at <= now:
        raise DomainError(
            _("That time has passed; choose a later one."), code="slot_past", status_code=409
        )
    if slot.starts_at < bookable_from(now):
        minutes = settings.APPOINTMENTS_LEAD_MINUTES
        raise DomainError(
            _(
                "That time starts in less than %(minutes)s minutes, too soon to book; "
                "choose a later one."
            )
            % {"minutes": minutes},
            code="too_soon",
            status_code=400,
        )
    if (
        slot.campaign.kind == Campaign.Kind.RECALL
        and not slot.campaign.invitations.filter(person=person).exists()
    ):
        raise DomainError(
            _("This recall is for people whose device is recalled; yours is not."),
            code="not_invited",
            status_code=403,
        )
    taken = slot.bookings.filter(status__in=Booking.ACTIVE).count()
    if taken >= slot.capacity:
        raise DomainError(
            _("That time is fully booked; choose another."), code="slot_full", status_code=409
        )


def _send_email_on_commit(booking: Booking, kind: str) -> None:
    enqueue_on_commit("appointments.booking_email_send", booking.pk, kind, using=ASSOCIATIONS)


def booking_create(*, person: Person, slot_id: int, now: datetime | None = None) -> Booking:
    """Book a slot. The slot row is locked, so a full slot can never be overbooked."""
    now = now or timezone.now()
    try:
        with transaction.atomic(using=ASSOCIATIONS):
            slot = _locked_slot(slot_id)
            existing = (
                Booking.objects.filter(
                    person=person, campaign=slot.campaign, status__in=Booking.ACTIVE
                )
                .select_related("slot")
                .first()
            )
            if existing is not None:
                raise DomainError(
                    _(
                        "You already have an appointment for %(campaign)s on %(day)s at "
                        "%(time)s; move it instead."
                    )
                    % {
                        "campaign": slot.campaign.name,
                        "day": format_day(existing.slot.starts_at),
                        "time": format_time(existing.slot.starts_at),
                    },
                    code="already_booked",
                    status_code=409,
                )
            _check_bookable(slot, person, now=now)
            booking = Booking.objects.create(
                slot=slot, campaign=slot.campaign, person=person, booked_at=now, changed_at=now
            )
            _send_email_on_commit(booking, "confirmation")
            return booking
    except IntegrityError as exc:  # the same person booking twice at the same moment
        raise DomainError(
            _("You already have an appointment for this campaign."),
            code="already_booked",
            status_code=409,
        ) from exc


def booking_reschedule(*, booking: Booking, slot_id: int, now: datetime | None = None) -> Booking:
    """Move a booking to another time of the same campaign; the old time is freed."""
    now = now or timezone.now()
    with transaction.atomic(using=ASSOCIATIONS):
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != Booking.Status.BOOKED:
            raise DomainError(
                _("This appointment is %(status)s and cannot be moved.")
                % {"status": booking.get_status_display()},
                code="not_movable",
                status_code=409,
            )
        _refuse_passed(
            booking,
            now=now,
            message=_(
                "This appointment's time has passed; it can no longer be moved. "
                "Book a new time if you still need one."
            ),
        )
        if booking.slot_id == slot_id:
            return booking
        # Lock both slots in one order so two opposite moves cannot deadlock.
        for pk in sorted({booking.slot_id, slot_id}):
            _locked_slot(pk)
        slot = _locked_slot(slot_id)
        if slot.campaign_id != booking.campaign_id:
            raise DomainError(_("Choose a time of the same campaign."), code="other_campaign")
        _check_bookable(slot, booking.person, now=now)
        freed = booking.slot_id
        booking.slot, booking.changed_at, booking.reminded_at = slot, now, None
        booking.sequence += 1
        booking.save(update_fields=["slot", "changed_at", "reminded_at", "sequence"])
        _send_email_on_commit(booking, "confirmation")
        # The old time is free again, as after a cancellation: whoever waits for its day hears.
        enqueue_on_commit("appointments.waitlist_notify", freed, using=ASSOCIATIONS)
        return booking


def _refuse_passed(booking: Booking, *, now: datetime, message: str) -> None:
    """A time that has begun belongs to the desk (checked in, or no-show), not to an old link."""
    if booking.slot.starts_at <= now:
        raise DomainError(
            message,
            code="passed",
            status_code=409,
        )


def booking_cancel(*, booking: Booking, now: datetime | None = None) -> Booking:
    now = now or timezone.now()
    with transaction.atomic(using=ASSOCIATIONS):
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("slot")
            .get(pk=booking.pk)
        )
        if booking.status != Booking.Status.BOOKED:
            raise DomainError(
                _("This appointment is %(status)s; there is nothing to cancel.")
                % {"status": booking.get_status_display()},
                code="not_cancellable",
                status_code=409,
            )
        _refuse_passed(
            booking,
            now=now,
            message=_(
                "This appointment's time has passed; it can no longer be cancelled. "
                "Book a new time if you still need one."
            ),
        )
        booking.status, booking.changed_at = Booking.Status.CANCELLED, now
        booking.sequence += 1
        booking.save(update_fields=["status", "changed_at", "sequence"])
        _send_email_on_commit(booking, "cancellation")
        # A place is free again: whoever waits for that day hears of it.
        enqueue_on_commit("appointments.waitlist_notify", booking.slot_id, using=ASSOCIATIONS)
        return booking


def waitlist_join(*, person: Person, campaign: Campaign, day: date) -> WaitlistEntry:
    """Wait for a time to free up on a full day; joining again (after an e-mail) waits anew."""
    if day not in full_days(campaign=campaign):
        raise DomainError(
            _(
                "You can wait only for a full day of this campaign that is still ahead; "
                "that day has free times or none at all."
            ),
            code="not_full",
            status_code=409,
        )
    if not person.email:
        # The only way a waiting person hears is an e-mail: without an address the wait
        # would be recorded and never answered.
        raise DomainError(
            _(
                "We have no e-mail address for you, so we could not tell you when a time frees "
                "up: ask the registration desk to add yours, or look here again later."
            ),
            code="no_email",
            status_code=409,
        )
    with transaction.atomic(using=ASSOCIATIONS):
        entry, created = WaitlistEntry.objects.select_for_update().get_or_create(
            campaign=campaign, person=person, day=day, defaults={"created_at": timezone.now()}
        )
        if not created and entry.notified_at is not None:
            entry.notified_at, entry.created_at = None, timezone.now()
            entry.save(update_fields=["notified_at", "created_at"])
        return entry


def waitlist_notify(*, slot_id: int) -> list[str]:
    """A place on the slot's day freed up: e-mail each person waiting for that day, once.

    The entries are claimed under their row locks, so two cancellations at once
    notify each waiting person one time. Returns the person IDs notified.
    """
    slot = Slot.objects.filter(pk=slot_id).first()
    if slot is None or slot.starts_at < bookable_from(timezone.now()):
        # A time that has passed, or starts too soon to book, frees nothing anyone can take:
        # an e-mail "a time is free" about it would send people to a day already full.
        return []
    day = timezone.localtime(slot.starts_at).date()
    with transaction.atomic(using=ASSOCIATIONS):
        waiting = list(
            WaitlistEntry.objects.select_for_update()
            .filter(campaign_id=slot.campaign_id, day=day, notified_at__isnull=True)
            .order_by("pk")
        )
        now = timezone.now()
        for entry in waiting:
            entry.notified_at = now
            entry.save(update_fields=["notified_at"])
            enqueue_on_commit("appointments.waitlist_email_send", entry.pk, using=ASSOCIATIONS)
    return [entry.person_id for entry in waiting]


def _desk_mark(*, booking: Booking, status: str, acting_user) -> Booking:
    with transaction.atomic(using=ASSOCIATIONS):
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status not in (
            Booking.Status.BOOKED,
            Booking.Status.NO_SHOW,
            Booking.Status.CHECKED_IN,
        ):
            raise DomainError(
                _("This appointment was %(status)s.") % {"status": booking.get_status_display()},
                code="cancelled",
                status_code=409,
            )
        booking.status, booking.changed_at = status, timezone.now()
        booking.checked_in_by = (
            acting_user.get_username() if status == Booking.Status.CHECKED_IN else ""
        )
        booking.save(update_fields=["status", "changed_at", "checked_in_by"])
        return booking


def booking_check_in(*, booking: Booking, acting_user) -> Booking:
    """The person came to the desk (a no-show mark made by mistake is undone too)."""
    return _desk_mark(booking=booking, status=Booking.Status.CHECKED_IN, acting_user=acting_user)


def booking_mark_no_show(*, booking: Booking, acting_user) -> Booking:
    return _desk_mark(booking=booking, status=Booking.Status.NO_SHOW, acting_user=acting_user)


def booking_email_failed(*, booking: Booking, problem: str) -> None:
    """Note on the booking why its e-mail could not be sent (empty: the last one went out);
    the desk's day list shows it."""
    Booking.objects.filter(pk=booking.pk).update(email_problem=problem[:200])


def reminders_send(*, now: datetime | None = None) -> int:
    """Queue a reminder for every booking of tomorrow (local date) not reminded yet."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + timedelta(days=1)
    zone = _local_zone()
    start = datetime.combine(tomorrow, datetime.min.time(), tzinfo=zone)
    due = Booking.objects.filter(
        status=Booking.Status.BOOKED,
        reminded_at__isnull=True,
        slot__starts_at__gte=start,
        slot__starts_at__lt=start + timedelta(days=1),
    )
    count = 0
    with transaction.atomic(using=ASSOCIATIONS):
        for booking in due.select_for_update(of=("self",)):
            booking.reminded_at = now
            booking.save(update_fields=["reminded_at"])
            _send_email_on_commit(booking, "reminder")
            count += 1
    return count


def recall_invite(*, campaign: Campaign, firmware: list[str], batches: list[str]) -> int:
    """Invite the current holders of the devices with these firmware versions or batches.

    Returns how many new invitations were made (holders already invited are skipped).
    """
    if campaign.kind != Campaign.Kind.RECALL:
        raise DomainError(_("Only a recall campaign invites holders."), code="not_recall")
    if not firmware and not batches:
        raise DomainError(_("Choose at least one firmware version or batch."), code="no_criteria")
    devices = Device.objects.filter(state=DeviceState.ASSIGNED)
    chosen = set(devices.filter(firmware__in=firmware).values_list("device_id", flat=True))
    chosen |= set(devices.filter(batch__in=batches).values_list("device_id", flat=True))
    holdings = Association.objects.filter(ended_at__isnull=True, device_id__in=chosen)
    already = set(campaign.invitations.values_list("device_id", flat=True))
    now = timezone.now()
    invitations = [
        RecallInvitation(
            campaign=campaign, device_id=h.device_id, person_id=h.person_id, invited_at=now
        )
        for h in holdings
        if h.device_id not in already
    ]
    with transaction.atomic(using=ASSOCIATIONS):
        RecallInvitation.objects.bulk_create(invitations, batch_size=1000)
        for invitation in invitations:
            transaction.on_commit(
                lambda pk=invitation.person_id, c=campaign.pk: _recall_email(c, pk),
                using=ASSOCIATIONS,
            )
    return len(invitations)


def _recall_email(campaign_id: int, person_id: str) -> None:
    enqueue("appointments.recall_invitation_email_send", campaign_id, person_id)


def location_create(*, name: str, address: str, opening_hours: list[dict]) -> Location:
    with transaction.atomic(using=ASSOCIATIONS):
        if Location.objects.filter(name=name).exists():
            raise DomainError(
                _("There is already a location called %(name)s.") % {"name": name},
                code="duplicate_location",
                status_code=409,
            )
        location = Location.objects.create(name=name, address=address)
        for period in opening_hours:
            if period["closes"] <= period["opens"]:
                raise DomainError(
                    _("Each opening period must close after it opens."), code="bad_hours"
                )
            location.opening_hours.create(**period)
        return location


def campaign_create(
    *,
    name: str,
    kind: str,
    starts_on: date,
    ends_on: date,
    slot_minutes: int,
    capacity_per_slot: int,
    location_ids: list[int],
    acting_user,
) -> Campaign:
    if ends_on < starts_on:
        raise DomainError(_("The campaign must end on or after its first day."), code="bad_dates")
    locations = list(Location.objects.filter(pk__in=location_ids, active=True))
    if len(locations) != len(set(location_ids)):
        raise DomainError(
            _("One of the locations does not exist or is closed."), code="unknown_location"
        )
    with transaction.atomic(using=ASSOCIATIONS):
        if Campaign.objects.filter(name=name).exists():
            raise DomainError(
                _("There is already a campaign called %(name)s.") % {"name": name},
                code="duplicate_campaign",
                status_code=409,
            )
        campaign = Campaign.objects.create(
            name=name,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            slot_minutes=slot_minutes,
            capacity_per_slot=capacity_per_slot,
            created_by=acting_user.get_username(),
        )
        campaign.locations.set(locations)
        campaign_generate_slots(campaign=campaign)
        return campaign
