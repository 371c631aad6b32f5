"""The end of the service on the audit page: ask (privacy role), approve (a second person)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import fields
from core.roles import Role, has_role
from core.security import RecentSignIn
from retention.decommission import decommission_approve, decommission_get, decommission_request
from retention.models import Decommission
from retention.permissions import IsPrivacyOrMedical, IsPrivacyToAsk


class DecommissionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=["asked", "approved", "carried_out"],
        help_text=_("asked: waits for a second person; approved: an operator may run the command."),
    )
    reason = serializers.CharField()
    requested_by = serializers.CharField()
    requested_at = fields.DateTimeField()
    approved_by = serializers.CharField(allow_blank=True)
    approved_at = fields.DateTimeField(allow_null=True)
    carried_out_at = fields.DateTimeField(allow_null=True)
    may_approve = serializers.BooleanField(
        help_text=_("You may approve it (not your own request).")
    )
    command = serializers.CharField(help_text=_("What the operator runs once it is approved."))
    erased = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_("Rows erased per database and table (so far, while it runs)."),
    )

    class Meta:
        ref_name = "Decommission"


def _status(decommission: Decommission) -> str:
    if decommission.carried_out_at is not None:
        return "carried_out"
    return "approved" if decommission.approved else "asked"


def _shown(decommission: Decommission, user) -> dict:
    may_approve = (
        not decommission.approved_by
        and decommission.carried_out_at is None
        and decommission.requested_by != user.get_username()
        and (has_role(user, Role.PRIVACY) or has_role(user, Role.MEDICAL))
    )
    return {
        "id": decommission.pk,
        "status": _status(decommission),
        "reason": decommission.reason,
        "requested_by": decommission.requested_by,
        "requested_at": decommission.requested_at,
        "approved_by": decommission.approved_by,
        "approved_at": decommission.approved_at,
        "carried_out_at": decommission.carried_out_at,
        "may_approve": may_approve,
        "command": f"python manage.py decommission --request {decommission.pk}",
        "erased": (decommission.report or {}).get("erased", {}),
    }


class DecommissionListCreateApi(APIView):
    """The requests to end the service (newest first); the privacy role asks for one."""

    permission_classes = [IsPrivacyOrMedical, IsPrivacyToAsk, RecentSignIn]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

        class Meta:
            ref_name = "DecommissionInput"

    @extend_schema(responses=DecommissionOutput(many=True), operation_id="decommission_list")
    def get(self, request):
        requests = Decommission.objects.all()[:20]
        return Response(
            DecommissionOutput([_shown(d, request.user) for d in requests], many=True).data
        )

    @extend_schema(request=InputSerializer, responses={201: DecommissionOutput})
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        decommission = decommission_request(
            reason=given.validated_data["reason"], acting_user=request.user
        )
        return Response(
            DecommissionOutput(_shown(decommission, request.user)).data,
            status=status.HTTP_201_CREATED,
        )


class DecommissionApproveApi(APIView):
    """A second person (privacy or medical role, never the one who asked) approves."""

    permission_classes = [IsPrivacyOrMedical, RecentSignIn]

    @extend_schema(request=None, responses=DecommissionOutput)
    def post(self, request, decommission_id: int):
        decommission = decommission_approve(
            decommission=decommission_get(request_id=decommission_id), acting_user=request.user
        )
        return Response(DecommissionOutput(_shown(decommission, request.user)).data)
