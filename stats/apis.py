"""Statistics (medical, privacy, registration), transparency (everyone), purge log (privacy)."""

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import fields
from core.dates import csv_when, csv_zone_header
from core.errors import DomainError
from core.fields import ShownCountField
from core.permissions import AnySignedInPerson, IsPrivacy, role_permission
from core.roles import Role
from retention.selectors import KINDS, Status
from stats import selectors

CanSeeStats = role_permission(Role.MEDICAL, Role.PRIVACY, Role.REGISTRATION)


class StatsApi(APIView):
    """Per closed day over the retention: active proximeters, encounters, hand-outs; traces per
    closed week."""

    permission_classes = [CanSeeStats]

    class OutputSerializer(serializers.Serializer):
        class DayOutput(serializers.Serializer):
            date = fields.DateField()
            active_proximeters = ShownCountField()
            encounters = ShownCountField()
            close_contact_length_encounters = ShownCountField()
            devices_handed_out = ShownCountField()

            class Meta:
                ref_name = "StatsDay"

        class WeekOutput(serializers.Serializer):
            week = fields.DateField(help_text=_("The week's Monday; every closed week, 0 too."))
            traces = ShownCountField()

            class Meta:
                ref_name = "StatsWeek"

        min_count = serializers.IntegerField(help_text="STATS_MIN_COUNT")
        days = DayOutput(many=True)
        traces_per_week = WeekOutput(many=True)

        class Meta:
            ref_name = "DailyStats"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(selectors.daily_stats())


# The CSV's columns in the reader's language: English keeps the API's field names (what
# existing spreadsheets read), French reads words.
CSV_COLUMNS = {
    "date": pgettext_lazy("statistics CSV column", "date"),
    "active_proximeters": pgettext_lazy("statistics CSV column", "active_proximeters"),
    "encounters": pgettext_lazy("statistics CSV column", "encounters"),
    "close_contact_length_encounters": pgettext_lazy(
        "statistics CSV column", "close_contact_length_encounters"
    ),
    "devices_handed_out": pgettext_lazy("statistics CSV column", "devices_handed_out"),
}


class StatsCsvApi(APIView):
    """The daily statistics as CSV (small counts shown as "< N" there too, the same days)."""

    permission_classes = [CanSeeStats]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        days = selectors.daily_stats()["days"]
        buffer = io.StringIO()
        # The days as the page writes them (4 Dec 2026), days of the organisation's zone.
        writer = csv.writer(buffer)
        columns = list(days[0])
        writer.writerow(
            csv_zone_header(str(CSV_COLUMNS["date"])) if c == "date" else CSV_COLUMNS.get(c, c)
            for c in columns
        )
        writer.writerows([csv_when(d[c]) if c == "date" else d[c] for c in columns] for d in days)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="proximeter-statistics.csv"'
        return response


def refuse_parameters(request) -> None:
    """A figure of the whole service has no parameters: anything asked is refused, not ignored."""
    if request.query_params:
        raise DomainError(
            gettext("This figure takes no parameters: it is the same for everyone who may see it."),
            code="parameters",
        )


class PolicyWhatIfApi(APIView):
    """The whole service's close contacts under each rule, from the encounters database alone:
    distinct pairs of tags close at least once over the closed days (no person, no holding)."""

    permission_classes = [CanSeeStats]

    class OutputSerializer(serializers.Serializer):
        first_day = fields.DateField()
        last_day = fields.DateField()
        days = serializers.IntegerField(help_text=_("Closed days counted, today not."))
        threshold_minutes = serializers.IntegerField(help_text="TRACING_CLOSE_CONTACT_MINUTES")
        min_count = serializers.IntegerField(help_text="STATS_MIN_COUNT")
        per_encounter = ShownCountField(
            help_text=_("Pairs of tags with one (merged) encounter longer than the threshold.")
        )
        daily = ShownCountField(
            help_text=_(
                "Pairs of tags that reached the threshold within one calendar day "
                "(or had one encounter longer)."
            )
        )
        daily_only = ShownCountField(help_text=_("daily minus per_encounter."))

        class Meta:
            ref_name = "PolicyWhatIf"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        refuse_parameters(request)
        return Response(self.OutputSerializer(selectors.policy_what_if()).data)


class TransparencyApi(APIView):
    """What the service did, in numbers only: traces per month, purges, devices in service,
    and what is kept for how long (each copy's limit, the age of its oldest item now)."""

    permission_classes = [AnySignedInPerson]

    class OutputSerializer(serializers.Serializer):
        class MonthOutput(serializers.Serializer):
            month = serializers.RegexField(r"^[0-9]{4}-[0-9]{2}$", help_text=_("YYYY-MM"))
            traces = ShownCountField()

            class Meta:
                ref_name = "TransparencyMonth"

        class KeptOutput(serializers.Serializer):
            class KindOutput(serializers.Serializer):
                kind = serializers.ChoiceField(choices=[kind.key for kind in KINDS])
                label = serializers.CharField()
                description = serializers.CharField()
                setting = serializers.CharField(
                    help_text=_("The setting of its limit; '' if none.")
                )
                limit_hours = serializers.IntegerField(
                    allow_null=True, help_text=_("None: no time limit, or nothing is written.")
                )
                measured_from = serializers.CharField()
                oldest_age_hours = serializers.IntegerField(
                    allow_null=True, help_text=_("Whole hours; None when none is kept.")
                )
                status = serializers.ChoiceField(
                    choices=Status.ALL,
                    help_text=_("within_limit: no older than the limit plus tolerance_hours."),
                )
                this_host_only = serializers.BooleanField(
                    help_text=_("Files of each web server: read on the one that answered.")
                )
                removed_by_last_purge = ShownCountField(
                    allow_null=True, help_text=_("None: the last purge did not record this kind.")
                )

                class Meta:
                    ref_name = "TransparencyKeptKind"

            tolerance_hours = serializers.IntegerField(
                help_text=_("One purge interval (the beat schedule's longest gap).")
            )
            last_purge_at = fields.DateTimeField(allow_null=True)
            kinds = KindOutput(many=True)

            class Meta:
                ref_name = "TransparencyKept"

        traces_per_month = MonthOutput(many=True)
        purges_last_30_days = serializers.IntegerField()
        rows_removed_last_30_days = serializers.IntegerField()
        last_purge = fields.DateTimeField(allow_null=True)
        devices_in_service = serializers.IntegerField(
            help_text=_("Held at the start of today, rounded down to a multiple of min_count.")
        )
        devices_in_service_on = fields.DateTimeField()
        min_count = serializers.IntegerField()
        retention_days = serializers.IntegerField()
        kept = KeptOutput()
        break_glass_unreviewed = serializers.IntegerField(
            help_text=_(
                "Urgent reveals without approval the data-protection office has not reviewed yet."
            )
        )

        class Meta:
            ref_name = "Transparency"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(selectors.transparency())


class PurgeLogApi(APIView):
    """Each purge: what it removed, the oldest encounter left; `overdue` after 36 hours without
    (before the first purge: 36 hours after the install)."""

    permission_classes = [IsPrivacy]

    class OutputSerializer(serializers.Serializer):
        class RecordOutput(serializers.Serializer):
            at = fields.DateTimeField()
            removed = serializers.DictField(
                child=serializers.IntegerField(), help_text=_("Rows removed per table.")
            )
            oldest_remaining = fields.DateTimeField(allow_null=True)

            class Meta:
                ref_name = "PurgeRecord"

        overdue = serializers.BooleanField(
            help_text=_("No purge for overdue_after_hours; before the first, since the install.")
        )
        overdue_after_hours = serializers.IntegerField()
        first_purge_due_by = fields.DateTimeField(
            allow_null=True,
            help_text=_("Set while no purge was recorded: the install plus overdue_after_hours."),
        )
        records = RecordOutput(many=True, help_text=_("Newest first."))

        class Meta:
            ref_name = "PurgeLog"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(selectors.purge_log())
