"""End to end in Chromium: a medic gives a case's person a location donation code.

The code is shown once on the case's record; the donor's app uploads the places of the
infectious period with it, once; a second upload with the same code is refused. Nothing
links the code to the case (docs/location-exposure.md).
"""

import re
import time
from contextlib import nullcontext
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework.test import APIClient

from cases import services as cases
from tests import personas
from tests.browser import phone_sized, screenshot, sign_in_with_a_session
from tests.registration.factories import people_holding_devices
from zones.models import DonationCode

# Ten characters without look-alikes, grouped 4-4-2 (docs/location-exposure.md).
CODE = re.compile(
    r"[ABCDEFGHJKMNPQRSTVWXYZ23456789]{4}-[ABCDEFGHJKMNPQRSTVWXYZ23456789]{4}-[ABCDEFGHJKMNPQRSTVWXYZ23456789]{2}"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def donate(code: str):
    point = {"lat": 46.2338, "long": 6.0530, "time": int(time.time()) - 3600, "accuracy": 0.9}
    return APIClient().post(
        "/api/zones/coordinates",
        {"coords": [point]},
        format="json",
        HTTP_AUTHORIZATION=f"DonationCode {code}",
    )


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_a_medic_gives_a_donation_code_that_works_once(page, live_server, phone):
    medic = personas.medic()
    people_holding_devices(
        [("840001", "Tina", "Tracey", "Laboratory", 301)],
        since=timezone.now() - timedelta(days=10),
    )
    onset = timezone.localdate() - timedelta(days=1)
    case = cases.case_open(person_id="840001", acting_user=medic, symptom_onset=onset)
    sign_in_with_a_session(page, live_server.url, medic)
    with phone_sized(page) if phone else nullcontext():
        page.goto(f"{live_server.url}/cases/?case={case.pk}")
        panel = page.get_by_role("region", name="Location donation code")
        expect(panel).to_contain_text("The code names nobody and works once.")
        panel.get_by_role("button", name="Give a donation code").focus()
        page.keyboard.press("Enter")
        code_text = panel.locator(".code")
        expect(code_text).to_have_text(CODE)
        expect(panel.get_by_role("status")).to_contain_text("It works once, until")
        screenshot(page, f"case-donation-code-{'phone' if phone else 'desktop'}")
        code = code_text.inner_text().strip()
        assert CODE.fullmatch(code)
    # The code is kept only as a keyed hash, and names no case or person.
    assert DonationCode.objects.count() == 1
    assert code not in str(list(DonationCode.objects.values()))
    first = donate(code)
    assert first.status_code == 201, first.content
    assert donate(code).status_code in (401, 403)  # used: deleted at once
    assert not DonationCode.objects.exists()
