"""The asset team's API (role assets): the stock overview."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assets import selectors
from assets.models import DeviceState
from core import fields
from core.errors import DomainError
from core.permissions import IsAssets


def refuse_parameters(request) -> None:
    """An overview of the whole stock has no parameters: anything asked is refused, not ignored."""
    if request.query_params:
        raise DomainError(
            "This overview takes no parameters.", code="unexpected_parameters", status_code=400
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
            since = fields.DateTimeField(help_text="The first of this month, 00:00 local time.")
            lost = serializers.IntegerField(min_value=0, help_text="Reports of lost devices.")
            broken = serializers.IntegerField(min_value=0, help_text="Devices marked broken.")

            class Meta:
                ref_name = "StockThisMonth"

        total = serializers.IntegerField(min_value=0)
        in_stock = serializers.IntegerField(min_value=0)
        low_stock_threshold = serializers.IntegerField(help_text="ASSETS_LOW_STOCK_THRESHOLD")
        low_stock = serializers.BooleanField(help_text="Fewer devices in stock than the threshold.")
        by_state = StateOutput(many=True)
        by_batch = BatchOutput(many=True)
        this_month = MonthOutput()

        class Meta:
            ref_name = "StockOverview"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        refuse_parameters(request)
        return Response(self.OutputSerializer(selectors.stock_overview()).data)
