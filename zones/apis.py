"""Location exposure's API (seeds/002): donation codes, donations, area exposure.

    POST /api/zones/donation-codes   medical service: a single-use code, shown once
    POST /api/zones/coordinates      a donor's app (DonationCode) or a trusted source (Bearer)
    POST /api/zones/exposure         any signed-in person: ratings of zones in requested areas

Bodies are never logged. A 400 names the offending entries by their path
(`coords[17].accuracy: must be between 0 and 1`).
"""

from django.conf import settings
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.gzip import gzip_page
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import fields
from core.errors import DomainError
from core.permissions import AnySignedInPerson, IsMedical
from zones import selectors, services
from zones.authentication import (
    DonationCredentialAuthentication,
    HoldsDonationCredential,
    bounded_json_parser,
)

# A donation's longest body: ZONES_MAX_COORDINATES entries of up to ~200 bytes.
DONATION_MAX_BYTES = settings.ZONES_MAX_COORDINATES * 200
EXPOSURE_MAX_BYTES = 128 * 1024


def _bounded_float(low: float, high: float) -> serializers.FloatField:
    # Built when the class is, read per request: the words in the reader's language.
    between = lazy(
        lambda: (
            gettext("must be between %(low)s and %(high)s")
            % {"low": f"{low:g}", "high": f"{high:g}"}
        ),
        str,
    )()
    return serializers.FloatField(
        min_value=low,
        max_value=high,
        error_messages={
            "required": _("missing"),
            "null": _("must be a number"),
            "invalid": _("must be a number"),
            "min_value": between,
            "max_value": between,
        },
    )


def _unix_time() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0,
        error_messages={
            "required": _("missing"),
            "null": _("must be a Unix time in seconds"),
            "invalid": _("must be a Unix time in whole seconds"),
            "min_value": _("must be a Unix time in seconds"),
            "max_string_length": _("must be a Unix time in seconds"),
        },
    )


def flat_errors(errors, path: str = "") -> list[str]:
    """DRF's nested errors as `coords[17].accuracy: message` lines."""
    lines = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int):  # a list's items, by index
                inner = f"{path}[{key}]"
            elif key == "non_field_errors":
                inner = path
            else:
                inner = f"{path}.{key}" if path else key
            lines += flat_errors(value, inner)
    elif isinstance(errors, list):
        for n, item in enumerate(errors):
            if isinstance(item, dict | list):
                lines += flat_errors(item, f"{path}[{n}]")
            else:
                lines.append(f"{path}: {item}")
    return lines


class DonationCodeIssueApi(APIView):
    """Issue a donation code for a person who tested positive (the code names nobody)."""

    permission_classes = [IsMedical]

    class DonationCodeInput(serializers.Serializer):
        symptom_onset = fields.DateTimeField(required=False, allow_null=True)
        positive_test = fields.DateTimeField(required=False, allow_null=True)

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField(help_text=_("Single use; shown once, kept nowhere."))
        expires_at = fields.DateTimeField()
        window_start = fields.DateTimeField(help_text=_("The infectious period it covers."))
        window_end = fields.DateTimeField()

        class Meta:
            ref_name = "DonationCode"

    @extend_schema(request=DonationCodeInput, responses={201: OutputSerializer})
    def post(self, request):
        data = self.DonationCodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.donation_code_issue(
            symptom_onset=data.validated_data.get("symptom_onset"),
            positive_test=data.validated_data.get("positive_test"),
        )
        response = Response(
            {
                "code": issued.code,
                "expires_at": issued.expires_at.isoformat(),
                "window_start": issued.window_start.isoformat(),
                "window_end": issued.window_end.isoformat(),
            },
            status=status.HTTP_201_CREATED,
        )
        response["Cache-Control"] = "no-store"  # shown once, kept nowhere
        return response


class CoordinatesDonateApi(APIView):
    """Upload the infectious period's points: all valid and stored, or none stored (400)."""

    authentication_classes = [DonationCredentialAuthentication]
    permission_classes = [HoldsDonationCredential]
    parser_classes = [
        bounded_json_parser(DONATION_MAX_BYTES, _("send one point every few minutes at most"))
    ]

    class DonationInput(serializers.Serializer):
        class DonatedCoordinate(serializers.Serializer):
            lat = _bounded_float(-90, 90)
            long = _bounded_float(-180, 180)
            time = _unix_time()
            accuracy = _bounded_float(0, 1)

        coords = DonatedCoordinate(many=True, allow_empty=False)

    class OutputSerializer(serializers.Serializer):
        stored = serializers.IntegerField()
        duplicates = serializers.IntegerField(help_text=_("Points already stored before."))

        class Meta:
            ref_name = "DonationStored"

    @extend_schema(request=DonationInput, responses={201: OutputSerializer})
    def post(self, request):
        given = request.data.get("coords") if isinstance(request.data, dict) else None
        if isinstance(given, list) and len(given) > settings.ZONES_MAX_COORDINATES:
            raise DomainError(
                _(
                    "coords: at most %(max)s points per upload (this one has %(given)s); nothing "
                    "was stored. Send one point every few minutes."
                )
                % {
                    "max": number_format(settings.ZONES_MAX_COORDINATES, force_grouping=True),
                    "given": number_format(len(given), force_grouping=True),
                },
                code="too_many_coordinates",
            )
        data = self.DonationInput(data=request.data)
        if not data.is_valid():
            raise services.invalid_entries(flat_errors(data.errors))
        donation = services.coordinates_donate(
            credential=request.auth,
            points=[
                services.Point(lat=c["lat"], long=c["long"], time=c["time"], accuracy=c["accuracy"])
                for c in data.validated_data["coords"]
            ],
        )
        return Response(
            {"stored": donation.stored, "duplicates": donation.duplicates},
            status=status.HTTP_201_CREATED,
        )


class DecoyModelApi(APIView):
    """What a browser draws the decoys of an exposure request from: the same for everyone."""

    permission_classes = [AnySignedInPerson]

    class OutputSerializer(serializers.Serializer):
        class Place(serializers.Serializer):
            lat = serializers.FloatField()
            long = serializers.FloatField()

        class HomeCell(Place):
            weight = serializers.FloatField()

        histories = serializers.IntegerField(help_text=_("Decoy copies of the person's history."))
        shared_places = Place(many=True, help_text=_("Places everyone shares: never moved."))
        home_cells = HomeCell(many=True, help_text=_("Where wearers live (0.01° cells, weights)."))
        max_areas = serializers.IntegerField()

        class Meta:
            ref_name = "DecoyModel"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(selectors.decoy_model()).data)


@method_decorator(gzip_page, name="dispatch")
class AreaExposureApi(APIView):
    """Exposure ratings of the zones in requested areas (decoys included), per period.

    Open to anyone and read without any session or token (the page sends none):
    the computation is public, and a request tied to no one says nothing about
    anyone. It leaves no trace on the server. The person's own risk is computed
    from this answer in their browser (stage 2).
    """

    authentication_classes = []  # a cookie or token sent along is not even looked at
    permission_classes = [AllowAny]
    parser_classes = [bounded_json_parser(EXPOSURE_MAX_BYTES, _("send fewer areas per request"))]

    class ExposureInput(serializers.Serializer):
        class ReturnDataFormatting(serializers.Serializer):
            geoZoneSpecId = serializers.IntegerField()
            exposureThreshold = serializers.FloatField(min_value=0, max_value=100, default=0.0)
            minutePeriod = serializers.IntegerField(min_value=1)

        class AreaRequest(serializers.Serializer):
            lat = _bounded_float(-90, 90)
            long = _bounded_float(-180, 180)
            start = _unix_time()
            end = _unix_time()

            def validate(self, attrs):
                if attrs["end"] <= attrs["start"]:
                    raise serializers.ValidationError({"end": _("must be after start")})
                return attrs

        returnDataFormatting = ReturnDataFormatting()
        areaRequests = AreaRequest(many=True, allow_empty=False)

    class OutputSerializer(serializers.Serializer):
        class ZoneOutput(serializers.Serializer):
            class ExposureOutput(serializers.Serializer):
                start = serializers.IntegerField(help_text=_("Unix seconds."))
                end = serializers.IntegerField(help_text=_("Unix seconds."))
                exposure = serializers.FloatField(help_text=_("Rating Er, percent."))

                class Meta:
                    ref_name = "ZoneExposure"

            centreLat = serializers.FloatField()
            centreLong = serializers.FloatField()
            h3Index = serializers.CharField(required=False, help_text=_("Hexagon grids only."))
            exposures = ExposureOutput(many=True)

            class Meta:
                ref_name = "ExposedZone"

        geoZoneSpecId = serializers.IntegerField()
        latRange = serializers.FloatField(allow_null=True, help_text=_("Null for hexagons."))
        longRange = serializers.FloatField(allow_null=True, help_text=_("Null for hexagons."))
        h3Resolution = serializers.IntegerField(required=False, help_text=_("Hexagon grids only."))
        zones = ZoneOutput(many=True)

        class Meta:
            ref_name = "AreaExposure"

    @extend_schema(request=ExposureInput, responses=OutputSerializer)
    def post(self, request):
        data = self.ExposureInput(data=request.data)
        if not data.is_valid():
            raise DomainError("; ".join(flat_errors(data.errors)[:10]), code="invalid_request")
        formatting = data.validated_data["returnDataFormatting"]
        return Response(
            selectors.area_exposure(
                spec_id=formatting["geoZoneSpecId"],
                areas=[selectors.Area(**area) for area in data.validated_data["areaRequests"]],
                minute_period=formatting["minutePeriod"],
                threshold=formatting["exposureThreshold"],
                now=timezone.now(),
            )
        )
