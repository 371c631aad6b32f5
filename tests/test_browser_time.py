"""End to end in Chromium: a browser in New York shows the organisation's clock (TIME_ZONE).

The issue: with the browser outside the organisation's zone, a printed trace said
"Printed 14:51" above a period ending "15:51". Here the browser runs in America/New_York
(6 hours behind Zurich); the trace's period, the printed time, the encounters and the
CSV all say the organisation's time, in one format, and the CSV the same minutes as the page.
"""

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from core import dates
from encounters.models import Encounter
from tests.browser import (
    DESKTOP,
    sign_in_with_a_session,
    trace_from_positive_test_now,
)
from tests.registration.factories import people_holding_devices

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

CASE = "C-2026-TZ"
BROWSER_ZONE = "America/New_York"


@pytest.fixture
def new_york_page(chromium):
    """A page whose browser clock is New York's, whatever the machine's."""
    context = chromium.new_context(viewport=DESKTOP, timezone_id=BROWSER_ZONE)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def met():
    """Tina tested positive; she met Carl for 20 minutes two days ago, at 37 s past a minute."""
    now = timezone.now()
    people = (
        ("820001", "Tina", "Tracey", "Laboratory", 101),
        ("820002", "Carl", "Close", "Physics", 102),
    )
    people_holding_devices(people, since=now - timedelta(days=10))
    start = (now - timedelta(days=2)).replace(second=37, microsecond=0)
    Encounter.objects.create(my_tag=101, ref_tag=102, started_at=start, slots=40)
    return start


def day_time(moment) -> str:
    """As the page writes a moment: `Fri 4 Dec 2026, 14:51`, on the organisation's clock."""
    return f"{dates.format_day(moment)}, {dates.format_time(moment)}"


def test_a_browser_in_new_york_shows_and_prints_the_organisations_times(
    new_york_page, live_server, medic, met
):
    page = new_york_page
    assert settings.TIME_ZONE != BROWSER_ZONE
    offset = page.evaluate("new Date(Date.UTC(2026, 0, 15, 12)).getTimezoneOffset()")
    assert offset == 300  # the browser really is on New York's clock (EST)

    sign_in_with_a_session(page, live_server.url, medic)
    page.goto(f"{live_server.url}/")
    trace_from_positive_test_now(page, search="tina", case=CASE, reason="Positive PCR test today")
    result = page.locator(".trace-result")

    # The period traced, as the server sent it (the <time> elements' datetime), on the
    # organisation's clock, never New York's.
    period = result.locator("dt:text-is('Period traced') + dd time")
    expect(period).to_have_count(2)
    window = []
    for element in period.all():
        moment = datetime.fromisoformat(element.get_attribute("datetime"))
        window.append(moment)
        assert element.inner_text() == day_time(moment)
        elsewhere = moment.astimezone(ZoneInfo(BROWSER_ZONE))
        assert f", {elsewhere:%H:%M}" not in element.inner_text()
    expect(page.locator(".footer-zone")).to_have_text(
        f"Dates and times are in {settings.TIME_ZONE} time."
    )

    # The print: "Printed" is the organisation's now, the same clock as the period's end.
    page.emulate_media(media="print")
    printed = page.locator(".trace-result .print-only").first
    expect(printed).to_be_visible()
    printed_text = printed.inner_text()
    stamp = re.search(r"Printed (\w{3} \d{1,2} \w{3} \d{4}, (\d\d):(\d\d))", printed_text)
    assert stamp, printed_text
    shown_end = dates.format_time(window[1])
    end_minutes = int(shown_end[:2]) * 60 + int(shown_end[3:])
    printed_minutes = int(stamp[2]) * 60 + int(stamp[3])
    # Printed after the trace ran, on the same clock: never hours apart.
    assert 0 <= (printed_minutes - end_minutes) % 1440 < 60, (printed_text, shown_end)
    assert f"Times in {settings.TIME_ZONE}" in printed_text
    encounter = result.locator(".encounter-row time").first
    expect(encounter).to_be_visible()
    on_screen = encounter.inner_text()
    assert on_screen == day_time(met)  # 37 s past the minute: the minute, not rounded up
    page.emulate_media(media="screen")

    # The CSV: the same minutes as the page, the zone named in the header.
    with page.expect_download() as download_info:
        result.get_by_role("link", name="Download CSV").click()
    text = download_info.value.path().read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    column = header.index(f"encounter_start ({settings.TIME_ZONE})")
    assert [row[column] for row in rows] == [dates.format_datetime(met)]
    assert on_screen.endswith(rows[0][column])  # "Fri 4 Dec 2026, 14:51" and "4 Dec 2026, 14:51"
