"""Benchmark: an area request (50 areas, 14 days) against N donated coordinates, beside raw SQL.

    .venv/bin/python bench/zones.py [--coordinates 1000000] [--requests 40]
    .venv/bin/python bench/zones.py --coordinates 10000000     # the seed's scale

The data set is seeded and built once per size in four PostgreSQL databases
`bench_zones_<alias>` (COPY; apart from bench/trace.py's `bench_<alias>`),
then linked by the real linking job (zones.services.coordinates_link, timed)
and reused while its points are still inside the retention. Donors are
people of one city (Zurich's extent), each recorded every 5 minutes for 14
days: nights at home, working hours at work, errands in between.

The figure is the exposure request as the API serves it (the view: parse,
validate, stage 1, compact JSON, gzip); the baseline is the bare SQL lookup
of the same zones' points in the same run. Half of each request's areas are
in the city, half are decoys elsewhere in Europe. Also measured: the
response for the seed's example of 10,000 zones x 20 periods. Not a test:
it prints a markdown table.
"""

import argparse
import gzip
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
PREFIX = "bench_zones_"
ALIASES = ("default", "assets", "associations", "encounters")
for variable, alias in (
    ("DATABASE_URL", "default"),
    ("ASSETS_DATABASE_URL", "assets"),
    ("ASSOCIATIONS_DATABASE_URL", "associations"),
    ("ENCOUNTERS_DATABASE_URL", "encounters"),
):
    os.environ[variable] = f"{BASE_URL}/{PREFIX}{alias}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proximeter.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("PORTAL_DATA_DIR", "/tmp/proximeter-bench-data")
os.environ.pop("REDIS_URL", None)  # the linking job runs in this process

import django  # noqa: E402
import psycopg  # noqa: E402

CITY = (47.32, 47.44, 8.45, 8.62)  # south, north, west, east
EUROPE = (36.0, 60.0, -9.0, 30.0)
DAYS = 14
EVERY = 300  # seconds between a donor's points
POINTS_PER_DONOR = DAYS * 86_400 // EVERY  # 4,032


def ensure_databases() -> None:
    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as connection:
        existing = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
        for alias in ALIASES:
            if f"{PREFIX}{alias}" not in existing:
                connection.execute(f'CREATE DATABASE "{PREFIX}{alias}"')


def _in(box, rng) -> tuple[float, float]:
    south, north, west, east = box
    return rng.uniform(south, north), rng.uniform(west, east)


def donor_points(donor: int, rng: random.Random, start: int):
    """One donor's 14 days: home at night, work 8-17 h on weekdays, an errand now and then."""
    home, work = _in(CITY, rng), _in(CITY, rng)
    errand = _in(CITY, rng)
    offset = donor % EVERY  # donors' clocks differ: no two share a (lat, long, time)
    for n in range(POINTS_PER_DONOR):
        at = start + offset + n * EVERY
        moment = datetime.fromtimestamp(at, tz=UTC)
        if n % 288 == 0:
            errand = _in(CITY, rng)
        if moment.weekday() < 5 and 8 <= moment.hour < 17:
            lat, long = work
        elif 17 <= moment.hour < 19:
            lat, long = errand
        else:
            lat, long = home
        # GPS noise of ~10-20 m; accuracy as a phone reports it.
        yield (
            round(lat + rng.gauss(0, 0.00012), 7),
            round(long + rng.gauss(0, 0.00018), 7),
            moment,
            round(rng.uniform(0.4, 1.0), 4),
        )


def build(coordinates: int, now: datetime) -> float | None:
    """COPY the donated points and link them with the real job; returns the linking seconds."""
    from django.core.management import call_command
    from django.db import connections
    from django.db.models import Max

    from zones.models import Coordinate
    from zones.services import coordinates_link

    call_command("migrate_all", verbosity=0)
    newest = Coordinate.objects.aggregate(newest=Max("time"))["newest"]
    fresh = newest is not None and newest > now - timedelta(days=1)
    if fresh and Coordinate.objects.count() == coordinates:
        if not Coordinate.objects.filter(linked=False).exists():
            return None
    else:
        print(f"building {coordinates:,} coordinates of {coordinates // POINTS_PER_DONOR:,} donors")
        with connections["encounters"].cursor() as cursor:
            cursor.execute(
                "TRUNCATE zones_geozonecoordinate, zones_coordinate, zones_archivedcoordinate, "
                "zones_geozone RESTART IDENTITY"
            )
        rng = random.Random(coordinates)
        start = int((now - timedelta(days=DAYS)).timestamp()) + 3600
        received = now.replace(minute=0, second=0, microsecond=0)
        written = 0
        with (
            connections["encounters"].cursor() as cursor,
            cursor.copy(
                "COPY zones_coordinate (latitude, longitude, time, accuracy, received_at, linked) "
                "FROM STDIN"
            ) as copy,
        ):
            donor = 0
            while written < coordinates:
                for lat, long, at, accuracy in donor_points(donor, rng, start):
                    if written == coordinates:
                        break
                    copy.write_row((lat, long, at, accuracy, received, False))
                    written += 1
                donor += 1
        with connections["encounters"].cursor() as cursor:
            cursor.execute("ANALYZE zones_coordinate")
    print("linking (zones.services.coordinates_link) ...")
    began = time.perf_counter()
    coordinates_link(batch=20_000)
    seconds = time.perf_counter() - began
    with connections["encounters"].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    return seconds


RAW_BRANCH = (
    "SELECT l.zone_id, l.coordinate_id, l.unix_time, l.accuracy FROM zones_geozone z "
    "JOIN zones_geozonecoordinate l ON l.zone_id = z.id "
    "WHERE z.spec_id = %s AND z.centre_lat >= %s AND z.centre_lat < %s "
    "AND z.centre_long >= %s AND z.centre_long < %s "
    "AND l.unix_time >= %s AND l.unix_time < %s"
)


def raw_lookup(spec_id: int, areas) -> int:
    """The same zones' points as bare SQL: one UNION ALL of an indexed join per area."""
    from django.db import connections

    from zones import grid

    branches, params = [], []
    for area in areas:
        for south, north, west, east in grid.area_boxes(area["lat"], area["long"]):
            branches.append(RAW_BRANCH)
            params += [spec_id, south, north, west, east, area["start"], area["end"]]
    with connections["encounters"].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        return len(cursor.fetchall())


def request_areas(rng: random.Random, now: datetime, count: int = 50) -> list[dict]:
    end = int(now.timestamp()) - 60
    start = end - DAYS * 86_400 + 3600
    areas = []
    for n in range(count):
        lat, long = _in(CITY if n % 2 == 0 else EUROPE, rng)
        areas.append({"lat": round(lat, 4), "long": round(long, 4), "start": start, "end": end})
    return areas


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def seed_example_size() -> tuple[int, int]:
    """The seed's example answer (10,000 zones x 20 periods), rendered as the API renders it."""
    from django.utils.text import compress_string
    from rest_framework.renderers import JSONRenderer

    from zones import grid
    from zones.selectors import ZoneRatings, exposure_payload

    rng = random.Random(20)
    start = 1_586_963_074
    square = grid.Grid(spec_id=4, shape="square", size_e7=1_000)
    zones = [
        ZoneRatings(
            cell="",
            centre_lat=grid.square_centre(473_700 + n // 100, 85_400 + n % 100, 1_000)[0],
            centre_long=grid.square_centre(473_700 + n // 100, 85_400 + n % 100, 1_000)[1],
            exposures=[
                (start + 600 * k, start + 600 * (k + 1), round(rng.uniform(0.01, 99.99), 2))
                for k in range(20)
            ],
        )
        for n in range(10_000)
    ]
    body = JSONRenderer().render(exposure_payload(zone_grid=square, zones=zones))
    return len(body), len(compress_string(body))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coordinates", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--minutes", type=int, default=10, help="minutePeriod of the requests")
    args = parser.parse_args()
    ensure_databases()
    django.setup()
    from rest_framework.test import APIRequestFactory, force_authenticate

    from zones.apis import AreaExposureApi
    from zones.models import Coordinate, GeoZone, GeoZoneCoordinate

    now = datetime.now(UTC)
    linking = build(args.coordinates, now)
    stored = Coordinate.objects.count()
    zones, links = GeoZone.objects.count(), GeoZoneCoordinate.objects.count()

    class Person:  # a signed-in person without a role; the view needs nothing else
        is_authenticated = True
        is_active = True
        pk = 1

    view = AreaExposureApi.as_view()
    factory = APIRequestFactory()
    rows = []
    for spec_id, label in ((4, "0.0001° squares"), (3, "H3 res 12"), (1, "0.01° squares")):
        rng = random.Random(spec_id)
        api_ms, raw_ms, sizes, gzipped, zone_counts, raw_rows = [], [], [], [], [], []
        for _ in range(args.requests):
            areas = request_areas(rng, datetime.now(UTC))
            body = {
                "returnDataFormatting": {
                    "geoZoneSpecId": spec_id,
                    "exposureThreshold": 0,
                    "minutePeriod": args.minutes,
                },
                "areaRequests": areas,
            }
            began = time.perf_counter()
            raw_rows.append(raw_lookup(spec_id, areas))
            raw_ms.append((time.perf_counter() - began) * 1000)
            request = factory.post(
                "/api/zones/exposure", body, format="json", HTTP_ACCEPT_ENCODING="gzip"
            )
            force_authenticate(request, user=Person())
            began = time.perf_counter()
            response = view(request)
            response.render()
            api_ms.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.content[:300]
            text = gzip.decompress(response.content)
            sizes.append(len(text))
            gzipped.append(len(response.content))
            zone_counts.append(text.count(b'"centreLat"'))
        rows.append(
            f"| area request, 50 areas x 14 days, {label} "
            f"| p50 {percentile(api_ms, 0.5):.0f} ms, p95 {percentile(api_ms, 0.95):.0f} ms "
            f"| raw SQL p50 {percentile(raw_ms, 0.5):.0f} ms, "
            f"p95 {percentile(raw_ms, 0.95):.0f} ms "
            f"| {statistics.median(a / r for a, r in zip(api_ms, raw_ms, strict=True)):.1f} x "
            f"| {statistics.median(raw_rows):,.0f} points, {statistics.median(zone_counts):,.0f} "
            f"zones; {statistics.median(sizes) / 1000:,.0f} kB, gzip "
            f"{statistics.median(gzipped) / 1000:,.0f} kB |"
        )
    plain, packed = seed_example_size()
    print()
    print(
        f"{stored:,} coordinates, {zones:,} zones, {links:,} links"
        + (f"; linking took {linking:.0f} s ({stored / linking:,.0f}/s)" if linking else "")
    )
    print()
    print("| workload | figure | raw baseline | ratio (median) | answer (median) |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(row)
    print(
        f"| seed's example answer, 10,000 zones x 20 periods | {plain / 1e6:.2f} MB "
        f"({plain / 20.75e6:.0%} of the seed's 20.75 MB) | gzip {packed / 1e6:.2f} MB "
        f"({packed / 20.75e6:.1%}) | | |"
    )


if __name__ == "__main__":
    main()
