"""MY DATA's API, for any signed-in person, only about themselves.

The person comes from the identity provider's claim on the account, never
from the request: a `person_id` parameter is ignored.
"""

import csv
import io
import json
import zipfile

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import AnySignedInPerson
from core.csv import safe_cell
from registration.selectors import person_for_user
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


def _csv(data: dict) -> str:
    """One table: a row per encounter, device holding, appointment and lost report."""
    rows = [["section", "date_or_start", "end", "minutes", "detail"]]
    for day in data["days"]:
        for encounter in day["encounters"]:
            flag = "close-contact length" if encounter["close_contact_length"] else ""
            rows.append(
                ["encounter", encounter["start"], "", round(encounter["seconds"] / 60, 1), flag]
            )
    for device in data["devices"]:
        rows.append(
            [
                "device",
                device["from"],
                device["to"],
                "",
                f"{device['device_id']} {device['end_reason']}",
            ]
        )
    for booking in data["appointments"]:
        detail = f"{booking['campaign']} at {booking['location']}: {booking['status']}"
        rows.append(["appointment", booking["starts_at"], "", "", detail])
    for report in data["lost_reports"]:
        rows.append(["lost report", report["lost_at"], report["found_at"], "", report["device_id"]])
    for day in data.get("consulted_on", []):
        rows.append(["consulted by the medical service", day, "", "", ""])
    buffer = io.StringIO()
    csv.writer(buffer).writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


class MyDataExportApi(APIView):
    """All of MY DATA in one download: a ZIP with my-data.json and my-data.csv."""

    permission_classes = [AnySignedInPerson]

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request):
        data = my_data(person=person_for_user(request.user))
        data["exported_at"] = timezone.localtime().isoformat()
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr("my-data.json", json.dumps(data, indent=2, ensure_ascii=False))
            bundle.writestr("my-data.csv", _csv(data))
        response = HttpResponse(archive.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="my-data.zip"'
        return response
