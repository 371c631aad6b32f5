"""API clients: bearer JWTs from the real provider, verified locally by the portal."""

import os
import subprocess
import sys
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model

from accounts.models import RemovedSubject
from accounts.services import user_set_roles
from core.roles import Role
from tests.conftest import (
    PORTAL_CLIENT,
    ROBOT_CLIENT,
    ROLE_CLIENTS,
    ROOT,
    WIKI_CLIENT,
    oidc_clients,
    point_portal_at,
    user_api_token,
)
from tests.oidc_provider import OIDCProvider

pytestmark = pytest.mark.django_db


def me(client, token):
    return client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_machine_client_gets_the_roles_it_is_registered_for_never_medical(client, oidc):
    registrar = ROLE_CLIENTS["registration"]
    token = oidc.client_credentials_token(registrar["client_id"], registrar["client_secret"])
    assert me(client, token).json()["roles"] == ["registration"]
    # The robot's groups say "medical" and it is registered for it: tracing needs a person.
    robot = oidc.client_credentials_token(ROBOT_CLIENT["client_id"], ROBOT_CLIENT["client_secret"])
    response = me(client, robot)
    assert response.status_code == 200 and response.json()["roles"] == []
    assert trace(client, robot).status_code == 403


def test_a_machine_client_nobody_registered_is_refused(client, oidc, settings):
    settings.OIDC_MACHINE_CLIENTS = {}
    token = oidc.client_credentials_token(ROBOT_CLIENT["client_id"], ROBOT_CLIENT["client_secret"])
    response = me(client, token)
    assert response.status_code == 401
    assert "does not trust (robot)" in response.json()["detail"]


def test_a_sign_in_id_token_is_not_an_api_token(client, oidc, live_server):
    tokens = oidc.authorization_code_tokens(
        "alice",
        "alice-pw",
        PORTAL_CLIENT["client_id"],
        PORTAL_CLIENT["client_secret"],
        f"{live_server.url}/accounts/oidc/sso/login/callback/",
        resource=oidc.api_resource,
    )
    response = me(client, tokens["id_token"])
    assert response.status_code == 401
    assert "not an access token" in response.json()["detail"]
    assert me(client, tokens["access_token"]).status_code == 200


def test_a_person_token_issued_to_another_application_is_refused(client, oidc, live_server):
    tokens = oidc.authorization_code_tokens(
        "alice",
        "alice-pw",
        WIKI_CLIENT["client_id"],
        WIKI_CLIENT["client_secret"],
        f"{live_server.url}/accounts/oidc/sso/login/callback/",
        resource=oidc.api_resource,
    )
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["azp"] == "wiki" and "medical" in claims["groups"]
    response = me(client, tokens["access_token"])
    assert response.status_code == 401
    assert "does not trust (wiki)" in response.json()["detail"]


def test_the_api_audience_may_not_be_the_browser_clients(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "proximeter.settings",
        "PORTAL_DATA_DIR": str(tmp_path),
        "OIDC_CLIENT_ID": "portal",
        "OIDC_API_AUDIENCE": "portal",
    }
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode != 0 and "OIDC_API_AUDIENCE must differ" in run.stderr


def trace(client, token):
    return client.post(
        "/api/tracing/traces",
        {
            "person_id": "810001",
            "positive_test": "2026-12-01T10:00:00Z",
            "case_reference": "C",
            "reason": "r",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.mark.django_db(databases="__all__")
def test_tracing_over_the_api_needs_a_recent_sign_in_at_the_provider(
    client, oidc, live_server, settings
):
    token = user_api_token(oidc, "api-medical", live_server.url)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert time.time() - claims["auth_time"] < 120
    assert trace(client, token).status_code == 404  # past the permission: no such person here
    settings.TRACING_REAUTH_MINUTES = 0
    response = trace(client, token)
    assert response.status_code == 401 and "Sign in again" in response.json()["detail"]


def test_a_removed_person_stays_out_until_restored(client, oidc, live_server):
    token = user_api_token(oidc, "bob", live_server.url)
    assert me(client, token).status_code == 200
    get_user_model().objects.get(username="bob").delete()  # the admin's delete
    response = me(client, token)
    assert response.status_code == 401 and "removed" in response.json()["detail"]
    assert not get_user_model().objects.filter(username="bob").exists()
    RemovedSubject.objects.filter(sub="77d0b3c1-bob").delete()  # the directory says so
    assert me(client, token).status_code == 200


def test_a_key_removed_at_the_provider_stops_being_trusted_and_a_new_one_works_at_once(
    client, settings, live_server
):
    settings.OIDC_JWKS_MAX_AGE_SECONDS = 1
    settings.OIDC_JWKS_MIN_REFETCH_SECONDS = 0
    registrar = ROLE_CLIENTS["registration"]
    with OIDCProvider(accounts=[], clients=oidc_clients(live_server.url)) as first:
        point_portal_at(settings, first)
        old = first.client_credentials_token(registrar["client_id"], registrar["client_secret"])
        assert me(client, old).status_code == 200
        port = first.port
    # The provider restarts with a new signing key (a rotation): same issuer, same port.
    with OIDCProvider(accounts=[], clients=oidc_clients(live_server.url), port=port) as second:
        new = second.client_credentials_token(registrar["client_id"], registrar["client_secret"])
        assert me(client, new).status_code == 200  # an unknown key: fetched at once
        time.sleep(1.1)
        response = me(client, old)  # past the key set's lifetime: the old key is gone
        assert response.status_code == 401 and "not signed by a key" in response.json()["detail"]


def test_a_person_token_maps_groups_to_roles_and_keeps_the_person_number(client, oidc, live_server):
    response = me(client, user_api_token(oidc, "alice", live_server.url))
    assert response.status_code == 200, response.content
    assert response.json()["roles"] == ["medical", "registration"]  # "unrelated-group" ignored
    alice = get_user_model().objects.get(username="alice")
    assert alice.person_id == "810001"
    assert alice.socialaccount_set.get().uid == "4f1c2a9e-alice"


def test_a_token_carries_its_own_roles_only_whatever_the_account_held(client, oidc, live_server):
    token = user_api_token(oidc, "bob", live_server.url)
    me(client, token)
    bob = get_user_model().objects.get(username="bob")
    user_set_roles(
        user=bob, roles={Role.MEDICAL}
    )  # granted earlier, since withdrawn at the provider
    assert me(client, token).json()["roles"] == []


def test_no_token_is_answered_401_with_a_bearer_challenge(client, oidc):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_that_is_not_a_jwt_is_refused(client, oidc):
    response = me(client, "not-a-jwt")
    assert response.status_code == 401
    assert "not a JWT" in response.json()["detail"]


def test_a_token_signed_by_another_key_is_refused(client, oidc):
    genuine = jwt.decode(
        oidc.client_credentials_token(ROBOT_CLIENT["client_id"], ROBOT_CLIENT["client_secret"]),
        options={"verify_signature": False},
    )
    forger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = jwt.get_unverified_header(
        oidc.client_credentials_token(ROBOT_CLIENT["client_id"], ROBOT_CLIENT["client_secret"])
    )["kid"]
    forged = jwt.encode(
        {**genuine, "groups": ["privacy"]}, forger_key, algorithm="RS256", headers={"kid": kid}
    )
    response = me(client, forged)
    assert response.status_code == 401
    assert "invalid" in response.json()["detail"].lower()


def test_an_unsigned_token_is_refused(client, oidc):
    genuine = jwt.decode(
        oidc.client_credentials_token(ROBOT_CLIENT["client_id"], ROBOT_CLIENT["client_secret"]),
        options={"verify_signature": False},
    )
    response = me(client, jwt.encode(genuine, key=None, algorithm="none"))
    assert response.status_code == 401
    assert "algorithm" in response.json()["detail"]


def test_a_token_for_another_audience_is_refused(client, oidc, settings):
    settings.OIDC_API_AUDIENCES = ["some-other-service"]
    token = oidc.client_credentials_token(ROBOT_CLIENT["client_id"], ROBOT_CLIENT["client_secret"])
    response = me(client, token)
    assert response.status_code == 401
    assert "audience" in response.json()["detail"]


def test_a_token_of_another_issuer_is_refused(client, oidc, settings, live_server):
    with OIDCProvider(
        accounts=[], clients=oidc_clients(live_server.url), realm="elsewhere"
    ) as other:
        token = other.client_credentials_token(
            ROBOT_CLIENT["client_id"], ROBOT_CLIENT["client_secret"]
        )
    response = me(client, token)
    assert response.status_code == 401


def test_an_expired_token_is_refused(client, settings, live_server):
    settings.OIDC_LEEWAY_SECONDS = 0
    # Long enough to be used once even on a busy machine; then wait until past its expiry.
    with OIDCProvider(accounts=[], clients=oidc_clients(live_server.url), access_token_ttl=5) as op:
        point_portal_at(settings, op)
        token = op.client_credentials_token(
            ROBOT_CLIENT["client_id"], ROBOT_CLIENT["client_secret"]
        )
        assert me(client, token).status_code == 200
        expires = jwt.decode(token, options={"verify_signature": False})["exp"]
        time.sleep(max(0.0, expires - time.time()) + 1.1)
        response = me(client, token)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_valid_tokens_keep_working_while_the_provider_is_down(client, settings, live_server):
    op = OIDCProvider(accounts=[], clients=oidc_clients(live_server.url)).start()
    try:
        point_portal_at(settings, op)
        token = op.client_credentials_token(
            ROBOT_CLIENT["client_id"], ROBOT_CLIENT["client_secret"]
        )
        assert me(client, token).status_code == 200  # keys fetched and cached
    finally:
        op.stop()
    assert me(client, token).status_code == 200


def test_an_unreachable_provider_without_cached_keys_answers_503(client, settings, live_server):
    op = OIDCProvider(accounts=[], clients=oidc_clients(live_server.url)).start()
    try:
        point_portal_at(settings, op)
        token = op.client_credentials_token(
            ROBOT_CLIENT["client_id"], ROBOT_CLIENT["client_secret"]
        )
    finally:
        op.stop()
    response = me(client, token)
    assert response.status_code == 503
    assert "identity provider" in response.json()["detail"]


def test_without_a_configured_provider_bearer_tokens_are_refused(client, settings):
    settings.OIDC_SERVER_URL = ""
    response = me(client, "eyJhbGciOiJSUzI1NiJ9.e30.sig")
    assert response.status_code == 401
    assert "no identity provider" in response.json()["detail"]
