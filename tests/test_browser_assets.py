"""End to end in Chromium: the asset team's Stock overview and Inventory check."""

import pytest
from playwright.sync_api import expect

from assets.models import DeviceState
from tests.browser import (
    PHONE,
    open_page,
    phone_sized,
    scan,
    screenshot,
    sign_in_with_a_session,
    wait_until_no_sideways_scroll,
)
from tests.registration.factories import make_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_the_asset_team_sees_its_stock_and_is_warned_when_it_runs_low(
    page, live_server, asset_manager, settings
):
    settings.ASSETS_LOW_STOCK_THRESHOLD = 3
    make_device("S-1", batch="2026-A", firmware="1.4")
    make_device("S-2", batch="2026-A", firmware="1.4")
    make_device("S-3", batch="2026-B", firmware="1.5", state=DeviceState.BROKEN)
    sign_in_with_a_session(page, live_server.url, asset_manager)
    page.goto(f"{live_server.url}/")
    # The start page: the stock in a few lines and the way to the administration.
    home_stock = page.get_by_role("region", name="Stock")
    expect(home_stock.get_by_role("alert")).to_contain_text("2 devices in stock, fewer than 3")
    administration = page.get_by_role("region", name="Administration")
    expect(administration.get_by_role("link", name="Open the administration")).to_have_attribute(
        "href", "/admin/"
    )
    expect(administration).to_contain_text("Devices")
    screenshot(page, "home-assets")
    open_page(page, "Stock")
    expect(page.get_by_role("alert")).to_contain_text("2 devices in stock, fewer than 3")
    table = page.locator("table.stock-batches")
    expect(table.get_by_role("row", name="2026-A 1.4")).to_contain_text("2")
    expect(table.get_by_role("row", name="2026-B 1.5")).to_be_visible()
    expect(page.locator(".this-month")).to_contain_text("reported lost")
    screenshot(page, "stock-overview")
    with phone_sized(page):
        expect(page.get_by_role("heading", name="Per batch and firmware")).to_be_visible()
        expect(page.get_by_role("alert")).to_be_visible()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_asset_team_scans_the_shelf_and_sees_what_differs(
    page, live_server, asset_manager, phone
):
    make_device("S-1"), make_device("S-2")
    make_device("H-1", state=DeviceState.ASSIGNED)
    sign_in_with_a_session(page, live_server.url, asset_manager)
    if phone:
        page.set_viewport_size(PHONE)
        page.goto(f"{live_server.url}/inventory/")
        expect(page.get_by_role("heading", level=1, name="Inventory check")).to_be_visible()
    else:
        page.goto(f"{live_server.url}/")
        open_page(page, "Inventory check")
    field = page.get_by_label("Device ID")
    expect(field).to_be_focused()
    for device_id in (" s-1", "H-1", "X-9"):
        scan(page, device_id)
    expect(page.get_by_text("3 scanned so far.")).to_be_visible()
    page.get_by_role("button", name="Finish the check").click()
    result = page.locator(".inventory-result")
    expect(result.locator(".inventory-missing")).to_have_text("S-2")
    expect(result.locator(".inventory-unexpected")).to_contain_text("H-1: assigned")
    expect(result.locator(".inventory-unexpected")).to_contain_text("X-9: unknown")
    if phone:
        wait_until_no_sideways_scroll(page, PHONE["width"])
    screenshot(page, f"inventory-check-{'phone' if phone else 'desktop'}")
