"""E-mails write dates and times in the portal's one family, on the organisation's clock,
and name the zone: "Fri 4 Dec 2026, 14:51 CET" (the portal never activates another zone)."""

import re
from zoneinfo import ZoneInfo

import pytest

from appointments import emails, services
from core import dates
from tests.appointments.factories import make_campaign, make_location
from tests.registration.factories import make_person

pytestmark = pytest.mark.django_db(databases="__all__")

# Old formats: "Friday 4 December", "Dec. 4, 2026", "2:51 p.m.", seconds.
NOT_THE_FAMILY = re.compile(
    r"(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|\b[A-Z][a-z]{2}\. \d|[ap]\.m\.|\d\d:\d\d:\d\d"
)


@pytest.mark.parametrize("kind", ["confirmation", "reminder", "cancellation"])
def test_an_appointment_email_says_the_time_in_the_family_with_its_zone(settings, kind):
    settings.TIME_ZONE = "Europe/Zurich"
    campaign = make_campaign([make_location("Main desk")])
    slot = campaign.slots.order_by("starts_at").first()
    booking = services.booking_create(
        person=make_person("1", email="a@example.org"), slot_id=slot.pk
    )
    message = emails.booking_email(booking, kind)
    local = slot.starts_at.astimezone(ZoneInfo("Europe/Zurich"))
    zone = local.tzname()  # CET or CEST
    assert f"{dates.format_day(slot.starts_at)}, {dates.format_time(slot.starts_at)} {zone}" in (
        message.body
    )
    assert dates.format_time(slot.starts_at) in message.subject
    assert not NOT_THE_FAMILY.search(message.subject + message.body)
