"""End to end in Chromium: STATISTICS, TRANSPARENCY, the Help link and the overdue purge warning.

Two days ago six proximeters met (a count that may be shown); yesterday only
three did (shown as "< 5", the small-count rule). Alice (registration and
medical) reads the statistics as charts and as a table, opens Transparency,
and follows the Help link to the Statistics section of the user guide. The
data-protection office sees that the purge has never run (nothing purges in
the test database). The screenshots in test-artifacts/ feed the user guide.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from assets.models import Device, DeviceState
from core import dates
from encounters.models import Encounter
from registration.models import Association, Person
from retention.models import PurgeRecord
from retention.services import purge_expired
from tests.browser import (
    day_label,
    open_page,
    phone_sized,
    screenshot,
    sign_in,
    sign_in_with_a_session,
)
from tracing import contacts, services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def activity(medic):
    """Six proximeters met two days ago (four of them for 20 minutes), three met yesterday.

    Six people got a device five days ago, two four days ago; one of them
    was traced yesterday.
    """
    cache.clear()  # the what-if is kept for the day: count this data, not an earlier test's
    now = timezone.localtime()
    busy = (now - timedelta(days=2)).replace(hour=11, minute=0, second=0, microsecond=0)
    quiet = (now - timedelta(days=1)).replace(hour=11, minute=0, second=0, microsecond=0)
    for n, tag in enumerate(range(201, 207)):
        Encounter.objects.create(
            my_tag=tag,
            ref_tag=tag + 100,
            started_at=busy + timedelta(minutes=n),
            slots=40 if n < 4 else 6,
        )
    for n, tag in enumerate(range(211, 214)):
        Encounter.objects.create(
            my_tag=tag, ref_tag=tag + 100, started_at=quiet + timedelta(minutes=n), slots=10
        )

    for n in range(8):
        person_id = f"83000{n}"
        Person.objects.create(
            person_id=person_id,
            given_name=f"Person{n}",
            family_name="Stats",
            department="Physics",
            email=f"person{n}@example.org",
        )
        Device.objects.create(device_id=f"P-05{n}", tag_id=500 + n, state=DeviceState.ASSIGNED)
        Association.objects.create(
            person_id=person_id,
            device_id=f"P-05{n}",
            started_at=now - timedelta(days=5 if n < 6 else 4),
            started_by="t",
        )

    window = contacts.trace_window(
        now=timezone.now(),
        retention=timedelta(days=settings.ENCOUNTER_RETENTION_DAYS),
        positive_test=timezone.now() - timedelta(days=1),
    )
    services.trace_run(
        person_id="830000",
        window=window,
        policy="encounter",
        case_reference="C-2025-031",
        reason="Positive test",
        acting_user=medic,
    )
    return {"busy": busy.date(), "quiet": quiet.date()}


def test_alice_reads_the_statistics_transparency_and_the_help(page, live_server, oidc, activity):
    sign_in(page, live_server.url, "alice", "alice-pw")
    open_page(page, "Statistics")
    expect(
        page.get_by_text("Active proximeters, encounters and hand-outs per closed day").first
    ).to_be_visible()
    rule = page.locator(".stats-rule")
    expect(rule).to_contain_text("Counts from 1 to 4 are shown as “< 5”")
    expect(rule).to_contain_text(
        "where a total would give one away, another figure is “hidden” too"
    )
    csv_link = page.get_by_role("link", name="Download CSV")
    expect(csv_link).to_have_attribute("href", "/api/stats/daily.csv")

    # Charts are drawn (a canvas each), with a note on the hatched small counts.
    activity_section = page.locator(".stats-section").filter(
        has=page.get_by_role("heading", name="Active proximeters and encounters per day")
    )
    expect(
        activity_section.get_by_role("img", name="Active proximeters and encounters per day")
    ).to_be_visible()
    expect(activity_section.locator(".chart-note")).to_contain_text("shown as “< 5”")
    page.wait_for_timeout(500)  # the bars grow in
    screenshot(page, "stats")

    # The table view: six active proximeters two days ago, "< 5" yesterday.
    activity_section.get_by_role("button", name="Show as table").click()
    table = activity_section.get_by_role("table", name="Active proximeters and encounters per day")
    expect(table).to_be_visible()
    busy_row = table.get_by_role("row").filter(has_text=day_label(activity["busy"]))
    expect(busy_row.get_by_role("cell")).to_have_text(["6", "6"])
    quiet_row = table.get_by_role("row").filter(has_text=day_label(activity["quiet"]))
    expect(quiet_row.get_by_role("cell")).to_have_text(["< 5", "< 5"])
    expect(activity_section.get_by_role("button", name="Show as chart")).to_be_focused()

    close_section = page.locator(".stats-section").nth(1)
    close_section.get_by_role("button", name="Show as table").click()
    close_row = close_section.get_by_role("row").filter(has_text=day_label(activity["busy"]))
    expect(close_row.get_by_role("cell")).to_have_text(["< 5"])  # four of close-contact length

    handouts = page.locator(".stats-section").nth(2)
    handouts.get_by_role("button", name="Show as table").click()
    five_days_ago = timezone.localdate() - timedelta(days=5)
    expect(
        handouts.get_by_role("row").filter(has_text=day_label(five_days_ago)).get_by_role("cell")
    ).to_have_text(["6"])  # per day only: no running total
    what_if = page.locator(".stats-what-if")
    expect(what_if.get_by_role("heading", name="Close contacts under each rule")).to_be_visible()
    # Four pairs of tags met for 20 minutes: too few under either rule.
    expect(what_if.locator(".what-if-per-encounter")).to_have_text("< 5")
    expect(what_if.locator(".what-if-daily")).to_have_text("< 5")
    screenshot(page, "stats-tables")

    # The CSV has the same rule.
    with page.expect_download() as download_info:
        csv_link.click()
    csv_text = download_info.value.path().read_text(encoding="utf-8")
    assert csv_text.startswith(f"date ({settings.TIME_ZONE}),active_proximeters,encounters")
    assert f"{dates.format_date(activity['quiet'])},< 5,< 5" in csv_text  # as the page

    # On a phone: no sideways scrolling.
    with phone_sized(page):
        screenshot(page, "stats-phone")

    # TRANSPARENCY: numbers only.
    open_page(page, "Transparency")
    facts = page.locator(".fact-cards")
    # 8 held since days ago, shown in steps of 5: a single hand-out never shows.
    expect(facts.locator(".fact-devices")).to_have_text("5")
    expect(facts.locator(".fact-card").filter(has_text="Encounters are kept for")).to_contain_text(
        f"{settings.ENCOUNTER_RETENTION_DAYS} days"
    )
    expect(facts.locator(".fact-card").filter(has_text="Last purge")).to_contain_text(
        "None in the last 30 days"
    )
    traces = page.get_by_role("table", name="Traces per month")
    this_month = timezone.localdate()
    last_month = this_month.replace(day=1) - timedelta(days=1)
    # The month under way is shown once it is over: its trace of yesterday is not seen yet.
    expect(traces.get_by_role("row").filter(has_text=f"{last_month:%B %Y}")).to_have_count(1)
    expect(traces.get_by_role("row").filter(has_text=f"{this_month:%B %Y}")).to_have_count(0)
    expect(page.get_by_role("link", name="How your data is handled").first).to_have_attribute(
        "href", "/privacy/"
    )
    # What is kept, and for how long: encounters within their limit, no log file written.
    kept = page.locator(".kept-table")
    expect(kept.locator("tr.kept-encounters .kept-for")).to_have_text(
        f"{settings.ENCOUNTER_RETENTION_DAYS} days after the start of the encounter"
    )
    expect(kept.locator("tr.kept-encounters .kept-status")).to_have_text("✓\u00a0Within the limit")
    expect(kept.locator("tr.kept-log_files .kept-status")).to_contain_text("Not written")
    expect(page.locator(".kept-last-purge")).to_have_text("Last purge: none yet")
    page.wait_for_timeout(500)
    screenshot(page, "transparency")

    # Help: each page's own section of the user guide.
    expect(page.get_by_role("link", name="Help")).to_have_attribute("href", "/help/transparency/")
    open_page(page, "Statistics")
    help_link = page.get_by_role("link", name="Help")
    expect(help_link).to_have_attribute("href", "/help/stats/")
    help_link.click()
    expect(page).to_have_url(f"{live_server.url}/help/stats/")
    expect(page.get_by_role("heading", level=1, name="Statistics")).to_be_visible()
    expect(page.get_by_text("A count from 1 to 4 is shown as")).to_be_visible()


def test_the_privacy_office_is_warned_that_the_purge_is_overdue(page, live_server, privacy_officer):
    # The data-protection office's browser, signed in through a session of the test client.
    sign_in_with_a_session(page, live_server.url, privacy_officer)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Help")).to_have_attribute("href", "/help/")
    open_page(page, "Audit")
    # A fresh install (the test database was just migrated): the first purge is not due yet.
    expect(page.get_by_role("heading", level=2, name="Purge log")).to_be_visible()
    expect(page.locator(".purge-log")).to_contain_text(
        re.compile(r"No purge yet; the first is due by .+\.")
    )
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("link", name="Help")).to_have_attribute("href", "/help/audit/")

    # The last purge ran 37 hours ago: the warning, at the top.
    PurgeRecord.objects.create(at=timezone.now() - timedelta(hours=37), removed={})
    page.reload()
    warning = page.get_by_role("alert").filter(has_text="The purge has not run")
    expect(warning).to_have_text(
        re.compile(
            r"The purge has not run for more than 36 hours: expired encounters may still be "
            r"stored\. Tell the operators\..*The last purge ran on"
        )
    )
    screenshot(page, "audit-purge-overdue")

    # Once the purge has run: no warning, and the purge log says what it deleted.
    Encounter.objects.create(
        my_tag=301, ref_tag=302, started_at=timezone.now() - timedelta(days=20), slots=4
    )
    Encounter.objects.create(
        my_tag=301, ref_tag=302, started_at=timezone.now() - timedelta(days=2), slots=4
    )
    purge_expired()
    page.reload()
    expect(page.locator(".purge-table tbody tr")).to_have_count(2)
    expect(page.get_by_role("alert")).to_have_count(0)
    row = page.locator(".purge-table tbody tr").first
    expect(row.locator("td").nth(2)).to_contain_text("encounters: 1")
    expect(row.locator("td").nth(3).locator("time")).to_have_count(1)  # the encounter of 2 days ago
    # Statistics are open to the office too.
    open_page(page, "Statistics")
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
