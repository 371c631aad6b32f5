"""In Chromium: the pages work under the Content-Security-Policy, and none reports a violation.

Alice (registration, medical; staff through registration) signs in through the
identity provider (the sign-in form posts to the portal, which redirects to the
provider: form-action), opens every page of hers, the admin and the API docs,
and signs out at the provider again. Every `securitypolicyviolation` event, CSP
console message and uncaught page error is collected.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from encounters.models import Encounter
from registration.models import Association
from tests.browser import navigation, reveal_in_navigation, sign_in, sign_out
from tests.registration.factories import make_device, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

# Injected by the browser itself (DevTools protocol), so the policy does not apply to it.
COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.effectiveDirective}: ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
});
"""


@pytest.fixture
def alice_with_an_encounter():
    """Alice in the directory, with a device and an encounter (My data draws its chart)."""
    now = timezone.now()
    alice = make_person("810001", "Alice", "Adams")
    make_device("D-CSP-1", tag_id=4242)
    Association.objects.create(
        person=alice, device_id="D-CSP-1", started_at=now - timedelta(days=5), started_by="t"
    )
    Encounter.objects.create(
        my_tag=4242, ref_tag=4343, started_at=now - timedelta(days=1), slots=40
    )


class Problems(list):
    def watch(self, page) -> None:
        page.context.add_init_script(COLLECT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.append(f"page error: {error}"))

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.append(f"console: {text}")

    def collect(self, page, where: str) -> None:
        for violation in page.evaluate("window.__csp || []"):
            self.append(f"{where}: {violation}")


def test_every_page_works_under_the_policy(page, live_server, oidc, alice_with_an_encounter):
    problems = Problems()
    problems.watch(page)
    sign_in(page, live_server.url, "alice", "alice-pw")  # form-action: the provider

    titles = [title for title in navigation(page) if title != "Administration"]
    assert {"Registration", "Tracking", "My data"} <= set(titles)
    for title in titles:
        reveal_in_navigation(page, title).click()
        expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible()
        if title == "My data":
            expect(page.locator("canvas").first).to_be_visible()  # Chart.js drew
        if title == "Tracking":
            page.get_by_role("combobox", name="Person to trace").press_sequentially("Ali")
            expect(page.get_by_role("option").first).to_be_visible()
        problems.collect(page, title)

    page.goto(f"{live_server.url}/admin/registration/person/")
    expect(page.locator("#result_list")).to_be_visible()
    problems.collect(page, "admin")

    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()  # the schema loaded
    problems.collect(page, "API docs")

    page.goto(f"{live_server.url}/")
    sign_out(page)  # posts here, redirects to the provider (form-action)
    problems.collect(page, "signed out")

    assert not problems, "\n".join(problems)
