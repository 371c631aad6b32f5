"""Appointments API: people book for themselves only; the desk's endpoints are the desk's."""

import pytest
from django.urls import reverse

from appointments import services
from appointments.models import Campaign
from core.roles import Role
from registration.models import Person
from tests.appointments.factories import make_campaign, make_location
from tests.personas import persona_for, wearer
from tests.registration.factories import make_person

pytestmark = pytest.mark.django_db(databases="__all__")

DESK_GETS = ["locations", "campaigns", "handouts"]
DESK_POSTS = ["campaign-create", "desk-check-in", "desk-no-show", "recall-invite"]


@pytest.fixture
def campaign():
    return make_campaign([make_location("Main desk")])


@pytest.fixture
def alice(db):
    make_person("810001", "Alice", "Adams")
    return wearer("810001")


def test_a_person_books_moves_and_cancels_their_own_appointment(client, alice, campaign):
    client.force_login(alice)
    [open_campaign] = client.get(reverse("my-campaigns")).json()
    assert open_campaign["booking"] is None
    slots = client.get(reverse("free-slots", args=[campaign.pk])).json()
    booked = client.post(
        reverse("my-bookings"), {"slot_id": slots[0]["id"]}, content_type="application/json"
    )
    assert booked.status_code == 201 and booked.json()["status"] == "booked"
    booking_id = booked.json()["id"]
    moved = client.post(
        reverse("my-booking-reschedule", args=[booking_id]),
        {"slot_id": slots[1]["id"]},
        content_type="application/json",
    )
    assert moved.json()["slot_id"] == slots[1]["id"]
    assert (
        client.post(reverse("my-booking-cancel", args=[booking_id])).json()["status"] == "cancelled"
    )


def test_nobody_sees_or_changes_another_persons_booking(client, alice, campaign):
    make_person("810002")
    bob = wearer("810002")
    booking = services.booking_create(
        person=alice_person(), slot_id=campaign.slots.order_by("starts_at").first().pk
    )
    client.force_login(bob)
    assert client.post(reverse("my-booking-cancel", args=[booking.pk])).status_code == 404
    assert client.get(reverse("my-bookings")).json() == []


def alice_person():
    from registration.models import Person

    return Person.objects.get(person_id="810001")


def test_an_account_without_a_directory_entry_is_told_why(client, person, campaign):
    client.force_login(person)
    response = client.get(reverse("my-campaigns"))
    assert response.status_code == 403
    assert "not linked to a person" in response.json()["detail"]


def test_booking_needs_a_signed_in_person(client, campaign):
    assert client.get(reverse("my-campaigns")).status_code in (401, 403)
    assert client.post(reverse("my-bookings"), {"slot_id": 1}).status_code in (401, 403)


@pytest.mark.parametrize("role", [None, Role.MEDICAL, Role.ASSETS, Role.PRIVACY])
def test_the_desks_endpoints_refuse_every_other_role(client, campaign, role):
    client.force_login(persona_for(role))
    for name in DESK_GETS:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("desk-day"), {"location": 1}).status_code == 403
    for name in DESK_POSTS:
        url = reverse(name, args=[1]) if name != "campaign-create" else reverse(name)
        assert client.post(url, {}, content_type="application/json").status_code == 403, name


def test_the_desk_creates_a_campaign_and_sees_the_day(client, desk, alice, campaign):
    client.force_login(desk)
    location = client.get(reverse("locations")).json()[0]
    created = client.post(
        reverse("campaign-create"),
        {
            "name": "Second",
            "starts_on": "2027-01-11",
            "ends_on": "2027-01-12",
            "location_ids": [location["id"]],
        },
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["slots"] == 2 * 40  # 08-18 in 15 min
    bad = client.post(
        reverse("campaign-create"),
        {
            "name": "Bad",
            "starts_on": "2027-01-12",
            "ends_on": "2027-01-11",
            "location_ids": [location["id"]],
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and "end on or after" in bad.json()["detail"]
    slot = campaign.slots.order_by("starts_at").first()
    services.booking_create(person=alice_person(), slot_id=slot.pk)
    day = client.get(
        reverse("desk-day"), {"location": location["id"], "date": slot.starts_at.date()}
    ).json()
    assert [b["person"]["name"] for b in day["bookings"]] == ["Alice Adams"]


def test_a_campaign_name_must_be_one_line(client, desk, campaign):
    client.force_login(desk)
    location = client.get(reverse("locations")).json()[0]
    answer = client.post(
        reverse("campaign-create"),
        {
            "name": "Recall\nBcc: everyone@example.org",
            "starts_on": "2027-01-11",
            "ends_on": "2027-01-12",
            "location_ids": [location["id"]],
        },
        content_type="application/json",
    )
    assert answer.status_code == 400 and "one line" in answer.json()["name"][0]


def test_an_email_that_cannot_be_sent_is_shown_on_the_desks_day(client, desk, alice, campaign):
    from appointments.models import Booking
    from appointments.tasks import booking_email_send

    # A name from before names were checked: the subject is made one line, and it goes out.
    Campaign.objects.filter(pk=campaign.pk).update(name="Old\nname")
    make_person("810002", "Bob", "Brown", email="bob@example.org\r\nBcc: x@example.org")
    slot = campaign.slots.order_by("starts_at").first()
    ok = services.booking_create(person=alice_person(), slot_id=slot.pk)
    bad = services.booking_create(person=Person.objects.get(person_id="810002"), slot_id=slot.pk)
    Person.objects.filter(person_id="810001").update(email="alice@example.org")
    assert booking_email_send.apply(args=[ok.pk, "confirmation"]).get() is True
    assert booking_email_send.apply(args=[bad.pk, "confirmation"]).get() is False
    assert "confirmation e-mail" in Booking.objects.get(pk=bad.pk).email_problem
    client.force_login(desk)
    day = client.get(
        reverse("desk-day"), {"location": slot.location.pk, "date": slot.starts_at.date()}
    ).json()
    problems = {b["person"]["name"]: b["email_problem"] for b in day["bookings"]}
    assert problems["Alice Adams"] == "" and problems["Bob Brown"]
