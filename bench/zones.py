"""Benchmark `zones`: an area request (50 areas, 14 days) over donated coordinates, beside raw SQL.

    .venv/bin/python bench/zones.py [--scale 10] [--requests 30] [--specs 4,3,1] [--json PATH]

SCALE x 100,000 donated coordinates (SCALE=100: the seed's 10 million). The
data set is seeded and built once per scale in four PostgreSQL databases
`bench_zones_<alias>` (COPY, streamed; apart from bench/trace.py's
`bench_<alias>`), then linked by the real linking job
(zones.services.coordinates_link, in --link-workers processes at once, timed)
and reused while its points are still inside the retention. Donors are
people of one city (Zurich's extent), each recorded every 5 minutes for 14
days: nights at home, working hours at work, errands in between.

The figure is the exposure request as the API serves it (the view: parse,
validate, stage 1, compact JSON, gzip); the baseline is the bare SQL lookup
of the same zones' points in the same run. Half of each request's areas are
in the city, half are decoys elsewhere in Europe. Also measured: the
response for the seed's example of 10,000 zones x 20 periods, as sent.
"""

import argparse
import gzip
import io
import multiprocessing
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, ensure_databases, percentile, use_databases, write_rows

PREFIX = "bench_zones_"
COORDINATES_PER_SCALE = 100_000
CITY = (47.32, 47.44, 8.45, 8.62)  # south, north, west, east
EUROPE = (36.0, 60.0, -9.0, 30.0)
DAYS = 14
EVERY = 300  # seconds between a donor's points
POINTS_PER_DONOR = DAYS * 86_400 // EVERY  # 4,032


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


def build(coordinates: int, now: datetime, *, link_workers: int) -> float | None:
    """COPY the donated points and link them with the real job; returns the linking seconds."""
    from django.core.management import call_command
    from django.db import connections
    from django.db.models import Max

    from zones.models import Coordinate

    call_command("migrate_all", verbosity=0, stdout=io.StringIO())  # keep stdout for the rows
    newest = Coordinate.objects.aggregate(newest=Max("time"))["newest"]
    fresh = newest is not None and newest > now - timedelta(days=1)
    if fresh and Coordinate.objects.count() == coordinates:
        if not Coordinate.objects.filter(linked=False).exists():
            return None
    else:
        copy_coordinates(coordinates, now)
    print(f"linking with {link_workers} workers (zones.services.coordinates_link)", file=sys.stderr)
    seconds = link_in_parallel(link_workers)
    with connections["encounters"].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    return seconds


def copy_coordinates(coordinates: int, now: datetime) -> None:
    """The donors' points, streamed into COPY donor by donor (never all in memory)."""
    from django.db import connections

    print(
        f"building {coordinates:,} coordinates of {coordinates // POINTS_PER_DONOR:,} donors",
        file=sys.stderr,
    )
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


def link_in_parallel(workers: int) -> float:
    """Run the linking job in `workers` processes at once, as several Celery workers would
    (it locks its batches with SKIP LOCKED); returns the seconds it took."""
    from django.db import connections

    connections.close_all()  # each forked worker opens its own
    began = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        linked = sum(pool.map(link_until_done, range(workers)))
    seconds = time.perf_counter() - began
    print(f"linked {linked:,} points in {seconds:.0f} s", file=sys.stderr)
    return seconds


def link_until_done(_worker: int) -> int:
    """One worker: link until nothing is left; a deadlock with the other worker (both creating
    the same new zones) rolls back one batch, which is simply linked again."""
    from django.db import OperationalError

    from zones.services import coordinates_link

    linked = 0
    while True:
        try:
            return linked + coordinates_link(batch=20_000)
        except OperationalError as error:
            if "deadlock" not in str(error):
                raise


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


MIN_REQUESTS = 20  # fewer make p95 the slowest one
SPECS = {4: "0.0001° squares", 3: "H3 resolution 12", 1: "0.01° squares"}


class SignedInPerson:
    """A signed-in person without a role: all the view asks of its user."""

    is_authenticated = True
    is_active = True
    pk = 1


def area_requests_timed(spec_id: int, requests: int, minutes: int, budget_s: float) -> dict:
    """Up to `requests` area requests through the view, each beside the raw lookup of its
    zones; after `budget_s` seconds it stops at MIN_REQUESTS (large scales answer slowly)."""
    from rest_framework.test import APIRequestFactory, force_authenticate

    from zones.apis import AreaExposureApi

    view, factory = AreaExposureApi.as_view(), APIRequestFactory()
    rng = random.Random(spec_id)
    measured = {"api_ms": [], "raw_ms": [], "bytes": [], "gzip_bytes": [], "zones": []}
    began_all = time.perf_counter()
    for done in range(requests):
        if done >= MIN_REQUESTS and time.perf_counter() - began_all > budget_s:
            break
        areas = request_areas(rng, datetime.now(UTC))
        body = {
            "returnDataFormatting": {
                "geoZoneSpecId": spec_id,
                "exposureThreshold": 0,
                "minutePeriod": minutes,
            },
            "areaRequests": areas,
        }
        began = time.perf_counter()
        raw_lookup(spec_id, areas)
        measured["raw_ms"].append((time.perf_counter() - began) * 1000)
        request = factory.post(
            "/api/zones/exposure", body, format="json", HTTP_ACCEPT_ENCODING="gzip"
        )
        force_authenticate(request, user=SignedInPerson())
        began = time.perf_counter()
        response = view(request)
        response.render()
        measured["api_ms"].append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.content[:300]
        text = gzip.decompress(response.content)
        measured["bytes"].append(len(text))
        measured["gzip_bytes"].append(len(response.content))
        measured["zones"].append(text.count(b'"centreLat"'))
    return measured


def area_request_row(spec_id: int, stored: int, scale: int, measured: dict) -> Row:
    api_ms, raw_ms = measured["api_ms"], measured["raw_ms"]
    p95 = percentile(api_ms, 0.95)
    median = statistics.median
    return Row(
        id="zones",
        workload=(
            f"area request, 50 areas x 14 days, {SPECS[spec_id]}, {stored:,} donated "
            f"coordinates (SCALE={scale}), {len(api_ms)} requests; answer (median) "
            f"{median(measured['zones']):,.0f} zones, {median(measured['bytes']) / 1e3:,.0f} kB, "
            f"gzip {median(measured['gzip_bytes']) / 1e3:,.0f} kB"
        ),
        figure=f"p50 {percentile(api_ms, 0.5):,.0f} ms, p95 {p95:,.0f} ms",
        baseline=(
            f"raw SQL lookup p50 {percentile(raw_ms, 0.5):,.0f} ms, "
            f"p95 {percentile(raw_ms, 0.95):,.0f} ms"
        ),
        ratio=f"{median(a / r for a, r in zip(api_ms, raw_ms, strict=True)):.1f} x (median)",
        target="p95 ≤ 500 ms",
        met=p95 <= 500,
    )


def seed_example_row() -> Row:
    plain, packed = seed_example_size()
    return Row(
        id="zones",
        workload="response for the seed's example: 10,000 zones x 20 periods",
        figure=f"{packed / 1e6:.2f} MB as sent (gzip)",
        baseline=f"{plain / 1e6:.2f} MB uncompressed JSON; the seed's estimate 20.75 MB",
        ratio=f"{packed / 20.75e6:.1%} of the estimate",
        target="≤ 2 MB",
        met=packed <= 2e6,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--minutes", type=int, default=10, help="minutePeriod of the requests")
    parser.add_argument(
        "--specs", default="4", help="zone specifications to request, e.g. 4,3,1 (default 4)"
    )
    parser.add_argument(
        "--budget", type=float, default=240, help="seconds of requests per spec (at least 20)"
    )
    parser.add_argument("--link-workers", type=int, default=2)
    parser.add_argument("--json", help="write the rows there (bench/run.py)")
    args = parser.parse_args()
    use_databases(PREFIX)
    os.environ.pop("REDIS_URL", None)  # the linking job runs in these processes
    ensure_databases(PREFIX)
    import django

    django.setup()
    from zones.models import Coordinate

    coordinates = COORDINATES_PER_SCALE * args.scale
    linking = build(coordinates, datetime.now(UTC), link_workers=args.link_workers)
    stored = Coordinate.objects.count()
    if linking:
        print(f"linking: {stored / linking:,.0f} points/s", file=sys.stderr)
    rows = []
    for spec_id in (int(spec) for spec in args.specs.split(",")):
        measured = area_requests_timed(spec_id, args.requests, args.minutes, args.budget)
        rows.append(area_request_row(spec_id, stored, args.scale, measured))
    rows.append(seed_example_row())
    write_rows(args.json, rows)


if __name__ == "__main__":
    main()
