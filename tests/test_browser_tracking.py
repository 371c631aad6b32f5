"""End to end in Chromium: TRACKING (the medical service) and AUDIT (the data-protection office).

A medical user traces a person who tested positive: the close contact met
for 20 minutes comes first (the two devices' records of one meeting count
once), a 5-minute contact is not close, a device nobody held is named as
such. The trace and the CSV download are in the audit trail, which the
data-protection office then reviews. The screenshots in test-artifacts/
feed the user guide.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from assets.models import Device
from audit.models import AuditEntry
from encounters.models import Encounter
from registration.models import Person
from tests.browser import (
    browser_time,
    main_navigation,
    open_page,
    phone_sized,
    screenshot,
    sign_in,
    sign_in_with_a_session,
)
from tests.registration.factories import people_holding_devices
from tracing import contacts, services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

CASE = "C-2025-017"


@pytest.fixture
def encounters():
    """Tina tested positive; she met Carl for 20 minutes, Sam for 5, and an unheld device."""
    now = timezone.now()
    people = (
        ("820001", "Tina", "Tracey", "Laboratory", 101),
        ("820002", "Carl", "Close", "Physics", 102),
        ("820003", "Sam", "Short", "Finance", 103),
    )
    people_holding_devices(people, since=now - timedelta(days=10))
    Device.objects.create(device_id="P-0107", tag_id=107)  # in stock: nobody holds it

    met = (now - timedelta(days=2)).replace(second=0, microsecond=0)
    # One meeting of 20 minutes, recorded by both devices, 30 s apart.
    Encounter.objects.create(my_tag=101, ref_tag=102, started_at=met, slots=40)
    Encounter.objects.create(
        my_tag=102, ref_tag=101, started_at=met + timedelta(seconds=30), slots=39
    )
    # 5 minutes with Sam the next day; 3 minutes near a device nobody held.
    Encounter.objects.create(my_tag=103, ref_tag=101, started_at=met + timedelta(days=1), slots=10)
    Encounter.objects.create(
        my_tag=101, ref_tag=107, started_at=met + timedelta(days=1, hours=2), slots=6
    )


def test_a_medic_traces_the_close_contacts_and_downloads_them(
    page, live_server, oidc, encounters, settings
):
    # A confirmed case's own trace is named without a second person here: the four-eyes
    # path is tests/test_browser_reveal.py's.
    settings.REVEAL_OWN_CASE_WITHOUT_APPROVAL = True
    url = live_server.url
    page.emulate_media(reduced_motion="reduce")  # the chart is drawn at once, not animated
    sign_in(page, url, "alice", "alice-pw")
    open_page(page, "Tracking")
    expect(page.get_by_text("Find the close contacts of a person").first).to_be_visible()
    expect(page.get_by_text("Every trace is recorded in the audit trail")).to_be_visible()

    # Nothing is traced without a case reference and a reason.
    page.get_by_role("button", name="Run the trace").click()
    expect(page.locator("#tracking-person-error")).to_have_text("Choose the person to trace.")
    expect(page.locator("#tracking-case-error")).to_have_text("Give the case reference.")
    expect(page.locator("#tracking-reason-error")).to_have_text("Give the reason for this trace.")
    assert not AuditEntry.objects.exists()

    finder = page.get_by_role("combobox", name="Person to trace")
    finder.press_sequentially("tina")
    option = page.get_by_role("option")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("Tina Tracey")
    expect(option).to_contain_text("820001")
    expect(option).to_contain_text("Laboratory")
    option.click()
    expect(page.locator(".trace-person")).to_contain_text("Tina Tracey")

    page.get_by_label("Positive test, no symptoms").check()
    page.get_by_label("Date and time of the positive test").fill(browser_time(page))
    expect(page.locator("#tracking-window-preview")).to_contain_text("The trace will cover")
    expect(page.locator("#tracking-window-preview")).to_contain_text("to now")
    page.get_by_label("One encounter longer than 15 minutes (CERN)").check()
    page.get_by_label("Case reference").fill(CASE)
    page.get_by_label("Reason").fill("Positive PCR test today")
    screenshot(page, "tracking")
    page.get_by_role("button", name="Run the trace").click()

    # The result: Carl first, as a close contact, 20 minutes (not 2 x 20).
    result = page.locator(".trace-result")
    expect(result.get_by_role("heading", level=2, name=f"Case {CASE}")).to_be_visible()
    expect(page.locator(".success-banner")).to_contain_text("1 close contact")
    # Nobody is named until the medic names them, a step of its own.
    expect(result.get_by_text("Nobody is named yet.")).to_be_visible()
    expect(result).not_to_contain_text("Carl Close")
    panel = page.locator(".reveal-panel")
    panel.get_by_label("Name the close contacts").check()
    panel.get_by_label("Reason for naming them").fill("Tell them to stay at home")
    panel.get_by_role("button", name="Name them now").click()
    expect(result.locator(".contact-row").nth(0)).to_contain_text("Carl Close")
    expect(result.locator(".trace-facts")).to_contain_text("Tina Tracey")
    expect(result.locator(".trace-facts")).to_contain_text("from 7 days before the positive test")
    expect(result.locator(".trace-facts")).to_contain_text("P-0101")
    rows = result.locator(".contact-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Carl Close")
    expect(rows.nth(0)).to_contain_text("Close contact")
    expect(rows.nth(0)).to_contain_text("carl.close@example.org")
    expect(rows.nth(0).locator("td.number").first).to_have_text("20 min")
    expect(rows.nth(0)).not_to_contain_text("40 min")
    # Sam met Tina for 5 minutes: counted, not named.
    expect(rows.nth(1)).to_contain_text("Contact 1 (not named)")
    expect(result).not_to_contain_text("Sam Short")
    expect(rows.nth(1)).not_to_contain_text("Close contact")
    expect(rows.nth(1).locator("td.number").first).to_have_text("5 min")
    expect(rows.nth(2)).to_contain_text("Nobody held device P-0107 then")

    # Every encounter of a contact, on demand.
    show = rows.nth(0).get_by_role("button", name="Show 1 encounter with Carl Close")
    show.click()
    encounters_of_carl = result.locator(".encounter-row").nth(0)
    expect(encounters_of_carl).to_be_visible()
    expect(encounters_of_carl).to_contain_text("Encounters with Carl Close")
    expect(encounters_of_carl.locator("tbody tr")).to_have_count(1)
    expect(encounters_of_carl.locator("tbody tr")).to_contain_text("20 min")
    expect(result.locator(".encounter-row").nth(1)).to_be_hidden()
    expect(page.locator(".trace-timeline")).to_contain_text("Timeline")
    screenshot(page, "tracking-results")
    with phone_sized(page):  # no sideways scrolling
        screenshot(page, "tracking-phone")

    # The printed report: no navigation or form, every encounter shown.
    page.emulate_media(media="print")
    expect(main_navigation(page)).to_be_hidden()
    expect(page.locator(".trace-form")).to_be_hidden()
    expect(result.get_by_role("link", name="Download CSV")).to_be_hidden()
    expect(result.get_by_role("heading", level=2, name=f"Case {CASE}")).to_be_visible()
    expect(result.locator(".encounter-row").nth(1)).to_be_visible()
    screenshot(page, "tracking-print")
    page.emulate_media(media="screen")

    # My recent traces lists it.
    recent = page.get_by_role("table", name="My recent traces")
    expect(recent).to_contain_text(CASE)
    expect(recent).to_contain_text("820001")

    # The CSV: a row per encounter, with the case reference and the contact's name.
    with page.expect_download() as download_info:
        result.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"trace-{CASE}.csv"
    csv_text = download.path().read_text(encoding="utf-8")
    assert CASE in csv_text and "Carl Close" in csv_text

    assert AuditEntry.objects.filter(action="trace").count() == 1
    trace_entry = AuditEntry.objects.get(action="trace")
    assert (trace_entry.target_person_id, trace_entry.case_reference) == ("820001", CASE)
    assert trace_entry.reason == "Positive PCR test today"
    assert trace_entry.details["close_contacts"] == 1
    assert AuditEntry.objects.filter(action="trace_exported", case_reference=CASE).count() == 1
    assert "Sam Short" not in csv_text

    # Naming the others as well: its own reason, and a second person's approval first.
    panel.get_by_label("Name every contact").check()
    expect(panel.locator(".reveal-why")).to_contain_text("names contacts who are not close")
    panel.get_by_label("Reason for naming them").fill("Outbreak in the laboratory")
    panel.get_by_role("button", name="Ask for approval").click()
    expect(panel).to_contain_text("Waiting for approval by a second person")
    expect(result).not_to_contain_text("Sam Short")
    asked = AuditEntry.objects.get(action="reveal_requested")
    assert asked.reason == "Outbreak in the laboratory"
    assert asked.details.get("disclosed") == ["820001"]  # the person traced, nobody else
    named = AuditEntry.objects.get(action="trace_revealed")
    assert named.details["disclosed"] == ["820001", "820002"]


def test_a_period_beyond_the_retention_is_refused_next_to_it(page, live_server, oidc, encounters):
    """Encounters are kept 14 days: an older period is refused before anything is traced."""
    sign_in(page, live_server.url, "alice", "alice-pw")
    page.goto(f"{live_server.url}/tracking/")
    page.get_by_role("combobox", name="Person to trace").press_sequentially("820001")
    page.get_by_role("option").first.click()
    page.get_by_label("Explicit period").check()
    page.get_by_label("From", exact=True).fill("2020-01-01T08:00")
    page.get_by_label("To", exact=True).fill("2020-01-02T08:00")
    page.get_by_label("Case reference").fill(CASE)
    page.get_by_label("Reason").fill("Old case")
    page.get_by_role("button", name="Run the trace").click()
    expect(page.locator("#tracking-window-error")).to_contain_text("The period is empty")
    assert not AuditEntry.objects.exists()


def test_the_privacy_office_sees_the_trace_in_the_audit_trail(
    page, live_server, encounters, medic, privacy_officer
):
    now = timezone.now()
    window = contacts.trace_window(
        now=now, retention=timedelta(days=settings.ENCOUNTER_RETENTION_DAYS), positive_test=now
    )
    trace = services.trace_run(
        person_id="820001",
        window=window,
        policy="encounter",
        case_reference=CASE,
        reason="Positive PCR test today",
        acting_user=medic,
    )
    services.trace_reopen(trace=trace, acting_user=medic)
    services.trace_reopen(trace=trace, acting_user=medic, action=AuditEntry.Action.TRACE_EXPORTED)
    other = Person.objects.get(person_id="820003")
    services.trace_run(
        person_id=other.person_id,
        window=window,
        policy="daily",
        case_reference="C-2025-020",
        reason="Symptoms since yesterday",
        acting_user=medic,
    )

    # The data-protection office's browser, signed in through a session of the test client.
    sign_in_with_a_session(page, live_server.url, privacy_officer)
    page.goto(f"{live_server.url}/")
    open_page(page, "Audit")
    expect(page.get_by_text("Who traced whom, when and why").first).to_be_visible()
    table = page.get_by_role("table", name="Entries")
    expect(table.locator("tbody tr")).to_have_count(4)

    page.get_by_label("Person ID").fill("820001")
    page.get_by_label("Action").select_option("trace")
    page.get_by_role("button", name="Show entries").click()
    expect(page).to_have_url(re.compile(r"/audit/\?person_id=820001&action=trace$"))
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("medic")
    expect(rows.first).to_contain_text("traced close contacts")
    expect(rows.first).to_contain_text(CASE)
    expect(rows.first).to_contain_text("Positive PCR test today")
    expect(rows.first).to_contain_text("3 contacts, 1 close contact")

    # The view can be linked to: a reload keeps the filters.
    page.reload()
    expect(page.get_by_label("Person ID")).to_have_value("820001")
    expect(table.locator("tbody tr")).to_have_count(1)

    # Every action about this person, newest first.
    page.get_by_label("Action").select_option("")
    page.get_by_role("button", name="Show entries").click()
    expect(page).to_have_url(re.compile(r"/audit/\?person_id=820001$"))
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("exported a trace")
    expect(rows.nth(1)).to_contain_text("reopened a trace")
    screenshot(page, "audit")
