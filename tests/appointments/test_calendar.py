"""The calendar entries (.ics) the e-mails carry, read back by a real parser (icalendar).

RFC 5545 requires UID and DTSTAMP in a VEVENT, DTSTART when the calendar has no
METHOD or with METHOD:REQUEST; RFC 5546 requires ORGANIZER with REQUEST and CANCEL,
and a SEQUENCE that grows with every change so a calendar applies the newest one.
"""

import pytest
from django.test import override_settings
from icalendar import Calendar

from appointments import emails, services
from tests.appointments.factories import make_campaign, make_location
from tests.registration.factories import make_person

pytestmark = pytest.mark.django_db(databases="__all__")


def parse(raw: bytes | str) -> tuple[Calendar, dict]:
    raw = raw.encode() if isinstance(raw, str) else raw
    # RFC 5545 3.1: lines end in CRLF and are folded at 75 octets.
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    calendar = Calendar.from_ical(raw)
    (event,) = calendar.walk("VEVENT")
    assert calendar.errors == [] and event.errors == []  # what the parser could not read
    for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "ORGANIZER"):
        assert required in event, required
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return calendar, event


def attachment(booking, kind: str) -> bytes:
    return emails.booking_email(booking, kind).attachments[0][1]


@override_settings(APPOINTMENTS_FROM_EMAIL="Registration service <desk@example.org>")
def test_each_change_sends_the_same_event_with_a_higher_sequence_and_an_organizer(desk):
    person = make_person("1", "Alice", "Adams", email="alice@example.org")
    campaign = make_campaign([make_location("Main desk", address="Building 33")])
    first, second = campaign.slots.order_by("starts_at")[:2]
    booking = services.booking_create(person=person, slot_id=first.pk)

    calendar, booked = parse(attachment(booking, "confirmation"))
    assert calendar["METHOD"] == "REQUEST"
    assert str(booked["ORGANIZER"]) == "mailto:desk@example.org"
    assert booked["ORGANIZER"].params["CN"] == "Registration service"
    assert str(booked["ATTENDEE"]) == "mailto:alice@example.org"
    assert booked.decoded("DTSTART") == first.starts_at
    assert booked["SEQUENCE"] == 0

    booking = services.booking_reschedule(booking=booking, slot_id=second.pk)
    _, moved = parse(attachment(booking, "confirmation"))
    assert moved["UID"] == booked["UID"]
    assert moved.decoded("DTSTART") == second.starts_at
    assert moved["SEQUENCE"] == 1

    booking = services.booking_cancel(booking=booking)
    calendar, cancelled = parse(attachment(booking, "cancellation"))
    assert calendar["METHOD"] == "CANCEL"
    assert cancelled["UID"] == booked["UID"] and cancelled["STATUS"] == "CANCELLED"
    assert cancelled["SEQUENCE"] == 2
    assert str(cancelled["ORGANIZER"]) == "mailto:desk@example.org"


def test_the_sequence_is_a_small_counter_not_a_timestamp(desk):
    campaign = make_campaign([make_location("Main desk")])
    slots = list(campaign.slots.order_by("starts_at")[:4])
    booking = services.booking_create(person=make_person("1"), slot_id=slots[0].pk)
    for slot in slots[1:]:
        booking = services.booking_reschedule(booking=booking, slot_id=slot.pk)
    _, event = parse(emails.booking_calendar(booking, method="REQUEST"))
    assert event["SEQUENCE"] == 3


def test_moving_to_the_same_time_is_no_change(desk):
    campaign = make_campaign([make_location("Main desk")])
    slot = campaign.slots.order_by("starts_at").first()
    booking = services.booking_create(person=make_person("1"), slot_id=slot.pk)
    assert services.booking_reschedule(booking=booking, slot_id=slot.pk).sequence == 0
