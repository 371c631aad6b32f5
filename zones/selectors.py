"""Location exposure's reads: who may donate, and the exposure ratings of requested areas.

An area request leaves no trace: this module writes nothing, logs nothing,
and labels no metric with an area or a time (docs/location-exposure.md).
"""

import csv
import functools
import hmac
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.databases import ENCOUNTERS
from core.errors import DomainError
from zones import codes, exposure, grid
from zones.models import (
    DonationCode,
    GeoZone,
    GeoZoneCoordinate,
    GeoZoneSpecification,
    TrustedSource,
)

# --- Who may donate -----------------------------------------------------------------


@dataclass(frozen=True)
class Credential:
    """What one upload may store: the points inside [window_start, window_end]."""

    code_id: int | None  # None: a trusted source
    window_start: datetime
    window_end: datetime


def _refused(message: str, code: str) -> DomainError:
    return DomainError(message, code=code, status_code=401)


def _clamped(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    """Never older than the retention, never later than now (with the clock tolerance)."""
    floor = now - timedelta(days=settings.ZONES_RETENTION_DAYS)
    ceiling = now + timedelta(seconds=settings.ZONES_CLOCK_TOLERANCE_SECONDS)
    return max(start, floor), min(end, ceiling)


def donation_code_credential(*, code: str, now: datetime) -> Credential:
    """The window a typed donation code allows; 401 if it is unknown, used or expired."""
    normalised = codes.code_normalise(code)
    digest = codes.code_hash(normalised) if normalised else ""
    row = DonationCode.objects.filter(code_hash=digest).first() if digest else None
    if row is None or not hmac.compare_digest(row.code_hash, digest):
        raise _refused(
            _(
                "This donation code is not known, or was used already (a code allows one "
                "upload): check it for typing errors (it looks like ABCD-EFGH-JK), or ask the "
                "medical service for a new one."
            ),
            "donation_code_unknown",
        )
    if row.expires_at <= now:
        raise _refused(
            _("This donation code has expired; ask the medical service for a new one."),
            "donation_code_expired",
        )
    start, end = _clamped(row.window_start, row.window_end, now)
    return Credential(code_id=row.pk, window_start=start, window_end=end)


def trusted_source_credential(*, token: str, now: datetime) -> Credential:
    """A trusted source may send any point of the retention period; 401 for another token.

    Compared with every active token in constant time, as the ingestion
    tokens are (no early exit on a match); read on every upload, so a
    revocation applies at once.
    """
    digest = codes.token_hash(token) if token else ""
    matched = False
    for known in TrustedSource.objects.filter(revoked_at__isnull=True).values_list(
        "token_hash", flat=True
    ):
        matched |= hmac.compare_digest(digest, known)
    if not matched:
        raise _refused(
            _("This trusted-source token is unknown or revoked."), "trusted_source_refused"
        )
    start, end = _clamped(now - timedelta(days=settings.ZONES_RETENTION_DAYS), now, now)
    return Credential(code_id=None, window_start=start, window_end=end)


# --- Area exposure ------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """An area request: the 0.01° square around (lat, long), from start to end (Unix seconds)."""

    lat: float
    long: float
    start: int
    end: int


@dataclass(frozen=True)
class ZoneRatings:
    cell: str
    centre_lat: float
    centre_long: float
    exposures: list[tuple[int, int, float]]  # (start, end, percent)


def _checked(*, spec_id: int, areas: list[Area], minute_period: int, now: datetime):
    problems = []
    if len(areas) > settings.ZONES_MAX_AREAS:
        problems.append(
            _(
                "areaRequests: at most %(max)d areas per request (this one has %(given)d); "
                "send several requests"
            )
            % {"max": settings.ZONES_MAX_AREAS, "given": len(areas)}
        )
    if minute_period < settings.ZONES_MIN_PERIOD_MINUTES:
        problems.append(
            _("returnDataFormatting.minutePeriod: at least %(min)d")
            % {"min": settings.ZONES_MIN_PERIOD_MINUTES}
        )
    earliest = now - timedelta(
        days=settings.ZONES_RETENTION_DAYS, seconds=settings.ZONES_CLOCK_TOLERANCE_SECONDS
    )
    latest = now + timedelta(seconds=settings.ZONES_CLOCK_TOLERANCE_SECONDS)
    for n, area in enumerate(areas):
        if area.start < earliest.timestamp():
            problems.append(
                _(
                    "areaRequests[%(n)d].start: before the %(days)d-day retention (the earliest "
                    "is %(earliest)d)"
                )
                % {
                    "n": n,
                    "days": settings.ZONES_RETENTION_DAYS,
                    "earliest": int(earliest.timestamp()) + 1,
                }
            )
        if area.end > latest.timestamp():
            problems.append(_("areaRequests[%(n)d].end: in the future") % {"n": n})
    spec = GeoZoneSpecification.objects.filter(pk=spec_id, active=True).first()
    if spec is None:
        active = ", ".join(
            str(pk)
            for pk in GeoZoneSpecification.objects.filter(active=True).values_list("pk", flat=True)
        )
        problems.append(
            _(
                "returnDataFormatting.geoZoneSpecId: %(id)s is not an active geo-zone "
                "specification (active: %(active)s)"
            )
            % {"id": spec_id, "active": active or pgettext("geo-zone specifications", "none")}
        )
    if problems:
        raise DomainError("; ".join(problems[:10]), code="invalid_request")
    return spec


def _union_all(select: str, params: list[tuple]) -> list[tuple]:
    """Run `select` once per parameter tuple as one UNION ALL (SQLite: ≤ 500 terms at once)."""
    rows = []
    with connections[ENCOUNTERS].cursor() as cursor:
        for at in range(0, len(params), 200):
            chunk = params[at : at + 200]
            cursor.execute(
                " UNION ALL ".join([select] * len(chunk)), [v for one in chunk for v in one]
            )
            rows += cursor.fetchall()
    return rows


def _boxes(spec_id: int, areas: list[Area]) -> list[tuple]:
    return [
        (n, spec_id, south, north, west, east, area.start, area.end)
        for n, area in enumerate(areas)
        for south, north, west, east in grid.area_boxes(area.lat, area.long)
    ]


def _tables() -> tuple[str, str]:
    quote = connections[ENCOUNTERS].ops.quote_name
    return quote(GeoZone._meta.db_table), quote(GeoZoneCoordinate._meta.db_table)


IN_BOX = (
    "z.spec_id = %s AND z.centre_lat >= %s AND z.centre_lat < %s "
    "AND z.centre_long >= %s AND z.centre_long < %s"
)


def _points(spec_id: int, areas: list[Area]) -> list[tuple]:
    """(area, zone, coordinate, Unix time, accuracy) of every point in a requested area and time.

    One statement: a UNION ALL of one lookup per area (the zones of the
    specification whose centre lies in the box, then their links' (zone,
    unix_time) index, which holds the accuracy too), so that each branch
    stays on its indexes where one big OR would not. Written as SQL (plain
    SQL that PostgreSQL and SQLite both run) because building 50 ORM
    querysets costs more than running them; every value is a parameter.
    """
    zone, link = _tables()
    return _union_all(
        "SELECT %s, l.zone_id, l.coordinate_id, l.unix_time, l.accuracy "
        f"FROM {zone} z JOIN {link} l ON l.zone_id = z.id "
        f"WHERE {IN_BOX} AND l.unix_time >= %s AND l.unix_time < %s",
        _boxes(spec_id, areas),
    )


def _zones(spec_id: int, areas: list[Area]) -> dict[int, tuple[str, float, float]]:
    """Cell and centre of the zones in the requested areas (the same boxes, without times)."""
    zone, _ = _tables()
    return {
        pk: (cell, lat, long)
        for pk, cell, lat, long in _union_all(
            f"SELECT z.id, z.cell, z.centre_lat, z.centre_long FROM {zone} z WHERE {IN_BOX}",
            [box[1:6] for box in _boxes(spec_id, areas)],
        )
    }


def area_exposure(
    *,
    spec_id: int,
    areas: list[Area],
    minute_period: int,
    threshold: float,
    now: datetime,
) -> dict:
    """Stage 1 for every zone of the requested areas, per period (seeds/002, request/response).

    Each area is cut into periods of `minute_period` from its start; the
    last one ends at the area's end. A zone-period's rating is
    Er = 2·100 / (1 + e^(-M·x)) - 100 with M·x = Σλ / (A·t), A in units of
    ZONES_AREA_UNIT_M2 (10 m²) and t = minute_period in hours (also for a
    shortened last period: a short tail never inflates the density). Only
    zone-periods rated above `threshold` (percent, after rounding to 0.01)
    are returned. Areas may overlap: a point counts once per period.
    """
    spec = _checked(spec_id=spec_id, areas=areas, minute_period=minute_period, now=now)
    zone_grid = grid.Grid.of(spec)
    seconds = minute_period * 60
    # (zone, period start, period end) -> {coordinate: accuracy}; exposure.period_of, inlined
    # for the 100,000 points of a large answer.
    points: dict[tuple[int, int, int], dict[int, float]] = defaultdict(dict)
    bounds = [(area.start, area.end) for area in areas]
    for n, zone_id, coordinate_id, time, accuracy in _points(spec.pk, areas):
        start, end = bounds[n]
        period_start = start + (time - start) // seconds * seconds
        period_end = min(period_start + seconds, end)
        points[(zone_id, period_start, period_end)][coordinate_id] = accuracy
    zones = _zones(spec.pk, areas)
    # M·x = Σλ / (A·t) = Σλ · scale, with A in units of ZONES_AREA_UNIT_M2 and t in hours.
    hours = minute_period / 60
    scales: dict[int, float] = {}
    rated: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    for (zone_id, start, end), accuracies in points.items():
        scale = scales.get(zone_id)
        if scale is None:
            cell, lat, _ = zones[zone_id]
            area_units = grid.area_m2(zone_grid, cell, lat) / settings.ZONES_AREA_UNIT_M2
            scale = scales[zone_id] = 1 / (area_units * hours)
        rating = round(
            exposure.sigmoid_rating(sum(accuracies.values()) * scale, maximum=exposure.ER_MAX), 2
        )
        if rating > threshold:
            rated[zone_id].append((start, end, rating))
    return exposure_payload(
        zone_grid=zone_grid,
        zones=[
            ZoneRatings(
                cell=zones[pk][0],
                centre_lat=zones[pk][1],
                centre_long=zones[pk][2],
                exposures=sorted(periods),
            )
            for pk, periods in rated.items()
        ],
    )


def exposure_payload(*, zone_grid: grid.Grid, zones: list[ZoneRatings]) -> dict:
    """The seed's response: spec, the zones' extent, and each zone's rated periods.

    Hexagons have no extent in degrees: `latRange`/`longRange` are null, and
    each zone carries its `h3Index` (resolution `h3Resolution`).
    """
    payload = {
        "geoZoneSpecId": zone_grid.spec_id,
        "latRange": zone_grid.size_degrees,
        "longRange": zone_grid.size_degrees,
    }
    if not zone_grid.is_square:
        payload["h3Resolution"] = zone_grid.resolution
    payload["zones"] = [
        {
            "centreLat": zone.centre_lat,
            "centreLong": zone.centre_long,
            **({} if zone_grid.is_square else {"h3Index": zone.cell}),
            "exposures": [
                {"start": start, "end": end, "exposure": rating}
                for start, end, rating in zone.exposures
            ],
        }
        for zone in sorted(zones, key=lambda z: (z.centre_lat, z.centre_long))
    ]
    return payload


@functools.cache
def _home_cells(path: str) -> tuple[dict, ...]:
    """Where wearers live: (lat, long, weight) rows of a CSV, read once per process."""
    if not path:
        return ()
    with open(path, newline="") as file:
        return tuple(
            {"lat": float(row[0]), "long": float(row[1]), "weight": float(row[2])}
            for row in csv.reader(file)
            if row and not row[0].startswith("#") and float(row[2]) > 0
        )


def decoy_model() -> dict:
    """What the browser draws decoy histories from; the same for everyone, public."""
    return {
        "histories": settings.ZONES_DECOY_HISTORIES,
        "shared_places": [{"lat": lat, "long": long} for lat, long in settings.ZONES_SHARED_PLACES],
        "home_cells": list(_home_cells(settings.ZONES_HOME_CELLS_FILE)),
        "max_areas": settings.ZONES_MAX_AREAS,
    }
