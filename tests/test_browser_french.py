"""End to end in Chromium, in French: the main flows as a French-speaking browser sees them.

A browser that prefers French (fr-CH) gets the sign-in page, the header, the pages, the
server's messages, the dates ("4 déc. 2026", "14 h 51") and the numbers ("22,5") in French,
with no choice made; the header's switch changes to English and back, and the choice is kept
on the account. The flows: a clerk signs in and hands out a device, a person books a time
and reads MY DATA, a medic reads a trace. The screenshots in test-artifacts/fr-*.png feed the
French user guide (docs/user-guide/fr/img/).
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from appointments.models import Booking
from core import dates
from registration.models import Association
from tests.browser import (
    DESKTOP,
    browser_time,
    open_page,
    scan,
    screenshot,
    sign_in_with_a_session,
)
from tests.test_browser_appointments import appointment_data  # noqa: F401 (fixture)
from tests.test_browser_my_data import met_zed  # noqa: F401 (fixture)
from tests.test_browser_registration import desk_data  # noqa: F401 (fixture)
from tests.test_browser_tracking import CASE, encounters  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def french_page(chromium, request):
    """A fresh browser profile whose language is Swiss French (Accept-Language: fr-CH)."""
    context = chromium.new_context(viewport=DESKTOP, locale="fr-CH")
    context.set_default_timeout(15_000)
    browser_page = context.new_page()
    yield browser_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        screenshot(browser_page, request.node.name)
    context.close()


def in_french(moment) -> str:
    from django.utils import translation

    with translation.override("fr"):
        return dates.format_day(moment), dates.format_time(moment)


def test_a_clerk_signs_in_and_hands_out_a_device_in_french(
    french_page, live_server, oidc, desk_data  # noqa: F811
):
    page, url = french_page, live_server.url
    page.goto(f"{url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1, name="Se connecter")).to_be_visible()
    screenshot(page, "fr-sign-in")
    page.locator("form button[type=submit]").first.click()  # the identity provider's button
    page.locator("#username").fill("alice")
    page.locator("#password").fill("alice-pw")
    page.locator("#kc-login").click()
    expect(page).to_have_url(f"{url}/")
    expect(page.get_by_role("heading", level=1, name="Bienvenue")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Aide sur le portail"))).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.locator(".footer-zone")).to_have_text(
        "Les dates et heures sont données à l’heure de Europe/Zurich."
    )

    # ENREGISTREMENT: find Anna Adams among the two Adams, scan a device.
    open_page(page, "Enregistrement")
    finder = page.get_by_role("combobox", name="Trouver une personne")
    expect(finder).to_be_focused()
    finder.press_sequentially("adam")
    expect(page.get_by_role("option")).to_have_count(2)
    finder.press("ArrowDown")
    finder.press("ArrowDown")
    finder.press("Enter")
    expect(page.get_by_role("heading", level=2, name="Anna Adams")).to_be_visible()
    device = page.get_by_role("textbox", name="Numéro d’appareil")
    expect(device).to_be_focused()
    scan(page, "P-1001")
    status = page.get_by_role("status")
    expect(status).to_contain_text("P-1001")
    expect(status).to_contain_text("Anna Adams")
    expect(status).not_to_contain_text("is now held by")
    expect(page.locator(".desk-person")).to_contain_text("Porte l’appareil P-1001")
    screenshot(page, "fr-registration")
    assert Association.objects.get(device_id="P-1001", ended_at__isnull=True).person_id == "810003"

    # A refusal from the server, in French: the same device again for someone else.
    page.goto(f"{url}/registration/?person=810001")
    expect(page.get_by_role("heading", level=2, name="Alice Adams")).to_be_visible()
    scan(page, "P-1001")
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("Anna Adams")
    expect(refusal).not_to_contain_text("is held by")

    # The header's switch: English, kept on the account, then French again.
    page.get_by_role("button", name="Read the portal in English").click()
    expect(page.get_by_role("heading", level=1, name="Registration")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert User.objects.get(username="alice").language == "en"
    page.get_by_role("button", name="Lire le portail en français").click()
    expect(page.get_by_role("heading", level=1, name="Enregistrement")).to_be_visible()
    assert User.objects.get(username="alice").language == "fr"


def test_a_person_books_a_time_in_french(
    french_page, live_server, appointment_data  # noqa: F811
):
    page, url = french_page, live_server.url
    slot = appointment_data["slot"]
    day, at = in_french(slot.starts_at)
    bob = User.objects.create_user(username="bob-fr", person_id="810002")
    sign_in_with_a_session(page, url, bob)
    page.goto(f"{url}/")
    open_page(page, "Rendez-vous")
    campaign = page.get_by_role("region", name="Autumn hand-out")
    calendar = campaign.get_by_role("table", name="Jours avec des créneaux libres")
    calendar.get_by_role("button", name=re.compile(rf"^{re.escape(day)}, \d+ libres?$")).click()
    times = campaign.get_by_role("region", name=day)
    times.get_by_role("button", name=f"{at}, 2 places restantes", exact=True).click()
    book = campaign.get_by_role("button", name="Réserver ce créneau")
    expect(book).to_be_focused()
    screenshot(page, "fr-appointments-choose")
    book.click()
    expect(campaign.get_by_role("status")).to_contain_text(f"Réservé : {day} à {at}")
    card = campaign.locator(".booking-card")
    expect(card.get_by_role("button")).to_have_text(["Déplacer", "Annuler"])
    screenshot(page, "fr-appointments")
    assert Booking.objects.get(person_id="810002").slot_id == slot.pk


def test_a_person_reads_my_data_in_french(french_page, live_server, met_zed):  # noqa: F811
    page, url = french_page, live_server.url
    page.emulate_media(reduced_motion="reduce")
    bob = User.objects.create_user(username="bob-fr", person_id="810002")
    sign_in_with_a_session(page, url, bob)
    page.goto(f"{url}/")
    open_page(page, "Mes données")
    expect(page.get_by_role("heading", level=2, name="Mes rencontres")).to_be_visible()
    day = page.locator(".my-day").first
    expect(day.locator("summary")).to_contain_text("22 min au total")
    meeting_day, _ = in_french(met_zed)
    expect(day.locator("summary")).to_contain_text(meeting_day)
    rows = day.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("10 h 00")
    expect(rows.nth(0).locator(".long-badge")).to_have_text("de plus de 15 minutes")
    expect(page.locator("main")).not_to_contain_text("Zed")
    screenshot(page, "fr-my-data")


def test_a_medic_reads_a_trace_in_french(french_page, live_server, medic, encounters):  # noqa: F811
    page, url = french_page, live_server.url
    sign_in_with_a_session(page, url, medic)
    page.goto(f"{url}/")
    open_page(page, "Traçage")
    page.get_by_role("combobox", name="Personne à tracer").press_sequentially("Tina")
    page.get_by_role("option").first.click()
    page.get_by_label("Test positif, sans symptômes").check()
    page.get_by_label("Date et heure du test positif").fill(browser_time(page))
    page.get_by_label("Référence du cas").fill(CASE)
    page.locator("#tracking-reason").fill("Test PCR positif")
    page.get_by_role("button", name="Lancer le traçage").click()
    result = page.locator(".trace-result")
    expect(result.locator("h2")).to_have_text(f"Cas {CASE}")
    expect(result).to_contain_text("Période tracée")
    expect(result).to_contain_text("1 contact étroit")
    expect(result).to_contain_text("20 min")
    expect(result).to_contain_text(re.compile(r"\d{1,2} h \d{2}"))
    # The server's words in the result are French too: no English sentence on the page.
    for english in ("Nobody held device", "needs a second person", "Every reveal", "Case "):
        expect(page.locator("main")).not_to_contain_text(english)
    screenshot(page, "fr-tracking-results")
