"""After booking: the person's own .ics download and the Google / Outlook.com links."""

from datetime import UTC
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from icalendar import Calendar

from tests.appointments.factories import make_campaign, make_location
from tests.personas import wearer
from tests.registration.factories import make_person

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def booked(client):
    person = make_person("810001", "Alice", "Adams", email="alice@example.org")
    campaign = make_campaign([make_location("Main desk", address="Building 33")], name="Hand-out")
    slot = campaign.slots.order_by("starts_at").first()
    client.force_login(wearer("810001"))
    answer = client.post(
        reverse("my-bookings"), {"slot_id": slot.pk}, content_type="application/json"
    )
    assert answer.status_code == 201
    return answer.json(), slot, person


def test_the_booking_answer_carries_the_add_to_calendar_links(client, booked):
    data, slot, _ = booked
    links = data["calendar"]
    assert links["ics"] == reverse("my-booking-calendar", args=[data["id"]])
    google = urlparse(links["google"])
    assert (google.scheme, google.netloc, google.path) == (
        "https",
        "calendar.google.com",
        "/calendar/render",
    )
    query = parse_qs(google.query)
    assert query["action"] == ["TEMPLATE"] and query["text"] == ["Hand-out: Main desk"]
    utc_start = slot.starts_at.astimezone(UTC)
    utc_end = slot.ends_at.astimezone(UTC)
    assert query["dates"] == [f"{utc_start:%Y%m%dT%H%M%SZ}/{utc_end:%Y%m%dT%H%M%SZ}"]
    assert query["location"] == ["Main desk, Building 33"]
    outlook = urlparse(links["outlook"])
    assert outlook.netloc == "outlook.live.com"
    outlook_query = parse_qs(outlook.query)
    assert outlook_query["startdt"] == [f"{utc_start:%Y-%m-%dT%H:%M:%SZ}"]
    assert outlook_query["subject"] == ["Hand-out: Main desk"]


def test_the_ics_download_is_my_booking_and_never_cached(client, booked):
    data, slot, _ = booked
    answer = client.get(data["calendar"]["ics"])
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/calendar")
    assert "attachment" in answer["Content-Disposition"]
    assert "no-store" in answer["Cache-Control"]
    calendar = Calendar.from_ical(answer.content)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == slot.starts_at
    assert str(event["UID"]).startswith(f"booking-{data['id']}@")
    assert "ORGANIZER" in event and "DTSTAMP" in event


def test_a_cancelled_booking_downloads_as_a_cancellation(client, booked):
    data, _, _ = booked
    client.post(reverse("my-booking-cancel", args=[data["id"]]))
    calendar = Calendar.from_ical(client.get(data["calendar"]["ics"]).content)
    assert calendar["METHOD"] == "CANCEL"


@pytest.mark.parametrize("booking_id", ["0", "999999", "-1", "x" * 500, "1.5"])
def test_unknown_or_hostile_booking_ids_are_not_found(client, booked, booking_id):
    answer = client.get(f"/api/appointments/mine/bookings/{booking_id}/calendar.ics")
    assert answer.status_code == 404


def test_someone_signed_out_gets_no_calendar(client, booked):
    data, _, _ = booked
    client.logout()
    assert client.get(data["calendar"]["ics"]).status_code in (401, 403)
