"""End to end in Chromium, at desktop and phone width: losses at the desk and from MY DATA.

The desk records a loss from the person's card; a wearer (Bob, 810002) reports
his own device from MY DATA; a device typed in lower case is found; after
"Mark as found" its message is the only one on the page.
"""

import pytest
from playwright.sync_api import expect

from assets.models import Device
from desk.services import device_assign
from registration.models import Association, LostReport, Person
from tests.browser import DESKTOP, PHONE, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture(params=["desktop", "phone"])
def width(request, page):
    page.set_viewport_size(DESKTOP if request.param == "desktop" else PHONE)
    return request.param


@pytest.fixture
def holders(desk):
    """Ines holds P-0300 at the desk's counter; Bob (a wearer with an account) holds P-0400."""
    Person.objects.create(person_id="710243", given_name="Ines", family_name="Adams")
    Person.objects.create(person_id="810002", given_name="Bob", family_name="Brown")
    for number, device_id in enumerate(("P-0300", "P-0400", "P-0500")):
        Device.objects.create(device_id=device_id, tag_id=300 + number)
    device_assign(device_id="P-0300", person_id="710243", acting_user=desk)
    device_assign(device_id="P-0400", person_id="810002", acting_user=desk)


def test_the_desk_records_a_loss_from_the_persons_card(page, live_server, oidc, holders, width):
    sign_in(page, live_server.url, "alice", "alice-pw")
    page.goto(f"{live_server.url}/registration/?person=710243")
    expect(page.get_by_role("heading", level=2, name="Ines Adams")).to_be_visible()
    form = page.locator("form").filter(
        has=page.get_by_role("button", name="Report their device lost")
    )
    expect(form.get_by_role("heading")).to_have_text("Report their device P-0300 lost")
    form.get_by_role("button", name="Report their device lost").click()
    expect(page.locator(".success-banner")).to_contain_text(
        "Device P-0300 (held by Ines Adams) is recorded as lost."
    )
    expect(page.locator(".desk-person")).to_contain_text("Holds no device.")
    screenshot(page, f"registration-report-lost-{width}")
    assert LostReport.objects.get().holder_id == "710243"
    assert Association.objects.get(device_id="P-0300").end_reason == "lost"

    # STATUS: Bob's card offers the same, with the time he says he lost it.
    page.goto(f"{live_server.url}/status/?person=810002")
    status_form = page.locator("form").filter(
        has=page.get_by_role("button", name="Report their device lost")
    )
    status_form.get_by_role("button", name="Report their device lost").click()
    expect(page.locator(".success-banner")).to_contain_text(
        "Device P-0400 (held by Bob Brown) is recorded as lost."
    )
    expect(page.locator(".status-result")).to_contain_text("Holds no device.")
    assert LostReport.objects.count() == 2


def test_a_wearer_reports_their_device_lost_from_my_data(page, live_server, oidc, holders, width):
    sign_in(page, live_server.url, "bob", "bob-pw")
    page.goto(f"{live_server.url}/my-data/")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Report my device"))
    expect(form.get_by_role("heading")).to_have_text("Lost or broken? Report device P-0400")
    form.get_by_label("It is lost").check()
    form.get_by_role("button", name="Report my device").click()
    expect(page.locator(".success-banner")).to_contain_text(
        "Your device P-0400 is recorded as lost."
    )
    expect(page.get_by_role("button", name="Report my device")).to_have_count(0)
    expect(page.locator(".my-lost")).to_contain_text("P-0400")
    screenshot(page, f"my-data-report-lost-{width}")
    holding = Association.objects.get(device_id="P-0400")
    assert holding.end_reason == "lost" and holding.ended_at is not None
    assert Association.objects.get(device_id="P-0300").ended_at is None  # Ines keeps hers


def test_a_lowercase_id_is_found_and_one_message_shows_at_a_time(
    page, live_server, oidc, holders, width
):
    sign_in(page, live_server.url, "alice", "alice-pw")
    page.goto(f"{live_server.url}/found/")
    lost_form = page.locator("form").filter(has=page.get_by_role("button", name="Record as lost"))
    lost_form.get_by_role("textbox", name="Device ID").fill(" p-0300 ")
    lost_form.get_by_role("button", name="Record as lost").click()
    expect(page.locator(".success-banner")).to_contain_text(
        "Device P-0300 (held by Ines Adams) is recorded as lost."
    )

    scan_field = page.get_by_role("textbox", name="Device ID").first
    scan_field.fill("p-0300")
    scan_field.press("Enter")
    result = page.locator(".found-result")
    expect(result).to_contain_text("Device P-0300 is lost")
    result.get_by_role("button", name="Mark as found").click()
    banners = page.locator(".success-banner")
    expect(banners).to_have_count(1)
    expect(banners).to_contain_text("Device P-0300 is marked found.")
    screenshot(page, f"found-one-message-{width}")
    assert Device.objects.get(device_id="P-0300").state == "found"
