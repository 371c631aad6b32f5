"""Who may upload coordinates: a donation code, or a trusted source's token. Nobody signs in.

    Authorization: DonationCode ABCD-EFGH-JK     (single use, from the medical service)
    Authorization: Bearer pxz_…                  (a trusted source, `create_trusted_source`)

The donor stays anonymous: the request's user is AnonymousUser, and the
credential (request.auth) carries only the window the upload may fill.
core/permissions.py has no rule for an anonymous credential, so the
rule that admits it lives here, beside the authentication that sets it.
"""

import json

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission

from core.errors import DomainError
from core.parsers import check_parsed
from zones import selectors

SCHEME_CODE = "donationcode"
SCHEME_TRUSTED = "bearer"


class DonationCredentialAuthentication(BaseAuthentication):
    def authenticate(self, request):
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        scheme, value = scheme.lower(), value.strip()
        now = timezone.now()
        try:
            if scheme == SCHEME_CODE:
                credential = selectors.donation_code_credential(code=value, now=now)
            elif scheme == SCHEME_TRUSTED:
                credential = selectors.trusted_source_credential(token=value, now=now)
            else:  # nobody signs in here: say what this endpoint takes
                raise exceptions.AuthenticationFailed(
                    HoldsDonationCredential.message, code="not_authenticated"
                )
        except DomainError as refused:
            raise exceptions.AuthenticationFailed(refused.message, code=refused.code) from None
        return AnonymousUser(), credential

    def authenticate_header(self, request) -> str:
        return 'DonationCode realm="coordinates"'


class HoldsDonationCredential(BasePermission):
    """A valid donation code or trusted-source token was presented."""

    message = gettext_lazy(
        "Send 'Authorization: DonationCode <code>' with the code from the medical service "
        "(or a trusted source's bearer token)."
    )

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, selectors.Credential)


class DonationCredentialScheme(OpenApiAuthenticationExtension):
    target_class = "zones.authentication.DonationCredentialAuthentication"
    name = "donationCode"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": gettext(
                "`DonationCode ABCD-EFGH-JK` (single use), or `Bearer <token>` of a trusted source."
            ),
        }


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The body is too large.")
    default_code = "too_large"


def _not_a_number(name: str):
    raise ValueError(f"{name} is not a number in JSON")


def bounded_json_parser(max_bytes: int, hint: str) -> type[BaseParser]:
    """A JSON parser that reads at most `max_bytes` and answers 413 beyond.

    Not a JSONParser subclass: DRF reads a JSONParser's whole body through
    `request.body`, bounded by DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB, answered
    with Django's HTML 400). An upload of 20,000 points needs more, and a
    donor's app needs a JSON answer; this parser reads the stream itself.
    """

    class BoundedJSONParser(BaseParser):
        media_type = "application/json"

        def parse(self, stream, media_type=None, parser_context=None):
            body = stream.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise PayloadTooLarge(
                    gettext("The body is larger than %(max)s bytes; %(hint)s")
                    % {"max": number_format(max_bytes, force_grouping=True), "hint": hint}
                )
            try:
                data = json.loads(body, parse_constant=_not_a_number)
            except (ValueError, UnicodeDecodeError) as error:
                raise exceptions.ParseError(
                    gettext("The body is not JSON: %(error)s") % {"error": error}
                ) from None
            except RecursionError:
                raise exceptions.ParseError(
                    gettext("The JSON body is nested too deeply.")
                ) from None
            check_parsed(data)
            return data

    return BoundedJSONParser
