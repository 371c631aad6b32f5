"""End to end in Chromium: a medic's day of contact follow-up.

Tina tested positive. The medic opens her case, traces it (three close
contacts), previews and sends the three e-mails, marks one contact lost to
follow-up, traces another contact in turn (second degree) and sees the chain.
The screenshots in test-artifacts/ feed docs/user-guide/case-start-to-end.md.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import AuditEntry
from cases import reveals
from cases.models import Case, FollowUp, Reveal
from encounters.models import Encounter
from tests.browser import open_page, screenshot, sign_in
from tests.registration.factories import people_holding_devices
from tests.reveals import approver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

PEOPLE = (
    # person ID, given, family, department, tag
    ("830001", "Tina", "Tracey", "Laboratory", 201),
    ("830002", "Carl", "Close", "Physics", 202),
    ("830003", "Cleo", "Clark", "Library", 203),
    ("830004", "Dora", "Dunn", "Workshop", 204),
    ("830005", "Eve", "Evans", "Canteen", 205),
)


@pytest.fixture
def encounters():
    """Tina met Carl, Cleo and Dora for 20 minutes or more; Carl met Eve the day after."""
    now = timezone.now()
    people_holding_devices(PEOPLE, since=now - timedelta(days=10))
    met = (now - timedelta(days=3)).replace(second=0, microsecond=0)
    Encounter.objects.create(my_tag=201, ref_tag=202, started_at=met, slots=40)
    Encounter.objects.create(my_tag=203, ref_tag=201, started_at=met + timedelta(hours=2), slots=50)
    Encounter.objects.create(my_tag=201, ref_tag=204, started_at=met + timedelta(hours=4), slots=60)
    Encounter.objects.create(my_tag=202, ref_tag=205, started_at=met + timedelta(days=1), slots=40)


def worklist_row(page, name: str):
    return page.locator(".worklist tbody tr").filter(has_text=name)


def test_a_medics_day_from_the_case_to_the_chain(page, live_server, oidc, encounters, settings):
    # A confirmed case's own trace is named without a second person here (the four-eyes
    # path: tests/test_browser_reveal.py).
    settings.REVEAL_OWN_CASE_WITHOUT_APPROVAL = True
    url = live_server.url
    sign_in(page, url, "alice", "alice-pw")

    # Open the case.
    open_page(page, "Cases")
    finder = page.get_by_role("combobox", name="Person who is a case")
    finder.press_sequentially("830001")
    option = page.locator(".case-open-form").get_by_role("listbox").get_by_role("option")
    expect(option).to_have_count(1)
    option.click()
    page.locator("#case-open-test").fill(timezone.localdate().isoformat())
    page.locator("#case-open-notes").fill("Positive PCR this morning; isolating at home.")
    screenshot(page, "case-open")
    page.get_by_role("button", name="Open the case").click()
    heading = page.locator("#case-record-heading")
    expect(heading).to_contain_text("Tina Tracey")
    case = Case.objects.get(person_id="830001")
    expect(heading).to_contain_text(case.reference)

    # Trace it: three close contacts become follow-ups.
    page.locator("#case-trace-reason").fill("Positive PCR test today")
    page.get_by_role("button", name="Trace this case").click()
    panel = page.locator(".reveal-panel")
    panel.get_by_label("Name the close contacts").check()
    panel.get_by_label("Reason for naming them").fill("Tell them to stay at home")
    panel.get_by_role("button", name="Name them now").click()
    traced = page.locator(".traced-follow-ups")
    for name in ("Carl Close", "Cleo Clark", "Dora Dunn"):
        expect(traced).to_contain_text(name)
    expect(page.locator(".case-follow-ups tbody tr")).to_have_count(3)
    screenshot(page, "case-traced")
    assert FollowUp.objects.filter(case=case, status="to_contact").count() == 3

    # The worklist: select all three, preview the e-mails, send them.
    open_page(page, "Follow-ups")
    expect(page.locator(".worklist tbody tr")).to_have_count(3)
    page.locator("#worklist-all").check()
    page.get_by_role("button", name="Preview the e-mails").click()
    previews = page.locator(".email-preview")
    expect(previews).to_have_count(3)
    expect(page.locator(".notify-preview")).to_contain_text("Nothing has been sent yet.")
    expect(page.locator(".notify-preview")).not_to_contain_text("Tina")
    expect(page.locator(".notify-preview")).not_to_contain_text(case.reference)
    assert not mail.outbox
    screenshot(page, "follow-ups-preview")
    page.get_by_role("button", name="Send 3 e-mails").click()
    for name in ("Carl Close", "Cleo Clark", "Dora Dunn"):
        expect(worklist_row(page, name)).to_contain_text("notified")
    assert len(mail.outbox) == 3
    assert all("Tina" not in m.body and case.reference not in m.body for m in mail.outbox)
    screenshot(page, "follow-ups-worklist")

    # Dora does not answer: lost to follow-up, with a note.
    worklist_row(page, "Dora Dunn").get_by_role("link", name="Dora Dunn").click()
    expect(page.locator("#follow-up-heading")).to_have_text("Dora Dunn")
    expect(page.locator(".end-explained")).to_contain_text("until the end of")
    page.locator("#status-note").fill("No answer after three calls")
    page.locator('button[data-status="lost"]').click()
    expect(page.locator(".follow-up-record")).to_contain_text("lost to follow-up")
    dora = FollowUp.objects.get(person_id="830004")
    assert (dora.status, dora.close_reason) == ("lost", "No answer after three calls")

    # Carl has symptoms: trace him in turn (second degree).
    open_page(page, "Follow-ups")
    worklist_row(page, "Carl Close").get_by_role("link", name="Carl Close").click()
    expect(page.locator("#follow-up-heading")).to_have_text("Carl Close")
    page.locator("#follow-up-trace-reason").fill("Carl reports a fever")
    page.get_by_role("button", name="Trace this contact").click()
    # A contact's contacts: naming them always waits for a second medic.
    panel = page.locator(".reveal-panel")
    panel.get_by_label("Name the close contacts").check()
    expect(panel.locator(".reveal-why")).to_contain_text("second-degree trace")
    panel.get_by_label("Reason for naming them").fill("Carl reports a fever")
    panel.get_by_role("button", name="Ask for approval").click()
    expect(panel).to_contain_text("Waiting for approval by a second person")
    assert not FollowUp.objects.filter(person_id="830005").exists()
    reveals.reveal_decide(
        reveal_id=Reveal.objects.get(status="waiting").pk,
        approve=True,
        comment="Fever: trace on",
        acting_user=approver(),
    )
    panel.get_by_role("button", name="Check again").click()
    expect(panel).to_contain_text("Approved by medic-2")
    screenshot(page, "follow-up-record")
    eve = FollowUp.objects.get(person_id="830005")
    assert eve.degree == 2 and eve.case_id == case.pk

    # The chain: Tina's case, her three contacts, and Eve under Carl.
    page.goto(f"{url}/cases/?case={case.pk}")
    chain = page.locator(".case-chain")
    expect(chain).to_contain_text(case.reference)
    carl = chain.locator(".chain-node").filter(has_text="Carl Close").first
    expect(carl).to_contain_text("Eve Evans")
    for name in ("Cleo Clark", "Dora Dunn"):
        expect(chain).to_contain_text(name)
    expect(chain.get_by_role("link", name=re.compile("Eve Evans"))).to_have_attribute(
        "href", f"/follow-ups/?id={eve.pk}"
    )
    page.locator(".case-chain-section").scroll_into_view_if_needed()
    screenshot(page, "case-chain")

    # What the audit trail holds of the day.
    actions = list(AuditEntry.objects.order_by("position").values_list("action", flat=True))
    assert actions.count("case_opened") == 1
    assert actions.count("trace") == 2
    assert actions.count("contact_notified") == 3
