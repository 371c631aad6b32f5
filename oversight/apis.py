"""Unusual activity for the data-protection office (oversight/rules.py says how it is judged)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import fields
from core.errors import DomainError
from core.permissions import IsPrivacy
from oversight.rules import Rule, Thresholds
from oversight.selectors import anomalies_list

DEFAULT_DAYS = 7  # the page's first view: the last week
MAX_DAYS = 92  # one request at most a quarter: the sums stay small, the answer readable


class AnomalyListApi(APIView):
    """Alerts of unusual activity by staff accounts in the local days since..until, newest first.

    They name accounts, never the people traced. Without dates: the last 7 days to today.
    """

    permission_classes = [IsPrivacy]

    class InputSerializer(serializers.Serializer):
        since = fields.DateField(required=False)
        until = fields.DateField(required=False)

    class OutputSerializer(serializers.Serializer):
        class RuleCountOutput(serializers.Serializer):
            rule = serializers.ChoiceField(choices=Rule.ALL)
            label = serializers.CharField()
            count = serializers.IntegerField()

            class Meta:
                ref_name = "OversightRuleCount"

        class AlertOutput(serializers.Serializer):
            rule = serializers.ChoiceField(choices=Rule.ALL)
            label = serializers.CharField()
            actor = serializers.CharField(help_text=_("The staff account (user name)."))
            day = fields.DateField(help_text=_("The local day."))
            hour = serializers.IntegerField(
                allow_null=True, help_text=_("The local hour (0-23); null for a whole day.")
            )
            observed = serializers.IntegerField(help_text=_("How many entries the rule counted."))
            usual_user = serializers.FloatField(
                allow_null=True,
                help_text=_(
                    "The account's usual: a day's median (per-day rules), the percentage in "
                    "that hour (unusual_hour), or how many of the same in the previous days "
                    "(others). Null: no usual pattern yet."
                ),
            )
            usual_role = serializers.FloatField(
                allow_null=True, help_text=_("The same for the medical service's accounts.")
            )
            limit_user = serializers.FloatField(
                allow_null=True,
                help_text=_("Above this a day alerts (per-day rules); under it an hour does."),
            )
            limit_role = serializers.FloatField(allow_null=True)
            sentence = serializers.CharField(help_text=_("The alert in words."))

            class Meta:
                ref_name = "OversightAlert"

        since = fields.DateField()
        until = fields.DateField()
        baseline_days = serializers.IntegerField(
            help_text=_("Days of history a usual is taken of.")
        )
        working_hours = serializers.CharField(help_text=_("Working days and hours, local time."))
        per_rule = RuleCountOutput(many=True)
        alerts = AlertOutput(many=True)

        class Meta:
            ref_name = "OversightAnomalies"

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer)
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        given = params.validated_data
        until = given.get("until") or timezone.localdate()
        since = given.get("since") or until - timedelta(days=DEFAULT_DAYS - 1)
        if since > until:
            raise DomainError(
                gettext("The first day must not be after the last day."),
                code="since_after_until",
            )
        if (until - since).days + 1 > MAX_DAYS:
            raise DomainError(
                gettext("Ask for at most %(days)d days at a time.") % {"days": MAX_DAYS},
                code="period_too_long",
            )
        thresholds = Thresholds.from_settings()
        alerts = anomalies_list(since=since, until=until)
        return Response(
            self.OutputSerializer(
                {
                    "since": since,
                    "until": until,
                    "baseline_days": thresholds.baseline_days,
                    "working_hours": thresholds.working.describe(),
                    "per_rule": [
                        {
                            "rule": rule,
                            "label": Rule.LABELS[rule],
                            "count": sum(1 for a in alerts if a.rule == rule),
                        }
                        for rule in Rule.ALL
                    ],
                    "alerts": [
                        {**vars(alert), "label": Rule.LABELS[alert.rule]} for alert in alerts
                    ],
                }
            ).data
        )
