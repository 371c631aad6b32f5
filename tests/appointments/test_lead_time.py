"""No booking of a time that starts within APPOINTMENTS_LEAD_MINUTES: refused, and not offered.

The rule is checked against an independent model on generated cases around the
edge (exactly the lead time away, a second either side, the past).
"""

import os
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from appointments import selectors, services
from appointments.models import Slot
from core.databases import ASSOCIATIONS
from core.errors import DomainError
from registration.models import Person
from tests.appointments.factories import make_campaign, make_location
from tests.personas import wearer
from tests.registration.factories import make_person

pytestmark = pytest.mark.django_db(databases="__all__")


def slot_at(campaign, starts_at: datetime) -> Slot:
    return Slot.objects.create(
        campaign=campaign,
        location=campaign.locations.first(),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=15),
        capacity=4,
    )


@pytest.fixture
def today():
    return make_campaign([make_location("Main desk")], starts_on=timezone.localdate(), days=2)


def test_a_slot_that_starts_in_14_minutes_is_refused_with_a_clear_400(client, settings, today):
    settings.APPOINTMENTS_LEAD_MINUTES = 30
    make_person("810001", "Alice", "Adams")
    client.force_login(wearer("810001"))
    soon = slot_at(today, timezone.now() + timedelta(minutes=14))
    answer = client.post(
        reverse("my-bookings"), {"slot_id": soon.pk}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert "less than 30 minutes" in answer.json()["detail"]
    offered = {s["id"] for s in client.get(reverse("free-slots", args=[today.pk])).json()}
    assert soon.pk not in offered
    later = slot_at(today, timezone.now() + timedelta(minutes=45))
    offered = {s["id"] for s in client.get(reverse("free-slots", args=[today.pk])).json()}
    assert later.pk in offered
    booked = client.post(
        reverse("my-bookings"), {"slot_id": later.pk}, content_type="application/json"
    )
    assert booked.status_code == 201
    # Moving to the time that is too soon is refused the same way.
    moved = client.post(
        reverse("my-booking-reschedule", args=[booked.json()["id"]]),
        {"slot_id": soon.pk},
        content_type="application/json",
    )
    assert moved.status_code == 400


def test_the_page_is_told_the_lead_time(client, settings, today):
    settings.APPOINTMENTS_LEAD_MINUTES = 45
    make_person("810001")
    client.force_login(wearer("810001"))
    [campaign] = client.get(reverse("my-campaigns")).json()
    assert campaign["lead_minutes"] == 45


def bookable_model(*, starts_in: timedelta, lead_minutes: int) -> bool:
    """A time may be booked when it has not started and starts at least the lead time ahead."""
    return starts_in > timedelta(0) and starts_in >= timedelta(minutes=lead_minutes)


@st.composite
def cases(draw):
    lead = draw(st.sampled_from([0, 1, 14, 15, 30, 90]))
    edge = timedelta(minutes=lead)
    near_edge = st.integers(-90, 90).map(lambda s: edge + timedelta(seconds=s))
    anywhere = st.integers(-3 * 3600, 3 * 3600).map(lambda s: timedelta(seconds=s))
    tiny = st.integers(-2000, 2000).map(lambda us: edge + timedelta(microseconds=us))
    starts_in = draw(st.one_of(near_edge, anywhere, tiny, st.just(edge), st.just(timedelta(0))))
    return {"lead": lead, "starts_in": starts_in}


@hsettings(
    max_examples=int(os.environ.get("LEAD_MODEL_EXAMPLES", "150")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
def test_the_lead_time_rule_agrees_with_the_model(settings, today, case):
    settings.APPOINTMENTS_LEAD_MINUTES = case["lead"]
    person = Person.objects.get_or_create(person_id="9", defaults={"family_name": "Nine"})[0]
    now = timezone.now()
    with transaction.atomic(using=ASSOCIATIONS):
        slot = slot_at(today, now + case["starts_in"])
        offered = slot.pk in {s.pk for s in selectors.free_slots(campaign=today, now=now)}
        try:
            services.booking_create(person=person, slot_id=slot.pk, now=now)
            booked = True
        except DomainError as refusal:
            assert refusal.code in ("too_soon", "slot_past")
            assert refusal.status_code == (400 if refusal.code == "too_soon" else 409)
            booked = False
        transaction.set_rollback(True, using=ASSOCIATIONS)
    expected = bookable_model(starts_in=case["starts_in"], lead_minutes=case["lead"])
    assert offered == booked == expected, case
