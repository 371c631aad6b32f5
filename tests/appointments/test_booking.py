"""Slots, bookings and their rules; recall invitations; the desk's check-in; emails."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from appointments import emails, selectors, services
from appointments.models import Booking, Campaign, Location, Slot
from core.errors import DomainError
from desk import services as desk_services
from registration.models import Person
from tests.appointments.factories import make_campaign, make_location
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")


def first_slot(campaign: Campaign) -> Slot:
    return campaign.slots.order_by("starts_at").first()


def test_slots_follow_the_opening_hours_of_each_location(desk):
    main = make_location("Main desk", hours=[(time(9), time(12)), (time(13), time(17))])
    small = make_location("Site desk", hours=[(time(10), time(11))], weekdays=[0])  # Mondays only
    monday = date(2026, 11, 23)
    campaign = services.campaign_create(
        name="First distribution",
        kind=Campaign.Kind.DISTRIBUTION,
        starts_on=monday,
        ends_on=monday + timedelta(days=6),
        slot_minutes=30,
        capacity_per_slot=3,
        location_ids=[main.pk, small.pk],
        acting_user=desk,
    )
    # Main: 7 days x (6 + 8) half-hours; Site desk: one Monday x 2.
    assert campaign.slots.filter(location=main).count() == 7 * 14
    assert campaign.slots.filter(location=small).count() == 2
    assert services.campaign_generate_slots(campaign=campaign) == 0  # running again adds nothing
    local = [
        timezone.localtime(s.starts_at).time() for s in campaign.slots.filter(location=main)[:7]
    ]
    assert local == [time(9), time(9, 30), time(10), time(10, 30), time(11), time(11, 30), time(13)]


def test_a_slot_stays_at_nine_oclock_across_the_change_to_summer_time(desk):
    location = make_location("Main desk", hours=[(time(9), time(10))])
    campaign = make_campaign([location], starts_on=date(2027, 3, 27), days=3, slot_minutes=60)
    zurich = ZoneInfo("Europe/Zurich")
    starts = [s.starts_at.astimezone(zurich) for s in campaign.slots.order_by("starts_at")]
    assert [(s.day, s.hour) for s in starts] == [(27, 9), (28, 9), (29, 9)]
    assert [s.utcoffset() for s in starts] == [
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
    ]


def test_one_active_booking_per_person_and_campaign(desk):
    person = make_person("1")
    campaign = make_campaign([make_location("Main desk")])
    slots = list(campaign.slots.order_by("starts_at")[:2])
    services.booking_create(person=person, slot_id=slots[0].pk)
    with pytest.raises(DomainError, match="already have an appointment"):
        services.booking_create(person=person, slot_id=slots[1].pk)


def test_a_full_slot_is_refused_and_cancelling_frees_a_place(desk):
    campaign = make_campaign([make_location("Main desk")], capacity=2)
    slot = first_slot(campaign)
    one, two, three = make_person("1"), make_person("2"), make_person("3")
    first = services.booking_create(person=one, slot_id=slot.pk)
    services.booking_create(person=two, slot_id=slot.pk)
    with pytest.raises(DomainError, match="fully booked") as full:
        services.booking_create(person=three, slot_id=slot.pk)
    assert full.value.status_code == 409
    services.booking_cancel(booking=first)
    services.booking_create(person=three, slot_id=slot.pk)
    assert slot.bookings.filter(status__in=Booking.ACTIVE).count() == 2


def test_moving_a_booking_frees_the_old_time(desk):
    campaign = make_campaign([make_location("Main desk")], capacity=1)
    early, late = campaign.slots.order_by("starts_at")[:2]
    booking = services.booking_create(person=make_person("1"), slot_id=early.pk)
    services.booking_reschedule(booking=booking, slot_id=late.pk)
    services.booking_create(person=make_person("2"), slot_id=early.pk)  # room again
    with pytest.raises(DomainError, match="fully booked"):
        services.booking_create(person=make_person("3"), slot_id=late.pk)


def test_a_past_slot_and_a_closed_campaign_cannot_be_booked(desk):
    location = make_location("Main desk")
    campaign = make_campaign([location], starts_on=timezone.localdate() - timedelta(days=2), days=1)
    with pytest.raises(DomainError, match="has passed"):
        services.booking_create(person=make_person("1"), slot_id=first_slot(campaign).pk)
    later = make_campaign([location], name="Later")
    later.active = False
    later.save()
    with pytest.raises(DomainError, match="closed"):
        services.booking_create(person=make_person("2"), slot_id=first_slot(later).pk)


def test_a_recall_invites_the_holders_of_devices_with_the_old_firmware(desk):
    make_device("OLD-1", firmware="1.4.2"), make_device("OLD-2", firmware="1.4.2")
    make_device("NEW-1", firmware="1.5.0"), make_device("SPARE", firmware="1.5.0")
    make_device("STOCK", firmware="1.4.2")  # in stock: nobody to invite
    for device_id, person_id in [("OLD-1", "1"), ("OLD-2", "2"), ("NEW-1", "3")]:
        make_person(person_id)
        desk_services.device_assign(device_id=device_id, person_id=person_id, acting_user=desk)
    recall = make_campaign(
        [make_location("Main desk")], kind=Campaign.Kind.RECALL, name="Recall 1.4.2"
    )
    assert services.recall_invite(campaign=recall, firmware=["1.4.2"], batches=[]) == 2
    assert services.recall_invite(campaign=recall, firmware=["1.4.2"], batches=[]) == 0  # once
    assert set(recall.invitations.values_list("person_id", flat=True)) == {"1", "2"}

    # Only the invited may book it.
    with pytest.raises(DomainError, match="yours is not"):
        services.booking_create(
            person=Person.objects.get(person_id="3"), slot_id=first_slot(recall).pk
        )
    services.booking_create(person=Person.objects.get(person_id="1"), slot_id=first_slot(recall).pk)
    desk_services.device_swap(old_device_id="OLD-2", new_device_id="SPARE", acting_user=desk)
    progress = selectors.recall_progress(campaign=recall)
    assert (progress.invited, progress.swapped, progress.booked, progress.not_booked) == (
        2,
        1,
        1,
        0,
    )


def test_the_confirmation_carries_a_calendar_entry_and_cancelling_withdraws_it(desk):
    person = make_person("1", "Alice", "Adams", email="alice@example.org")
    campaign = make_campaign(
        [make_location("Main desk", address="Building 33")], name="First distribution"
    )
    booking = services.booking_create(person=person, slot_id=first_slot(campaign).pk)
    message = emails.booking_email(booking, "confirmation")
    assert message.to == ["alice@example.org"]
    assert "First distribution" in message.subject and "Building 33" in message.body
    name, calendar, mimetype = message.attachments[0]
    assert name == "appointment.ics" and mimetype.startswith("text/calendar; method=REQUEST")
    assert "BEGIN:VEVENT" in calendar and f"booking-{booking.pk}@" in calendar
    services.booking_cancel(booking=booking)
    booking.refresh_from_db()
    cancelled = emails.booking_email(booking, "cancellation").attachments[0][1]
    assert "METHOD:CANCEL" in cancelled and "STATUS:CANCELLED" in cancelled
    message.send()
    assert len(mail.outbox) == 1


def test_a_person_without_an_email_gets_no_message(desk):
    campaign = make_campaign([make_location("Main desk")])
    booking = services.booking_create(
        person=make_person("1", email=""), slot_id=first_slot(campaign).pk
    )
    assert emails.booking_email(booking, "confirmation") is None


def test_check_in_leads_to_registration_and_a_recall_to_the_swap(client, desk):
    person = make_person("1")
    distribution = make_campaign([make_location("Main desk")])
    recall = make_campaign(list(Location.objects.all()), kind=Campaign.Kind.RECALL, name="Recall")
    recall.invitations.create(device_id="X", person=person, invited_at=timezone.now())
    first = services.booking_create(person=person, slot_id=first_slot(distribution).pk)
    second = services.booking_create(person=person, slot_id=first_slot(recall).pk)
    client.force_login(desk)
    checked = client.post(reverse("desk-check-in", args=[first.pk])).json()
    assert (
        checked["status"] == "checked_in"
        and checked["registration_url"] == "/registration/?person=1"
    )
    swap = client.post(reverse("desk-check-in", args=[second.pk])).json()
    assert swap["registration_url"] == "/registration/?person=1&swap=1"
    assert client.post(reverse("desk-no-show", args=[first.pk])).json()["status"] == "no_show"


def test_hand_outs_count_per_location_of_the_check_in_and_not_swaps(desk):
    person = make_person("1")
    make_person("2")
    make_device("P-1"), make_device("P-2"), make_device("P-3")
    location = make_location("Main desk")
    campaign = make_campaign([location], starts_on=timezone.localdate(), days=1)
    slot = Slot.objects.create(
        campaign=campaign,
        location=location,
        starts_at=timezone.now() + timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(minutes=20),
        capacity=1,
    )
    # Booked an hour ago, far enough ahead then.
    booking = services.booking_create(
        person=person, slot_id=slot.pk, now=timezone.now() - timedelta(hours=1)
    )
    services.booking_check_in(booking=booking, acting_user=desk)
    desk_services.device_assign(device_id="P-1", person_id="1", acting_user=desk)
    desk_services.device_assign(device_id="P-2", person_id="2", acting_user=desk)  # walked in
    desk_services.device_swap(old_device_id="P-2", new_device_id="P-3", acting_user=desk)
    chart = selectors.handouts_per_day(days=7)
    totals = {s["location"]: s["cumulative"][-1] for s in chart["series"]}
    assert totals == {"Main desk": 1, "without appointment": 1}
