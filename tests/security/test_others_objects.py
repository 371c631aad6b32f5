"""Objects of other people do not exist for you: another person's booking, another medic's trace."""

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Booking
from appointments.services import booking_create
from audit.models import AuditEntry
from tests.appointments.factories import make_campaign, make_location
from tests.conftest import ROLE_CLIENTS, user_api_token
from tests.personas import wearer
from tests.registration.factories import make_person

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def two_people(db):
    """Ann and Ben, each linked to a person of the directory; Ben has booked a time."""
    ann = wearer("610001")
    ben = wearer("610002")
    make_person("610001", "Ann")
    ben_person = make_person("610002", "Ben")
    campaign = make_campaign([make_location("Hall")])
    first, second = campaign.slots.order_by("starts_at")[:2]
    booking = booking_create(person=ben_person, slot_id=first.pk)
    return ann, ben, booking, second


def test_a_person_cannot_cancel_or_move_another_persons_booking(client, two_people):
    ann, ben, booking, other_slot = two_people
    client.force_login(ann)
    cancel = client.post(reverse("my-booking-cancel", args=[booking.pk]))
    move = client.post(
        reverse("my-booking-reschedule", args=[booking.pk]),
        {"slot_id": other_slot.pk},
        content_type="application/json",
    )
    calendar = client.get(reverse("my-booking-calendar", args=[booking.pk]))
    assert (cancel.status_code, move.status_code, calendar.status_code) == (404, 404, 404)
    assert b"VCALENDAR" not in calendar.content
    booking.refresh_from_db()
    assert (booking.status, booking.slot_id) == (Booking.Status.BOOKED, booking.slot_id)
    assert [b["id"] for b in client.get(reverse("my-bookings")).json()] == []

    client.force_login(ben)  # the owner can: the 404 above was not for everyone
    assert client.get(reverse("my-booking-calendar", args=[booking.pk])).status_code == 200
    assert client.post(reverse("my-booking-cancel", args=[booking.pk])).status_code == 200


@pytest.fixture
def colleagues_trace(client, medic, second_medic):
    """A trace run by one medic (through the API), and a second medic."""
    make_person("620001", "Tia")
    author, colleague = medic, second_medic
    client.force_login(author)
    created = client.post(
        reverse("traces"),
        {
            "person_id": "620001",
            "positive_test": timezone.now().isoformat(),
            "case_reference": "C-1",
            "reason": "positive test",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    client.logout()
    return created.json()["id"], author, colleague


def test_a_medic_cannot_reopen_or_export_another_medics_trace(client, colleagues_trace):
    trace_id, author, colleague = colleagues_trace
    audited = AuditEntry.objects.count()
    client.force_login(colleague)
    assert client.get(reverse("trace-detail", args=[trace_id])).status_code == 404
    assert client.get(reverse("trace-export", args=[trace_id])).status_code == 404
    assert trace_id not in [t["id"] for t in client.get(reverse("traces")).json()]
    assert AuditEntry.objects.count() == audited  # nothing was opened, nothing to audit

    client.force_login(author)
    assert client.get(reverse("trace-detail", args=[trace_id])).status_code == 200
    assert client.get(reverse("trace-export", args=[trace_id])).status_code == 200


def test_a_medic_over_the_api_cannot_read_a_colleagues_trace_either(
    client, oidc, live_server, colleagues_trace
):
    trace_id, _author, _colleague = colleagues_trace
    person = user_api_token(oidc, "api-medical", live_server.url)  # a medic's own token
    robot = ROLE_CLIENTS["medical"]  # a machine never holds the medical role
    machine = oidc.client_credentials_token(robot["client_id"], robot["client_secret"])
    for name in ("trace-detail", "trace-export"):
        url = reverse(name, args=[trace_id])
        assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {person}").status_code == 404, name
        assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {machine}").status_code == 403, name
