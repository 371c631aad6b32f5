"""API clients: bearer JWTs from the real provider, verified locally by the portal."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model

from accounts.roles import Role, roles_of
from accounts.services import user_set_roles
from tests.conftest import ROBOT_CLIENT, oidc_clients, point_portal_at, user_api_token
from tests.oidc_provider import OIDCProvider

pytestmark = pytest.mark.django_db


def me(client, token):
    return client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_machine_client_gets_the_roles_of_its_groups(client, oidc):
    token = oidc.client_credentials_token(ROBOT_CLIENT["client_id"], ROBOT_CLIENT["client_secret"])
    response = me(client, token)
    assert response.status_code == 200, response.content
    assert response.json()["roles"] == ["medical"]


def test_a_person_token_maps_groups_to_roles_and_keeps_the_person_number(client, oidc, live_server):
    response = me(client, user_api_token(oidc, "alice", live_server.url))
    assert response.status_code == 200, response.content
    assert response.json()["roles"] == ["medical", "registration"]  # "unrelated-group" ignored
    alice = get_user_model().objects.get(username="alice")
    assert alice.person_id == "810001"
    assert alice.socialaccount_set.get().uid == "4f1c2a9e-alice"


def test_roles_the_token_no_longer_carries_are_removed(client, oidc, live_server):
    token = user_api_token(oidc, "bob", live_server.url)
    me(client, token)
    bob = get_user_model().objects.get(username="bob")
    user_set_roles(
        user=bob, roles={Role.MEDICAL}
    )  # granted earlier, since withdrawn at the provider
    assert me(client, token).json()["roles"] == []
    assert roles_of(get_user_model().objects.get(pk=bob.pk)) == set()


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
