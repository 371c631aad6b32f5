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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.contrib.drf import OIDCAuthentication
from rest_framework import exceptions

from accounts.services import (
    roles_from_claims,
    subject_is_removed,
    user_get_or_create_for_subject,
    user_sync_from_claims,
)
from core.roles import Role

logger = logging.getLogger(__name__)

DISCOVERY_TTL_SECONDS = 3600
ACCESS_TOKEN_TYPES = {"at+jwt", "application/at+jwt"}  # RFC 9068; Keycloak: claim typ=Bearer
NEVER_FOR_MACHINES = {"medical", "privacy"}  # tracing and the audit need a person


class ProviderUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = gettext_lazy(
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
        self._keys: dict | None = None
        self._keys_fetched_at = 0.0
        self._keys_max_age = 0.0

    def _reset_if_reconfigured(self) -> None:
        if self._server_url != settings.OIDC_SERVER_URL:
            self._server_url = settings.OIDC_SERVER_URL
            self._discovery, self._keys, self._fetched_at = None, None, 0.0

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
        """The provider's key for this token: from the cached key set, fetched again when it
        is older than its lifetime, or at once (rate-limited) for a key it does not hold."""
        jwks_uri = self.discovery()["jwks_uri"]
        kid = jwt.get_unverified_header(token).get("kid")
        with self._lock:
            now = time.monotonic()
            if self._keys is None or now - self._keys_fetched_at > self._keys_max_age:
                self._fetch_keys(jwks_uri, keep_on_failure=True)
            elif self._key_for(kid) is None and (
                now - self._keys_fetched_at >= settings.OIDC_JWKS_MIN_REFETCH_SECONDS
            ):
                self._fetch_keys(jwks_uri, keep_on_failure=True)  # a key added since
            key = self._key_for(kid)
        if key is None:
            raise exceptions.AuthenticationFailed(
                _("The bearer token is not signed by a key of the provider.")
            )
        return key

    def _key_for(self, kid: str | None):
        keys = self._keys or {}
        if kid is None and len(keys) == 1:
            return next(iter(keys.values()))
        return keys.get(kid)

    def _fetch_keys(self, uri: str, *, keep_on_failure: bool) -> None:
        try:
            response = requests.get(uri, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            key_set = jwt.PyJWKSet.from_dict(response.json())
        except (requests.RequestException, ValueError, jwt.PyJWTError) as exc:
            if keep_on_failure and self._keys is not None:
                # The provider is down: keep the keys we have (valid tokens keep working),
                # and ask again at the next request after the minimum interval.
                self._keys_fetched_at = time.monotonic() - self._keys_max_age
                return
            raise ProviderUnavailable() from exc
        self._keys = {key.key_id: key for key in key_set.keys}
        self._keys_fetched_at = time.monotonic()
        self._keys_max_age = min(
            settings.OIDC_JWKS_MAX_AGE_SECONDS, _max_age(response.headers.get("Cache-Control"))
        )


def _max_age(cache_control: str | None) -> float:
    """The key set's lifetime the provider states (Cache-Control max-age), else unbounded."""
    for part in (cache_control or "").split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() == "max-age" and value.strip().isdigit():
            return float(value)
    return float("inf")


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
            _("Bearer tokens are not accepted: no identity provider is configured.")
        )
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise exceptions.AuthenticationFailed(_("The bearer token is not a JWT.")) from exc
    if header.get("alg") not in settings.OIDC_ALLOWED_ALGORITHMS:
        raise exceptions.AuthenticationFailed(
            _("Token algorithm %(alg)r is not accepted.") % {"alg": header.get("alg")}
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
        raise exceptions.AuthenticationFailed(_("The bearer token has expired.")) from exc
    except jwt.InvalidIssuerError as exc:
        raise exceptions.AuthenticationFailed(
            _("The bearer token was issued by another provider.")
        ) from exc
    except jwt.PyJWKClientError as exc:
        raise exceptions.AuthenticationFailed(
            _("The bearer token is not signed by a key of the provider.")
        ) from exc
    except jwt.PyJWTError as exc:
        raise exceptions.AuthenticationFailed(
            _("The bearer token is invalid: %(reason)s.") % {"reason": exc}
        ) from exc
    if (
        str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES
        and claims.get("typ") != "Bearer"
    ):
        raise exceptions.AuthenticationFailed(
            _("The bearer token is not an access token (an ID token opens no API).")
        )
    audiences = claims.get("aud") or []
    if isinstance(audiences, str):
        audiences = [audiences]
    if not set(settings.OIDC_API_AUDIENCES).intersection(audiences):
        raise exceptions.AuthenticationFailed(_("The bearer token is meant for another audience."))
    client = client_of(claims)
    trusted = settings.OIDC_MACHINE_CLIENTS if is_machine(claims) else settings.OIDC_TRUSTED_CLIENTS
    if client not in trusted:
        raise exceptions.AuthenticationFailed(
            _(
                "The bearer token was issued to an application the portal does not trust "
                "(%(client)s)."
            )
            % {"client": client}
        )
    return claims


def client_of(claims: dict) -> str:
    """The application the token was issued to."""
    return str(claims.get("azp") or claims.get("client_id") or "")


def is_machine(claims: dict) -> bool:
    """A client's own token (client credentials), not a person's."""
    return claims.get("sub") == client_of(claims) or str(
        claims.get("preferred_username", "")
    ).startswith("service-account-")


def token_roles(claims: dict) -> set[Role]:
    """The roles a token carries for this request: its groups, within what its application
    is trusted for; a machine client never gets a role that reads or reveals people."""
    if is_machine(claims):
        allowed = settings.OIDC_MACHINE_CLIENTS.get(client_of(claims), set()) - NEVER_FOR_MACHINES
    else:
        allowed = settings.OIDC_TRUSTED_CLIENTS.get(client_of(claims), set())
    return {role for role in roles_from_claims(claims) if role.value in allowed}


class BearerTokenBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc backend that verifies bearer JWTs locally and keys users by `sub`."""

    def __init__(self, *args, **kwargs) -> None:
        # The stock constructor insists on settings for its own code-flow
        # client, which the portal does not use (allauth signs browsers in).
        self.UserModel = get_user_model()

    def get_or_create_user(self, access_token, id_token, payload):
        claims = verify_access_token(access_token)
        if subject_is_removed(sub=str(claims["sub"])):
            raise exceptions.AuthenticationFailed(
                _("This account was removed from the portal; its administrators can restore it.")
            )
        user = user_get_or_create_for_subject(sub=str(claims["sub"]), claims=claims)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is disabled."))
        if not is_machine(claims):
            user_sync_from_claims(user=user, claims=claims, roles=None)  # the profile only
        # The token's roles hold for this request; the account's stored roles follow the
        # browser sign-in, so that no other application's token can change them.
        user._portal_roles = frozenset(token_roles(claims))
        user.token_claims = claims
        user.token_from_machine = is_machine(claims)
        return user


class BearerTokenAuthentication(OIDCAuthentication):
    """`Authorization: Bearer <JWT>` from the identity provider (answers 401 on failure)."""

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
