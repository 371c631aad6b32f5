"""CSRF: every state-changing call a browser session can make needs the token.

Django's test client skips the check unless `Client(enforce_csrf_checks=True)`.
DRF views are exempt from Django's middleware and check in SessionAuthentication
instead; a bearer-token call carries no cookie and needs no token.
"""

import pytest
from django.test import Client
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

from core.roles import Role
from tests import personas
from tests.conftest import ROLE_CLIENTS
from tests.registration.factories import make_person
from tests.security.routes import every_url

pytestmark = pytest.mark.django_db(databases="__all__")

UNSAFE = ("post", "put", "patch", "delete")


class AnyValue(dict):
    """Sample parameters: 1 for every name."""

    def __missing__(self, key):
        return 1


def session_write_endpoints():
    """(path, method) of every DRF view that a session may call to change something."""
    found = []
    for url in every_url():
        view = getattr(url.callback, "cls", None)
        if not (isinstance(view, type) and issubclass(view, APIView)):
            continue
        authenticators = view.authentication_classes
        if not any(issubclass(cls, SessionAuthentication) for cls in authenticators):
            continue  # e.g. coordinate donations: a code or token, never a cookie
        for method in UNSAFE:
            if hasattr(view, method):
                found.append((url.path({"params": AnyValue(), "pks": {}}), method))
    return found


@pytest.fixture
def everyone(db):
    """A signed-in person holding every role (so that only the CSRF check can refuse)."""
    return personas.superuser(roles=Role)


def test_there_are_state_changing_api_calls_to_check():
    assert len(session_write_endpoints()) >= 20


def test_a_session_cannot_change_anything_through_the_api_without_the_csrf_token(everyone):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(everyone)
    let_through = []
    for path, method in session_write_endpoints():
        response = getattr(browser, method)(path, {}, content_type="application/json")
        if response.status_code != 403 or "CSRF" not in response.json().get("detail", ""):
            let_through.append(f"{method.upper()} {path}: {response.status_code}")
    assert not let_through, "answered without a CSRF token:\n" + "\n".join(let_through)


def test_with_the_token_from_the_page_the_call_goes_through():
    browser = Client(enforce_csrf_checks=True)
    make_person("630001")
    browser.force_login(personas.wearer("630001"))
    browser.get("/appointments/")  # every page sets the cookie (ensure_csrf_cookie)
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/appointments/mine/bookings",
        {},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 400  # on to the rules of booking: which slot?


def test_a_bearer_token_call_needs_no_csrf_token(oidc):
    robot = ROLE_CLIENTS["registration"]
    token = oidc.client_credentials_token(robot["client_id"], robot["client_secret"])
    api = Client(enforce_csrf_checks=True)
    response = api.post(
        "/api/registration/assign",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400  # validation, not a CSRF refusal


def test_the_sign_out_and_the_admin_need_the_token_too(everyone):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(everyone)
    assert browser.post("/accounts/logout/").status_code == 403
    assert browser.get("/api/me").status_code == 200  # still signed in
    assert browser.post("/admin/registration/person/add/", {}).status_code == 403
