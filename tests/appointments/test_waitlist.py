"""Tell me when a time frees up: waiting for a full day, one e-mail when a place frees."""

from datetime import time

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments import emails, services
from appointments.models import Campaign, WaitlistEntry
from tests.appointments.factories import make_campaign, make_location
from tests.personas import wearer
from tests.registration.factories import make_person

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def full_day():
    """One day, two half-hour times for one person each, both booked."""
    campaign = make_campaign(
        [make_location("Main desk", hours=[(time(9), time(10))])],
        days=1,
        slot_minutes=30,
        capacity=1,
    )
    bookings = [
        services.booking_create(
            person=make_person(f"9{n}", email=f"p{n}@example.org"), slot_id=s.pk
        )
        for n, s in enumerate(campaign.slots.order_by("starts_at"))
    ]
    day = timezone.localtime(bookings[0].slot.starts_at).date()
    return campaign, day, bookings


def join(client, campaign, body):
    return client.post(
        reverse("my-waitlist-join", args=[campaign.pk]), body, content_type="application/json"
    )


def test_a_person_waits_for_a_full_day_and_hears_once_when_a_place_frees(client, full_day):
    campaign, day, bookings = full_day
    make_person("810001", "Alice", "Adams", email="alice@example.org")
    client.force_login(wearer("810001"))
    [mine] = client.get(reverse("my-campaigns")).json()
    assert mine["full_days"] == [day.isoformat()] and mine["waiting_days"] == []
    answer = join(client, campaign, {"day": day.isoformat()})
    assert answer.status_code == 201, answer.content
    assert join(client, campaign, {"day": day.isoformat()}).status_code == 201  # again: one entry
    assert WaitlistEntry.objects.count() == 1
    [mine] = client.get(reverse("my-campaigns")).json()
    assert mine["waiting_days"] == [day.isoformat()]

    # What the task queued by each cancellation runs (a real worker: test_waitlist_concurrency).
    services.booking_cancel(booking=bookings[0])
    assert services.waitlist_notify(slot_id=bookings[0].slot_id) == ["810001"]
    services.booking_cancel(booking=bookings[1])
    assert services.waitlist_notify(slot_id=bookings[1].slot_id) == []  # once
    message = emails.waitlist_email(WaitlistEntry.objects.get())
    assert message.to == ["alice@example.org"] and "A time is free on" in message.subject
    assert "/appointments/" in message.body
    [mine] = client.get(reverse("my-campaigns")).json()
    assert mine["waiting_days"] == []


def test_a_day_with_free_times_or_none_cannot_be_waited_for(client, full_day):
    campaign, day, bookings = full_day
    make_person("810001")
    client.force_login(wearer("810001"))
    services.booking_cancel(booking=bookings[0])  # a free time again
    answer = join(client, campaign, {"day": day.isoformat()})
    assert answer.status_code == 409 and "free times" in answer.json()["detail"]
    assert join(client, campaign, {"day": "2001-01-01"}).status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"day": "soon"},
        {"day": ["2030-01-01"]},
        {"day": {"a": {"b": 1}}},
        {"day": "9" * 10000},
        {"day": 20300101},
        [],
        "day",
    ],
)
def test_hostile_bodies_are_refused_with_400(client, full_day, body):
    campaign, _, _ = full_day
    make_person("810001")
    client.force_login(wearer("810001"))
    assert join(client, campaign, body).status_code == 400
    assert WaitlistEntry.objects.count() == 0


def test_a_recall_one_is_not_invited_to_does_not_exist_for_them(client, full_day):
    _, day, _ = full_day
    recall = make_campaign(
        [make_location("Site desk")], kind=Campaign.Kind.RECALL, name="Recall", days=1
    )
    make_person("810001")
    client.force_login(wearer("810001"))
    assert join(client, recall, {"day": day.isoformat()}).status_code == 404
