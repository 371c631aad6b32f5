"""End to end in Chromium: the registration desk's pages (REGISTRATION, STATUS, FOUND).

A clerk signs in, finds a person among namesakes, hands out a device by
scanning it, checks it in STATUS, takes it back, and returns a found device
to the person who lost it. The screenshots in test-artifacts/ feed the user guide.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assets.models import Device
from desk.services import device_assign, device_report_lost
from registration.models import Association, LostReport, Person
from tests.browser import browser_time, open_page, phone_sized, scan, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def desk_data(desk):
    for number in (1001, 1002, 2001):
        Device.objects.create(device_id=f"P-{number}", tag_id=number)
    Person.objects.create(
        person_id="810001",
        given_name="Alice",
        family_name="Adams",
        department="HSE",
        email="alice@example.org",
    )
    Person.objects.create(
        person_id="810003",
        given_name="Anna",
        family_name="Adams",
        department="Laboratory",
        email="anna.adams@example.org",
    )
    Person.objects.create(
        person_id="810005",
        given_name="Carla",
        family_name="Clark",
        department="Finance",
        email="carla.clark@example.org",
    )
    device_assign(device_id="P-2001", person_id="810005", acting_user=desk)
    device_report_lost(device_id="P-2001", acting_user=desk)


def test_the_desk_hands_out_checks_takes_back_and_returns_a_found_device(
    page, live_server, oidc, desk_data
):
    url = live_server.url
    sign_in(page, url, "alice", "alice-pw")

    # REGISTRATION: find Anna Adams among the two Adams, scan a device.
    open_page(page, "Registration")
    expect(page.get_by_text("Give a device to a person, take one back").first).to_be_visible()
    finder = page.get_by_role("combobox", name="Find a person")
    expect(finder).to_be_focused()
    finder.press_sequentially("adam")
    options = page.get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_contain_text("Alice Adams")
    expect(options.nth(0)).to_contain_text("HSE")
    expect(options.nth(1)).to_contain_text("Anna Adams")
    expect(options.nth(1)).to_contain_text("810003")
    expect(options.nth(1)).to_contain_text("Laboratory")
    screenshot(page, "registration-find-person")
    finder.press("ArrowDown")
    finder.press("ArrowDown")
    finder.press("Enter")

    expect(page.get_by_role("heading", level=2, name="Anna Adams")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/registration/\?person=810003$"))
    device_field = page.get_by_role("textbox", name="Device ID")
    expect(device_field).to_be_focused()
    scan(page, "P-1001")
    expect(page.get_by_role("status")).to_contain_text(
        "Device P-1001 is now held by Anna Adams (810003)."
    )
    expect(page.locator(".desk-person")).to_contain_text("Holds device P-1001")
    expect(finder).to_be_focused()  # ready for the next person
    screenshot(page, "registration")
    assert Association.objects.get(device_id="P-1001", ended_at__isnull=True).person_id == "810003"

    # STATUS: scan the device, see who holds it; the URL can be reloaded.
    open_page(page, "Status")
    search = page.get_by_role("combobox", name="Device ID or person")
    expect(search).to_be_focused()
    scan(page, "P-1001")
    expect(page.get_by_role("heading", level=2, name="Device P-1001")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/status/\?device=P-1001$"))
    expect(page.locator(".status-now")).to_contain_text("Held by Anna Adams (810003) since")
    expect(page.locator(".status-head .state-badge")).to_have_text("assigned")
    page.reload()
    expect(page.locator(".status-now")).to_contain_text("Held by Anna Adams (810003) since")
    screenshot(page, "status")

    # Take it back, from the holder's link to REGISTRATION.
    page.get_by_role("link", name="Take back or swap at Registration").click()
    expect(page.get_by_role("heading", level=2, name="Anna Adams")).to_be_visible()
    given_back = page.get_by_role("textbox", name="Device given back")
    expect(given_back).to_have_value("P-1001")
    expect(given_back).to_be_focused()
    screenshot(page, "registration-take-back")
    with phone_sized(page):
        screenshot(page, "registration-phone")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Anna Adams gave back device P-1001.")
    expect(page.locator(".desk-person")).to_contain_text("Holds no device.")
    expect(page.get_by_role("textbox", name="Device ID")).to_be_focused()

    # STATUS: back in stock, with the whole story.
    page.goto(f"{url}/status/?device=P-1001")
    expect(page.locator(".status-head .state-badge")).to_have_text("in stock")
    expect(page.locator(".status-now")).to_contain_text("Held by nobody.")
    holdings = page.get_by_role("table", name="Who held it")
    expect(holdings).to_contain_text("Anna Adams")
    expect(holdings).to_contain_text("given back")
    expect(page.get_by_role("table", name="State changes")).to_contain_text("assigned → in stock")
    screenshot(page, "status-history")
    with phone_sized(page):
        screenshot(page, "status-phone")

    # FOUND: the lost device is scanned; its last holder is shown; return it.
    open_page(page, "Found")
    expect(page.get_by_role("textbox", name="Device ID").first).to_be_focused()
    scan(page, "P-2001")
    result = page.locator(".found-result")
    expect(result).to_contain_text("Device P-2001 is lost")
    expect(result.locator(".holder-card")).to_contain_text("Carla Clark")
    expect(result.locator(".holder-card")).to_contain_text("810005")
    expect(result.locator(".holder-card")).to_contain_text("carla.clark@example.org")
    expect(result.get_by_role("button")).to_have_text(["Mark as found"])
    screenshot(page, "found")

    result.get_by_role("button", name="Mark as found").click()
    expect(page.get_by_role("status").first).to_contain_text("Device P-2001 is marked found.")
    expect(result.get_by_role("button")).to_have_text(
        ["Return to Carla Clark", "Put back in stock"]
    )
    screenshot(page, "found-marked")
    result.get_by_role("button", name="Return to Carla Clark").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Device P-2001 is back with Carla Clark."
    )
    expect(result).to_have_count(0)  # done: ready for the next device
    expect(page.get_by_role("textbox", name="Device ID").first).to_be_focused()

    assert Device.objects.get(device_id="P-2001").state == "assigned"
    assert Association.objects.get(device_id="P-2001", ended_at__isnull=True).person_id == "810005"
    assert Device.objects.get(device_id="P-1001").state == "in_stock"


def test_a_refusal_shows_next_to_the_form_and_changes_nothing(page, live_server, oidc, desk_data):
    Device.objects.filter(device_id="P-1002").update(state="retired")
    sign_in(page, live_server.url, "alice", "alice-pw")
    page.goto(f"{live_server.url}/registration/?person=810001")
    expect(page.get_by_role("heading", level=2, name="Alice Adams")).to_be_visible()
    expect(page.get_by_role("textbox", name="Device ID")).to_be_focused()
    scan(page, "P-1002")
    alert = page.locator("form").get_by_role("alert")
    expect(alert).to_contain_text("Device P-1002 is retired")
    expect(page.locator(".success-banner")).to_have_count(0)
    expect(page.locator(".desk-person")).to_contain_text("Holds no device.")
    screenshot(page, "registration-error")
    assert not Association.objects.filter(person_id="810001").exists()


def test_record_a_lost_device_with_the_time_it_was_lost(page, live_server, oidc, desk, desk_data):
    two_days_ago = timezone.now() - timedelta(days=2)
    device_assign(device_id="P-1001", person_id="810001", acting_user=desk, at=two_days_ago)
    sign_in(page, live_server.url, "alice", "alice-pw")
    page.goto(f"{live_server.url}/found/")
    # yesterday at this time, as the clerk would type it in the browser's time zone
    yesterday = browser_time(page, days_ago=1)
    form = page.locator("form").filter(has=page.get_by_role("button", name="Record as lost"))
    form.get_by_role("textbox", name="Device ID").fill("P-1001")
    form.get_by_label("Lost at").fill(yesterday)
    form.get_by_role("button", name="Record as lost").click()
    expect(page.get_by_role("status").nth(1)).to_contain_text(
        "Device P-1001 (held by Alice Adams) is recorded as lost."
    )
    expect(form.get_by_role("textbox", name="Device ID")).to_have_value("")
    screenshot(page, "found-record-lost")
    assert Device.objects.get(device_id="P-1001").state == "lost"
    report = LostReport.objects.get(device_id="P-1001")
    assert report.holder_id == "810001"
    assert abs((report.lost_at - (timezone.now() - timedelta(days=1))).total_seconds()) < 180
    assert Association.objects.get(device_id="P-1001").ended_at == report.lost_at
