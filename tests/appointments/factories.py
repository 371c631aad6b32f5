"""Locations and campaigns for the appointment tests."""

from datetime import date, time, timedelta

from django.utils import timezone

from appointments.models import Campaign, Location, OpeningHours
from appointments.services import campaign_generate_slots

EVERY_DAY = list(range(7))


def make_location(
    name: str,
    *,
    hours: list[tuple[time, time]] = ((time(8), time(18)),),
    weekdays: list[int] = EVERY_DAY,
    address: str = "",
) -> Location:
    location = Location.objects.create(name=name, address=address)
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=day, opens=opens, closes=closes)
        for day in weekdays
        for opens, closes in hours
    )
    return location


def make_campaign(
    locations: list[Location],
    *,
    name: str = "Distribution",
    kind: str = Campaign.Kind.DISTRIBUTION,
    starts_on: date | None = None,
    days: int = 3,
    slot_minutes: int = 15,
    capacity: int = 4,
) -> Campaign:
    """A campaign from tomorrow on (every slot in the future), with its slots generated."""
    starts_on = starts_on or timezone.localdate() + timedelta(days=1)
    campaign = Campaign.objects.create(
        name=name,
        kind=kind,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days - 1),
        slot_minutes=slot_minutes,
        capacity_per_slot=capacity,
    )
    campaign.locations.set(locations)
    campaign_generate_slots(campaign=campaign)
    return campaign
