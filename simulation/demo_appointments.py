"""Demo locations, a distribution campaign with bookings, and a recall."""

from datetime import time, timedelta

from django.utils import timezone

from appointments import services
from appointments.models import Booking, Campaign, Location, OpeningHours
from registration.models import Person


def load_demo_appointments(stdout=None) -> int:
    if Location.objects.exists():
        return 0
    main = Location.objects.create(name="Main desk", address="Building 33, ground floor")
    site = Location.objects.create(name="Prévessin desk", address="Building 774")
    for weekday in range(5):
        OpeningHours.objects.create(
            location=main, weekday=weekday, opens=time(8, 30), closes=time(12)
        )
        OpeningHours.objects.create(
            location=main, weekday=weekday, opens=time(13, 30), closes=time(17)
        )
        OpeningHours.objects.create(location=site, weekday=weekday, opens=time(9), closes=time(11))
    today = timezone.localdate()
    distribution = Campaign.objects.create(
        name="Distribution",
        kind=Campaign.Kind.DISTRIBUTION,
        starts_on=today - timedelta(days=21),
        ends_on=today + timedelta(days=21),
        slot_minutes=15,
        capacity_per_slot=4,
        created_by="demo",
    )
    distribution.locations.set([main, site])
    services.campaign_generate_slots(campaign=distribution)
    # Today's desk list: people without a device yet, booked directly (no emails in the demo).
    now = timezone.now()
    waiting = Person.objects.exclude(holdings__ended_at__isnull=True).order_by("person_id")[:12]
    slots = distribution.slots.filter(location=main, starts_at__date=today).order_by("starts_at")
    for person, slot in zip(waiting, slots, strict=False):
        Booking.objects.create(
            slot=slot, campaign=distribution, person=person, booked_at=now, changed_at=now
        )
    recall = Campaign.objects.create(
        name="Recall of batch B2",
        kind=Campaign.Kind.RECALL,
        starts_on=today,
        ends_on=today + timedelta(days=14),
        slot_minutes=10,
        capacity_per_slot=2,
        created_by="demo",
    )
    recall.locations.set([main])
    services.campaign_generate_slots(campaign=recall)
    invited = services.recall_invite(campaign=recall, firmware=[], batches=["B2"])
    if stdout is not None:
        stdout.write(f"Demo appointments: 2 locations, 2 campaigns, {invited} recall invitations.")
    return invited
