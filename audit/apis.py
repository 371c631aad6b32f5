"""The audit trail for the data-protection office: who traced whom, when and why."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditEntry
from audit.services import audit_digest
from core import fields
from core.errors import DomainError
from core.permissions import IsPrivacy


class AuditEntryListApi(APIView):
    """Audit entries, newest first, filtered by actor, person, case, action and dates."""

    permission_classes = [IsPrivacy]

    class InputSerializer(serializers.Serializer):
        actor = serializers.CharField(max_length=150, required=False)
        person_id = serializers.CharField(max_length=32, required=False)
        case_reference = serializers.CharField(max_length=100, required=False)
        action = serializers.ChoiceField(choices=AuditEntry.Action.choices, required=False)
        since = fields.DateField(required=False)
        until = fields.DateField(required=False)
        limit = serializers.IntegerField(min_value=1, max_value=1000, default=200)

    @extend_schema(parameters=[InputSerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        given = params.validated_data
        entries = AuditEntry.objects.all()
        for field, lookup in (
            ("actor", "actor"),
            ("person_id", "target_person_id"),
            ("case_reference", "case_reference__icontains"),
            ("action", "action"),
            ("since", "at__date__gte"),
            ("until", "at__date__lte"),
        ):
            if field in given:
                entries = entries.filter(**{lookup: given[field]})
        return Response(
            [
                {
                    "id": e.pk,
                    "at": timezone.localtime(e.at).isoformat(),
                    "actor": e.actor,
                    "action": e.action,
                    "action_label": e.get_action_display(),
                    "person_id": e.target_person_id,
                    "case_reference": e.case_reference,
                    "reason": e.reason,
                    "details": e.details,
                }
                for e in entries[: given["limit"]]
            ]
        )


class AuditDigestApi(APIView):
    """A signed digest of the trail's newest entry: keep it, and `verify_audit --digest` it later.

    Signed with the chain's key, which no database holds: whoever owns the
    database cannot remove entries older than a digest without it showing.
    """

    permission_classes = [IsPrivacy]

    class OutputSerializer(serializers.Serializer):
        position = serializers.IntegerField(help_text="Entries in the trail.")
        head = serializers.CharField(help_text="The keyed hash of the newest entry.")
        at = serializers.CharField(help_text="When the newest entry was written.")
        signature = serializers.CharField()

        class Meta:
            ref_name = "AuditDigest"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        digest = audit_digest()
        if digest is None:
            raise DomainError("The audit trail is empty.", code="empty", status_code=404)
        response = Response(self.OutputSerializer(digest.as_dict()).data)
        stamp = digest.at[:10]
        response["Content-Disposition"] = f'attachment; filename="audit-digest-{stamp}.json"'
        return response
