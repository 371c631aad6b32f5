"""A person's language: the header's switch, remembered on their account.

The choice is kept on the account (accounts.User.language: pages on every device follow it,
core.middleware.AccountLanguageMiddleware) and copied onto the person's directory record
(registration.Person.language: the e-mails the portal sends them are written in it,
core/i18n.py). The language cookie keeps it for the sign-in page after signing out. An
empty choice goes back to the browser's preference.
"""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import trans_real
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import AnySignedInPerson
from registration.models import Person


def language_choose(*, user, language: str) -> str:
    """Remember `language` ('' for the browser's) for `user` and their directory record."""
    user.language = language
    user.save(update_fields=["language"])
    if user.person_id:
        # The associations database: the same person's record, by their person number.
        Person.objects.filter(person_id=user.person_id).update(language=language)
    return language


def browser_language(request) -> str:
    """The first of the browser's Accept-Language that the portal speaks, else its default."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def language_in_use() -> str:
    """The language the current request is answered in ('en' or 'fr')."""
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return current if current in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class LanguageApi(APIView):
    """Choose the portal's language for oneself (any signed-in person)."""

    permission_classes = [AnySignedInPerson]

    class InputSerializer(serializers.Serializer):
        language = serializers.ChoiceField(
            choices=[("", _("the browser's language")), *settings.LANGUAGES],
            allow_blank=True,
            help_text=_("'en' or 'fr'; empty: follow the browser's preference."),
        )

        class Meta:
            ref_name = "LanguageChoice"

    class OutputSerializer(serializers.Serializer):
        language = serializers.CharField(help_text=_("The language pages are now shown in."))
        chosen = serializers.CharField(help_text=_("The account's choice; empty: the browser's."))

        class Meta:
            ref_name = "LanguageChosen"

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        chosen = body.validated_data["language"]
        with transaction.atomic():
            language_choose(user=request.user, language=chosen)
        translation.activate(chosen or browser_language(request))
        response = Response(
            self.OutputSerializer({"language": language_in_use(), "chosen": chosen}).data
        )
        if chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        else:
            response.delete_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                path=settings.LANGUAGE_COOKIE_PATH,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
