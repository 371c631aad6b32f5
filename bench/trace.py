"""Benchmark: a 14-day trace at SCALE x the seed's volume, beside the raw SQL of the same chain.

    .venv/bin/python bench/trace.py --scale 100 [--people 300]

SCALE=1 is the seed's service (2,000 active devices, 14,500 encounter
records a day); SCALE=100 is 200,000 devices and about 20 million records
over 14 days. The data set is seeded and built once per scale in four
PostgreSQL databases `bench_<alias>` (COPY), then reused. The figure is the
trace as the API computes it (tracing.services.trace_compute: the three
databases joined in memory); the baseline runs the same chain as bare SQL
statements in the same run. Not a test: it prints a table and appends it
to docs/performance.md with --write.
"""

import argparse
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
for variable, alias in (
    ("DATABASE_URL", "default"),
    ("ASSETS_DATABASE_URL", "assets"),
    ("ASSOCIATIONS_DATABASE_URL", "associations"),
    ("ENCOUNTERS_DATABASE_URL", "encounters"),
):
    os.environ[variable] = f"{BASE_URL}/bench_{alias}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proximeter.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("PORTAL_DATA_DIR", "/tmp/proximeter-bench-data")

import django  # noqa: E402
import psycopg  # noqa: E402

SEED_DEVICES = 2_000
SEED_RECORDS_PER_DAY = 14_500
DAYS = 15


def ensure_databases() -> None:
    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as connection:
        existing = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
        for alias in ("default", "assets", "associations", "encounters"):
            if f"bench_{alias}" not in existing:
                connection.execute(f'CREATE DATABASE "bench_{alias}"')


def build(scale: int, now: datetime) -> None:
    """Devices, people, holdings and encounters for `scale`, unless already there."""
    from django.core.management import call_command
    from django.db import connections

    from assets.models import Device
    from tracing.models import Encounter

    call_command("migrate_all", verbosity=0)
    devices = SEED_DEVICES * scale
    if Device.objects.count() == devices and Encounter.objects.exists():
        return
    print(
        f"building SCALE={scale}: {devices:,} devices, "
        f"~{SEED_RECORDS_PER_DAY * scale * DAYS:,} encounters"
    )
    for alias, tables in (
        ("encounters", ["tracing_encounter"]),
        ("assets", ["assets_deviceevent", "assets_device"]),
        ("associations", ["registration_association", "registration_person"]),
    ):
        with connections[alias].cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    rng = random.Random(scale)
    held_since = now - timedelta(days=DAYS + 5)
    with (
        connections["assets"].cursor() as cursor,
        cursor.copy(
            "COPY assets_device (device_id, tag_id, batch, firmware, state) FROM STDIN"
        ) as copy,
    ):
        for n in range(1, devices + 1):
            copy.write_row((f"B-{n:07d}", n, "bench", "1.0", "assigned"))
    with connections["associations"].cursor() as cursor:
        with cursor.copy(
            "COPY registration_person "
            "(person_id, given_name, family_name, email, department, active) FROM STDIN"
        ) as copy:
            for n in range(1, devices + 1):
                copy.write_row((f"{n:07d}", "Bench", f"Person {n}", "", "Bench", True))
        with cursor.copy(
            "COPY registration_association "
            "(person_id, device_id, started_at, started_by, ended_by, end_reason) "
            "FROM STDIN"
        ) as copy:
            for n in range(1, devices + 1):
                copy.write_row((f"{n:07d}", f"B-{n:07d}", held_since, "bench", "", ""))
    # Teams of ~10 meet each other most; the rest are corridor crossings.
    per_day = SEED_RECORDS_PER_DAY * scale
    with (
        connections["encounters"].cursor() as cursor,
        cursor.copy(
            "COPY tracing_encounter (my_tag, ref_tag, started_at, slots) FROM STDIN"
        ) as copy,
    ):
        for day in range(DAYS):
            midnight = (now - timedelta(days=DAYS - day)).replace(
                hour=7, minute=0, second=0, microsecond=0
            )
            seen = set()
            for _ in range(per_day // 2):
                a = rng.randrange(1, devices + 1)
                b = (
                    a + rng.randrange(1, 10)
                    if rng.random() < 0.7
                    else rng.randrange(1, devices + 1)
                )
                if b > devices or b == a:
                    continue
                start = midnight + timedelta(seconds=rng.randrange(0, 10 * 3600))
                slots = rng.choice((1, 1, 2, 3, 4, 6, 10, 20, 35, 60))
                for mine, ref, shift in ((a, b, 0), (b, a, rng.randrange(0, 30))):
                    key = (mine, ref, start + timedelta(seconds=shift))
                    if key not in seen:
                        seen.add(key)
                        copy.write_row((*key, slots))
    for alias in ("assets", "associations", "encounters"):
        with connections[alias].cursor() as cursor:
            cursor.execute("ANALYZE")


RAW_CHAIN = [
    (
        "associations",
        "SELECT device_id, started_at, ended_at FROM registration_association "
        "WHERE person_id = %(person)s AND started_at < %(end)s "
        "AND (ended_at IS NULL OR ended_at > %(start)s)",
    ),
    ("assets", "SELECT device_id, tag_id FROM assets_device WHERE device_id = ANY(%(devices)s)"),
    (
        "encounters",
        "SELECT ref_tag, started_at, slots FROM tracing_encounter "
        "WHERE my_tag = ANY(%(tags)s) AND started_at >= %(start)s AND started_at < %(end)s",
    ),
    (
        "encounters",
        "SELECT my_tag, started_at, slots FROM tracing_encounter "
        "WHERE ref_tag = ANY(%(tags)s) AND started_at >= %(start)s AND started_at < %(end)s",
    ),
    ("assets", "SELECT tag_id, device_id, state FROM assets_device WHERE tag_id = ANY(%(peers)s)"),
    (
        "associations",
        "SELECT device_id, started_at, ended_at, person_id FROM registration_association "
        "WHERE device_id = ANY(%(peer_devices)s) AND started_at < %(end)s "
        "AND (ended_at IS NULL OR ended_at > %(start)s)",
    ),
]


def raw_chain(person_id: str, start: datetime, end: datetime) -> int:
    from django.db import connections

    params = {"person": person_id, "start": start, "end": end}
    rows = None
    for step, (alias, sql) in enumerate(RAW_CHAIN):
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if step == 0:
            params["devices"] = [r[0] for r in rows]
        elif step == 1:
            params["tags"] = [r[1] for r in rows]
        elif step == 2:
            params["peers"] = [r[0] for r in rows]
        elif step == 3:
            params["peers"] += [r[0] for r in rows]
        elif step == 4:
            params["peer_devices"] = [r[1] for r in rows]
    return len(params["peers"])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=int(os.environ.get("SCALE", "10")))
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument(
        "--write", action="store_true", help="append the table to docs/performance.md"
    )
    args = parser.parse_args()
    ensure_databases()
    django.setup()
    from django.conf import settings

    from tracing.contacts import Policy, trace_window
    from tracing.services import trace_compute

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    build(args.scale, now)
    window = trace_window(
        now=now,
        retention=timedelta(days=settings.ENCOUNTER_RETENTION_DAYS),
        start=now - timedelta(days=14),
    )
    rng = random.Random(7)
    people = [f"{rng.randrange(1, SEED_DEVICES * args.scale + 1):07d}" for _ in range(args.people)]
    trace_ms, raw_ms, contacts = [], [], []
    for person_id in people:
        began = time.perf_counter()
        raw_chain(person_id, window.start, window.end)
        raw_ms.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        result = trace_compute(person_id=person_id, window=window, policy=Policy.ENCOUNTER)
        trace_ms.append((time.perf_counter() - began) * 1000)
        contacts.append(len(result["contacts"]))
    from tracing.models import Encounter

    rows = Encounter.objects.count()
    p50, p95, p99 = (percentile(trace_ms, q) for q in (0.5, 0.95, 0.99))
    raw50, raw99 = percentile(raw_ms, 0.5), percentile(raw_ms, 0.99)
    table = (
        f"| trace (14 days, SCALE={args.scale}, {rows:,} encounters, {args.people} people) "
        f"| p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms "
        f"| raw SQL chain p50 {raw50:.1f} ms, p99 {raw99:.1f} ms "
        f"| {statistics.median(t / r for t, r in zip(trace_ms, raw_ms, strict=True)):.2f} x "
        f"| p99 < 300 ms |"
    )
    print("| workload | figure | raw baseline | ratio (median) | target |")
    print("|---|---|---|---|---|")
    print(table)
    print(f"contacts per trace: median {statistics.median(contacts):.0f}, max {max(contacts)}")
    if args.write:
        with open(ROOT / "docs" / "performance.md", "a") as out:
            out.write(f"\n{table}\n")


if __name__ == "__main__":
    main()
