"""The confirmation and the reminder link to moving and cancelling that very booking."""

import pytest

from appointments import emails, services
from tests.appointments.factories import make_campaign, make_location
from tests.registration.factories import make_person

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.mark.parametrize("kind", ["confirmation", "reminder"])
def test_the_email_links_to_moving_and_cancelling_this_booking(settings, kind):
    settings.PORTAL_URL = "https://portal.example.org"
    campaign = make_campaign([make_location("Main desk")])
    slot = campaign.slots.order_by("starts_at").first()
    booking = services.booking_create(
        person=make_person("1", email="a@example.org"), slot_id=slot.pk
    )
    body = emails.booking_email(booking, kind).body
    base = f"https://portal.example.org/appointments/?booking={booking.pk}"
    assert f"{base}&action=move" in body
    assert f"{base}&action=cancel" in body
