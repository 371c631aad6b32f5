"""The registration desk's API: one view per operation, all for the `registration` role."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.models import DeviceState
from assets.services import device_get, device_retire
from core import fields
from core.permissions import IsRegistration
from desk import selectors, services
from registration.models import EndReason, LostReport
from registration.selectors import person_search

S = DeviceState

# What the desk can do next with a device in each state (the pages offer these).
NEXT_ACTIONS = {
    S.IN_STOCK: ["assign", "report_lost", "mark_broken", "retire"],
    S.ASSIGNED: ["relinquish", "swap", "report_lost", "mark_broken"],
    S.LOST: ["mark_found", "retire"],
    S.FOUND: ["return_to_holder", "restock", "mark_broken", "retire"],
    S.BROKEN: ["restock", "retire"],
    S.RETIRED: [],
    S.IN_REPAIR: [],  # the asset team's: sent for and back from repair in the admin
}
# Every action there is, once (the schema's choices).
DEVICE_ACTIONS = list(dict.fromkeys(a for actions in NEXT_ACTIONS.values() for a in actions))


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def person_data(person) -> dict | None:
    if person is None:
        return None
    return {
        "person_id": person.person_id,
        "name": person.full_name,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "department": person.department,
        "email": person.email,
        "active": person.active,
    }


def device_status_data(status_) -> dict:
    device = status_.device
    actions = list(NEXT_ACTIONS[device.state])
    if device.state == S.FOUND and status_.last_holder is None:
        actions.remove("return_to_holder")
    return {
        "device": {
            "device_id": device.device_id,
            "state": device.state,
            "state_label": device.get_state_display(),
            "firmware": device.firmware,
            "batch": device.batch,
        },
        "holder": person_data(status_.holding.person) if status_.holding else None,
        "held_since": _when(status_.holding.started_at) if status_.holding else None,
        "last_holder": person_data(status_.last_holder),
        "actions": actions,
        "holdings": [
            {
                "person": person_data(h.person),
                "started_at": _when(h.started_at),
                "ended_at": _when(h.ended_at),
                "end_reason": h.end_reason,
                "end_reason_label": h.get_end_reason_display() if h.end_reason else "",
            }
            for h in status_.holdings
        ],
        "events": [
            {
                "at": _when(e.at),
                "actor": e.actor,
                "from_state": e.from_state,
                "from_state_label": e.get_from_state_display() if e.from_state else "",
                "to_state": e.to_state,
                "to_state_label": e.get_to_state_display(),
                "note": e.note,
            }
            for e in status_.events
        ],
        "lost_reports": [
            {
                "lost_at": _when(r.lost_at),
                "reported_at": _when(r.reported_at),
                "reported_by": r.reported_by,
                "holder": person_data(r.holder),
                "found_at": _when(r.found_at),
                "outcome": r.outcome,
            }
            for r in status_.lost_reports
        ],
    }


# --- What the desk's answers hold (the views build them as dicts, above) -----------


class PersonOutput(serializers.Serializer):
    person_id = serializers.CharField()
    name = serializers.CharField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    department = serializers.CharField()
    email = serializers.CharField()
    active = serializers.BooleanField(
        help_text=gettext_lazy("Still in the organisation's directory.")
    )

    class Meta:
        ref_name = "DeskPerson"


def _end_reason_field():
    return serializers.ChoiceField(choices=EndReason.choices, allow_blank=True)


def _outcome_field():
    return serializers.ChoiceField(choices=LostReport.Outcome.choices, allow_blank=True)


class DeviceStatusOutput(serializers.Serializer):
    class DeviceOutput(serializers.Serializer):
        device_id = serializers.CharField()
        state = serializers.ChoiceField(choices=DeviceState.choices)
        state_label = serializers.CharField()
        firmware = serializers.CharField()
        batch = serializers.CharField()

        class Meta:
            ref_name = "DeskDevice"

    class HoldingOutput(serializers.Serializer):
        person = PersonOutput()
        started_at = fields.DateTimeField()
        ended_at = fields.DateTimeField(allow_null=True)
        end_reason = _end_reason_field()
        end_reason_label = serializers.CharField()

        class Meta:
            ref_name = "DeskDeviceHolding"

    class EventOutput(serializers.Serializer):
        at = fields.DateTimeField()
        actor = serializers.CharField()
        from_state = serializers.ChoiceField(choices=DeviceState.choices, allow_blank=True)
        from_state_label = serializers.CharField()
        to_state = serializers.ChoiceField(choices=DeviceState.choices)
        to_state_label = serializers.CharField()
        note = serializers.CharField()

        class Meta:
            ref_name = "DeskDeviceEvent"

    class LostReportOutput(serializers.Serializer):
        lost_at = fields.DateTimeField()
        reported_at = fields.DateTimeField()
        reported_by = serializers.CharField()
        holder = PersonOutput(allow_null=True)
        found_at = fields.DateTimeField(allow_null=True)
        outcome = _outcome_field()

        class Meta:
            ref_name = "DeskDeviceLostReport"

    device = DeviceOutput()
    holder = PersonOutput(allow_null=True, help_text=gettext_lazy("Who holds the device now."))
    held_since = fields.DateTimeField(allow_null=True)
    last_holder = PersonOutput(
        allow_null=True, help_text=gettext_lazy("The newest holder, now or before.")
    )
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=DEVICE_ACTIONS),
        help_text=gettext_lazy("What the desk can do next with the device."),
    )
    holdings = HoldingOutput(many=True)
    events = EventOutput(many=True)
    lost_reports = LostReportOutput(many=True)

    class Meta:
        ref_name = "DeskDeviceStatus"


class PersonSearchApi(APIView):
    """Type-ahead search of people by name, person ID, email or department."""

    permission_classes = [IsRegistration]

    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(max_length=100)
        limit = serializers.IntegerField(min_value=1, max_value=50, default=10)

    class OutputSerializer(PersonOutput):
        current_device_id = serializers.CharField(allow_null=True)

        class Meta:
            ref_name = "DeskPersonFound"

    @extend_schema(
        parameters=[InputSerializer],
        responses=OutputSerializer(many=True),
        operation_id="registration_people_search",
    )
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        people = person_search(
            query=params.validated_data["q"], limit=params.validated_data["limit"]
        )
        return Response(
            [{**person_data(p), "current_device_id": p.current_device_id} for p in people]
        )


class PersonStatusApi(APIView):
    """A person: their current device and every device they held."""

    permission_classes = [IsRegistration]

    class OutputSerializer(serializers.Serializer):
        class DeviceOutput(serializers.Serializer):
            device_id = serializers.CharField()
            state = serializers.ChoiceField(choices=DeviceState.choices)
            state_label = serializers.CharField()
            firmware = serializers.CharField()

            class Meta:
                ref_name = "DeskPersonDevice"

        class HoldingOutput(serializers.Serializer):
            device_id = serializers.CharField()
            started_at = fields.DateTimeField()
            ended_at = fields.DateTimeField(allow_null=True)
            end_reason = _end_reason_field()
            end_reason_label = serializers.CharField()

            class Meta:
                ref_name = "DeskPersonHolding"

        class LostReportOutput(serializers.Serializer):
            device_id = serializers.CharField()
            lost_at = fields.DateTimeField()
            reported_at = fields.DateTimeField()
            reported_by = serializers.CharField()
            found_at = fields.DateTimeField(allow_null=True)
            outcome = _outcome_field()

            class Meta:
                ref_name = "DeskPersonLostReport"

        person = PersonOutput()
        device = DeviceOutput(
            allow_null=True, help_text=gettext_lazy("The device the person holds now.")
        )
        held_since = fields.DateTimeField(allow_null=True)
        holdings = HoldingOutput(many=True)
        lost_reports = LostReportOutput(many=True)

        class Meta:
            ref_name = "DeskPersonStatus"

    @extend_schema(responses=OutputSerializer)
    def get(self, request, person_id: str):
        found = selectors.person_status(person_id=person_id)
        return Response(
            {
                "person": person_data(found.person),
                "device": (
                    {
                        "device_id": found.device.device_id,
                        "state": found.device.state,
                        "state_label": found.device.get_state_display(),
                        "firmware": found.device.firmware,
                    }
                    if found.device
                    else None
                ),
                "held_since": _when(found.holding.started_at) if found.holding else None,
                "holdings": [
                    {
                        "device_id": h.device_id,
                        "started_at": _when(h.started_at),
                        "ended_at": _when(h.ended_at),
                        "end_reason": h.end_reason,
                        "end_reason_label": h.get_end_reason_display() if h.end_reason else "",
                    }
                    for h in found.holdings
                ],
                "lost_reports": [
                    {
                        "device_id": r.device_id,
                        "lost_at": _when(r.lost_at),
                        "reported_at": _when(r.reported_at),
                        "reported_by": r.reported_by,
                        "found_at": _when(r.found_at),
                        "outcome": r.outcome,
                    }
                    for r in found.lost_reports
                ],
            }
        )


class DeviceStatusApi(APIView):
    """A device: its state, its holder now, who held it before, its history."""

    permission_classes = [IsRegistration]

    OutputSerializer = DeviceStatusOutput

    @extend_schema(responses=OutputSerializer)
    def get(self, request, device_id: str):
        return Response(device_status_data(selectors.device_status(device_id=device_id)))


class DeviceInput(serializers.Serializer):
    device_id = serializers.CharField(max_length=32)


class DeviceNoteInput(DeviceInput):
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class AssignInput(DeviceInput):
    person_id = serializers.CharField(max_length=32)


class RelinquishInput(DeviceInput):
    person_id = serializers.CharField(
        max_length=32,
        required=False,
        help_text=gettext_lazy("The person at the counter; refused if not the holder."),
    )
    reason = serializers.ChoiceField(
        choices=[EndReason.RELINQUISHED, EndReason.BROKEN, EndReason.PERSON_LEFT],
        default=EndReason.RELINQUISHED,
    )


class SwapInput(serializers.Serializer):
    old_device_id = serializers.CharField(max_length=32)
    new_device_id = serializers.CharField(max_length=32)
    reason = serializers.ChoiceField(
        choices=[EndReason.SWAPPED, EndReason.BROKEN], default=EndReason.SWAPPED
    )


class ReportLostInput(DeviceInput):
    lost_at = fields.DateTimeField(required=False)
    person_id = serializers.CharField(
        max_length=32,
        required=False,
        help_text=gettext_lazy(
            "The person whose device it is (reported from their card); refused if "
            "they do not hold it."
        ),
    )


class _DeviceOperationApi(APIView):
    """POST an operation; answers with a sentence for the desk and the device's new status."""

    permission_classes = [IsRegistration]
    InputSerializer = DeviceInput

    class OutputSerializer(DeviceStatusOutput):
        message = serializers.CharField(
            help_text=gettext_lazy("What was done, in a sentence for the desk.")
        )

        class Meta:
            ref_name = "DeskDeviceOperation"

    # Subclasses define `perform(self, data, user) -> str`: the sentence for the desk.

    def get_serializer(self, *args, **kwargs):
        return self.InputSerializer(*args, **kwargs)  # also tells the schema what to expect

    def device_id_after(self, data: dict) -> str:
        return data["device_id"]

    @extend_schema(responses=OutputSerializer)
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = self.perform(serializer.validated_data, request.user)
        status_ = selectors.device_status(device_id=self.device_id_after(serializer.validated_data))
        return Response(
            {"message": message, **device_status_data(status_)}, status=status.HTTP_200_OK
        )


class DeviceAssignApi(_DeviceOperationApi):
    InputSerializer = AssignInput

    def perform(self, data, user):
        holding = services.device_assign(
            device_id=data["device_id"], person_id=data["person_id"], acting_user=user
        )
        person = holding.person
        return _("Device %(device)s is now held by %(name)s (%(person)s).") % {
            "device": holding.device_id,
            "name": person.full_name,
            "person": person.person_id,
        }


class DeviceRelinquishApi(_DeviceOperationApi):
    InputSerializer = RelinquishInput

    def perform(self, data, user):
        holding = services.device_relinquish(
            device_id=data["device_id"],
            reason=data["reason"],
            expected_person_id=data.get("person_id"),
            acting_user=user,
        )
        return _("%(name)s gave back device %(device)s.") % {
            "name": holding.person.full_name,
            "device": holding.device_id,
        }


class DeviceSwapApi(_DeviceOperationApi):
    InputSerializer = SwapInput

    def device_id_after(self, data):
        return data["new_device_id"]

    def perform(self, data, user):
        holding = services.device_swap(
            old_device_id=data["old_device_id"],
            new_device_id=data["new_device_id"],
            reason=data["reason"],
            acting_user=user,
        )
        return _("%(name)s gave back device %(old)s and now holds device %(new)s.") % {
            "name": holding.person.full_name,
            "old": data["old_device_id"],
            "new": holding.device_id,
        }


class DeviceReportLostApi(_DeviceOperationApi):
    InputSerializer = ReportLostInput

    def perform(self, data, user):
        report = services.device_report_lost(
            device_id=data["device_id"],
            lost_at=data.get("lost_at"),
            expected_person_id=data.get("person_id"),
            acting_user=user,
        )
        if report.holder:
            return _("Device %(device)s (held by %(name)s) is recorded as lost.") % {
                "device": report.device_id,
                "name": report.holder.full_name,
            }
        return _("Device %(device)s is recorded as lost.") % {"device": report.device_id}


class DeviceMarkFoundApi(_DeviceOperationApi):
    def perform(self, data, user):
        report = services.device_mark_found(device_id=data["device_id"], acting_user=user)
        # The ID as stored, not as typed (` p-0300` is P-0300), as every other answer names it.
        device_id = (
            report.device_id if report else device_get(device_id=data["device_id"]).device_id
        )
        if report is not None and report.holder is not None:
            return _(
                "Device %(device)s is marked found. It belongs to "
                "%(name)s (%(person)s): return it, "
                "or put it back in stock."
            ) % {
                "device": device_id,
                "name": report.holder.full_name,
                "person": report.holder.person_id,
            }
        return _("Device %(device)s is marked found. Nobody held it: put it back in stock.") % {
            "device": device_id
        }


class DeviceReturnToHolderApi(_DeviceOperationApi):
    def perform(self, data, user):
        holding = services.device_return_to_holder(device_id=data["device_id"], acting_user=user)
        return _("Device %(device)s is back with %(name)s.") % {
            "device": holding.device_id,
            "name": holding.person.full_name,
        }


class _NotedOperationApi(_DeviceOperationApi):
    InputSerializer = DeviceNoteInput


class DeviceRestockApi(_NotedOperationApi):
    def perform(self, data, user):
        device = services.device_restock(
            device_id=data["device_id"], note=data["note"], acting_user=user
        )
        return _("Device %(device)s is back in stock.") % {"device": device.device_id}


class DeviceMarkBrokenApi(_NotedOperationApi):
    def perform(self, data, user):
        device = services.device_mark_broken(
            device_id=data["device_id"], note=data["note"], acting_user=user
        )
        return _("Device %(device)s is marked broken.") % {"device": device.device_id}


class DeviceRetireApi(_NotedOperationApi):
    def perform(self, data, user):
        device = device_retire(device_id=data["device_id"], note=data["note"], acting_user=user)
        return _("Device %(device)s is retired.") % {"device": device.device_id}
