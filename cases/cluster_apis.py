"""The outbreak signal's API: clusters of open cases, listed pseudonymously, opened with an
audited reason (cases/clusters.py)."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import clusters
from core import fields
from core.permissions import IsMedical
from core.security import RecentSignIn, RecentSignInToRead


class ClusterShownOutput(serializers.Serializer):
    key = serializers.CharField(
        help_text=gettext_lazy(
            "The cluster's name for today: the same all day, unrelated to tomorrow's."
        )
    )
    size = serializers.IntegerField(
        help_text=gettext_lazy(
            "How many open cases: exact, the medical service sees its cases anyway."
        )
    )
    first_contact = fields.DateField(
        help_text=gettext_lazy("The first day of a close contact in it.")
    )
    last_contact = fields.DateField(
        help_text=gettext_lazy("The last day of a close contact in it.")
    )

    class Meta:
        ref_name = "ClusterShown"


class ClusterListApi(APIView):
    """Clusters among the open cases: a key, a size and two days each; no one named."""

    # It tells something of open cases: read it only after a recent sign-in, as a trace.
    permission_classes = [IsMedical, RecentSignInToRead]

    class OutputSerializer(serializers.Serializer):
        clusters = ClusterShownOutput(many=True)
        open_cases = serializers.IntegerField(help_text=gettext_lazy("Open cases in all."))

        class Meta:
            ref_name = "ClusterList"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        found = clusters.clusters_compute()
        body = {
            "clusters": [c.shown() for c in found],
            "open_cases": clusters.open_case_count(),
        }
        return Response(self.OutputSerializer(body).data)


class ClusterCaseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    person_id = serializers.CharField(help_text=gettext_lazy("The case's index person."))
    name = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "ClusterCase"


class ClusterLinkOutput(serializers.Serializer):
    case_a = serializers.CharField(help_text=gettext_lazy("A case reference."))
    case_b = serializers.CharField(help_text=gettext_lazy("The other case's reference."))
    day = fields.DateField(help_text=gettext_lazy("The day of their longest close contact."))
    longest_minutes = serializers.FloatField()

    class Meta:
        ref_name = "ClusterLink"


class ClusterOpenedOutput(serializers.Serializer):
    key = serializers.CharField()
    size = serializers.IntegerField()
    first_contact = fields.DateField()
    last_contact = fields.DateField()
    cases = ClusterCaseOutput(many=True)
    links = ClusterLinkOutput(many=True)

    class Meta:
        ref_name = "ClusterOpened"


class ClusterOpenApi(APIView):
    """Open one cluster: its cases, their index people and links (audited, with a reason)."""

    permission_classes = [IsMedical, RecentSignIn]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

        class Meta:
            ref_name = "ClusterOpenInput"

    def get_serializer(self, *args, **kwargs):
        return self.InputSerializer(*args, **kwargs)

    @extend_schema(request=InputSerializer, responses=ClusterOpenedOutput)
    def post(self, request, key: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        opened = clusters.cluster_open(
            key=key, reason=data.validated_data["reason"], acting_user=request.user
        )
        return Response(ClusterOpenedOutput(opened).data)
