"""Four eyes' API (cases/reveals.py): asking to name a trace's contacts, approving or refusing
it, and the data-protection office's review of break-glass reveals.

Who may use what: the trace's author asks (medical, /api/tracing/traces/<id>/reveal); a
person of REVEAL_APPROVER_ROLE other than the requester decides (/api/reveals); the
privacy role reviews break-glass reveals and may look at any request. The approver sees
the case, the reason, the window and the result without names, never the names.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import reveals
from cases.apis import FollowUpOutput, _local, follow_ups_data
from cases.models import Reveal
from core import fields
from core.permissions import IsMedical, IsPrivacy
from core.roles import Role, has_role
from core.security import RecentSignIn, RecentSignInToRead
from registration.models import Person
from tracing.apis import TraceResultOutput, TraceWindowOutput
from tracing.models import Trace
from tracing.services import Reveal as Scope
from tracing.services import pseudonymous

SCOPES = Reveal.Scope.values


class MayApprove(BasePermission):
    """The role of REVEAL_APPROVER_ROLE (read when asked: a setting may change)."""

    message = gettext_lazy("Only the role that approves reveals may do this.")

    def has_permission(self, request, view) -> bool:
        return reveals.may_approve(request.user)


class ApproverOrPrivacy(BasePermission):
    """An approver, or the data-protection office (which may look at every request)."""

    message = gettext_lazy(
        "Only the role that approves reveals, or the data-protection office, may do this."
    )

    def has_permission(self, request, view) -> bool:
        return reveals.may_approve(request.user) or has_role(request.user, Role.PRIVACY)


class MayLook(BasePermission):
    """An approver, the data-protection office, or a medic (who sees only their own)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return (
            reveals.may_approve(user)
            or has_role(user, Role.PRIVACY)
            or has_role(user, Role.MEDICAL)
        )


# --- Shapes ------------------------------------------------------------------------------


class RevealReviewOutput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Reveal.Review.choices)
    by = serializers.CharField()
    at = fields.DateTimeField()
    comment = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "RevealReview"


class RevealOutput(serializers.Serializer):
    id = serializers.IntegerField()
    trace_id = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Null once purged.")
    )
    case_id = serializers.IntegerField()
    case_reference = serializers.CharField()
    degree = serializers.IntegerField()
    traced_person_id = serializers.CharField()
    scope = serializers.ChoiceField(choices=SCOPES)
    reason = serializers.CharField()
    urgent = serializers.BooleanField(
        help_text=gettext_lazy("Break-glass: named without approval.")
    )
    status = serializers.ChoiceField(choices=Reveal.Status.choices)
    because = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Why a second person must approve.")
    )
    requested_by = serializers.CharField()
    requested_at = fields.DateTimeField()
    decided_by = serializers.CharField(allow_blank=True)
    decided_at = fields.DateTimeField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)
    policy = serializers.CharField()
    window_from = fields.DateTimeField()
    window_to = fields.DateTimeField()
    close_contacts = serializers.IntegerField()
    review = RevealReviewOutput(allow_null=True)
    may_decide = serializers.BooleanField(
        help_text=gettext_lazy("Whether the person asking may approve or refuse it now.")
    )

    class Meta:
        ref_name = "Reveal"


class PseudonymousContactOutput(serializers.Serializer):
    ref = serializers.CharField()
    kind = serializers.CharField()
    close_contact = serializers.BooleanField()
    total_seconds = serializers.IntegerField()
    longest_seconds = serializers.IntegerField()
    seconds_per_day = serializers.DictField(child=serializers.IntegerField())

    class Meta:
        ref_name = "PseudonymousContact"


class PseudonymousResultOutput(serializers.Serializer):
    window = TraceWindowOutput()
    policy = serializers.CharField()
    threshold_minutes = serializers.IntegerField()
    contacts = PseudonymousContactOutput(many=True)

    class Meta:
        ref_name = "PseudonymousResult"


class RevealCaseOutput(serializers.Serializer):
    reference = serializers.CharField()
    person_id = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    symptom_onset = fields.DateField(allow_null=True)
    positive_test = fields.DateField(allow_null=True)
    status = serializers.CharField()

    class Meta:
        ref_name = "RevealCase"


class RevealDetailOutput(RevealOutput):
    case = RevealCaseOutput()
    pseudonymous = PseudonymousResultOutput(
        allow_null=True, help_text=gettext_lazy("Null once purged.")
    )

    class Meta:
        ref_name = "RevealDetail"


class RevealStateOutput(serializers.Serializer):
    revealed = serializers.ChoiceField(choices=Scope.ORDER)
    approver_role = serializers.CharField()
    needs_approval = serializers.DictField(child=serializers.BooleanField())
    because = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    latest = RevealOutput(allow_null=True)

    class Meta:
        ref_name = "RevealState"


class RevealAskInput(serializers.Serializer):
    scope = serializers.ChoiceField(choices=SCOPES)
    reason = serializers.CharField(max_length=500)
    urgent = serializers.BooleanField(default=False)

    class Meta:
        ref_name = "RevealAsk"


class RevealAnswerOutput(serializers.Serializer):
    reveal = RevealOutput()
    result = TraceResultOutput(
        allow_null=True, help_text=gettext_lazy("Null while it waits for approval.")
    )
    follow_ups = FollowUpOutput(many=True)

    class Meta:
        ref_name = "RevealAnswer"


class DecideInput(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=500, allow_blank=True, default="")

    class Meta:
        ref_name = "RevealDecide"


class ReviewInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Reveal.Review.choices)
    comment = serializers.CharField(max_length=500, allow_blank=True, default="")

    class Meta:
        ref_name = "RevealReviewInput"


# --- Rendering ---------------------------------------------------------------------------


def reveal_data(reveal: Reveal, user) -> dict:
    link = reveal.case_trace
    return {
        "may_decide": reveal.status == Reveal.Status.WAITING
        and reveal.requested_by != user.get_username()
        and reveals.may_approve(user),
        "id": reveal.pk,
        "trace_id": link.trace_id,
        "case_id": link.case_id,
        "case_reference": link.case.reference,
        "degree": link.degree,
        "traced_person_id": link.traced_person_id,
        "scope": reveal.scope,
        "reason": reveal.reason,
        "urgent": reveal.urgent,
        "status": reveal.status,
        "because": reveals.reasons_shown(reveal.because),
        "requested_by": reveal.requested_by,
        "requested_at": _local(reveal.requested_at),
        "decided_by": reveal.decided_by,
        "decided_at": _local(reveal.decided_at),
        "comment": reveal.comment,
        "policy": link.policy,
        "window_from": _local(link.window_from),
        "window_to": _local(link.window_to),
        "close_contacts": link.close_contacts,
        "review": {
            "outcome": reveal.review,
            "by": reveal.reviewed_by,
            "at": _local(reveal.reviewed_at),
            "comment": reveal.review_comment,
        }
        if reveal.review
        else None,
    }


def _listed(queryset, user) -> list[dict]:
    return [reveal_data(r, user) for r in queryset.select_related("case_trace__case")[:200]]


def _own_trace(request, trace_id: int) -> Trace:
    """Another medical user's trace does not exist for you (404)."""
    return get_object_or_404(Trace, pk=trace_id, author=request.user.get_username())


# --- Views -------------------------------------------------------------------------------


class TraceRevealApi(APIView):
    """Name the contacts of one of my traces (POST), or see whom it names and what naming
    more needs (GET). Waits for a second person's approval unless the setting lets it
    through; `urgent` is break-glass."""

    permission_classes = [IsMedical, RecentSignIn]

    def get_serializer(self, *args, **kwargs):
        return RevealAskInput(*args, **kwargs)

    @extend_schema(responses=RevealStateOutput, operation_id="tracing_trace_reveal_state")
    def get(self, request, trace_id: int):
        state = reveals.reveal_state(trace=_own_trace(request, trace_id), acting_user=request.user)
        latest = state["latest"]
        return Response({**state, "latest": reveal_data(latest, request.user) if latest else None})

    @extend_schema(
        request=RevealAskInput,
        responses={200: RevealAnswerOutput, 202: RevealAnswerOutput},
        operation_id="tracing_trace_reveal",
    )
    def post(self, request, trace_id: int):
        given = RevealAskInput(data=request.data)
        given.is_valid(raise_exception=True)
        reveal, result, touched = reveals.reveal_ask(
            trace=_own_trace(request, trace_id), acting_user=request.user, **given.validated_data
        )
        return Response(
            {
                "reveal": reveal_data(reveal, request.user),
                "result": result,
                "follow_ups": follow_ups_data(touched),
            },
            status=status.HTTP_202_ACCEPTED if result is None else status.HTTP_200_OK,
        )


class RevealWaitingApi(APIView):
    """Requests waiting for a second person: everyone's but mine (the data-protection
    office sees them too)."""

    permission_classes = [ApproverOrPrivacy, RecentSignIn]

    @extend_schema(responses=RevealOutput(many=True), operation_id="reveals_waiting")
    def get(self, request):
        waiting = Reveal.objects.filter(status=Reveal.Status.WAITING).exclude(
            requested_by=request.user.get_username()
        )
        return Response(_listed(waiting.order_by("requested_at", "pk"), request.user))


class RevealMineApi(APIView):
    """My own requests, newest first."""

    permission_classes = [IsMedical]

    @extend_schema(responses=RevealOutput(many=True), operation_id="reveals_mine")
    def get(self, request):
        mine = Reveal.objects.filter(requested_by=request.user.get_username())
        return Response(_listed(mine, request.user))


class RevealDetailApi(APIView):
    """One request, as the approver decides it: the case, the reason, the window and the
    result without names. A medic who may not approve sees only their own."""

    permission_classes = [MayLook, RecentSignInToRead]

    @extend_schema(responses=RevealDetailOutput, operation_id="reveal_detail")
    def get(self, request, reveal_id: int):
        user = request.user
        reveal = get_object_or_404(Reveal.objects.select_related("case_trace__case"), pk=reveal_id)
        if not (reveals.may_approve(user) or has_role(user, Role.PRIVACY)) and (
            reveal.requested_by != user.get_username()
        ):
            return Response({"detail": _("Not found."), "code": "not_found"}, status=404)
        link = reveal.case_trace
        person = Person.objects.filter(person_id=link.case.person_id).first()
        return Response(
            {
                **reveal_data(reveal, user),
                "case": {
                    "reference": link.case.reference,
                    "person_id": link.case.person_id,
                    "name": person.full_name if person else "",
                    "symptom_onset": link.case.symptom_onset,
                    "positive_test": link.case.positive_test,
                    "status": link.case.status,
                },
                "pseudonymous": pseudonymous(link.trace) if link.trace else None,
            }
        )


class RevealDecideApi(APIView):
    """Approve (the requester then sees the names; I do not) or refuse, with a comment."""

    permission_classes = [MayApprove, RecentSignIn]

    def get_serializer(self, *args, **kwargs):
        return DecideInput(*args, **kwargs)

    @extend_schema(request=DecideInput, responses=RevealOutput, operation_id="reveal_decide")
    def post(self, request, reveal_id: int):
        given = DecideInput(data=request.data)
        given.is_valid(raise_exception=True)
        reveal, _result, _touched = reveals.reveal_decide(
            reveal_id=reveal_id, acting_user=request.user, **given.validated_data
        )
        return Response(reveal_data(reveal, request.user))


class BreakGlassListApi(APIView):
    """Every break-glass reveal, the ones not reviewed yet first."""

    permission_classes = [IsPrivacy]

    @extend_schema(responses=RevealOutput(many=True), operation_id="reveals_break_glass")
    def get(self, request):
        found = Reveal.objects.filter(status=Reveal.Status.BREAK_GLASS)
        return Response(_listed(found.order_by("review", "-requested_at", "-pk"), request.user))


class BreakGlassReviewApi(APIView):
    """The data-protection office's review of a break-glass reveal: reviewed or escalated."""

    permission_classes = [IsPrivacy, RecentSignIn]

    def get_serializer(self, *args, **kwargs):
        return ReviewInput(*args, **kwargs)

    @extend_schema(request=ReviewInput, responses=RevealOutput, operation_id="reveal_review")
    def post(self, request, reveal_id: int):
        given = ReviewInput(data=request.data)
        given.is_valid(raise_exception=True)
        reveal = reveals.break_glass_review(
            reveal_id=reveal_id, acting_user=request.user, **given.validated_data
        )
        return Response(reveal_data(reveal, request.user))
