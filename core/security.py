"""Session hardening and the Content-Security-Policy (docs/security.md).

- `SessionSecurityMiddleware`: the medical and privacy roles are signed out
  after `SESSION_IDLE_TIMEOUT_SENSITIVE_MINUTES` without a request, and the
  pages that say `needs_recent_sign_in` (TRACKING, frontend/pages.py) need a sign-in within the last
  `TRACING_REAUTH_MINUTES`: an older one is ended and the browser sent to the
  sign-in page, back to the page afterwards.
- `RecentSignIn`: the same rule for an API view (DRF permission class):
  401 with a message; bearer tokens pass (a token is fresh by nature).
- `ContentSecurityPolicyMiddleware`: django-csp's middleware, plus the
  identity provider's origin in `form-action` (sign-in and sign-out post to
  the portal, which redirects there) and hashes of the inline `<script>` and
  `<style>` elements of the third-party pages that have them (Django admin,
  drf-spectacular's Swagger UI), so that no page needs 'unsafe-inline'.

The sign-in time is written into the session by `record_sign_in` (connected
to Django's `user_logged_in` signal in accounts/receivers.py), so every way in
counts: the identity provider, the demo accounts, the test client's login.
"""

import base64
import hashlib
import re
import time
from urllib.parse import urlencode, urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from core.roles import Role, roles_of

# Session keys (epoch seconds).
SIGNED_IN_AT = "portal_signed_in_at"
LAST_ACTIVITY = "portal_last_activity"

# Roles whose sessions end after a short time without activity.
SENSITIVE_ROLES = frozenset({Role.MEDICAL, Role.PRIVACY})
# The last-activity stamp is rewritten at most this often (one session write, not one per request).
ACTIVITY_RESOLUTION_SECONDS = 30


def record_sign_in(request) -> None:
    """Remember when this session signed in (called at every login)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[LAST_ACTIVITY] = now


def signed_in_recently(request, minutes: int) -> bool:
    """Whether the session's sign-in is at most `minutes` old (sessions from before: no)."""
    signed_in_at = request.session.get(SIGNED_IN_AT)
    return signed_in_at is not None and time.time() - signed_in_at <= minutes * 60


def _sign_in_url(next_path: str) -> str:
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_path})}"


class SessionSecurityMiddleware:
    """Idle timeout of sensitive sessions; a recent sign-in for the pages that need one.

    Sits after AuthenticationMiddleware and before LoginRequiredMiddleware, so
    that a session it ends is an anonymous visitor for everything after it
    (pages: the sign-in page; API: 401).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.portal_idle_signed_out = self._end_idle_session(request)
        return self.get_response(request)

    def _end_idle_session(self, request) -> bool:
        minutes = settings.SESSION_IDLE_TIMEOUT_SENSITIVE_MINUTES
        user = request.user
        if not minutes or not user.is_authenticated or not (roles_of(user) & SENSITIVE_ROLES):
            return False
        now = int(time.time())
        session = request.session
        last = session.get(LAST_ACTIVITY, session.get(SIGNED_IN_AT))
        if last is not None and now - last > minutes * 60:
            logout(request)
            return True
        if last is None or now - last >= ACTIVITY_RESOLUTION_SECONDS:
            session[LAST_ACTIVITY] = now
        return False

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.portal_idle_signed_out:
            minutes = settings.SESSION_IDLE_TIMEOUT_SENSITIVE_MINUTES
            told = _("You were signed out after %(minutes)d minutes without activity.") % {
                "minutes": minutes
            }
            view_class = getattr(view_func, "cls", None)
            if isinstance(view_class, type) and issubclass(view_class, APIView):
                # What the page shows: say why, rather than DRF's "credentials were not provided".
                return JsonResponse(
                    {
                        "detail": _(
                            "You were signed out after %(minutes)d minutes without activity. "
                            "Reload the page to sign in again."
                        )
                        % {"minutes": minutes},
                        "code": "idle",
                    },
                    status=401,
                    headers={"WWW-Authenticate": 'Bearer realm="api"'},
                )
            messages.info(request, told)  # shown on the sign-in page
            return None
        # A page's URL hands its view the page (frontend/urls.py); the page says what it needs.
        page = view_kwargs.get("page")
        if not getattr(page, "needs_recent_sign_in", False) or not request.user.is_authenticated:
            return None
        if not page.allows(request.user):
            return None  # the page view refuses it (403)
        minutes = settings.TRACING_REAUTH_MINUTES
        if signed_in_recently(request, minutes):
            return None
        # The sign-in page sends a signed-in visitor straight on: end the session first.
        logout(request)
        messages.info(
            request,
            _("%(page)s needs a sign-in within the last %(minutes)d minutes: sign in again.")
            % {"page": page.title, "minutes": minutes},
        )
        return HttpResponseRedirect(_sign_in_url(request.get_full_path()))


class ReauthenticationRequired(exceptions.NotAuthenticated):
    """401 (with the Bearer challenge): the session's sign-in is too old for this."""

    default_code = "reauthentication_required"


class RecentSignIn(BasePermission):
    """A request that changes something needs a sign-in within `TRACING_REAUTH_MINUTES`.

    Combine with the role's class: `permission_classes = [IsMedical, RecentSignIn]`.
    Reading (GET, HEAD, OPTIONS) is left to the other classes. A bearer token
    must be a person's (never a machine client's) whose sign-in at the
    provider (`auth_time`) is that recent.
    """

    methods = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def has_permission(self, request, view) -> bool:
        if request.method not in self.methods:
            return True
        from rest_framework.authentication import SessionAuthentication

        minutes = settings.TRACING_REAUTH_MINUTES
        claims = getattr(request.user, "token_claims", None)  # set by the bearer-token backend
        if claims is not None:
            return self._recent_token(claims, request.user.token_from_machine, minutes)
        if not isinstance(request.successful_authenticator, SessionAuthentication):
            return True  # anonymous: the role's class refuses
        if signed_in_recently(request._request, minutes):
            return True
        raise ReauthenticationRequired(
            _(
                "Sign in again to do this: your last sign-in was more than %(minutes)d minutes "
                "ago. Reload the page to go to the sign-in."
            )
            % {"minutes": minutes}
        )

    @staticmethod
    def _recent_token(claims: dict, from_machine: bool, minutes: int) -> bool:
        if from_machine:
            raise exceptions.PermissionDenied(_("This needs a person, not an application's token."))
        auth_time = claims.get("auth_time")
        if not isinstance(auth_time, int | float) or time.time() - auth_time > minutes * 60:
            raise ReauthenticationRequired(
                _(
                    "Sign in again to do this: the token's sign-in is more than %(minutes)d "
                    "minutes old (or it does not say when it was). Ask the provider for a new "
                    "token (max_age=%(seconds)d)."
                )
                % {"minutes": minutes, "seconds": minutes * 60}
            )
        return True


class RecentSignInToRead(RecentSignIn):
    """The same for reading: reopening or exporting a trace reveals identities too."""

    methods = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})


# --- Content-Security-Policy ------------------------------------------------------

# Third-party pages with inline <script>/<style> elements: their hashes are added.
INLINE_HASH_PATH_PREFIXES = ("/admin/", "/api/docs/")
_INLINE = re.compile(rb"<(script|style)((?:\s[^>]*)?)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_SRC = re.compile(rb"\ssrc\s*=", re.IGNORECASE)
_TYPE = re.compile(rb"""\stype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
# <script type="application/json"> and the like are data, not run, and need no hash.
_SCRIPT_TYPES = {b"", b"text/javascript", b"module", b"application/javascript"}


def _sha256(body: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"


def inline_hashes(html: bytes) -> dict[str, list[str]]:
    """CSP hash sources of the inline scripts and styles of an HTML document."""
    found: dict[str, list[str]] = {}
    for tag, attributes, body in _INLINE.findall(html):
        tag = tag.lower()
        if tag == b"script":
            if _SRC.search(attributes):
                continue
            kind = _TYPE.search(attributes)
            if (kind.group(1).lower() if kind else b"") not in _SCRIPT_TYPES:
                continue
            directive = "script-src"
        else:
            directive = "style-src"
        source = _sha256(body)
        if source not in found.setdefault(directive, []):
            found[directive].append(source)
    return found


def identity_provider_origin() -> str | None:
    """scheme://host[:port] of OIDC_SERVER_URL, or None without single sign-on."""
    parts = urlsplit(settings.OIDC_SERVER_URL or "")
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """CONTENT_SECURITY_POLICY of the settings, completed per request (see the module doc)."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        update = dict(parts.update or {})
        origin = identity_provider_origin()
        if origin:
            update["form-action"] = [*update.get("form-action", []), origin]
        if (
            request.path_info.startswith(INLINE_HASH_PATH_PREFIXES)
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
        ):
            for directive, sources in inline_hashes(response.content).items():
                update[directive] = [*update.get(directive, []), *sources]
        parts.update = update or None
        return parts
