"""The identity provider, seen from the portal: discovery, and bearer tokens verified locally.

mozilla-django-oidc's DRF class parses the `Authorization: Bearer` header;
its stock backend would ask the provider's userinfo endpoint about every
token (one HTTP call per request, no signature or audience check, no machine
clients). The backend here verifies the JWT itself against the provider's
published keys (JWKS): signature, issuer, expiry, audience or authorised
party. Keys are cached, so a short outage of the provider does not lock out
API clients whose tokens are still valid.
"""

import logging
import threading
import time
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.contrib.drf import OIDCAuthentication
from rest_framework import exceptions

from accounts.services import user_get_or_create_for_subject, user_sync_from_claims

logger = logging.getLogger(__name__)

DISCOVERY_TTL_SECONDS = 3600
JWKS_TTL_SECONDS = 3600


class ProviderUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = (
        "The identity provider cannot be reached to verify this token; try again shortly."
    )
    default_code = "identity_provider_unavailable"


class _Provider:
    """Discovery document and JWKS client of the configured provider, cached per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server_url = None
        self._discovery: dict | None = None
        self._fetched_at = 0.0
        self._jwks_client: jwt.PyJWKClient | None = None

    def _reset_if_reconfigured(self) -> None:
        if self._server_url != settings.OIDC_SERVER_URL:
            self._server_url = settings.OIDC_SERVER_URL
            self._discovery, self._jwks_client, self._fetched_at = None, None, 0.0

    def discovery(self) -> dict:
        with self._lock:
            self._reset_if_reconfigured()
            if (
                self._discovery is None
                or time.monotonic() - self._fetched_at > DISCOVERY_TTL_SECONDS
            ):
                url = f"{settings.OIDC_SERVER_URL}/.well-known/openid-configuration"
                try:
                    response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
                    response.raise_for_status()
                    document = response.json()
                except (requests.RequestException, ValueError) as exc:
                    if self._discovery is not None:
                        return self._discovery  # keep serving the last good document
                    raise ProviderUnavailable() from exc
                self._discovery, self._fetched_at = document, time.monotonic()
            return self._discovery

    def signing_key(self, token: str):
        document = self.discovery()
        with self._lock:
            if self._jwks_client is None:
                self._jwks_client = jwt.PyJWKClient(
                    document["jwks_uri"],
                    cache_keys=True,
                    lifespan=JWKS_TTL_SECONDS,
                    timeout=settings.OIDC_TIMEOUT,
                )
            client = self._jwks_client
        try:
            return client.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as exc:
            raise ProviderUnavailable() from exc


provider = _Provider()


def end_session_url(*, post_logout_redirect_uri: str) -> str | None:
    """The provider's RP-initiated logout URL, or None if it has none (or cannot be reached)."""
    try:
        endpoint = provider.discovery().get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {"client_id": settings.OIDC_CLIENT_ID, "post_logout_redirect_uri": post_logout_redirect_uri}
    )
    return f"{endpoint}?{query}"


def verify_access_token(token: str) -> dict:
    """The claims of a bearer token after checking it as a JWT of our provider.

    Raises AuthenticationFailed with a reason a client developer can act on.
    """
    if not settings.OIDC_SERVER_URL:
        raise exceptions.AuthenticationFailed(
            "Bearer tokens are not accepted: no identity provider is configured."
        )
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise exceptions.AuthenticationFailed("The bearer token is not a JWT.") from exc
    if header.get("alg") not in settings.OIDC_ALLOWED_ALGORITHMS:
        raise exceptions.AuthenticationFailed(
            f"Token algorithm {header.get('alg')!r} is not accepted."
        )
    try:
        key = provider.signing_key(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=settings.OIDC_ALLOWED_ALGORITHMS,
            issuer=provider.discovery()["issuer"],
            leeway=settings.OIDC_LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise exceptions.AuthenticationFailed("The bearer token has expired.") from exc
    except jwt.InvalidIssuerError as exc:
        raise exceptions.AuthenticationFailed(
            "The bearer token was issued by another provider."
        ) from exc
    except jwt.PyJWKClientError as exc:
        raise exceptions.AuthenticationFailed(
            "The bearer token is not signed by a key of the provider."
        ) from exc
    except jwt.PyJWTError as exc:
        raise exceptions.AuthenticationFailed(f"The bearer token is invalid: {exc}.") from exc
    audiences = claims.get("aud") or []
    if isinstance(audiences, str):
        audiences = [audiences]
    accepted = set(settings.OIDC_API_AUDIENCES)
    if not accepted.intersection(audiences) and claims.get("azp") not in accepted:
        raise exceptions.AuthenticationFailed("The bearer token is meant for another audience.")
    return claims


class BearerTokenBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc backend that verifies bearer JWTs locally and keys users by `sub`."""

    def __init__(self, *args, **kwargs) -> None:
        # The stock constructor insists on settings for its own code-flow
        # client, which the portal does not use (allauth signs browsers in).
        self.UserModel = get_user_model()

    def get_or_create_user(self, access_token, id_token, payload):
        claims = verify_access_token(access_token)
        user = user_get_or_create_for_subject(sub=str(claims["sub"]), claims=claims)
        if not user.is_active:
            raise exceptions.AuthenticationFailed("This account is disabled.")
        user_sync_from_claims(user=user, claims=claims)
        return user


class BearerTokenAuthentication(OIDCAuthentication):
    """`Authorization: Bearer <JWT>` from the identity provider (answers 401 on failure)."""

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
