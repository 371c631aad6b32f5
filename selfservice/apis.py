"""MY DATA's API, for any signed-in person, only about themselves.

The person comes from the identity provider's claim on the account, never
from the request: a `person_id` parameter is ignored.
"""

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import AnySignedInPerson
from registration.selectors import person_for_user
from selfservice.export import csv_pieces, json_pieces, zip_stream
from selfservice.selectors import encounters_by_day, my_data, my_encounters


class MyEncountersApi(APIView):
    """My encounters in the retention window, by day with daily totals; no peer is ever named."""

    permission_classes = [AnySignedInPerson]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        person = person_for_user(request.user)
        return Response({"days": encounters_by_day(my_encounters(person_id=person.person_id))})


class MyDataApi(APIView):
    """Everything the service keeps about me: encounters, devices, appointments, lost reports."""

    permission_classes = [AnySignedInPerson]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(my_data(person=person_for_user(request.user)))


class MyDataExportApi(APIView):
    """All of MY DATA in one download: a ZIP with my-data.json and my-data.csv, streamed."""

    permission_classes = [AnySignedInPerson]

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request):
        data = my_data(person=person_for_user(request.user), lazy=True)
        data["exported_at"] = timezone.localtime().isoformat()
        response = StreamingHttpResponse(
            zip_stream([("my-data.json", json_pieces(data)), ("my-data.csv", csv_pieces(data))]),
            content_type="application/zip",
        )
        response["Content-Disposition"] = 'attachment; filename="my-data.zip"'
        return response
