"""End to end in Chromium: four eyes before anyone is named (TRACKING, APPROVALS, AUDIT).

A trace names nobody. The medic asks, with a reason, to name the close contacts; a second
medic approves on the Approvals page, seeing the reason and the numbers but no name; the
first medic then sees the name. Nobody approves their own request. In an emergency the
medic names them at once (break-glass), and the data-protection office reviews it on the
Audit page.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Reveal
from encounters.models import Encounter
from tests.browser import (
    new_page,
    open_page,
    screenshot,
    sign_in_with_a_session,
    trace_from_positive_test_now,
)
from tests.registration.factories import people_holding_devices

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

CASE = "C-2025-031"
REASON = "Positive PCR test: the close contacts must stay at home"


@pytest.fixture
def encounters():
    """Tina tested positive; she met Carl for 20 minutes (a close contact) and Sam for 5."""
    now = timezone.now()
    people = (
        ("820001", "Tina", "Tracey", "Laboratory", 101),
        ("820002", "Carl", "Close", "Physics", 102),
        ("820003", "Sam", "Short", "Finance", 103),
    )
    people_holding_devices(people, since=now - timedelta(days=10))
    met = (now - timedelta(days=2)).replace(second=0, microsecond=0)
    Encounter.objects.create(my_tag=101, ref_tag=102, started_at=met, slots=40)
    Encounter.objects.create(my_tag=103, ref_tag=101, started_at=met + timedelta(days=1), slots=10)


def signed_in(browser_page, url: str, user) -> None:
    """`user` signed in (a recent sign-in: the session of a test client), at the home page."""
    sign_in_with_a_session(browser_page, url, user)
    browser_page.goto(f"{url}/")


def trace_tina(page) -> None:
    """Run a trace of Tina from her positive test today, on the Tracking page."""
    trace_from_positive_test_now(page, search="tina", case=CASE, reason="Positive PCR test today")


def ask_to_name_the_close_contacts(page, reason: str = REASON):
    panel = page.locator(".reveal-panel")
    panel.get_by_label("Name the close contacts").check()
    panel.get_by_label("Reason for naming them").fill(reason)
    return panel


def test_a_second_medic_approves_naming_the_close_contacts_without_seeing_them(
    page, chromium, live_server, encounters, medic, second_medic
):
    url = live_server.url
    signed_in(page, url, medic)
    trace_tina(page)

    # Nobody is named: each contact is a number, the close contact marked as such.
    result = page.locator(".trace-result")
    expect(result.get_by_text("Nobody is named yet.")).to_be_visible()
    rows = result.locator(".contact-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Contact 1 (not named)")
    expect(rows.nth(0)).to_contain_text("Close contact")
    expect(rows.nth(1)).to_contain_text("Contact 2 (not named)")
    for hidden in ("Carl Close", "820002", "Sam Short", "820003"):
        expect(result).not_to_contain_text(hidden)

    # Asking: the server says that a second person must approve, and why.
    panel = ask_to_name_the_close_contacts(page)
    expect(panel).to_contain_text("A second person (medical service) must approve this")
    expect(panel.locator(".reveal-because li").first).to_be_visible()
    screenshot(page, "tracking-reveal")
    panel.get_by_role("button", name="Ask for approval").click()
    expect(panel.locator(".reveal-waiting")).to_contain_text(
        "Waiting for approval by a second person (medical service); you will get an e-mail."
    )
    expect(result).not_to_contain_text("Carl Close")
    assert Reveal.objects.get().status == Reveal.Status.WAITING

    # The second medic sees the request, its reason and the numbers, and no name.
    other = new_page(chromium)
    try:
        signed_in(other, url, second_medic)
        open_page(other, "Approvals")
        waiting = other.get_by_role("table", name="Waiting for a second person")
        expect(waiting.locator("tbody tr")).to_have_count(1)
        expect(waiting).to_contain_text(CASE)
        expect(waiting).to_contain_text(REASON)
        waiting.get_by_role("link", name=f"Open the request of Case {CASE}").click()
        request = other.locator(".approval-request")
        expect(request.get_by_role("heading", level=2, name=f"Case {CASE}")).to_be_focused()
        expect(request.locator(".approval-facts")).to_contain_text(REASON)
        expect(request.locator(".approval-facts")).to_contain_text("the close contacts")
        expect(request.locator(".approval-facts")).to_contain_text("One encounter longer than 15")
        contacts = request.get_by_role("table", name="The trace, without names")
        expect(contacts.locator("tbody tr")).to_have_count(2)
        expect(contacts.locator("tbody tr").nth(0)).to_contain_text("Contact 1")
        expect(contacts.locator("tbody tr").nth(0)).to_contain_text("Close contact")
        expect(contacts.locator("tbody tr").nth(0)).to_contain_text("20 min")
        expect(request).to_contain_text("1 close contact of 2 contacts")
        for hidden in ("Carl", "820002", "Sam", "820003"):
            expect(request).not_to_contain_text(hidden)
        screenshot(other, "approvals")

        # Refusing needs a comment; approving does not, but takes one.
        other.get_by_role("button", name="Refuse").click()
        expect(other.locator("#approval-comment-error")).to_contain_text("Say why you refuse")
        other.get_by_label("Comment").fill("The reason is sound.")
        other.get_by_role("button", name="Approve").click()
        expect(other.locator(".success-banner")).to_contain_text("Approved: medic can now see")
        expect(other.get_by_text("No request waits for approval.")).to_be_visible()
    finally:
        other.context.close()
    reveal = Reveal.objects.get()
    assert (reveal.status, reveal.decided_by) == (Reveal.Status.APPROVED, "medic-2")

    # The first medic: the approval shows; reopening the trace names the close contact.
    panel.get_by_role("button", name="Check again").click()
    expect(panel.locator(".reveal-approved")).to_contain_text("Approved by medic-2")
    expect(panel.locator(".reveal-approved")).to_contain_text("The reason is sound.")
    page.get_by_role("table", name="My recent traces").get_by_role("button", name="Reopen").click()
    expect(rows.nth(0)).to_contain_text("Carl Close")
    expect(rows.nth(0)).to_contain_text("carl.close@example.org")
    expect(rows.nth(1)).to_contain_text("Contact 1 (not named)")
    expect(result).not_to_contain_text("Sam Short")

    # Their own requests, and how each ended.
    open_page(page, "Approvals")
    mine = page.get_by_role("table", name="My requests")
    expect(mine.locator("tbody tr")).to_have_count(1)
    expect(mine).to_contain_text("approved")
    expect(mine).to_contain_text("The reason is sound.")


def test_a_medics_own_request_is_not_theirs_to_approve(page, live_server, encounters, medic):
    url = live_server.url
    signed_in(page, url, medic)
    trace_tina(page)
    panel = ask_to_name_the_close_contacts(page)
    panel.get_by_role("button", name="Ask for approval").click()
    expect(panel.locator(".reveal-waiting")).to_be_visible()

    open_page(page, "Approvals")
    expect(page.get_by_text("No request waits for approval.")).to_be_visible()
    mine = page.get_by_role("table", name="My requests")
    expect(mine.locator("tbody tr")).to_have_count(1)
    expect(mine).to_contain_text("waiting for approval")

    # Opened by its address, the server refuses the requester's own decision.
    reveal = Reveal.objects.get()
    page.goto(f"{url}/approvals/?id={reveal.pk}")
    expect(page.locator(".approval-request h2")).to_have_text(f"Case {CASE}")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".approval-request .form-error")).to_be_visible()
    reveal.refresh_from_db()
    assert reveal.status == Reveal.Status.WAITING


def test_break_glass_names_at_once_and_the_privacy_office_reviews_it(
    page, chromium, live_server, encounters, medic, privacy_officer
):
    url = live_server.url
    signed_in(page, url, medic)
    trace_tina(page)
    panel = ask_to_name_the_close_contacts(page, reason="Urgent")
    panel.get_by_label("Urgent: name them now without approval (break-glass)").check()
    expect(panel.get_by_role("alert")).to_contain_text(
        "The data-protection office reviews every break-glass reveal."
    )
    # Too short a reason for break-glass: the server says so, next to the reason.
    panel.get_by_role("button", name="Name them now (break-glass)").click()
    expect(panel.locator("#reveal-reason-error")).to_contain_text("at least")
    assert not Reveal.objects.exists()

    panel.get_by_label("Reason for naming them").fill(
        "Carl works in the neonatal ward tonight: he must be told now."
    )
    panel.get_by_role("button", name="Name them now (break-glass)").click()
    result = page.locator(".trace-result")
    expect(result.locator(".contact-row").nth(0)).to_contain_text("Carl Close")
    expect(page.locator(".success-banner")).to_contain_text("break-glass")
    assert Reveal.objects.get().status == Reveal.Status.BREAK_GLASS

    # The data-protection office: flagged until reviewed.
    office = new_page(chromium)
    try:
        signed_in(office, url, privacy_officer)
        office.goto(f"{url}/transparency/")
        expect(office.locator(".fact-break-glass")).to_have_text("1")
        open_page(office, "Audit")
        section = office.locator(".break-glass")
        item = section.locator(".break-glass-item")
        expect(item).to_have_count(1)
        expect(item).to_have_class(re.compile(r"\bis-unreviewed\b"))
        expect(item).to_contain_text("Not reviewed")
        expect(item).to_contain_text(CASE)
        expect(item).to_contain_text("neonatal ward")
        screenshot(office, "audit-break-glass")
        item.get_by_label(f"Comment on Case {CASE}").fill("Justified: night shift on a ward.")
        item.get_by_role("button", name=f"Reviewed Case {CASE}").click()
        expect(item).to_contain_text("reviewed by dpo")
        expect(item).not_to_have_class(re.compile(r"\bis-unreviewed\b"))
        office.goto(f"{url}/transparency/")
        expect(office.locator(".fact-break-glass")).to_have_text("0")
    finally:
        office.context.close()
    assert Reveal.objects.get().review == "reviewed"


def test_a_cases_own_trace_is_named_at_once_when_the_service_allows_it_opening_follow_ups(
    page, live_server, encounters, medic, settings
):
    """With REVEAL_OWN_CASE_WITHOUT_APPROVAL, a confirmed open case's own close contacts need
    no second person: the server says so, and naming them opens their follow-ups."""
    settings.REVEAL_OWN_CASE_WITHOUT_APPROVAL = True
    signed_in(page, live_server.url, medic)
    open_page(page, "Cases")
    page.get_by_role("combobox", name="Person who is a case").press_sequentially("820001")
    page.locator(".case-open-form").get_by_role("listbox").get_by_role("option").click()
    page.locator("#case-open-test").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator("#case-record-heading")).to_contain_text("Tina Tracey")

    page.locator("#case-trace-reason").fill("Positive PCR test today")
    page.get_by_role("button", name="Trace this case").click()
    result = page.locator(".trace-result")
    expect(result.get_by_text("Nobody is named yet.")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Nobody is named yet")).to_be_visible()
    expect(page.locator(".traced-follow-ups")).to_have_count(0)

    panel = ask_to_name_the_close_contacts(page, reason="Positive PCR test today")
    expect(panel.locator(".reveal-why")).to_have_text(
        "No approval is needed: the names are shown as soon as you send."
    )
    panel.get_by_role("button", name="Name them now").click()
    expect(result.locator(".contact-row").nth(0)).to_contain_text("Carl Close")
    expect(page.locator(".traced-follow-ups")).to_contain_text("Carl Close")
    expect(page.get_by_role("status").filter(has_text="1 follow-up opened")).to_be_visible()
    assert Reveal.objects.get().status == Reveal.Status.NOT_NEEDED
