"""Two cancellations on a waited-for day at once: each waiting person is told once (processes)."""

from datetime import time

import pytest
from django.utils import timezone

from appointments import services
from appointments.models import WaitlistEntry
from tests.appointments.factories import make_campaign, make_location
from tests.appointments.test_concurrency_and_reminders import read_mails
from tests.processes import at_once
from tests.registration.factories import make_person

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

CANCEL_AND_NOTIFY = """
from appointments import services
from appointments.models import Booking
booking = Booking.objects.get(pk=int(sys.argv[3]))
services.booking_cancel(booking=booking)
print("notified", *services.waitlist_notify(slot_id=booking.slot_id))
"""


def test_two_cancellations_at_once_tell_each_waiting_person_once(tmp_path):
    campaign = make_campaign(
        [make_location("Main desk", hours=[(time(9), time(10))])],
        days=1,
        slot_minutes=30,
        capacity=1,
    )
    bookings = [
        services.booking_create(person=make_person(f"9{n}"), slot_id=s.pk)
        for n, s in enumerate(campaign.slots.order_by("starts_at"))
    ]
    day = timezone.localtime(bookings[0].slot.starts_at).date()
    waiting = [make_person(f"8{n}", email=f"w{n}@example.org") for n in range(5)]
    for person in waiting:
        services.waitlist_join(person=person, campaign=campaign, day=day)

    outputs = at_once(CANCEL_AND_NOTIFY, [[str(b.pk)] for b in bookings], tmp_path)

    told = [
        person_id
        for output in outputs
        for line in output.splitlines()
        if line.startswith("notified")
        for person_id in line.split()[1:]
    ]
    assert sorted(told) == sorted(p.person_id for p in waiting), outputs  # each exactly once
    assert not WaitlistEntry.objects.filter(notified_at__isnull=True).exists()


CANCEL = """
from appointments import services
from appointments.models import Booking
services.booking_cancel(booking=Booking.objects.get(pk=int(sys.argv[3])))
"""


def test_two_cancellations_at_once_send_one_email_per_waiting_person_through_a_worker(
    tmp_path, app_celery_worker
):
    campaign = make_campaign(
        [make_location("Main desk", hours=[(time(9), time(10))])],
        days=1,
        slot_minutes=30,
        capacity=1,
    )
    # The two who cancel have no e-mail address: every message is a waitlist one.
    bookings = [
        services.booking_create(person=make_person(f"9{n}", email=""), slot_id=s.pk)
        for n, s in enumerate(campaign.slots.order_by("starts_at"))
    ]
    day = timezone.localtime(bookings[0].slot.starts_at).date()
    waiting = [make_person(f"8{n}", email=f"w{n}@example.org") for n in range(3)]
    for person in waiting:
        services.waitlist_join(person=person, campaign=campaign, day=day)

    at_once(CANCEL, [[str(b.pk)] for b in bookings], tmp_path)

    messages = read_mails(app_celery_worker, expected=3)
    assert sorted(m["To"] for m in messages) == [f"w{n}@example.org" for n in range(3)]
    assert all(m["Subject"].startswith("A time is free on") for m in messages)
