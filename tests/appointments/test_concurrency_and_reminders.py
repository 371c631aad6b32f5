"""Many people booking the last places at once (PostgreSQL), and reminders sent by a real worker."""

import time
from datetime import timedelta
from email import message_from_bytes

import pytest
from django.utils import timezone

from appointments import services
from appointments.models import Booking, Slot
from appointments.tasks import reminders_send
from tests.appointments.factories import make_campaign, make_location
from tests.desk.concurrency import at_the_same_moment
from tests.registration.factories import make_person

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def test_a_slot_is_never_overbooked_when_many_book_at_once():
    campaign = make_campaign([make_location("Main desk")], capacity=3)
    slot = campaign.slots.order_by("starts_at").first()
    people = [make_person(str(n)) for n in range(12)]
    outcomes = at_the_same_moment(
        *(lambda p=p: services.booking_create(person=p, slot_id=slot.pk) for p in people)
    )
    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("ok") == 3
    assert kinds.count("refused") == 9
    assert all("fully booked" in refusal.message for kind, refusal in outcomes if kind == "refused")
    assert slot.bookings.filter(status__in=Booking.ACTIVE).count() == 3


def test_the_same_person_booking_twice_at_once_gets_one_booking():
    campaign = make_campaign([make_location("Main desk")])
    first, second = campaign.slots.order_by("starts_at")[:2]
    person = make_person("1")
    outcomes = at_the_same_moment(
        lambda: services.booking_create(person=person, slot_id=first.pk),
        lambda: services.booking_create(person=person, slot_id=second.pk),
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert Booking.objects.filter(person=person).count() == 1


def read_mails(folder, *, expected: int, timeout: float = 60) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(folder.glob("*.log")) if folder.exists() else []
        messages = [
            message_from_bytes(chunk.strip())
            for path in files
            for chunk in path.read_bytes().split(b"-" * 79)
            if chunk.strip()
        ]
        if len(messages) >= expected:
            return messages
        time.sleep(0.3)
    raise AssertionError(f"{expected} emails expected in {folder}, found {len(messages)}")


def test_the_reminder_task_reminds_tomorrows_bookings_once_through_a_real_worker(app_celery_worker):
    location = make_location("Main desk", address="Building 33")
    campaign = make_campaign([location], starts_on=timezone.localdate() + timedelta(days=1), days=2)
    tomorrow, day_after = (
        campaign.slots.order_by("starts_at").first(),
        campaign.slots.order_by("-starts_at").first(),
    )
    # Booked directly: the confirmation emails are not what this test is about.
    now = timezone.now()
    alice = make_person("1", "Alice", "Adams", email="alice@example.org")
    bob = make_person("2", "Bob", "Brown", email="bob@example.org")
    Booking.objects.create(
        slot=tomorrow, campaign=campaign, person=alice, booked_at=now, changed_at=now
    )
    Booking.objects.create(
        slot=day_after, campaign=campaign, person=bob, booked_at=now, changed_at=now
    )
    assert (
        Slot.objects.get(pk=tomorrow.pk).starts_at.date()
        != Slot.objects.get(pk=day_after.pk).starts_at.date()
    )

    assert reminders_send.delay().get(timeout=60) == 1  # run by the worker process
    assert reminders_send.delay().get(timeout=60) == 0  # never twice

    [reminder] = read_mails(app_celery_worker, expected=1)
    assert reminder["To"] == "alice@example.org"
    assert reminder["Subject"].startswith("Reminder: Distribution tomorrow at")
    parts = {part.get_content_type(): part for part in reminder.walk()}
    assert "Building 33" in parts["text/plain"].get_payload(decode=True).decode()
    assert b"BEGIN:VEVENT" in parts["text/calendar"].get_payload(decode=True)
    assert Booking.objects.get(person=alice).reminded_at is not None
    assert Booking.objects.get(person=bob).reminded_at is None
