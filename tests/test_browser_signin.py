"""End to end in Chromium: sign in through the real OpenID Connect provider."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts.services import user_set_roles
from core.roles import Role
from tests.browser import (
    navigation,
    open_provider_login,
    reveal_in_navigation,
    sign_in,
    sign_out,
)
from tests.conftest import user_api_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

# Group by group (Desk, Medical, Oversight, For me), as the header shows them.
EVERY_PAGE = [
    "Registration",
    "Status",
    "Found",
    "Desk day",
    "Tracking",
    "Cases",
    "Follow-ups",
    "Risk models",
    "Approvals",
    "Statistics",
    "Appointments",
    "My data",
    "Location risk",
    "Transparency",
]


def test_people_see_exactly_the_pages_their_groups_allow_and_sign_out(page, live_server, oidc):
    # Alice's groups: registration, medical (and one the portal does not know).
    sign_in(page, live_server.url, "alice", "alice-pw")
    # The registration role also manages people in the admin.
    assert navigation(page) == [*EVERY_PAGE, "Administration"]
    expect(page.locator(".account-name")).to_have_text("Alice Adams")
    reveal_in_navigation(page, "Tracking").click()
    expect(page.get_by_role("heading", name="Tracking")).to_be_visible()

    sign_out(page)  # of the provider too

    # Bob's groups give no role: only what every person may use.
    sign_in(page, live_server.url, "bob", "bob-pw")
    assert navigation(page) == ["Appointments", "My data", "Location risk", "Transparency"]
    response = page.goto(f"{live_server.url}/tracking/")
    assert response.status == 403


def test_a_wrong_password_does_not_sign_in(page, live_server, oidc):
    open_provider_login(page, live_server.url)
    page.locator("#username").fill("alice")
    page.locator("#password").fill("wrong")
    page.locator("#kc-login").click()
    expect(page.get_by_role("alert")).to_contain_text("Invalid username or password")
    assert not get_user_model().objects.filter(username="alice").exists()


def test_roles_are_resynchronised_at_every_sign_in(page, live_server, oidc):
    sign_in(page, live_server.url, "bob", "bob-pw")
    bob = get_user_model().objects.get(username="bob")
    user_set_roles(user=bob, roles={Role.MEDICAL})  # withdrawn at the provider since
    page.context.clear_cookies()
    sign_in(page, live_server.url, "bob", "bob-pw")
    assert navigation(page) == ["Appointments", "My data", "Location risk", "Transparency"]


def test_the_api_and_the_browser_know_a_person_as_one_user(page, live_server, oidc):
    import requests

    token = user_api_token(oidc, "alice", live_server.url)
    first = requests.get(
        f"{live_server.url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert first.status_code == 200
    sign_in(page, live_server.url, "alice", "alice-pw")
    assert page.evaluate("fetch('/api/me').then(r => r.json()).then(b => b.username)") == "alice"
    assert get_user_model().objects.count() == 1
