"""The asset team's API (role assets): the stock overview and inventory checks."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assets import selectors
from assets.inventory import MAX_SCANS, UNKNOWN, inventory_check_record
from assets.models import DeviceState, InventoryCheck
from core import fields
from core.errors import DomainError
from core.permissions import IsAssets


def refuse_parameters(request) -> None:
    """An overview of the whole stock has no parameters: anything asked is refused, not ignored."""
    if request.query_params:
        raise DomainError(
            _("This overview takes no parameters."), code="unexpected_parameters", status_code=400
        )


# One count per device state, a field for each (the schema names them all).
_PerState = type(
    "DeviceCountsPerState",
    (serializers.Serializer,),
    {
        **{state.value: serializers.IntegerField(min_value=0) for state in DeviceState},
        "Meta": type("Meta", (), {"ref_name": "DeviceCountsPerState"}),
    },
)


class StockOverviewApi(APIView):
    """Devices per state and per batch and firmware, lost and broken this month, low stock."""

    permission_classes = [IsAssets]

    class OutputSerializer(serializers.Serializer):
        class StateOutput(serializers.Serializer):
            state = serializers.ChoiceField(choices=DeviceState.choices)
            label = serializers.CharField()
            count = serializers.IntegerField(min_value=0)

            class Meta:
                ref_name = "StockState"

        class BatchOutput(serializers.Serializer):
            batch = serializers.CharField(allow_blank=True)
            firmware = serializers.CharField(allow_blank=True)
            total = serializers.IntegerField(min_value=0)
            states = _PerState()

            class Meta:
                ref_name = "StockBatch"

        class MonthOutput(serializers.Serializer):
            since = fields.DateTimeField(
                help_text=gettext_lazy("The first of this month, 00:00 local time.")
            )
            lost = serializers.IntegerField(
                min_value=0, help_text=gettext_lazy("Reports of lost devices.")
            )
            broken = serializers.IntegerField(
                min_value=0, help_text=gettext_lazy("Devices marked broken.")
            )

            class Meta:
                ref_name = "StockThisMonth"

        total = serializers.IntegerField(min_value=0)
        in_stock = serializers.IntegerField(min_value=0)
        low_stock_threshold = serializers.IntegerField(help_text="ASSETS_LOW_STOCK_THRESHOLD")
        low_stock = serializers.BooleanField(
            help_text=gettext_lazy("Fewer devices in stock than the threshold.")
        )
        by_state = StateOutput(many=True)
        by_batch = BatchOutput(many=True)
        this_month = MonthOutput()

        class Meta:
            ref_name = "StockOverview"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        refuse_parameters(request)
        return Response(self.OutputSerializer(selectors.stock_overview()).data)


class InventoryCheckOutput(serializers.Serializer):
    class UnexpectedOutput(serializers.Serializer):
        device_id = serializers.CharField()
        reason = serializers.ChoiceField(
            choices=[*DeviceState.values, UNKNOWN],
            help_text=gettext_lazy("The device's state, or unknown: no device has this ID."),
        )

        class Meta:
            ref_name = "InventoryUnexpected"

    id = serializers.IntegerField(source="pk")
    at = fields.DateTimeField()
    actor = serializers.CharField()
    expected_count = serializers.IntegerField(min_value=0)
    scanned_count = serializers.IntegerField(min_value=0)
    missing = serializers.ListField(child=serializers.CharField())
    unexpected = UnexpectedOutput(many=True)

    class Meta:
        ref_name = "InventoryCheck"


class InventoryCheckListCreateApi(APIView):
    """GET: the latest inventory checks. POST: the IDs scanned on the shelf, compared and kept."""

    permission_classes = [IsAssets]
    LATEST = 20

    class InputSerializer(serializers.Serializer):
        scanned = serializers.ListField(
            child=serializers.CharField(max_length=64, trim_whitespace=False),
            max_length=MAX_SCANS,
            allow_empty=True,
            # DRF's "Ensure this field has no more than 20000 elements." says nothing of scans.
            error_messages={
                # DRF fills in {max_length} (MAX_SCANS).
                "max_length": gettext_lazy(
                    "A check holds at most {max_length} scans: finish this check, "
                    "then check the rest of the shelf in another one."
                )
            },
            help_text=gettext_lazy(
                "The Device IDs in the order scanned; case and spaces do not matter."
            ),
        )

        class Meta:
            ref_name = "InventoryCheckInput"

    @extend_schema(responses=InventoryCheckOutput(many=True))
    def get(self, request):
        refuse_parameters(request)
        latest = InventoryCheck.objects.all()[: self.LATEST]
        return Response(InventoryCheckOutput(latest, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: InventoryCheckOutput})
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        check = inventory_check_record(
            scanned=given.validated_data["scanned"], acting_user=request.user
        )
        return Response(InventoryCheckOutput(check).data, status=status.HTTP_201_CREATED)
