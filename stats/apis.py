"""Statistics (medical, privacy, registration), transparency (everyone), purge log (privacy)."""

import csv
import io

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import AnySignedInPerson, IsPrivacy, role_permission
from core.roles import Role
from stats import selectors

CanSeeStats = role_permission(Role.MEDICAL, Role.PRIVACY, Role.REGISTRATION)


class StatsApi(APIView):
    """Per day over the retention: active proximeters, encounters, hand-outs; traces per week."""

    permission_classes = [CanSeeStats]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(selectors.daily_stats())


class StatsCsvApi(APIView):
    """The daily statistics as CSV (small counts shown as "< N" there too)."""

    permission_classes = [CanSeeStats]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        days = selectors.daily_stats()["days"]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(days[0]))
        writer.writeheader()
        writer.writerows(days)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="proximeter-statistics.csv"'
        return response


class TransparencyApi(APIView):
    """What the service did, in numbers only: traces per month, purges, devices in service."""

    permission_classes = [AnySignedInPerson]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(selectors.transparency())


class PurgeLogApi(APIView):
    """Each purge: what it removed, the oldest encounter left; `overdue` after 36 hours without."""

    permission_classes = [IsPrivacy]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(selectors.purge_log())
