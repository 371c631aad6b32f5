"""The desk's refusals say the state, who (the desk may see holders), since when, what next.

Dates are days in the organisation's zone (settings.TIME_ZONE), like "2 December".
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from assets.models import DeviceState
from core.dates import day_in_words
from desk import services
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")

ZURICH = ZoneInfo("Europe/Zurich")
LAST_YEAR_2_DEC = datetime(2025, 12, 2, 9, 30, tzinfo=ZURICH)


def test_a_day_is_written_in_the_organisations_zone(settings):
    settings.TIME_ZONE = "Europe/Zurich"
    now = datetime(2026, 12, 6, 12, tzinfo=ZURICH)
    # 23:30 UTC on 2 December is already 3 December in Zurich.
    late = datetime(2026, 12, 2, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert day_in_words(late, now=now) == "3 December"
    assert day_in_words(datetime(2026, 3, 1, 0, 5, tzinfo=ZURICH), now=now) == "1 March"
    assert day_in_words(LAST_YEAR_2_DEC, now=now) == "2 December 2025"


def post(client, name, body):
    return client.post(reverse(name), body, content_type="application/json")


@pytest.fixture
def ines_holds_p0001(client, desk):
    make_device("P-0001"), make_device("P-0002"), make_device("P-0003")
    make_person("710243", "Ines", "Adams"), make_person("820002", "Bart", "Baker")
    services.device_assign(
        device_id="P-0001", person_id="710243", acting_user=desk, at=LAST_YEAR_2_DEC
    )
    client.force_login(desk)
    return client


def test_assigning_a_held_device_names_the_holder_and_since_when(ines_holds_p0001):
    answer = post(ines_holds_p0001, "device-assign", {"device_id": "P-0001", "person_id": "820002"})
    assert answer.status_code == 409
    assert answer.json()["detail"] == (
        "Device P-0001 is held by Ines Adams (710243) since 2 December 2025: take it back "
        "first (find Ines Adams, then Take back), or use another device."
    )


def test_a_second_device_for_a_holder_says_which_and_since_when(ines_holds_p0001):
    answer = post(ines_holds_p0001, "device-assign", {"device_id": "P-0002", "person_id": "710243"})
    assert answer.status_code == 409
    assert answer.json()["detail"] == (
        "Ines Adams (710243) has held device P-0001 since 2 December 2025: take it back "
        "first, or swap it for the new one."
    )


def test_taking_back_from_the_wrong_person_names_the_holder(ines_holds_p0001):
    answer = post(
        ines_holds_p0001, "device-relinquish", {"device_id": "P-0001", "person_id": "820002"}
    )
    assert answer.status_code == 409
    assert answer.json()["detail"].startswith(
        "Device P-0001 is held by Ines Adams (710243) since 2 December 2025, not by person "
        "820002: check the device in hand."
    )


def test_a_lost_device_says_since_when_and_to_mark_it_found(ines_holds_p0001, desk):
    services.device_report_lost(device_id="P-0001", acting_user=desk, lost_at=LAST_YEAR_2_DEC)
    answer = post(ines_holds_p0001, "device-assign", {"device_id": "P-0001", "person_id": "820002"})
    assert answer.status_code == 409
    assert answer.json()["detail"] == (
        "Device P-0001 has been lost since 2 December 2025: it cannot be assigned. "
        "Once it is back at the desk, mark it found first (Found page)."
    )
    again = post(ines_holds_p0001, "device-report-lost", {"device_id": "P-0001"})
    assert again.status_code == 409
    assert again.json()["code"] == "already_lost"
    assert "already reported lost on" in again.json()["detail"]


def test_the_desk_reports_a_persons_device_lost_from_their_card(ines_holds_p0001):
    wrong = post(
        ines_holds_p0001, "device-report-lost", {"device_id": "P-0001", "person_id": "820002"}
    )
    assert wrong.status_code == 409 and wrong.json()["code"] == "held_by_someone_else"
    answer = post(
        ines_holds_p0001, "device-report-lost", {"device_id": "p-0001", "person_id": "710243"}
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["message"] == "Device P-0001 (held by Ines Adams) is recorded as lost."
    assert answer.json()["device"]["state"] == DeviceState.LOST


def test_taking_back_a_device_in_stock_says_there_is_nothing_to_take_back(ines_holds_p0001):
    answer = post(ines_holds_p0001, "device-relinquish", {"device_id": "P-0002"})
    assert answer.status_code == 409
    assert answer.json()["detail"].startswith(
        "Device P-0002 is not held by anyone (it is in stock)"
    )
    assert "nothing to take back" in answer.json()["detail"]
