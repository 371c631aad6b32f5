"""MY DATA's API, for any signed-in person, only about themselves.

The person comes from the identity provider's claim on the account, never
from the request: a `person_id` parameter is ignored.
"""

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import fields
from core.permissions import AnySignedInPerson
from desk.services import device_report_lost_by_holder
from registration.selectors import person_for_user
from selfservice.export import csv_pieces, json_pieces, zip_stream
from selfservice.selectors import encounters_by_day, my_data, my_encounters


class MyDayOutput(serializers.Serializer):
    class EncounterOutput(serializers.Serializer):
        start = fields.DateTimeField()
        seconds = serializers.IntegerField()
        close_contact_length = serializers.BooleanField(
            help_text=gettext_lazy("Longer than the close-contact threshold.")
        )

        class Meta:
            ref_name = "MyEncounter"

    date = fields.DateField()
    total_seconds = serializers.IntegerField(
        help_text=gettext_lazy("The day's total (split at midnight).")
    )
    encounters = EncounterOutput(many=True, help_text=gettext_lazy("Those that started that day."))

    class Meta:
        ref_name = "MyEncounterDay"


class MyEncountersApi(APIView):
    """My encounters in the retention window, by day with daily totals; no peer is ever named."""

    permission_classes = [AnySignedInPerson]

    class OutputSerializer(serializers.Serializer):
        days = MyDayOutput(many=True, help_text=gettext_lazy("Newest first."))

        class Meta:
            ref_name = "MyEncounters"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        person = person_for_user(request.user)
        return Response({"days": encounters_by_day(my_encounters(person_id=person.person_id))})


class MyDataApi(APIView):
    """Everything the service keeps about me: encounters, devices, appointments, lost reports."""

    permission_classes = [AnySignedInPerson]

    class OutputSerializer(serializers.Serializer):
        class PersonOutput(serializers.Serializer):
            person_id = serializers.CharField()
            name = serializers.CharField()
            email = serializers.CharField()
            department = serializers.CharField()

            class Meta:
                ref_name = "MyPerson"

        class DeviceOutput(serializers.Serializer):
            device_id = serializers.CharField()
            locals()["from"] = fields.DateTimeField()  # a Python keyword: declared by name
            to = fields.DateTimeField(allow_null=True)
            end_reason = serializers.CharField(
                help_text=gettext_lazy("In words; blank while held.")
            )

            class Meta:
                ref_name = "MyDevice"

        class AppointmentOutput(serializers.Serializer):
            campaign = serializers.CharField()
            starts_at = fields.DateTimeField()
            location = serializers.CharField()
            status = serializers.CharField(help_text=gettext_lazy("In words."))

            class Meta:
                ref_name = "MyAppointment"

        class LostReportOutput(serializers.Serializer):
            device_id = serializers.CharField()
            lost_at = fields.DateTimeField()
            reported_at = fields.DateTimeField()
            found_at = fields.DateTimeField(allow_null=True)

            class Meta:
                ref_name = "MyLostReport"

        class NotificationOutput(serializers.Serializer):
            notified_at = fields.DateTimeField()
            until = fields.DateField(
                help_text=gettext_lazy("Stay at home until the end of this day.")
            )

            class Meta:
                ref_name = "MyNotification"

        person = PersonOutput()
        retention_days = serializers.IntegerField()
        close_contact_minutes = serializers.IntegerField()
        days = MyDayOutput(many=True, help_text=gettext_lazy("Newest first."))
        devices = DeviceOutput(many=True)
        appointments = AppointmentOutput(many=True)
        lost_reports = LostReportOutput(many=True)
        notifications = NotificationOutput(
            many=True,
            help_text=gettext_lazy("E-mails of the medical service to me as a close contact."),
        )
        consulted_on = serializers.ListField(
            child=fields.DateField(),
            required=False,
            help_text=gettext_lazy(
                "Days a trace showed my data, newest first (MYDATA_SHOW_CONSULTATIONS)."
            ),
        )

        class Meta:
            ref_name = "MyData"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(my_data(person=person_for_user(request.user)))


class MyDataExportApi(APIView):
    """All of MY DATA in one download: a ZIP with my-data.json and my-data.csv, streamed."""

    permission_classes = [AnySignedInPerson]

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request):
        data = my_data(person=person_for_user(request.user), lazy=True)
        data["exported_at"] = timezone.localtime().isoformat()
        response = StreamingHttpResponse(
            zip_stream([("my-data.json", json_pieces(data)), ("my-data.csv", csv_pieces(data))]),
            content_type="application/zip",
        )
        response["Content-Disposition"] = 'attachment; filename="my-data.zip"'
        return response


class MyDeviceReportLostApi(APIView):
    """I report the device I hold lost (or broken): I no longer hold it from the time I give.

    Only the caller's own current device; the person comes from the sign-in.
    """

    permission_classes = [AnySignedInPerson]

    class InputSerializer(serializers.Serializer):
        device_id = serializers.CharField(
            max_length=32, help_text=gettext_lazy("The device I hold now (MY DATA shows it).")
        )
        what = serializers.ChoiceField(choices=["lost", "broken"], default="lost")
        at = fields.DateTimeField(
            required=False,
            help_text=gettext_lazy(
                "When it was lost or broke; now if not given. Not in the future, "
                "not before I was given the device."
            ),
        )

    class OutputSerializer(serializers.Serializer):
        message = serializers.CharField(help_text=gettext_lazy("What was recorded, in a sentence."))
        device_id = serializers.CharField()
        ended_at = fields.DateTimeField(
            help_text=gettext_lazy("I no longer hold the device from then.")
        )

        class Meta:
            ref_name = "MyDeviceReportLost"

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        person = person_for_user(request.user)
        params = self.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        holding = device_report_lost_by_holder(
            person_id=person.person_id,
            device_id=data["device_id"],
            at=data.get("at"),
            broken=data["what"] == "broken",
            acting_user=request.user,
        )
        if data["what"] == "lost":
            message = _(
                "Your device %(device)s is recorded as lost. "
                "Come to the registration desk for a new one."
            )
        else:
            message = _(
                "Your device %(device)s is recorded as broken. "
                "Come to the registration desk for a new one."
            )
        return Response(
            {
                "message": message % {"device": holding.device_id},
                "device_id": holding.device_id,
                "ended_at": timezone.localtime(holding.ended_at).isoformat(),
            }
        )
