"""Reads for appointments: what a person may book, the desk's day, recalls, hand-outs."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
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
from registration.models import Association, EndReason, Person


def campaigns_for_person(*, person: Person) -> list[Campaign]:
    """Active campaigns open to the person: every distribution, and recalls they are invited to."""
    invited = RecallInvitation.objects.filter(person=person).values("campaign")
    return list(
        Campaign.objects.filter(active=True, ends_on__gte=timezone.localdate())
        .filter(Q(kind=Campaign.Kind.DISTRIBUTION) | Q(pk__in=invited))
        .prefetch_related("locations")
    )


def bookings_of_person(*, person: Person) -> list[Booking]:
    return list(
        Booking.objects.filter(person=person)
        .select_related("slot__location", "campaign")
        .order_by("-slot__starts_at")
    )


def bookable_from(now: datetime) -> datetime:
    """The earliest start a person may book at `now` (APPOINTMENTS_LEAD_MINUTES later)."""
    return now + timedelta(minutes=settings.APPOINTMENTS_LEAD_MINUTES)


def free_slots(
    *,
    campaign: Campaign,
    location: Location | None = None,
    limit: int = 500,
    now: datetime | None = None,
) -> list[Slot]:
    """Slots a person may book now (far enough ahead, see `bookable_from`) with room left;
    each carries `taken`."""
    now = now or timezone.now()
    slots = (
        Slot.objects.filter(
            campaign=campaign,
            starts_at__gt=now,
            starts_at__gte=bookable_from(now),
            location__active=True,
        )
        .annotate(taken=Count("bookings", filter=Q(bookings__status__in=Booking.ACTIVE)))
        .select_related("location")
        .order_by("starts_at", "location__name")
    )
    if location is not None:
        slots = slots.filter(location=location)
    return [slot for slot in slots[: limit * 4] if slot.taken < slot.capacity][:limit]


def full_days(*, campaign: Campaign, now: datetime | None = None) -> list[date]:
    """Days (local) that still have times far enough ahead to book, none of them with room."""
    now = now or timezone.now()
    slots = (
        Slot.objects.filter(
            campaign=campaign, starts_at__gte=bookable_from(now), location__active=True
        )
        .annotate(taken=Count("bookings", filter=Q(bookings__status__in=Booking.ACTIVE)))
        .values_list("starts_at", "taken", "capacity")
    )
    has_times, has_room = set(), set()
    for starts_at, taken, capacity in slots:
        day = timezone.localtime(starts_at).date()
        has_times.add(day)
        if taken < capacity:
            has_room.add(day)
    return sorted(has_times - has_room)


def waiting_days_of_person(*, person: Person) -> dict[int, list[date]]:
    """Per campaign, the days the person waits for and has not been told of yet."""
    days: dict[int, list[date]] = defaultdict(list)
    for campaign_id, day in WaitlistEntry.objects.filter(
        person=person, notified_at__isnull=True
    ).values_list("campaign_id", "day"):
        days[campaign_id].append(day)
    return dict(days)


def desk_day(*, location: Location, day: date) -> list[Booking]:
    """The day's bookings at a location, in time order, with what a recall swaps."""
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    bookings = list(
        Booking.objects.filter(
            slot__location=location,
            slot__starts_at__gte=start,
            slot__starts_at__lt=start + timedelta(days=1),
        )
        .exclude(status=Booking.Status.CANCELLED)
        .select_related("slot", "campaign", "person")
        .order_by("slot__starts_at", "person__family_name")
    )
    return bookings


@dataclass
class RecallProgress:
    invited: int
    swapped: int
    booked: int
    not_booked: int


def recall_progress(*, campaign: Campaign) -> RecallProgress:
    """Of the invited devices: swapped already, booked to be swapped, not yet booked."""
    invitations = list(campaign.invitations.all())
    device_ids = [i.device_id for i in invitations]
    ended = {
        (h.device_id, h.person_id): h.ended_at
        for h in Association.objects.filter(device_id__in=device_ids, ended_at__isnull=False)
    }
    booked_people = set(
        campaign.bookings.filter(status__in=Booking.ACTIVE).values_list("person_id", flat=True)
    )
    swapped = booked = 0
    for invitation in invitations:
        end = ended.get((invitation.device_id, invitation.person_id))
        if end is not None and end >= invitation.invited_at:
            swapped += 1
        elif invitation.person_id in booked_people:
            booked += 1
    return RecallProgress(
        invited=len(invitations),
        swapped=swapped,
        booked=booked,
        not_booked=len(invitations) - swapped - booked,
    )


def handouts_per_day(*, days: int = 60) -> dict:
    """Devices handed out per day and cumulative, per location (like the seed's figure).

    A hand-out is a holding that started (not a swap: the device came from
    stock); it counts for the location where the person checked in that day,
    or "without appointment".
    """
    since = timezone.localdate() - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
    check_ins = {
        (b.person_id, timezone.localtime(b.changed_at).date()): b.slot.location.name
        for b in Booking.objects.filter(
            status=Booking.Status.CHECKED_IN, changed_at__gte=start
        ).select_related("slot__location")
    }
    swapped_in = set(
        Association.objects.filter(
            end_reason__in=[EndReason.SWAPPED, EndReason.BROKEN], ended_at__gte=start
        ).values_list("person_id", "ended_at")
    )
    per_day: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    without_appointment = _("without appointment")  # a series' name, shown on the chart
    for person_id, started_at in Association.objects.filter(started_at__gte=start).values_list(
        "person_id", "started_at"
    ):
        if (person_id, started_at) in swapped_in:
            continue  # the new device of a swap is not a new hand-out
        day = timezone.localtime(started_at).date()
        per_day[check_ins.get((person_id, day), without_appointment)][day] += 1
    dates = [since + timedelta(days=n) for n in range(days)]
    series = []
    for location_name in sorted(per_day):
        daily = [per_day[location_name].get(d, 0) for d in dates]
        cumulative, total = [], 0
        for count in daily:
            total += count
            cumulative.append(total)
        series.append({"location": location_name, "daily": daily, "cumulative": cumulative})
    return {"dates": [d.isoformat() for d in dates], "series": series}
