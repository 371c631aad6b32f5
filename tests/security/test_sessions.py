"""Sessions: idle timeout of sensitive roles, a recent sign-in for tracing, rate limits."""

import random
import time
import uuid

import pytest
from django.urls import reverse

from core.roles import Role
from core.security import LAST_ACTIVITY, SIGNED_IN_AT
from tests import personas
from tests.conftest import ROLE_CLIENTS, user_api_token

pytestmark = pytest.mark.django_db(databases="__all__")

MINUTE = 60


def set_session(client, **values) -> None:
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def minutes_ago(minutes: float) -> int:
    return int(time.time() - minutes * MINUTE)


def a_fresh_address() -> str:
    """A client address of this test alone: rate limits count per address in a shared cache."""
    return "10." + ".".join(str(random.randint(1, 254)) for _ in range(3))


# --- Recording the sign-in --------------------------------------------------------------


def test_the_sign_in_time_is_recorded_when_signing_in_with_a_password(client, settings, medic):
    settings.SOCIALACCOUNT_ONLY = False  # demo mode: local accounts may sign in
    before = int(time.time())
    response = client.post(
        reverse("account_login"),
        {"login": medic.username, "password": personas.PASSWORD},
        REMOTE_ADDR=a_fresh_address(),
    )
    assert response.status_code == 302
    assert before <= client.session[SIGNED_IN_AT] <= time.time()


def test_outside_demo_mode_a_password_does_not_sign_in(client, settings, person):
    settings.SOCIALACCOUNT_ONLY = True
    client.post(
        reverse("account_login"),
        {"login": person.username, "password": personas.PASSWORD},
        REMOTE_ADDR=a_fresh_address(),
    )
    assert client.get(reverse("me")).status_code == 401


# --- Idle timeout ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MEDICAL, Role.PRIVACY])
def test_a_sensitive_session_ends_after_the_idle_timeout(client, settings, role):
    settings.SESSION_IDLE_TIMEOUT_SENSITIVE_MINUTES = 15
    client.force_login(personas.persona_for(role))
    set_session(client, **{LAST_ACTIVITY: minutes_ago(16)})
    response = client.get(reverse("me"))
    assert response.status_code == 401
    assert "signed out after 15 minutes without activity" in response.json()["detail"]
    page = client.get("/appointments/", follow=True)  # signed out for good
    assert page.redirect_chain[-1][0].startswith("/accounts/login/")


def test_the_idle_timeout_tells_the_person_on_the_sign_in_page(client, settings, medic):
    settings.SESSION_IDLE_TIMEOUT_SENSITIVE_MINUTES = 15
    client.force_login(medic)
    set_session(client, **{LAST_ACTIVITY: minutes_ago(16)})
    page = client.get("/appointments/", follow=True)
    assert "signed out after 15 minutes without activity" in page.content.decode()


def test_activity_keeps_a_sensitive_session_alive(client, settings, medic):
    settings.SESSION_IDLE_TIMEOUT_SENSITIVE_MINUTES = 15
    client.force_login(medic)
    set_session(client, **{LAST_ACTIVITY: minutes_ago(14)})
    assert client.get(reverse("me")).status_code == 200
    assert client.session[LAST_ACTIVITY] >= minutes_ago(0.1)  # the clock starts again
    assert client.get(reverse("me")).status_code == 200


@pytest.mark.parametrize("role", [None, Role.REGISTRATION, Role.ASSETS])
def test_other_roles_have_no_short_idle_timeout(client, settings, role):
    settings.SESSION_IDLE_TIMEOUT_SENSITIVE_MINUTES = 15
    client.force_login(personas.persona_for(role))
    set_session(client, **{LAST_ACTIVITY: minutes_ago(120)})
    assert client.get(reverse("me")).status_code == 200


def test_sessions_last_a_working_day_at_most(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.ACCOUNT_SESSION_REMEMBER is False  # the cookie ends with the browser


# --- A recent sign-in for tracing ---------------------------------------------------------


def trace(client, **extra):
    return client.post(reverse("traces"), {}, content_type="application/json", **extra)


def test_running_a_trace_needs_a_recent_sign_in(client, settings, medic):
    settings.TRACING_REAUTH_MINUTES = 60
    client.force_login(medic)
    assert trace(client).status_code == 400  # just signed in: on to the validation
    set_session(client, **{SIGNED_IN_AT: minutes_ago(61), LAST_ACTIVITY: minutes_ago(1)})
    refused = trace(client)
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert "Sign in again" in refused.json()["detail"]
    assert "60 minutes" in refused.json()["detail"]
    # Reading stays open: the list of my traces, the search.
    assert client.get(reverse("traces")).status_code == 200
    assert client.get(reverse("trace-people"), {"q": "x"}).status_code == 200


def test_a_session_from_before_the_rule_counts_as_an_old_sign_in(client, medic):
    client.force_login(medic)
    session = client.session
    del session[SIGNED_IN_AT]
    session.save()
    assert trace(client).status_code == 401


def test_an_api_token_needs_a_recent_sign_in_at_the_provider_and_a_person(
    client, settings, oidc, live_server
):
    token = user_api_token(oidc, "api-medical", live_server.url)  # signed in just now
    assert trace(client, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 400  # past it
    settings.TRACING_REAUTH_MINUTES = 0
    assert trace(client, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    robot = ROLE_CLIENTS["medical"]
    machine = oidc.client_credentials_token(robot["client_id"], robot["client_secret"])
    assert trace(client, HTTP_AUTHORIZATION=f"Bearer {machine}").status_code == 403


def test_the_tracking_page_sends_an_old_sign_in_to_the_sign_in_page(client, settings, medic):
    settings.TRACING_REAUTH_MINUTES = 60
    client.force_login(medic)
    assert client.get("/tracking/").status_code == 200
    set_session(client, **{SIGNED_IN_AT: minutes_ago(61), LAST_ACTIVITY: minutes_ago(1)})
    response = client.get("/tracking/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Ftracking%2F"
    assert client.get(reverse("me")).status_code == 401  # the old session is over
    page = client.get(response["Location"])
    assert "Tracking needs a sign-in within the last 60 minutes" in page.content.decode()


def test_an_old_sign_in_still_opens_the_other_pages(client, settings, medic):
    settings.TRACING_REAUTH_MINUTES = 60
    client.force_login(medic)
    set_session(client, **{SIGNED_IN_AT: minutes_ago(61), LAST_ACTIVITY: minutes_ago(1)})
    assert client.get("/appointments/").status_code == 200


def test_a_person_without_the_role_gets_a_403_not_a_sign_out(client, settings, desk):
    client.force_login(desk)
    set_session(client, **{SIGNED_IN_AT: minutes_ago(600)})
    assert client.get("/tracking/").status_code == 403
    assert client.get(reverse("me")).status_code == 200


# --- Rate limits of the sign-in ---------------------------------------------------------------


def test_the_rate_limits_of_allauth_are_on():
    from allauth.account import app_settings

    limits = app_settings.RATE_LIMITS
    assert limits["login_failed"] and limits["login"]


def test_failed_passwords_lock_the_account_for_a_while(client, settings):
    settings.SOCIALACCOUNT_ONLY = False  # demo mode: the only place a password is asked
    name = f"target-{uuid.uuid4().hex[:8]}"  # the limit counts per account in a shared cache
    personas.person(username=name)
    address = a_fresh_address()
    for _ in range(5):
        wrong = client.post(
            reverse("account_login"), {"login": name, "password": "wrong"}, REMOTE_ADDR=address
        )
        assert wrong.status_code == 200
    right = client.post(
        reverse("account_login"),
        {"login": name, "password": personas.PASSWORD},
        REMOTE_ADDR=address,
    )
    assert "Too many failed login attempts" in right.content.decode()
    assert client.get(reverse("me")).status_code == 401


def test_one_address_cannot_try_sign_ins_without_end(client, settings):
    settings.SOCIALACCOUNT_ONLY = False
    address = a_fresh_address()
    statuses = [
        client.post(
            reverse("account_login"),
            {"login": f"nobody-{n}", "password": "x"},
            REMOTE_ADDR=address,
        ).status_code
        for n in range(31)
    ]
    assert statuses[-1] == 429
