"""Contact follow-up's API, for the medical service: cases, their traces, follow-ups, e-mails."""

import csv
import io

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditEntry
from audit.services import audit_record
from cases import dates, emails, selectors, services
from cases.models import Case, FollowUp
from core import dates as core_dates
from core import fields
from core.csv import safe_cell
from core.errors import DomainError
from core.fields import ShownCountField
from core.permissions import IsMedical
from core.security import RecentSignIn, RecentSignInToRead
from tracing import contacts
from tracing.apis import TraceInput, TraceListApi, TraceResultOutput

# The statuses as the API names them (and the schema's FollowUpStatusEnum).
FOLLOW_UP_STATUSES = FollowUp.Status.values

# --- Shapes ------------------------------------------------------------------------------


class CaseTraceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    trace_id = serializers.IntegerField(
        allow_null=True,
        help_text=gettext_lazy("The stored trace; null once purged (TRACE_RESULT_RETENTION_DAYS)."),
    )
    degree = serializers.IntegerField(
        help_text=gettext_lazy("1: the index person; 2: one of its contacts.")
    )
    follow_up_id = serializers.IntegerField(allow_null=True)
    traced_person_id = serializers.CharField()
    created_at = fields.DateTimeField()
    author = serializers.CharField()
    policy = serializers.ChoiceField(choices=contacts.Policy.ALL)
    window_from = fields.DateTimeField()
    window_to = fields.DateTimeField()
    close_contacts = serializers.IntegerField()

    class Meta:
        ref_name = "CaseTrace"


class CaseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    person_id = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField()
    symptom_onset = fields.DateField(allow_null=True)
    positive_test = fields.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=Case.Status.values)
    notes = serializers.CharField(allow_blank=True)
    created_at = fields.DateTimeField()
    created_by = serializers.CharField()
    closed_at = fields.DateTimeField(allow_null=True)
    source_follow_up_id = serializers.IntegerField(allow_null=True)
    follow_ups = serializers.IntegerField()
    open_follow_ups = serializers.IntegerField()

    class Meta:
        ref_name = "Case"


class FollowUpOutput(serializers.Serializer):
    id = serializers.IntegerField()
    person_id = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    case_id = serializers.IntegerField()
    case_reference = serializers.CharField()
    degree = serializers.IntegerField()
    status = serializers.ChoiceField(choices=FOLLOW_UP_STATUSES)
    status_label = serializers.CharField()
    last_exposure = fields.DateTimeField()
    end_date = fields.DateField(
        help_text=gettext_lazy("Last day of quarantine or monitoring (inclusive).")
    )
    days_left = serializers.IntegerField(help_text=gettext_lazy("0 on the last day."))
    end_explained = serializers.CharField()
    assigned_to = serializers.CharField()
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back with a change (two medics at once).")
    )
    notified_at = fields.DateTimeField(
        allow_null=True, help_text=gettext_lazy("The last e-mail that left.")
    )
    notify_failed = serializers.BooleanField(
        help_text=gettext_lazy("The last e-mail did not leave.")
    )
    told_until = fields.DateField(
        allow_null=True, help_text=gettext_lazy("The end date the last e-mail that left stated.")
    )
    tell_again = serializers.BooleanField(
        help_text=gettext_lazy(
            "The end date moved since the last e-mail: the contact must be told again."
        )
    )
    closed_at = fields.DateTimeField(allow_null=True)
    close_reason = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "FollowUp"


class FollowUpEventOutput(serializers.Serializer):
    at = fields.DateTimeField()
    actor = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField(allow_blank=True)
    old_end_date = fields.DateField(allow_null=True)
    new_end_date = fields.DateField(allow_null=True)
    note = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "FollowUpEvent"


class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    at = fields.DateTimeField()
    sent_by = serializers.CharField()
    to_email = serializers.CharField(allow_blank=True)
    until = fields.DateField()
    sent = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "ContactNotification"


class ExposureOutput(serializers.Serializer):
    case_id = serializers.IntegerField()
    case_reference = serializers.CharField()
    degree = serializers.IntegerField()
    last_exposure = fields.DateTimeField()

    class Meta:
        ref_name = "Exposure"


class FollowUpDetailOutput(FollowUpOutput):
    events = FollowUpEventOutput(many=True)
    notifications = NotificationOutput(many=True)
    exposures = ExposureOutput(many=True)
    became_case_id = serializers.IntegerField(allow_null=True)

    class Meta:
        ref_name = "FollowUpDetail"


class CaseDetailOutput(CaseOutput):
    traces = CaseTraceOutput(many=True)
    follow_up_list = FollowUpOutput(many=True)

    class Meta:
        ref_name = "CaseDetail"


# --- Rendering ----------------------------------------------------------------------------


def _local(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def _counted(case: Case, annotation: str, rows) -> int:
    """The list's annotated count (0 included), else one query for a single case."""
    counted = getattr(case, annotation, None)
    return rows.count() if counted is None else counted


def case_data(case: Case, people: dict) -> dict:
    person = people.get(case.person_id)
    return {
        "id": case.pk,
        "reference": case.reference,
        "person_id": case.person_id,
        "name": person.full_name if person else "",
        "department": person.department if person else "",
        "symptom_onset": case.symptom_onset,
        "positive_test": case.positive_test,
        "status": case.status,
        "notes": case.notes,
        "created_at": _local(case.created_at),
        "created_by": case.created_by,
        "closed_at": _local(case.closed_at),
        "source_follow_up_id": case.source_follow_up_id,
        "follow_ups": _counted(case, "follow_up_count", case.follow_ups.all()),
        "open_follow_ups": _counted(
            case, "open_follow_ups", case.follow_ups.filter(status__in=FollowUp.OPEN)
        ),
    }


def follow_up_data(follow_up: FollowUp, people: dict, latest: dict, told_of: dict) -> dict:
    person = people.get(follow_up.person_id)
    sent = latest.get(follow_up.pk)
    told = told_of.get(follow_up.pk)
    zone = dates.zone()
    return {
        "id": follow_up.pk,
        "person_id": follow_up.person_id,
        "name": person.full_name if person else "",
        "department": person.department if person else "",
        "email": person.email if person else "",
        "case_id": follow_up.case_id,
        "case_reference": follow_up.case.reference,
        "degree": follow_up.degree,
        "status": follow_up.status,
        "status_label": follow_up.get_status_display(),
        "last_exposure": _local(follow_up.last_exposure),
        "end_date": follow_up.end_date,
        "days_left": dates.days_left(follow_up.end_date, timezone.localdate()),
        "end_explained": dates.explain(
            follow_up.last_exposure,
            zone,
            (follow_up.end_date - dates.exposure_day(follow_up.last_exposure, zone)).days,
        ),
        "assigned_to": follow_up.assigned_to,
        "version": follow_up.version,
        "notified_at": _local(sent.at) if sent and sent.sent else None,
        "told_until": told.until if told else None,
        "tell_again": bool(told and told.until != follow_up.end_date and follow_up.is_open),
        "notify_failed": bool(sent and not sent.sent),
        "closed_at": _local(follow_up.closed_at),
        "close_reason": follow_up.close_reason,
    }


def follow_ups_data(follow_ups) -> list[dict]:
    people = selectors.names_of(f.person_id for f in follow_ups)
    latest, told_of = selectors.notifications_of(follow_ups)
    return [follow_up_data(f, people, latest, told_of) for f in follow_ups]


def _case(case_id: int) -> Case:
    return get_object_or_404(Case, pk=case_id)


def _follow_up(follow_up_id: int) -> FollowUp:
    return get_object_or_404(FollowUp.objects.select_related("case"), pk=follow_up_id)


# --- Cases ----------------------------------------------------------------------------------


class CaseListCreateApi(APIView):
    """The medical service's cases (GET, with filters), or open one (POST; audited)."""

    # The list names people: read it only after a recent sign-in, as a case's record.
    permission_classes = [IsMedical, RecentSignInToRead]

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Case.Status.values, required=False)
        q = serializers.CharField(max_length=100, required=False, allow_blank=True)
        mine = serializers.BooleanField(required=False, default=False)

    class InputSerializer(serializers.Serializer):
        person_id = serializers.CharField(max_length=32)
        symptom_onset = fields.DateField(required=False, allow_null=True)
        positive_test = fields.DateField(required=False, allow_null=True)
        notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)

        class Meta:
            ref_name = "CaseOpenInput"

    def get_serializer(self, *args, **kwargs):
        return self.InputSerializer(*args, **kwargs)

    @extend_schema(parameters=[FilterSerializer], responses=CaseOutput(many=True))
    def get(self, request):
        given = self.FilterSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        found = selectors.case_list(
            status=given.validated_data.get("status", ""),
            q=given.validated_data.get("q", ""),
            mine_of=request.user.get_username() if given.validated_data["mine"] else "",
        )
        people = selectors.names_of(c.person_id for c in found)
        return Response([case_data(c, people) for c in found])

    @extend_schema(request=InputSerializer, responses={201: CaseOutput})
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        case = services.case_open(acting_user=request.user, **given.validated_data)
        people = selectors.names_of([case.person_id])
        return Response(case_data(case, people), status=status.HTTP_201_CREATED)


def case_detail_data(case: Case) -> dict:
    people = selectors.names_of([case.person_id])
    data = case_data(case, people)
    data["traces"] = [
        {
            "id": link.pk,
            "trace_id": link.trace_id,
            "degree": link.degree,
            "follow_up_id": link.follow_up_id,
            "traced_person_id": link.traced_person_id,
            "created_at": _local(link.created_at),
            "author": link.author,
            "policy": link.policy,
            "window_from": _local(link.window_from),
            "window_to": _local(link.window_to),
            "close_contacts": link.close_contacts,
        }
        for link in case.traces.all()
    ]
    data["follow_up_list"] = follow_ups_data(
        selectors.worklist(case_id=case.pk, include_closed=True)
    )
    return data


class CaseDetailApi(APIView):
    """One case: its traces and follow-ups (GET); its notes, dates or status (PATCH)."""

    permission_classes = [IsMedical, RecentSignInToRead]

    class InputSerializer(serializers.Serializer):
        notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
        symptom_onset = fields.DateField(
            required=False, allow_null=True, help_text=gettext_lazy("null clears it.")
        )
        positive_test = fields.DateField(
            required=False, allow_null=True, help_text=gettext_lazy("null clears it.")
        )
        status = serializers.ChoiceField(choices=Case.Status.values, required=False)

        class Meta:
            ref_name = "CaseChangeInput"

    def get_serializer(self, *args, **kwargs):
        return self.InputSerializer(*args, **kwargs)

    @extend_schema(responses=CaseDetailOutput)
    def get(self, request, case_id: int):
        return Response(case_detail_data(_case(case_id)))

    @extend_schema(request=InputSerializer, responses=CaseDetailOutput)
    def patch(self, request, case_id: int):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        case = services.case_update(
            case=_case(case_id), acting_user=request.user, **given.validated_data
        )
        return Response(case_detail_data(case))


class CaseTraceInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    policy = serializers.ChoiceField(choices=contacts.Policy.ALL, required=False)


class CaseTraceResultOutput(TraceResultOutput):
    case_id = serializers.IntegerField()
    follow_ups = FollowUpOutput(
        many=True,
        help_text=gettext_lazy("Empty: follow-ups open when the close contacts are named."),
    )

    class Meta:
        ref_name = "CaseTraceResult"


def _traced(trace, link) -> dict:
    """A trace just run names nobody, so it opens no follow-up yet: naming its close contacts
    (cases.reveals, /api/tracing/traces/<id>/reveal) does."""
    return {**trace.plain_result, "case_id": link.case_id, "follow_ups": []}


class CaseTraceApi(APIView):
    """Trace the case's index person over its infectious period (audited); each close
    contact becomes a follow-up."""

    permission_classes = [IsMedical, RecentSignIn]

    def get_serializer(self, *args, **kwargs):
        return CaseTraceInput(*args, **kwargs)

    @extend_schema(request=CaseTraceInput, responses={201: CaseTraceResultOutput})
    def post(self, request, case_id: int):
        given = CaseTraceInput(data=request.data)
        given.is_valid(raise_exception=True)
        trace, link = services.case_trace(
            case=_case(case_id), acting_user=request.user, **given.validated_data
        )
        return Response(_traced(trace, link), status=status.HTTP_201_CREATED)


class ChainNodeOutput(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=["case", "follow_up"])
    record = serializers.IntegerField(help_text=gettext_lazy("The case's or the follow-up's ID."))
    reference = serializers.CharField()
    person_id = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    at = fields.DateTimeField(help_text=gettext_lazy("A case: opened; a contact: last exposure."))
    level = serializers.IntegerField(required=False, help_text=gettext_lazy("A contact: 1 or 2."))

    class Meta:
        ref_name = "ChainNode"


class ChainEdgeOutput(serializers.Serializer):
    locals()["from"] = serializers.CharField()  # a Python keyword: declared by name
    to = serializers.CharField()
    at = fields.DateTimeField()

    class Meta:
        ref_name = "ChainEdge"


class CaseChainApi(APIView):
    """The chain of a case: its contacts two levels deep and the cases they became."""

    permission_classes = [IsMedical, RecentSignInToRead]

    class OutputSerializer(serializers.Serializer):
        root = serializers.CharField()
        nodes = ChainNodeOutput(many=True, help_text=gettext_lazy("In time order."))
        edges = ChainEdgeOutput(many=True)

        class Meta:
            ref_name = "CaseChain"

    @extend_schema(responses=OutputSerializer)
    def get(self, request, case_id: int):
        found = selectors.chain(_case(case_id))
        for item in (*found["nodes"], *found["edges"]):
            item["at"] = _local(item["at"])
        return Response(found)


class TraceForCaseApi(TraceListApi):
    """Run a trace for a case (POST), or list my own past traces (GET).

    The case reference names a case: an existing one of the same person, or a new
    case opened under that reference (its dates from the symptom onset or positive test).
    """

    @extend_schema(request=TraceInput, responses={201: CaseTraceResultOutput})
    def post(self, request):
        data = TraceInput(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        window = contacts.trace_window(
            now=timezone.now(),
            retention=timezone.timedelta(days=settings.ENCOUNTER_RETENTION_DAYS),
            start=given.get("start"),
            end=given.get("end"),
            symptom_onset=given.get("symptom_onset"),
            positive_test=given.get("positive_test"),
        )
        case = Case.objects.filter(reference=given["case_reference"]).first()
        if case is None:
            case = Case.objects.filter(
                person_id=given["person_id"], status=Case.Status.OPEN
            ).first() or services.case_open(
                person_id=given["person_id"],
                reference=given["case_reference"],
                symptom_onset=_day(given.get("symptom_onset")),
                positive_test=_day(given.get("positive_test")),
                acting_user=request.user,
            )
        if case.person_id != given["person_id"]:
            raise DomainError(
                _(
                    "Case %(reference)s is about another person: give this person's case "
                    "reference, or a new one to open a case."
                )
                % {"reference": case.reference},
                code="case_person",
            )
        trace, link = services.case_trace(
            case=case,
            window=window,
            policy=given.get("policy"),
            reason=given["reason"],
            acting_user=request.user,
        )
        return Response(_traced(trace, link), status=status.HTTP_201_CREATED)


def _day(moment):
    return timezone.localtime(moment).date() if moment else None


# --- Follow-ups --------------------------------------------------------------------------------


class WorklistFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=FOLLOW_UP_STATUSES, required=False)
    mine = serializers.BooleanField(required=False, default=True)
    case = serializers.IntegerField(required=False, min_value=1)


def _worklist(request) -> list[FollowUp]:
    given = WorklistFilter(data=request.query_params)
    given.is_valid(raise_exception=True)
    return selectors.worklist(
        assigned_to=request.user.get_username() if given.validated_data["mine"] else "",
        status=given.validated_data.get("status", ""),
        case_id=given.validated_data.get("case"),
    )


class WorklistApi(APIView):
    """Open follow-ups, most urgent first: not yet notified, then ending soonest."""

    permission_classes = [IsMedical, RecentSignInToRead]

    @extend_schema(parameters=[WorklistFilter], responses=FollowUpOutput(many=True))
    def get(self, request):
        return Response(follow_ups_data(_worklist(request)))


WORKLIST_CSV = [
    "case_reference",
    "person_id",
    "name",
    "department",
    "email",
    "status",
    "last_exposure",
    "end_date",
    "days_left",
    "notified_at",
    "assigned_to",
]
WORKLIST_CSV_WHEN = {"last_exposure", "end_date", "notified_at"}


def worklist_csv_headers() -> dict[str, str]:
    """The worklist CSV's column headers in the reader's language (English: the column names)."""
    return {
        "case_reference": pgettext("CSV column", "case_reference"),
        "person_id": pgettext("CSV column", "person_id"),
        "name": pgettext("CSV column", "name"),
        "department": pgettext("CSV column", "department"),
        "email": pgettext("CSV column", "email"),
        "status": pgettext("CSV column", "status"),
        "last_exposure": pgettext("CSV column", "last_exposure"),
        "end_date": pgettext("CSV column", "end_date"),
        "days_left": pgettext("CSV column", "days_left"),
        "notified_at": pgettext("CSV column", "notified_at"),
        "assigned_to": pgettext("CSV column", "assigned_to"),
    }


class WorklistExportApi(APIView):
    """The worklist as CSV, in the same order and with the same minutes as the screen."""

    permission_classes = [IsMedical, RecentSignInToRead]

    @extend_schema(parameters=[WorklistFilter], responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # Days and times as on the screen (4 Dec 2026, 14:51), their zone in the header.
        headers = worklist_csv_headers()
        writer.writerow(
            core_dates.csv_zone_header(headers[c]) if c in WORKLIST_CSV_WHEN else headers[c]
            for c in WORKLIST_CSV
        )
        rows = follow_ups_data(_worklist(request))
        for row in rows:
            writer.writerow(
                safe_cell(
                    core_dates.csv_when(row[column]) if column in WORKLIST_CSV_WHEN else row[column]
                )
                for column in WORKLIST_CSV
            )
        # A file of names leaves the portal: recorded with everyone in it, as a trace's export.
        audit_record(
            acting_user=request.user,
            action=AuditEntry.Action.FOLLOW_UPS_EXPORTED,
            details={"follow_ups": len(rows), "filters": dict(request.query_params.items())},
            disclosed=[row["person_id"] for row in rows],
        )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="follow-ups.csv"'
        return response


def follow_up_detail_data(follow_up: FollowUp) -> dict:
    data = follow_ups_data([follow_up])[0]
    data["events"] = [
        {
            "at": _local(e.at),
            "actor": e.actor,
            "kind": e.kind,
            "kind_label": e.get_kind_display(),
            "from_status": e.from_status,
            "to_status": e.to_status,
            "old_end_date": e.old_end_date,
            "new_end_date": e.new_end_date,
            "note": e.note,
        }
        for e in follow_up.events.all()
    ]
    data["notifications"] = [
        {
            "id": n.pk,
            "at": _local(n.at),
            "sent_by": n.sent_by,
            "to_email": n.to_email,
            "until": n.until,
            "sent": n.sent,
            "error": n.error,
        }
        for n in follow_up.notifications.all()
    ]
    data["exposures"] = [
        {
            "case_id": e.case_trace.case_id,
            "case_reference": e.case_trace.case.reference,
            "degree": e.case_trace.degree,
            "last_exposure": _local(e.last_exposure),
        }
        for e in follow_up.exposures.select_related("case_trace__case")
    ]
    became = Case.objects.filter(source_follow_up=follow_up).values_list("pk", flat=True).first()
    data["became_case_id"] = became
    return data


class FollowUpDetailApi(APIView):
    """One follow-up: its dates explained, who did what when, the e-mails sent."""

    permission_classes = [IsMedical, RecentSignInToRead]

    @extend_schema(responses=FollowUpDetailOutput)
    def get(self, request, follow_up_id: int):
        return Response(follow_up_detail_data(_follow_up(follow_up_id)))


class StatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=FOLLOW_UP_STATUSES)
    version = serializers.IntegerField(
        min_value=1,
        help_text=gettext_lazy("The version you saw; a change since then is refused (409)."),
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class FollowUpStatusApi(APIView):
    """Change a follow-up's status (refused with 409 if someone changed it since you looked)."""

    permission_classes = [IsMedical, RecentSignIn]

    def get_serializer(self, *args, **kwargs):
        return StatusInput(*args, **kwargs)

    @extend_schema(request=StatusInput, responses=FollowUpDetailOutput)
    def post(self, request, follow_up_id: int):
        given = StatusInput(data=request.data)
        given.is_valid(raise_exception=True)
        _follow_up(follow_up_id)
        follow_up = services.followup_set_status(
            follow_up_id=follow_up_id, acting_user=request.user, **given.validated_data
        )
        return Response(follow_up_detail_data(follow_up))


class BulkItem(serializers.Serializer):
    id = serializers.IntegerField(min_value=1)
    version = serializers.IntegerField(min_value=1)


class BulkOutcomeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    done = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "FollowUpBulkOutcome"


class FollowUpBulkStatusApi(APIView):
    """Change the status of several follow-ups; each succeeds or says why not."""

    permission_classes = [IsMedical, RecentSignIn]

    class InputSerializer(serializers.Serializer):
        items = BulkItem(many=True, allow_empty=False, max_length=500)
        status = serializers.ChoiceField(choices=FOLLOW_UP_STATUSES)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

        class Meta:
            ref_name = "FollowUpBulkStatusInput"

    def get_serializer(self, *args, **kwargs):
        return self.InputSerializer(*args, **kwargs)

    @extend_schema(
        request=InputSerializer,
        responses=BulkOutcomeOutput(many=True),
        operation_id="cases_follow_ups_bulk_status",
    )
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        outcomes = []
        for item in given.validated_data["items"]:
            try:
                services.followup_set_status(
                    follow_up_id=item["id"],
                    version=item["version"],
                    status=given.validated_data["status"],
                    note=given.validated_data["note"],
                    acting_user=request.user,
                )
                outcomes.append({"id": item["id"], "done": True, "error": ""})
            except DomainError as refused:
                outcomes.append({"id": item["id"], "done": False, "error": refused.message})
        return Response(outcomes)


class NotifyInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=200
    )


class NotifyPreviewApi(APIView):
    """The e-mails as they would leave, one per follow-up: nothing is sent or recorded."""

    permission_classes = [IsMedical, RecentSignInToRead]

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        to_email = serializers.CharField(allow_blank=True)
        subject = serializers.CharField()
        body = serializers.CharField()

        class Meta:
            ref_name = "ContactNotificationPreview"

    def get_serializer(self, *args, **kwargs):
        return NotifyInput(*args, **kwargs)

    @extend_schema(request=NotifyInput, responses=OutputSerializer(many=True))
    def post(self, request):
        given = NotifyInput(data=request.data)
        given.is_valid(raise_exception=True)
        found = list(FollowUp.objects.filter(pk__in=given.validated_data["ids"]).order_by("pk"))
        people = selectors.names_of(f.person_id for f in found)
        previews = []
        for follow_up in found:
            person = people.get(follow_up.person_id)
            subject, body = emails.notification_text(follow_up, person)
            previews.append(
                {
                    "id": follow_up.pk,
                    "to_email": person.email if person else "",
                    "subject": subject,
                    "body": body,
                }
            )
        return Response(previews)


class NotifySendApi(APIView):
    """Send the e-mails: each sending is recorded on the follow-up and in the audit trail."""

    permission_classes = [IsMedical, RecentSignIn]

    def get_serializer(self, *args, **kwargs):
        return NotifyInput(*args, **kwargs)

    @extend_schema(request=NotifyInput, responses=BulkOutcomeOutput(many=True))
    def post(self, request):
        given = NotifyInput(data=request.data)
        given.is_valid(raise_exception=True)
        outcomes = []
        for follow_up_id in dict.fromkeys(given.validated_data["ids"]):
            try:
                sent = services.notification_send(
                    follow_up_id=follow_up_id, acting_user=request.user
                )
                outcomes.append({"id": follow_up_id, "done": sent.sent, "error": sent.error})
            except DomainError as refused:
                outcomes.append({"id": follow_up_id, "done": False, "error": refused.message})
        return Response(outcomes)


class FollowUpTraceApi(APIView):
    """Second degree: trace this contact in turn, for the case it belongs to (audited)."""

    permission_classes = [IsMedical, RecentSignIn]

    def get_serializer(self, *args, **kwargs):
        return CaseTraceInput(*args, **kwargs)

    @extend_schema(request=CaseTraceInput, responses={201: CaseTraceResultOutput})
    def post(self, request, follow_up_id: int):
        given = CaseTraceInput(data=request.data)
        given.is_valid(raise_exception=True)
        follow_up = _follow_up(follow_up_id)
        trace, link = services.case_trace(
            case=follow_up.case,
            follow_up=follow_up,
            acting_user=request.user,
            **given.validated_data,
        )
        return Response(_traced(trace, link), status=status.HTTP_201_CREATED)


class FiguresApi(APIView):
    """The supervisor's figures; small counts suppressed as in statistics."""

    permission_classes = [IsMedical]

    class OutputSerializer(serializers.Serializer):
        open_cases = ShownCountField()
        follow_ups_by_status = serializers.DictField(child=ShownCountField())
        notified_within_24h_percent = serializers.IntegerField(
            allow_null=True,
            help_text=gettext_lazy("Of follow-ups at least 24 h old; null when too few."),
        )
        notified_within_24h_of = ShownCountField()
        lost_to_follow_up = ShownCountField()
        mean_contacts_per_case = serializers.FloatField(allow_null=True)
        traced_cases = ShownCountField()
        min_count = serializers.IntegerField()
        zone = serializers.CharField()

        class Meta:
            ref_name = "FollowUpFigures"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(selectors.figures())
