"""Benchmark `zones`: an area request (50 areas, 14 days) over donated coordinates, beside raw SQL.

    .venv/bin/python bench/zones.py [--scale 10] [--requests 30] [--specs 4,3,1] [--json PATH]

SCALE x 100,000 donated coordinates (SCALE=100: the seed's 10 million), in
their own PostgreSQL databases `bench_zones_<alias>`, built once per scale
and reused while their points are inside the retention.

Donors are people who tested positive (seeds/002), spread over the country
the service covers as its population is: Germany (the seed's infectious
window is the Robert Koch Institute's, and its 50 million users fit only a
country that large). Each donor lives in one of the 25 largest cities
(weighted by population; they hold 21 % of it) or in one of 2,000 towns
scattered over the country (the other 79 %), and is recorded every
5 minutes for 14 days: nights at home, working hours at work, an errand each
evening, all near the home settlement (denser towards its centre). A
request is a person's: 25 areas around places of their own settlement,
25 decoys (the app's fake areas) at places of other people, drawn the same
way. Everything is seeded.

Building: the first LINK_SAMPLE points are linked by the real linking job
(zones.services.coordinates_link, in --link-workers processes, timed: its
own row, points/s). The rest are linked in bulk with the same grid
functions (zones/grid.py, the squares vectorised), checked against the
job's links of the sample, and written by binary COPY with the secondary
indexes built afterwards, as pg_restore does: the same rows the job writes.

The figure is the exposure request as the API serves it (the view: parse,
validate, stage 1, compact JSON, gzip); the baseline is the bare SQL lookup
of the same zones' points in the same run. Also measured: the response for
the seed's example of 10,000 zones x 20 periods, as sent.
"""

import argparse
import functools
import gzip
import io
import json
import math
import multiprocessing
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BASE_URL, Row, ensure_databases, percentile, use_databases, write_rows

PREFIX = "bench_zones_"
COORDINATES_PER_SCALE = 100_000
LINK_SAMPLE = 100_000  # points linked by the real job, timed
DAYS = 14
EVERY = 300  # seconds between a donor's points
POINTS_PER_DAY = 86_400 // EVERY
POINTS_PER_DONOR = DAYS * POINTS_PER_DAY  # 4,032
KM_PER_DEGREE = 111.2


@dataclass(frozen=True)
class Settlement:
    lat: float
    long: float
    people: int

    @property
    def sigma_km(self) -> float:
        """Half the radius of a disc of 3,000 people per km² (Germany's cities: 2,000-4,800)."""
        return math.sqrt(self.people / (3000 * math.pi)) / 2


# Germany's 25 largest cities (Destatis 2022, rounded): 17.5 of its 84.4 million people.
CITIES = [
    Settlement(52.520, 13.405, 3_755_000),  # Berlin
    Settlement(53.551, 9.994, 1_892_000),  # Hamburg
    Settlement(48.137, 11.575, 1_512_000),  # Munich
    Settlement(50.938, 6.960, 1_084_000),  # Cologne
    Settlement(50.110, 8.682, 773_000),  # Frankfurt
    Settlement(48.776, 9.183, 633_000),  # Stuttgart
    Settlement(51.227, 6.774, 629_000),  # Düsseldorf
    Settlement(51.340, 12.375, 616_000),  # Leipzig
    Settlement(51.514, 7.466, 593_000),  # Dortmund
    Settlement(51.456, 7.012, 583_000),  # Essen
    Settlement(53.079, 8.802, 577_000),  # Bremen
    Settlement(51.050, 13.738, 563_000),  # Dresden
    Settlement(52.375, 9.732, 545_000),  # Hanover
    Settlement(49.452, 11.077, 523_000),  # Nuremberg
    Settlement(51.435, 6.763, 502_000),  # Duisburg
    Settlement(51.482, 7.216, 365_000),  # Bochum
    Settlement(51.256, 7.151, 358_000),  # Wuppertal
    Settlement(50.737, 7.098, 336_000),  # Bonn
    Settlement(52.021, 8.532, 334_000),  # Bielefeld
    Settlement(51.960, 7.626, 320_000),  # Münster
    Settlement(49.488, 8.466, 315_000),  # Mannheim
    Settlement(49.007, 8.404, 308_000),  # Karlsruhe
    Settlement(48.371, 10.898, 300_000),  # Augsburg
    Settlement(50.078, 8.240, 283_000),  # Wiesbaden
    Settlement(51.180, 6.443, 261_000),  # Mönchengladbach
]
POPULATION = 84_400_000
TOWNS = 2_000  # Germany has about 2,050 towns (Städte); the rest live in them or near them
GERMANY = (47.3, 55.0, 6.0, 15.0)  # south, north, west, east (a box: some towns fall abroad)


@functools.cache
def settlements() -> list[Settlement]:
    """The cities, and TOWNS towns sharing the rest of the population at seeded places."""
    rng = np.random.default_rng(2022)
    south, north, west, east = GERMANY
    people = (POPULATION - sum(city.people for city in CITIES)) // TOWNS
    towns = [
        Settlement(float(lat), float(long), people)
        for lat, long in zip(
            rng.uniform(south, north, TOWNS), rng.uniform(west, east, TOWNS), strict=True
        )
    ]
    return CITIES + towns


def places_near(rng, where: list[Settlement], chosen: np.ndarray, count: int) -> np.ndarray:
    """`count` places per chosen settlement, normally spread around its centre: (n, count, 2)."""
    centre = np.array([(where[i].lat, where[i].long) for i in chosen])
    sigma_km = np.array([where[i].sigma_km for i in chosen])
    sigma = np.stack(
        [sigma_km / KM_PER_DEGREE, sigma_km / (KM_PER_DEGREE * np.cos(np.radians(centre[:, 0])))],
        axis=1,
    )
    return centre[:, None, :] + rng.normal(size=(len(chosen), count, 2)) * sigma[:, None, :]


def settlement_choice(rng, where: list[Settlement], count: int) -> np.ndarray:
    weights = np.array([place.people for place in where], dtype=float)
    return rng.choice(len(where), size=count, p=weights / weights.sum())


def donated_points(coordinates: int, start: int) -> dict[str, np.ndarray]:
    """Every donor's 14 days, flattened in donor order: latitude, longitude, Unix time, accuracy.

    Home at night, work 8-17 h (UTC) on weekdays, a different errand 17-19 h each day.
    """
    rng = np.random.default_rng(coordinates)
    donors = -(-coordinates // POINTS_PER_DONOR)
    where = settlements()
    places = places_near(rng, where, settlement_choice(rng, where, donors), 2 + DAYS)
    home, work, errands = places[:, 0], places[:, 1], places[:, 2:]
    # donors' clocks differ: no two share a (lat, long, time)
    at = start + (np.arange(donors) % EVERY)[:, None] + np.arange(POINTS_PER_DONOR) * EVERY
    hour = at % 86_400 // 3600
    weekday = (at // 86_400 + 3) % 7  # 1970-01-01 was a Thursday
    day = np.broadcast_to(np.arange(POINTS_PER_DONOR) // POINTS_PER_DAY, at.shape)
    at_work = (weekday < 5) & (hour >= 8) & (hour < 17)
    on_errand = (hour >= 17) & (hour < 19)
    where_now = np.where(at_work[..., None], work[:, None, :], home[:, None, :])
    errand_now = np.take_along_axis(errands, day[..., None], axis=1)
    where_now = np.where(on_errand[..., None], errand_now, where_now)
    # GPS noise of ~10-20 m; accuracy as a phone reports it.
    noise = rng.normal(size=where_now.shape) * np.array([0.00012, 0.00018])
    lat_long = np.round(where_now + noise, 7).reshape(-1, 2)[:coordinates]
    return {
        "latitude": np.ascontiguousarray(lat_long[:, 0]),
        "longitude": np.ascontiguousarray(lat_long[:, 1]),
        "unix_time": at.reshape(-1)[:coordinates],
        "accuracy": np.round(rng.uniform(0.4, 1.0, coordinates), 4),
    }


# --- Cells and zones, as the linking job computes them ------------------------------

KEY_COLUMNS = 10_000_000  # square cell key = row * KEY_COLUMNS + column + KEY_COLUMNS // 2


def square_keys(lat: np.ndarray, long: np.ndarray, size_e7: int) -> np.ndarray:
    """grid.square_indices for arrays (the same integer arithmetic), as one int64 key per cell."""
    from zones.grid import E7

    lat7 = np.rint(lat * E7).astype(np.int64)  # round(): half to even, as Python's
    long7 = np.rint(long * E7).astype(np.int64)
    long7 = np.where(long7 >= 180 * E7, long7 - 360 * E7, long7)
    rows = np.minimum(lat7 // size_e7, 90 * E7 // size_e7 - 1)
    return rows * KEY_COLUMNS + long7 // size_e7 + KEY_COLUMNS // 2


def hexagon_keys(lat: np.ndarray, long: np.ndarray, resolution: int) -> np.ndarray:
    """grid.hexagon_cell as H3's integer index (h3.int_to_str gives the same cell name)."""
    from h3.api import basic_int

    pairs = zip(lat.tolist(), long.tolist(), strict=True)
    return np.fromiter(
        (basic_int.latlng_to_cell(a, b, resolution) for a, b in pairs),
        dtype=np.int64,
        count=len(lat),
    )


def cell_keys(zone_grid, lat: np.ndarray, long: np.ndarray) -> np.ndarray:
    if zone_grid.is_square:
        return square_keys(lat, long, zone_grid.size_e7)
    return hexagon_keys(lat, long, zone_grid.resolution)


def cell_name(zone_grid, key: int) -> str:
    import h3

    from zones import grid

    if zone_grid.is_square:
        row, column = divmod(key - KEY_COLUMNS // 2, KEY_COLUMNS)
        return grid.square_cell(row, column)
    return h3.int_to_str(key)


class Zones:
    """Every zone's ID by (specification, cell): those in the database, and the new ones."""

    def __init__(self, grids: dict, parents: dict, known: dict, next_id: int):
        self.grids, self.parents, self.ids, self.next_id = grids, parents, known, next_id
        self.new: list[tuple] = []  # (id, spec, cell, centre lat, centre long, parent id)

    def id_of(self, spec_id: int, cell: str) -> int:
        """The zone's ID, creating it (and its parent first) as _zones_ensure would."""
        from zones import grid

        zone_id = self.ids.get((spec_id, cell))
        if zone_id is not None:
            return zone_id
        zone_grid, parent_spec = self.grids[spec_id], self.parents[spec_id]
        parent_id = None
        if parent_spec is not None:
            parent_grid = self.grids[parent_spec]
            parent_id = self.id_of(parent_spec, grid.parent_of(zone_grid, cell, parent_grid))
        zone_id = self.ids[(spec_id, cell)] = self.next_id
        self.next_id += 1
        self.new.append((zone_id, spec_id, cell, *grid.centre_of(zone_grid, cell), parent_id))
        return zone_id

    def point_zones(self, spec_id: int, keys: np.ndarray) -> np.ndarray:
        """The zone ID of each point, from its cell key."""
        unique, inverse = np.unique(keys, return_inverse=True)
        zone_grid = self.grids[spec_id]
        ids = np.fromiter(
            (self.id_of(spec_id, cell_name(zone_grid, key)) for key in unique.tolist()),
            dtype=np.int64,
            count=len(unique),
        )
        return ids[inverse]


# --- Building -----------------------------------------------------------------------


def build(coordinates: int, now: datetime, *, link_workers: int) -> dict | None:
    """Build the data set unless a fresh one is there; returns the linking and loading speeds."""
    from django.core.management import call_command
    from django.db.models import Max

    from zones.models import Coordinate

    call_command("migrate_all", verbosity=0, stdout=io.StringIO())  # keep stdout for the rows
    newest = Coordinate.objects.aggregate(newest=Max("time"))["newest"]
    fresh = newest is not None and newest > now - timedelta(days=1)
    complete = Coordinate.objects.count() == coordinates
    if fresh and complete and not Coordinate.objects.filter(linked=False).exists():
        return None
    encounters_database_recreate()  # a clean schema, whatever an interrupted build left
    call_command("migrate_all", verbosity=0, stdout=io.StringIO())
    began = time.perf_counter()
    speeds = load(coordinates, now, link_workers=link_workers)
    print(f"built in {time.perf_counter() - began:,.0f} s", file=sys.stderr)
    return speeds


def encounters_database_recreate() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    name = f"{PREFIX}encounters"
    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def load(coordinates: int, now: datetime, *, link_workers: int) -> dict:
    """The first LINK_SAMPLE points through the real job (timed), then the rest in bulk."""
    from django.db import connections

    start = int((now - timedelta(days=DAYS)).timestamp()) + 3600
    received = int(now.replace(minute=0, second=0, microsecond=0).timestamp())
    began = time.perf_counter()
    points = donated_points(coordinates, start)
    print(
        f"{coordinates:,} coordinates of {-(-coordinates // POINTS_PER_DONOR):,} donors "
        f"generated in {time.perf_counter() - began:.0f} s",
        file=sys.stderr,
    )
    sample = min(LINK_SAMPLE, coordinates)
    with connections["encounters"].cursor() as cursor:
        copy_coordinates(cursor, points, received, 0, sample, linked=False)
    linking = link_in_parallel(link_workers)
    began = time.perf_counter()
    zones = zones_known()
    point_zones = {
        spec_id: zones.point_zones(spec_id, cell_keys(zones.grids[spec_id], *lat_long(points)))
        for spec_id in active_specs()
    }
    sample_check(point_zones, sample)
    print(
        f"{len(zones.new):,} new zones computed in {time.perf_counter() - began:.0f} s",
        file=sys.stderr,
    )
    with connections["encounters"].cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        # The rows are consistent by construction: skip the per-row foreign-key triggers.
        cursor.execute("SET session_replication_role = replica")
        with (
            timed("bulk load (copies, then indexes and constraints rebuilt)"),
            indexes_dropped(cursor, "zones_geozone"),
            indexes_dropped(cursor, "zones_coordinate"),
            indexes_dropped(cursor, "zones_geozonecoordinate"),
        ):
            with timed(f"{len(zones.new):,} zones copied"):
                copy_zones(cursor, zones.new)
            with timed(f"{coordinates - sample:,} coordinates copied"):
                copy_coordinates(cursor, points, received, sample, coordinates, linked=True)
            with timed(f"{(coordinates - sample) * len(point_zones):,} links copied"):
                copy_links(cursor, points, point_zones, sample)
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in ("zones_geozone", "zones_coordinate", "zones_geozonecoordinate"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        with timed("VACUUM ANALYZE"):
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    loading = time.perf_counter() - began
    print(f"bulk: {coordinates - sample:,} points in {loading:,.0f} s", file=sys.stderr)
    return {
        "sample": sample,
        "linking_per_s": sample / linking,
        "bulk_per_s": (coordinates - sample) / loading if coordinates > sample else None,
    }


def lat_long(points: dict) -> tuple[np.ndarray, np.ndarray]:
    return points["latitude"], points["longitude"]


def active_specs() -> list[int]:
    from zones.models import GeoZoneSpecification

    return list(GeoZoneSpecification.objects.filter(active=True).values_list("pk", flat=True))


def zones_known() -> Zones:
    """The specifications' grids, and the zones the linking job created for the sample."""
    from django.db.models import Max

    from zones import grid
    from zones.models import GeoZone, GeoZoneSpecification

    specs = list(GeoZoneSpecification.objects.all())
    known = {
        (spec, cell): pk for pk, spec, cell in GeoZone.objects.values_list("pk", "spec", "cell")
    }
    return Zones(
        grids={spec.pk: grid.Grid.of(spec) for spec in specs},
        parents={spec.pk: spec.parent_id for spec in specs},
        known=known,
        next_id=(GeoZone.objects.aggregate(top=Max("pk"))["top"] or 0) + 1,
    )


def sample_check(point_zones: dict[int, np.ndarray], sample: int) -> None:
    """The bulk links of the sample are exactly the links the real job wrote."""
    from zones.models import GeoZoneCoordinate

    job = set(GeoZoneCoordinate.objects.values_list("coordinate_id", "zone__spec_id", "zone_id"))
    bulk = {
        (n + 1, spec_id, zone_id)
        for spec_id, zones in point_zones.items()
        for n, zone_id in enumerate(zones[:sample].tolist())
    }
    if job != bulk:
        raise SystemExit(f"bulk linking: {len(job ^ bulk):,} links differ from the linking job's")


@contextmanager
def timed(what: str):
    began = time.perf_counter()
    yield
    print(f"{what} in {time.perf_counter() - began:,.0f} s", file=sys.stderr)


@contextmanager
def indexes_dropped(cursor, table: str):
    """Secondary indexes and unique constraints dropped for a bulk load, then rebuilt."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


# PostgreSQL's binary COPY: a signature, then per row a field count and each field's length.
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_TRAILER = b"\xff\xff"
POSTGRES_EPOCH = 946_684_800  # 2000-01-01 in Unix seconds
CHUNK = 1_000_000


def binary_rows(columns: list[tuple[str, np.ndarray]]) -> bytes:
    """Rows of fixed-size columns (big-endian dtypes '>i8', '>f8', '?') as binary COPY data."""
    fields = [("count", ">i2")]
    for n, (kind, _) in enumerate(columns):
        fields += [(f"length{n}", ">i4"), (f"value{n}", kind)]
    rows = np.empty(len(columns[0][1]), dtype=fields)
    rows["count"] = len(columns)
    for n, (kind, values) in enumerate(columns):
        rows[f"length{n}"] = np.dtype(kind).itemsize
        rows[f"value{n}"] = values
    return rows.tobytes()


def copy_binary(cursor, table: str, names: str, chunks) -> None:
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(COPY_SIGNATURE)
        for columns in chunks:
            copy.write(binary_rows(columns))
        copy.write(COPY_TRAILER)


def microseconds_since_2000(unix: np.ndarray) -> np.ndarray:
    return (unix - POSTGRES_EPOCH) * 1_000_000


def copy_coordinates(cursor, points: dict, received: int, first: int, end: int, *, linked: bool):
    """Points [first, end) with IDs first + 1.., received this hour, as a donation stores them."""

    def chunks():
        for at in range(first, end, CHUNK):
            part = slice(at, min(at + CHUNK, end))
            count = part.stop - part.start
            yield [
                (">i8", np.arange(part.start + 1, part.stop + 1)),
                (">f8", points["latitude"][part]),
                (">f8", points["longitude"][part]),
                (">i8", microseconds_since_2000(points["unix_time"][part])),
                (">f8", points["accuracy"][part]),
                (">i8", np.full(count, microseconds_since_2000(received))),
                ("?", np.full(count, linked)),
            ]

    copy_binary(
        cursor,
        "zones_coordinate",
        "id, latitude, longitude, time, accuracy, received_at, linked",
        chunks(),
    )


def copy_zones(cursor, new: list[tuple]) -> None:
    with cursor.copy(
        "COPY zones_geozone (id, spec_id, cell, centre_lat, centre_long, parent_id) FROM STDIN"
    ) as copy:
        for row in new:
            copy.write_row(row)


def copy_links(cursor, points: dict, point_zones: dict[int, np.ndarray], first: int) -> None:
    """One link per point and active specification, as coordinates_link writes them."""
    cursor.execute("SELECT coalesce(max(id), 0) FROM zones_geozonecoordinate")
    next_id = cursor.fetchone()[0] + 1
    coordinates = len(points["latitude"])

    def chunks():
        nonlocal next_id
        for zones in point_zones.values():
            for at in range(first, coordinates, CHUNK):
                part = slice(at, min(at + CHUNK, coordinates))
                count = part.stop - part.start
                yield [
                    (">i8", np.arange(next_id, next_id + count)),
                    (">i8", zones[part]),
                    (">i8", np.arange(part.start + 1, part.stop + 1)),
                    (">i8", points["unix_time"][part]),
                    (">f8", points["accuracy"][part]),
                ]
                next_id += count

    copy_binary(
        cursor,
        "zones_geozonecoordinate",
        "id, zone_id, coordinate_id, unix_time, accuracy",
        chunks(),
    )


def link_in_parallel(workers: int) -> float:
    """Run the linking job in `workers` processes at once, as several Celery workers would
    (it locks its batches with SKIP LOCKED); returns the seconds it took."""
    from django.db import connections

    connections.close_all()  # each forked worker opens its own
    began = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        linked = sum(pool.map(link_until_done, range(workers)))
    seconds = time.perf_counter() - began
    print(f"the linking job linked {linked:,} points in {seconds:.0f} s", file=sys.stderr)
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


# --- Requests -----------------------------------------------------------------------

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


def request_areas(rng: np.random.Generator, now: datetime, count: int = 50) -> list[dict]:
    """A person's request: half around places of their own settlement, half decoys at
    places of other people (drawn as donors are), alternating; the last 14 days."""
    end = int(now.timestamp()) - 60
    start = end - DAYS * 86_400 + 3600
    where = settlements()
    own = places_near(rng, where, settlement_choice(rng, where, 1), count // 2)[0]
    decoys = places_near(rng, where, settlement_choice(rng, where, count - count // 2), 1)[:, 0]
    return [
        {"lat": round(float(lat), 4), "long": round(float(long), 4), "start": start, "end": end}
        for pair in zip(own, decoys, strict=True)
        for lat, long in pair
    ]


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
    rng = np.random.default_rng(spec_id)
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
        gzipped = response.get("Content-Encoding") == "gzip"  # not done for tiny answers
        text = gzip.decompress(response.content) if gzipped else response.content
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


def speeds_kept(speeds: dict | None, stored: int) -> dict | None:
    """This build's speeds, or those of the build that made the data set being reused."""
    kept = Path(os.environ["PORTAL_DATA_DIR"]) / "zones-build.json"
    if speeds is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps({"coordinates": stored, **speeds}))
        return speeds
    if kept.exists():
        saved = json.loads(kept.read_text())
        if saved.pop("coordinates") == stored:
            return saved
    return None


def linking_row(speeds: dict | None, workers: int) -> Row:
    """The real linking job's speed on the build's first points (the rest were bulk-loaded)."""
    if speeds is None:
        figure, baseline = "not measured (data set reused; rebuild to measure)", "-"
    else:
        figure = f"{speeds['linking_per_s']:,.0f} points/s"
        bulk = speeds["bulk_per_s"]
        baseline = f"bulk load of the rest {bulk:,.0f} points/s" if bulk else "-"
    sample = speeds["sample"] if speeds else LINK_SAMPLE
    return Row(
        id="zones",
        workload=(
            f"linking job (zones.services.coordinates_link), {sample:,} donated points x 4 "
            f"active specifications, {workers} workers"
        ),
        figure=figure,
        baseline=baseline,
        ratio=(
            f"{speeds['linking_per_s'] / speeds['bulk_per_s']:.2f} x bulk"
            if speeds and speeds["bulk_per_s"]
            else "-"
        ),
        target="measured only (no target)",
        met=True,
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
    speeds = build(coordinates, datetime.now(UTC), link_workers=args.link_workers)
    stored = Coordinate.objects.count()
    rows = [linking_row(speeds_kept(speeds, stored), args.link_workers)]
    for spec_id in (int(spec) for spec in args.specs.split(",")):
        measured = area_requests_timed(spec_id, args.requests, args.minutes, args.budget)
        rows.append(area_request_row(spec_id, stored, args.scale, measured))
    rows.append(seed_example_row())
    write_rows(args.json, rows)


if __name__ == "__main__":
    main()
