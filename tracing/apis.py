"""TRACKING's API: the medical service traces a person; traces, reopenings, exports are audited."""

import csv
import io

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditEntry
from core import dates, fields
from core.csv import safe_cell
from core.permissions import IsMedical
from core.security import RecentSignIn, RecentSignInToRead
from registration.selectors import person_search
from tracing import contacts, services
from tracing.models import Trace


class TracePeopleSearchApi(APIView):
    """Find the person to trace by name or person ID."""

    permission_classes = [IsMedical]

    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(max_length=100)

    class OutputSerializer(serializers.Serializer):
        person_id = serializers.CharField()
        name = serializers.CharField()
        department = serializers.CharField()
        active = serializers.BooleanField()

        class Meta:
            ref_name = "TracePersonFound"

    @extend_schema(
        parameters=[InputSerializer],
        responses=OutputSerializer(many=True),
        operation_id="tracing_people_retrieve",
    )
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(
            [
                {
                    "person_id": p.person_id,
                    "name": p.full_name,
                    "department": p.department,
                    "active": p.active,
                }
                for p in person_search(query=params.validated_data["q"])
            ]
        )


class TraceInput(serializers.Serializer):
    person_id = serializers.CharField(max_length=32)
    start = fields.DateTimeField(
        required=False, allow_null=True, help_text=gettext_lazy("Explicit window start (`from`).")
    )
    end = fields.DateTimeField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Window end (`to`); now if left out."),
    )
    symptom_onset = fields.DateTimeField(required=False, allow_null=True)
    positive_test = fields.DateTimeField(required=False, allow_null=True)
    policy = serializers.ChoiceField(choices=contacts.Policy.ALL, required=False)
    case_reference = serializers.CharField(max_length=100)
    reason = serializers.CharField(max_length=500)

    def to_internal_value(self, data):
        # The brief's names: `from`/`to` (Python keywords, hence start/end inside).
        if hasattr(data, "copy"):
            data = data.copy()
            for outside, inside in (("from", "start"), ("to", "end")):
                if outside in data and inside not in data:
                    data[inside] = data.pop(outside)
        return super().to_internal_value(data)


# Who a contact is: a person, a device nobody held then, or a tag of no registered device.
CONTACT_KINDS = ("person", "no_holder", "unknown_tag")


class TraceWindowOutput(serializers.Serializer):
    locals()["from"] = fields.DateTimeField()  # a Python keyword: declared by name
    to = fields.DateTimeField()
    derived_from = serializers.ChoiceField(choices=["explicit", "symptom_onset", "positive_test"])
    clamped_to_retention = serializers.BooleanField(
        help_text=gettext_lazy("The start was moved up to the retention limit.")
    )
    counts = serializers.CharField(
        help_text=gettext_lazy('How the edges count: "overlap", the part inside the window.')
    )

    class Meta:
        ref_name = "TraceWindow"


class TraceDeviceOutput(serializers.Serializer):
    device_id = serializers.CharField()
    locals()["from"] = fields.DateTimeField()
    to = fields.DateTimeField()

    class Meta:
        ref_name = "TraceDevice"


class TraceEncounterOutput(serializers.Serializer):
    start = fields.DateTimeField()
    seconds = serializers.IntegerField()
    minutes = serializers.FloatField()
    cut_start = serializers.BooleanField()
    cut_end = serializers.BooleanField()

    class Meta:
        ref_name = "TraceEncounter"


class TraceContactOutput(serializers.Serializer):
    ref = serializers.CharField(
        help_text=gettext_lazy("The contact's reference within this trace.")
    )
    kind = serializers.ChoiceField(choices=CONTACT_KINDS)
    named = serializers.BooleanField()
    person_id = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    department = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    device_id = serializers.CharField(allow_null=True)
    close_contact = serializers.BooleanField()
    total_seconds = serializers.IntegerField()
    total_minutes = serializers.FloatField()
    longest_seconds = serializers.IntegerField()
    longest_minutes = serializers.FloatField()
    seconds_per_day = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=gettext_lazy("Seconds in contact per day (ISO date)."),
    )
    encounters = TraceEncounterOutput(many=True)
    probability = serializers.FloatField()

    class Meta:
        ref_name = "TraceContact"


class TracePersonOutput(serializers.Serializer):
    person_id = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField()

    class Meta:
        ref_name = "TracePerson"


class TraceResultOutput(serializers.Serializer):
    """A trace's result, as running, reopening and revealing answer it."""

    id = serializers.IntegerField()
    window = TraceWindowOutput()
    policy = serializers.ChoiceField(choices=contacts.Policy.ALL)
    threshold_minutes = serializers.IntegerField()
    revealed = serializers.ChoiceField(
        choices=services.Reveal.ORDER,
        help_text=gettext_lazy(
            "Whom it names: nobody (as run), the close contacts, or every contact."
        ),
    )
    devices = TraceDeviceOutput(
        many=True, help_text=gettext_lazy("The traced person's devices in the window.")
    )
    contacts = TraceContactOutput(many=True)
    person = TracePersonOutput()
    case_reference = serializers.CharField()
    reason = serializers.CharField()

    class Meta:
        ref_name = "TraceResult"


class TraceListApi(APIView):
    """List my own past traces (GET). Running one belongs to a case: cases.apis.TraceForCaseApi
    adds the POST on the same URL."""

    # Running one needs a recent sign-in in the browser (TRACING_REAUTH_MINUTES).
    permission_classes = [IsMedical, RecentSignIn]

    def get_serializer(self, *args, **kwargs):
        return TraceInput(*args, **kwargs)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        created_at = fields.DateTimeField()
        person_id = serializers.CharField()
        case_reference = serializers.CharField()
        contacts = serializers.IntegerField()
        close_contacts = serializers.IntegerField()

        class Meta:
            ref_name = "TraceSummary"

    @extend_schema(responses=OutputSerializer(many=True), operation_id="tracing_traces_mine")
    def get(self, request):
        return Response(
            [
                {
                    "id": t.pk,
                    "created_at": timezone.localtime(t.created_at).isoformat(),
                    "person_id": t.person_id,
                    "case_reference": t.case_reference,
                    "contacts": t.contacts,
                    "close_contacts": t.close_contacts,
                }
                for t in Trace.objects.filter(author=request.user.get_username())[:200]
            ]
        )


def _own_trace(request, trace_id: int) -> Trace:
    """Another medical user's trace does not exist for you (404)."""
    return get_object_or_404(Trace, pk=trace_id, author=request.user.get_username())


class TraceDetailApi(APIView):
    """Reopen one of my traces (audited)."""

    permission_classes = [IsMedical, RecentSignInToRead]

    @extend_schema(responses=TraceResultOutput)
    def get(self, request, trace_id: int):
        return Response(
            services.trace_reopen(trace=_own_trace(request, trace_id), acting_user=request.user)
        )


class TraceWhatIfApi(APIView):
    """One of my traces under the other policy: how many close contacts either policy finds,
    as counts only (no one named, nothing audited: it discloses no one)."""

    permission_classes = [IsMedical, RecentSignInToRead]

    class OutputSerializer(serializers.Serializer):
        policy = serializers.ChoiceField(
            choices=contacts.Policy.ALL, help_text=gettext_lazy("The trace's.")
        )
        other_policy = serializers.ChoiceField(choices=contacts.Policy.ALL)
        close_under_both = serializers.IntegerField()
        only_under_this = serializers.IntegerField(
            help_text=gettext_lazy("Close under the trace's policy only.")
        )
        only_under_other = serializers.IntegerField(
            help_text=gettext_lazy("Close under the other one only.")
        )
        neither = serializers.IntegerField()
        contacts = serializers.IntegerField(help_text=gettext_lazy("Contacts in all."))

        class Meta:
            ref_name = "TraceWhatIf"

    @extend_schema(responses=OutputSerializer)
    def get(self, request, trace_id: int):
        answer = services.trace_what_if(
            trace=_own_trace(request, trace_id), acting_user=request.user
        )
        return Response(self.OutputSerializer(answer).data)


def contact_label(contact: dict, others: list[dict]) -> str:
    """How a contact is called in the CSV: a name, the server's sentence, or "Contact 3"."""
    if contact["name"]:
        return contact["name"]
    return _("Contact %(n)d (not named)") % {"n": others.index(contact) + 1}


def _cut_words(encounter: dict) -> str:
    """Which end of an encounter the period (or a holding) cut off: only the part inside counts."""
    if encounter["cut_start"] and encounter["cut_end"]:
        return pgettext("encounter cut", "start and end")
    if encounter["cut_start"]:
        return pgettext("encounter cut", "start")
    if encounter["cut_end"]:
        return pgettext("encounter cut", "end")
    return ""


CSV_COLUMNS = [
    "case_reference",
    "contact_ref",
    "contact",
    "person_id",
    "department",
    "email",
    "device_id",
    "close_contact",
    "total_minutes",
    "longest_minutes",
    "encounter_start",
    "encounter_minutes",
    "encounter_cut",
    "probability",
]
CSV_TIME_COLUMNS = {"encounter_start"}


def csv_headers() -> dict[str, str]:
    """The trace CSV's column headers in the reader's language (English: the column names)."""
    return {
        "case_reference": pgettext("CSV column", "case_reference"),
        "contact_ref": pgettext("CSV column", "contact_ref"),
        "contact": pgettext("CSV column", "contact"),
        "person_id": pgettext("CSV column", "person_id"),
        "department": pgettext("CSV column", "department"),
        "email": pgettext("CSV column", "email"),
        "device_id": pgettext("CSV column", "device_id"),
        "close_contact": pgettext("CSV column", "close_contact"),
        "total_minutes": pgettext("CSV column", "total_minutes"),
        "longest_minutes": pgettext("CSV column", "longest_minutes"),
        "encounter_start": pgettext("CSV column", "encounter_start"),
        "encounter_minutes": pgettext("CSV column", "encounter_minutes"),
        "encounter_cut": pgettext("CSV column", "encounter_cut"),
        "probability": pgettext("CSV column", "probability"),
    }


class TraceExportApi(APIView):
    """One of my traces as CSV: a row per encounter of each contact (audited)."""

    permission_classes = [IsMedical, RecentSignInToRead]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, trace_id: int):
        trace = _own_trace(request, trace_id)
        result = services.trace_reopen(
            trace=trace, acting_user=request.user, action=AuditEntry.Action.TRACE_EXPORTED
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # Times as on the screen (4 Dec 2026, 14:51, the same minutes), their zone in the header.
        headers = csv_headers()
        writer.writerow(
            dates.csv_zone_header(headers[c]) if c in CSV_TIME_COLUMNS else headers[c]
            for c in CSV_COLUMNS
        )
        unnamed = [c for c in result["contacts"] if not c["name"]]
        for contact in result["contacts"]:
            for encounter in contact["encounters"]:
                writer.writerow(
                    safe_cell(value)
                    for value in (
                        result["case_reference"],
                        contact["ref"],
                        contact_label(contact, unnamed),
                        contact["person_id"],
                        contact["department"],
                        contact["email"],
                        contact["device_id"],
                        pgettext("close contact", "yes")
                        if contact["close_contact"]
                        else pgettext("close contact", "no"),
                        contact["total_minutes"],
                        contact["longest_minutes"],
                        dates.csv_when(encounter["start"]),
                        encounter["minutes"],
                        _cut_words(encounter),
                        contact["probability"],
                    )
                )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        filename = "".join(c if c.isalnum() or c in "-_" else "_" for c in trace.case_reference)
        response["Content-Disposition"] = f'attachment; filename="trace-{filename}.csv"'
        return response
