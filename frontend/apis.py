from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import FollowUp
from cases.reveals import BREAK_GLASS_MIN_REASON
from core.permissions import AnySignedInPerson
from core.roles import ROLE_DESCRIPTIONS, roles_of
from frontend.language import language_in_use
from frontend.pages import Group, pages_for
from risk.infectious import POSITIVE_TEST_DAYS_BEFORE, SYMPTOM_ONSET_DAYS_BEFORE
from tracing.contacts import Policy


def service_rules() -> dict:
    """The rules pages and help texts state, as configured here: pages never copy them."""
    return {
        "retention_days": settings.ENCOUNTER_RETENTION_DAYS,
        "close_contact_minutes": settings.TRACING_CLOSE_CONTACT_MINUTES,
        "default_policy": Policy.ENCOUNTER,
        "policies": list(Policy.ALL),
        "symptom_onset_days_before": SYMPTOM_ONSET_DAYS_BEFORE,
        "positive_test_days_before": POSITIVE_TEST_DAYS_BEFORE,
        "reauth_minutes": settings.TRACING_REAUTH_MINUTES,
        "zones_retention_days": settings.ZONES_RETENTION_DAYS,
        "follow_up_days": settings.CONTACT_FOLLOW_UP_DAYS,
        "min_count": settings.STATS_MIN_COUNT,
        "break_glass_min_reason": BREAK_GLASS_MIN_REASON,
        "reveal_retrace_days": settings.REVEAL_RETRACE_DAYS,
        "reveal_approver_role": settings.REVEAL_APPROVER_ROLE,
        "follow_up_statuses": [
            {"value": status.value, "label": status.label, "open": status in FollowUp.OPEN}
            for status in FollowUp.Status
        ],
    }


def admin_sections(request) -> list[str]:
    """The lists this account may open in the administration ("Devices", "People"), as the
    administration itself names them: its start page tells the asset team what is there."""
    django_request = getattr(request, "_request", request)
    return [
        model["name"] for app in admin.site.get_app_list(django_request) for model in app["models"]
    ]


class FollowUpStatusSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    open = serializers.BooleanField()

    class Meta:
        ref_name = "FollowUpStatusRule"


class LanguageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text=_("The language's own name for itself (Français)."))

    class Meta:
        ref_name = "PortalLanguage"


class MeApi(APIView):
    """Who am I: name, roles, the pages I may open, and the service's rules."""

    permission_classes = [AnySignedInPerson]

    class OutputSerializer(serializers.Serializer):
        class PageSerializer(serializers.Serializer):
            slug = serializers.CharField()
            title = serializers.CharField()
            group = serializers.ChoiceField(
                choices=Group.ALL,
                help_text=_(
                    "The header's group this page is filed under: a stable key, never translated."
                ),
            )
            group_label = serializers.CharField(
                help_text=_("The group's name as the reader sees it, in their language.")
            )
            path = serializers.CharField()
            help = serializers.CharField()
            help_url = serializers.CharField()
            needs_recent_sign_in = serializers.BooleanField()

        class RulesSerializer(serializers.Serializer):
            retention_days = serializers.IntegerField(help_text="ENCOUNTER_RETENTION_DAYS")
            close_contact_minutes = serializers.IntegerField(
                help_text="TRACING_CLOSE_CONTACT_MINUTES"
            )
            default_policy = serializers.ChoiceField(choices=Policy.ALL)
            policies = serializers.ListField(child=serializers.ChoiceField(choices=Policy.ALL))
            symptom_onset_days_before = serializers.IntegerField()
            positive_test_days_before = serializers.IntegerField()
            reauth_minutes = serializers.IntegerField(help_text="TRACING_REAUTH_MINUTES")
            zones_retention_days = serializers.IntegerField(help_text="ZONES_RETENTION_DAYS")
            follow_up_days = serializers.IntegerField(help_text="CONTACT_FOLLOW_UP_DAYS")
            min_count = serializers.IntegerField(
                help_text=_("STATS_MIN_COUNT: smaller counts hidden")
            )
            break_glass_min_reason = serializers.IntegerField(
                help_text=_("Characters an urgent reveal's reason needs at least.")
            )
            reveal_retrace_days = serializers.IntegerField(help_text="REVEAL_RETRACE_DAYS")
            reveal_approver_role = serializers.CharField(help_text="REVEAL_APPROVER_ROLE")
            follow_up_statuses = FollowUpStatusSerializer(
                many=True,
                help_text=_("A follow-up's statuses, in order; `open` ones can change."),
            )

        class LinksSerializer(serializers.Serializer):
            logout = serializers.CharField()
            admin = serializers.CharField(allow_null=True)
            admin_sections = serializers.ListField(
                child=serializers.CharField(),
                help_text=_("What this account may open in the administration, in its words."),
            )
            privacy = serializers.CharField(allow_null=True)
            help = serializers.CharField()

        username = serializers.CharField()
        display_name = serializers.CharField()
        email = serializers.CharField()
        roles = serializers.ListField(child=serializers.CharField())
        is_staff = serializers.BooleanField()
        pages = PageSerializer(many=True)
        links = LinksSerializer()
        rules = RulesSerializer()
        role_descriptions = serializers.DictField(
            child=serializers.CharField(), help_text=_("Each role of the portal, in words.")
        )
        time_zone = serializers.CharField(
            help_text=_("TIME_ZONE: every date and time is shown on this clock, not the browser's.")
        )
        language = serializers.CharField(
            help_text=_(
                "The language this person reads the portal in: their choice, else the "
                "browser's preference."
            )
        )
        language_chosen = serializers.CharField(
            help_text=_("The language chosen on the account; empty: the browser's.")
        )
        languages = LanguageSerializer(many=True, help_text=_("The languages the portal speaks."))

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        user = request.user
        data = {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "roles": sorted(role.value for role in roles_of(user)),
            "is_staff": user.is_staff,
            "pages": pages_for(user),
            "links": {
                "logout": reverse("account_logout"),
                "admin": reverse("admin:index") if user.is_staff else None,
                "admin_sections": admin_sections(request) if user.is_staff else [],
                "privacy": settings.PRIVACY_NOTICE_URL,
                "help": "/help/",
            },
            "rules": service_rules(),
            "role_descriptions": {
                role.value: str(words) for role, words in ROLE_DESCRIPTIONS.items()
            },
            "time_zone": settings.TIME_ZONE,
            "language": language_in_use(),
            "language_chosen": user.language,
            "languages": [{"code": code, "name": name} for code, name in settings.LANGUAGES],
        }
        return Response(self.OutputSerializer(data).data)
