"""The audit trail for the data-protection office: who traced whom, when and why."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditEntry
from audit.services import audit_digest
from core import fields
from core.errors import DomainError
from core.permissions import IsPrivacy


class AuditDetailsOutput(serializers.Serializer):
    """What an entry records besides who, whom and why; which keys depends on the action."""

    class WindowOutput(serializers.Serializer):
        locals()["from"] = fields.DateTimeField()  # a Python keyword: declared by name
        to = fields.DateTimeField()
        derived_from = serializers.CharField()
        clamped_to_retention = serializers.BooleanField()
        counts = serializers.CharField()

        class Meta:
            ref_name = "AuditTraceWindow"

    window = WindowOutput(required=False, help_text=gettext_lazy("trace: the period traced."))
    policy = serializers.CharField(
        required=False, help_text=gettext_lazy("trace: the close-contact policy.")
    )
    contacts = serializers.IntegerField(
        required=False, help_text=gettext_lazy("trace: contacts found.")
    )
    close_contacts = serializers.IntegerField(
        required=False, help_text=gettext_lazy("trace: close contacts.")
    )
    trace = serializers.IntegerField(
        required=False,
        help_text=gettext_lazy("trace_reopened, trace_exported, contacts_revealed: the trace."),
    )
    named = serializers.IntegerField(
        required=False,
        help_text=gettext_lazy("contacts_revealed: contacts named for the first time."),
    )
    person_id = serializers.CharField(
        required=False,
        help_text=gettext_lazy(
            "trace_refused: the person not traced; person_id_changed: the new number."
        ),
    )
    limit_per_hour = serializers.IntegerField(
        required=False, help_text=gettext_lazy("trace_refused.")
    )
    account = serializers.CharField(required=False, help_text=gettext_lazy("person_id_changed."))
    previous_person_id = serializers.CharField(
        required=False, help_text=gettext_lazy("person_id_changed.")
    )
    request = serializers.IntegerField(
        required=False, help_text=gettext_lazy("decommission_*: the end-of-service request.")
    )
    requested_by = serializers.CharField(
        required=False, help_text=gettext_lazy("decommission_approved, decommissioned: who asked.")
    )
    approved_by = serializers.CharField(required=False, help_text=gettext_lazy("decommissioned."))
    erased = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text=gettext_lazy("decommissioned: rows erased per database and table."),
    )
    disclosed = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=gettext_lazy("The person numbers whose identity the action showed."),
    )

    class Meta:
        ref_name = "AuditDetails"


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

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        at = fields.DateTimeField()
        actor = serializers.CharField()
        action = serializers.ChoiceField(choices=AuditEntry.Action.choices)
        action_label = serializers.CharField()
        person_id = serializers.CharField(
            help_text=gettext_lazy("Whose data it was about (blank: nobody's).")
        )
        case_reference = serializers.CharField()
        reason = serializers.CharField()
        details = AuditDetailsOutput()

        class Meta:
            ref_name = "AuditEntry"

    @extend_schema(
        parameters=[InputSerializer],
        responses=OutputSerializer(many=True),
        operation_id="audit_entries_retrieve",
    )
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
        position = serializers.IntegerField(help_text=gettext_lazy("Entries in the trail."))
        head = serializers.CharField(help_text=gettext_lazy("The keyed hash of the newest entry."))
        at = serializers.CharField(help_text=gettext_lazy("When the newest entry was written."))
        signature = serializers.CharField()

        class Meta:
            ref_name = "AuditDigest"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        digest = audit_digest()
        if digest is None:
            raise DomainError(_("The audit trail is empty."), code="empty", status_code=404)
        response = Response(self.OutputSerializer(digest.as_dict()).data)
        stamp = digest.at[:10]
        response["Content-Disposition"] = f'attachment; filename="audit-digest-{stamp}.json"'
        return response
