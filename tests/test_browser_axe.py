"""End to end in Chromium: axe-core finds no accessibility violation on any page, as any role.

The demo data is loaded (`demo_data`: devices, people, encounters, appointments, cases), so
pages show tables, charts and lists rather than empty states. Each demo account (desk, assets,
medic, privacy, and person with no role) signs in and opens every page it sees, the start
page and the user guide, on a desktop and on a phone screen (with the menu open, so the
navigation is checked too); axe-core (frontend/node_modules/axe-core, the version pinned in
frontend/package.json) runs over the whole document. The rules are axe's defaults: WCAG 2 A
and AA and best practices.
"""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from frontend.pages import pages_for
from tests.browser import sign_in_with_a_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

AXE = Path(__file__).resolve().parents[1] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def axe_page(chromium):
    """A browser page that may inject axe: the portal's Content-Security-Policy forbids inline
    scripts, so this one context (the test's own, never a person's) bypasses it."""
    context = chromium.new_context(bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def violations(page) -> list[str]:
    """axe's violations on the page as it is, one line each: rule, impact, where."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document)
          const where = (v) => v.nodes.map((n) => n.target.join(' ')).join(', ')
          return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${where(v)}`)
        }"""
    )
    return found


def settle(page, url: str) -> None:
    """Open `url` and wait until its data has arrived and been drawn."""
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # charts and transitions end


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    settings.DEMO_ENCOUNTER_DAYS = 2  # enough for every table and chart, quicker to load
    call_command("demo_data")


def details_of(username: str) -> list[str]:
    """Pages in a state beyond their first view: a device's and a person's history, a case and
    a follow-up opened (the demo's own records)."""
    from cases.models import Case, FollowUp
    from registration.models import Association

    if username == "desk":
        held = Association.objects.order_by("pk").first()
        return [
            f"/status/?device={held.device_id}",
            "/status/?device=P-0007",  # reported lost in the demo
            f"/status/?person={held.person_id}",
        ]
    if username == "medic":
        case, follow_up = Case.objects.order_by("pk").first(), FollowUp.objects.first()
        paths = [f"/cases/?case={case.pk}"] if case else []
        return paths + ([f"/follow-ups/?id={follow_up.pk}"] if follow_up else [])
    return []


@pytest.mark.parametrize("username", ["desk", "assets", "medic", "privacy", "person"])
def test_no_axe_violation_on_any_page(axe_page, live_server, demo, username):
    user = get_user_model().objects.get(username=username)
    page = axe_page
    sign_in_with_a_session(page, live_server.url, user)
    paths = ["/", *(p.path for p in pages_for(user)), *details_of(username)]
    paths += ["/help/", "/help/home/"]
    problems = []
    for screen, size in SCREENS.items():
        page.set_viewport_size(size)
        for path in paths:
            settle(page, f"{live_server.url}{path}")
            menu = page.get_by_role("button", name="Menu")
            if menu.is_visible():
                menu.click()  # the navigation is checked too
            problems += [f"{screen} {path}: {line}" for line in violations(page)]
    assert not problems, "\n".join(problems)


def test_no_axe_violation_before_signing_in(axe_page, live_server, settings):
    settings.DEMO_MODE = True  # the sign-in page with its password form too
    settings.SOCIALACCOUNT_ONLY = False
    page = axe_page
    problems = []
    for screen, size in SCREENS.items():
        page.set_viewport_size(size)
        for path in ["/accounts/login/", "/privacy/"]:
            settle(page, f"{live_server.url}{path}")
            problems += [f"{screen} {path}: {line}" for line in violations(page)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("username", ["desk", "medic"])
def test_no_axe_violation_in_french(chromium, live_server, demo, username):
    """The same pages in French (a fr-CH browser): French words are longer, and the page
    says its language (lang="fr"); desktop only, the phone's layout is the same markup."""
    context = chromium.new_context(bypass_csp=True, locale="fr-CH", viewport=SCREENS["desktop"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        user = get_user_model().objects.get(username=username)
        sign_in_with_a_session(page, live_server.url, user)
        paths = ["/", *(p.path for p in pages_for(user)), "/help/", "/privacy/"]
        problems = []
        for path in paths:
            settle(page, f"{live_server.url}{path}")
            expect(page.locator("html")).to_have_attribute("lang", "fr")
            problems += [f"{path}: {line}" for line in violations(page)]
        assert not problems, "\n".join(problems)
    finally:
        context.close()
