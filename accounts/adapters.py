"""allauth adapters: no self-service sign-up, and sign-out at the identity provider too."""

from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpResponseForbidden
from django.utils.translation import gettext as _

from accounts.oidc import end_session_url
from accounts.services import subject_is_removed


def on_portal(url: str) -> str:
    """The same page on PORTAL_URL: allauth builds its links from the request's host, which
    behind a proxy, or reached by another name, is not the address people know."""
    parts = urlsplit(url)
    if not (parts.scheme or url.startswith("/")):
        return url
    return settings.PORTAL_URL + urlunsplit(("", "", parts.path, parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Local accounts are only the demo's, made by `manage.py demo_data`.
        return False

    def add_message(self, request, *args, **kwargs) -> None:
        """No "Successfully signed in/out" messages: the portal's pages are the Vue app, which
        shows no Django messages, so each one waited in the session and surfaced, stale, on the
        next server-rendered page (the user guide). Signing in or out shows itself."""

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth's e-mails (in demo mode: password reset) link to PORTAL_URL, as every
        e-mail of the portal does (tests/test_email_links.py)."""
        context = {
            key: on_portal(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        return super().render_mail(template_prefix, email, context, headers)

    def get_logout_redirect_url(self, request) -> str:
        """After signing out here, also end the session at the provider (allauth does not)."""
        here = super().get_logout_redirect_url(request)
        user = request.user
        if (
            settings.OIDC_SERVER_URL
            and user.is_authenticated
            and user.socialaccount_set.filter(provider=settings.OIDC_PROVIDER_ID).exists()
        ):
            return (
                end_session_url(post_logout_redirect_uri=request.build_absolute_uri(here)) or here
            )
        return here


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        # Everyone the provider vouches for gets an account (no role needed) ...
        return True

    def pre_social_login(self, request, sociallogin) -> None:
        # ... except a person removed from the portal (accounts.models.RemovedSubject).
        if subject_is_removed(sub=str(sociallogin.account.uid)):
            raise ImmediateHttpResponse(
                HttpResponseForbidden(
                    _(
                        "Your account was removed from the portal. "
                        "Its administrators can restore it."
                    )
                )
            )
