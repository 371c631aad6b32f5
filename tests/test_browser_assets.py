"""End to end in Chromium: the asset team's Stock overview, at desktop and phone width."""

import pytest
from playwright.sync_api import expect

from assets.models import DeviceState
from tests.browser import open_page, phone_sized, screenshot, sign_in_with_a_session
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
