"""Benchmark `trace`: the trace API for random people, beside the raw SQL of the same chain.

    .venv/bin/python bench/trace.py [--scale 10] [--people 300] [--json PATH]

SCALE=1 is the seed's service (2,000 active devices, 14,500 encounter
records a day); SCALE=100 is 200,000 devices and about 22 million records
over 15 days. The data set is seeded and built once per scale in the four
PostgreSQL databases `bench_<alias>` (COPY, streamed), then reused while its
build marker (scale, builder version, applied migrations, whether the
encounter table is partitioned, built within the last day) still matches.
bench/mydata.py uses the same data set (`open_dataset`).

The figure is the trace as a medical user runs it: POST /api/tracing/traces
through django.test.Client with a signed-in medical session (middleware,
permissions, the three databases, the audit entry and the encrypted stored
result). The baseline, in the same run, is the same chain as bare SQL
statements: the person, holdings, tags, encounters both ways, peer devices
and their holders, then the audit and trace rows inserted in one transaction
(into look-alike tables, so the real audit chain stays intact).
"""

import argparse
import hashlib
import hmac
import io
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `common`, also when imported
from common import Row, ensure_databases, percentile, use_databases, write_rows

PREFIX = "bench_"
SEED_DEVICES = 2_000
SEED_RECORDS_PER_DAY = 14_500
DAYS = 15
#: Bump when the builder writes different data; a marker mismatch rebuilds.
BUILDER_VERSION = 2
MARKER_TABLE = "bench_build"


@dataclass(frozen=True)
class Dataset:
    scale: int
    devices: int
    encounters: int
    built_at: datetime

    def person_ids(self, count: int, seed: int) -> list[str]:
        """`count` random people of the data set (seeded, may repeat)."""
        rng = random.Random(seed)
        return [f"{rng.randrange(1, self.devices + 1):07d}" for _ in range(count)]


def open_dataset(scale: int) -> Dataset:
    """Point Django at the bench_* databases and build the data set for `scale` if needed."""
    use_databases(PREFIX)
    ensure_databases(PREFIX)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_all", verbosity=0, stdout=io.StringIO())  # keep stdout for the rows
    marker = build_marker(scale)
    found = stored_dataset(scale, marker)
    if found is not None:
        return found
    return build(scale, marker)


def build_marker(scale: int) -> str:
    """What the stored data must match: scale, builder and schema (migrations, partitioning)."""
    from django.db import connections

    applied = []
    for alias in ("default", "assets", "associations", "encounters"):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
            applied += [f"{alias}:{app}.{name}" for app, name in cursor.fetchall()]
    with connections["encounters"].cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'tracing_encounter'")
        applied.append(f"tracing_encounter:{cursor.fetchone()[0]}")
    schema = hashlib.sha256("\n".join(applied).encode()).hexdigest()[:16]
    return f"scale={scale} days={DAYS} builder={BUILDER_VERSION} schema={schema}"


def stored_dataset(scale: int, marker: str) -> Dataset | None:
    """The data set already built with this marker, unless it is older than a day."""
    from django.db import connections

    with connections["encounters"].cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (marker text NOT NULL, "
            "devices integer NOT NULL, encounters bigint NOT NULL, built_at timestamptz NOT NULL)"
        )
        cursor.execute(f"SELECT marker, devices, encounters, built_at FROM {MARKER_TABLE}")
        row = cursor.fetchone()
    if row is None or row[0] != marker:
        return None
    # Encounters lie in the 15 days before the build: a day later the window has moved.
    if row[3] < datetime.now(UTC) - timedelta(days=1):
        return None
    return Dataset(scale=scale, devices=row[1], encounters=row[2], built_at=row[3])


def build(scale: int, marker: str) -> Dataset:
    """Devices, people, holdings and encounters for `scale`, streamed into COPY."""
    from django.db import connections

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    devices = SEED_DEVICES * scale
    print(
        f"building SCALE={scale}: {devices:,} devices, "
        f"~{SEED_RECORDS_PER_DAY * scale * DAYS:,} encounters",
        file=sys.stderr,
    )
    began = time.perf_counter()
    for alias, tables in (
        ("encounters", ["tracing_encounter", MARKER_TABLE]),
        ("assets", ["assets_deviceevent", "assets_device"]),
        ("associations", ["registration_association", "registration_person"]),
    ):
        with connections[alias].cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    copy_devices_and_people(devices, held_since=now - timedelta(days=DAYS + 5))
    day_partitions_ensure(now)
    encounters = 0
    with (
        connections["encounters"].cursor() as cursor,
        cursor.copy(
            "COPY tracing_encounter (my_tag, ref_tag, started_at, slots) FROM STDIN"
        ) as copy,
    ):
        for block, rows in encounter_blocks(scale, now):
            copy.write(block)
            encounters += rows
    for alias in ("assets", "associations", "encounters"):
        with connections[alias].cursor() as cursor:
            cursor.execute("ANALYZE")
    with connections["encounters"].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, %s, %s)",
            [marker, devices, encounters, now],
        )
    print(f"built in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    return Dataset(scale=scale, devices=devices, encounters=encounters, built_at=now)


def copy_devices_and_people(devices: int, *, held_since: datetime) -> None:
    """Device n (tag n) is held by person n since before the data set begins."""
    from django.db import connections

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
            "(person_id, given_name, family_name, email, department, active, language) FROM STDIN"
        ) as copy:
            for n in range(1, devices + 1):
                copy.write_row((f"{n:07d}", "Bench", f"Person {n}", "", "Bench", True, "en"))
        with cursor.copy(
            "COPY registration_association "
            "(person_id, device_id, started_at, started_by, ended_by, end_reason) FROM STDIN"
        ) as copy:
            for n in range(1, devices + 1):
                copy.write_row((f"{n:07d}", f"B-{n:07d}", held_since, "bench", "", ""))


def day_partitions_ensure(now: datetime) -> None:
    """Day partitions for the data set, where the encounter table is partitioned by day."""
    try:
        from encounters.partitions import partitions_ensure
    except ImportError:
        return  # not partitioned (yet): one plain table
    first = (now - timedelta(days=DAYS + 1)).date()
    partitions_ensure(first_day=first, last_day=(now + timedelta(days=1)).date())


def encounter_blocks(scale: int, now: datetime) -> Iterator[tuple[str, int]]:
    """COPY text of the encounters, one day at a time (never the whole set in memory).

    Teams of ~10 meet each other most; the rest are corridor crossings. Both
    devices usually record a meeting, the second a few seconds later.
    """
    rng = random.Random(scale)
    devices = SEED_DEVICES * scale
    slot_choices = (1, 1, 2, 3, 4, 6, 10, 20, 35, 60)
    for day in range(DAYS):
        date_text = (now - timedelta(days=DAYS - day)).strftime("%Y-%m-%d")
        seen: set[int] = set()
        lines = []
        for _ in range(SEED_RECORDS_PER_DAY * scale // 2):
            a = rng.randrange(1, devices + 1)
            near = rng.random() < 0.7
            b = a + rng.randrange(1, 10) if near else rng.randrange(1, devices + 1)
            if b > devices or b == a:
                continue
            second = 7 * 3600 + rng.randrange(0, 10 * 3600)
            slots = rng.choice(slot_choices)
            for mine, ref, at in ((a, b, second), (b, a, second + rng.randrange(0, 30))):
                key = (mine * (devices + 1) + ref) * 86_400 + at
                if key in seen:
                    continue
                seen.add(key)
                clock = f"{at // 3600:02d}:{at // 60 % 60:02d}:{at % 60:02d}"
                lines.append(f"{mine}\t{ref}\t{date_text} {clock}+00\t{slots}\n")
        yield "".join(lines), len(lines)


# --- The raw baseline ---------------------------------------------------------------------

RAW_CHAIN = [
    (
        "associations",
        "SELECT person_id, given_name, family_name, department FROM registration_person "
        "WHERE person_id = %(person)s",
    ),
    (
        "associations",
        "SELECT device_id, started_at, ended_at FROM registration_association "
        "WHERE person_id = %(person)s AND started_at < %(end)s "
        "AND (ended_at IS NULL OR ended_at > %(start)s)",
    ),
    ("assets", "SELECT device_id, tag_id FROM assets_device WHERE device_id = ANY(%(devices)s)"),
    (
        "encounters",
        # What overlaps the window: records that began up to ENCOUNTER_MAX_MINUTES before it.
        "SELECT ref_tag, started_at, slots FROM tracing_encounter "
        "WHERE my_tag = ANY(%(tags)s) AND started_at > %(lookback)s AND started_at < %(end)s",
    ),
    (
        "encounters",
        "SELECT my_tag, started_at, slots FROM tracing_encounter "
        "WHERE ref_tag = ANY(%(tags)s) AND started_at > %(lookback)s AND started_at < %(end)s",
    ),
    ("assets", "SELECT tag_id, device_id, state FROM assets_device WHERE tag_id = ANY(%(peers)s)"),
    (
        "associations",
        "SELECT device_id, started_at, ended_at, person_id FROM registration_association "
        "WHERE device_id = ANY(%(peer_devices)s) AND started_at < %(end)s "
        "AND (ended_at IS NULL OR ended_at > %(start)s)",
    ),
    (
        "associations",
        "SELECT person_id, given_name, family_name, department, email FROM registration_person "
        "WHERE person_id = ANY(%(peer_people)s)",
    ),
]
# The next step's parameter, taken from a column of this step's rows.
CARRY = {
    1: ("devices", 0),
    2: ("tags", 1),
    3: ("peers", 0),
    4: ("peers", 0),
    5: ("peer_devices", 1),
    6: ("peer_people", 3),
}
RAW_WRITE_TABLES = (("bench_raw_audit", "audit_auditentry"), ("bench_raw_trace", "tracing_trace"))


def raw_tables_reset() -> None:
    """Empty look-alikes of the audit and trace tables (same columns, same indexes)."""
    from django.db import connections

    with connections["default"].cursor() as cursor:
        for raw, real in RAW_WRITE_TABLES:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {raw} (LIKE {real} INCLUDING ALL)")
            cursor.execute(f"TRUNCATE {raw} RESTART IDENTITY")


def raw_reads(person_id: str, start: datetime, end: datetime, steps: int = len(RAW_CHAIN)):
    """The first `steps` statements of the chain, each fed by the last; (rows, peer tags)."""
    from django.db import connections

    params = {
        "person": person_id,
        "start": start,
        "end": end,
        "lookback": start - timedelta(minutes=12 * 60),  # ENCOUNTER_MAX_MINUTES
        "peers": [],
    }
    fetched = []
    for step, (alias, sql) in enumerate(RAW_CHAIN[:steps]):
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        fetched += rows
        if step in CARRY:
            name, column = CARRY[step]
            taken = [row[column] for row in rows]
            params[name] = params[name] + taken if name == "peers" else taken
    return fetched, params["peers"]


def raw_chain(person_id: str, start: datetime, end: datetime) -> int:
    """The trace as bare SQL: the read chain, then the audit and trace rows in one transaction."""
    from django.db import connections, transaction

    fetched, peers = raw_reads(person_id, start, end)
    with transaction.atomic(using="default"), connections["default"].cursor() as cursor:
        # As audit_record appends: the chain's advisory lock, the newest entry, an HMAC.
        cursor.execute("SELECT pg_advisory_xact_lock(8101)")
        cursor.execute(
            "SELECT position, entry_hash FROM bench_raw_audit ORDER BY position DESC LIMIT 1"
        )
        position, previous = cursor.fetchone() or (0, "0" * 64)
        entry_hash = hmac.new(
            b"bench-key", f"{previous}{person_id}{time.time()}".encode(), hashlib.sha256
        ).hexdigest()
        cursor.execute(
            "INSERT INTO bench_raw_audit (position, at, actor, action, target_person_id, "
            "case_reference, reason, details, previous_hash, entry_hash) VALUES "
            "(%s, now(), 'bench', 'trace', %s, 'BENCH', 'benchmark', '{}', %s, %s) RETURNING id",
            [position + 1, person_id, previous, entry_hash],
        )
        entry_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO bench_raw_trace (author, created_at, person_id, case_reference, "
            "contacts, close_contacts, result, audit_entry_id) "
            "VALUES ('bench', now(), %s, 'BENCH', %s, 0, %s, %s)",
            [person_id, len(peers), repr(fetched).encode(), entry_id],
        )
    return len(peers)


# --- The figure ---------------------------------------------------------------------------


def medical_client():
    """A django.test.Client signed in (just now) as a user with the medical role."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from accounts.services import user_set_roles
    from core.roles import Role

    user, _ = get_user_model().objects.get_or_create(username="bench-medic")
    user_set_roles(user=user, roles={Role.MEDICAL})
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)  # a login: the session's sign-in is recent (core.security)
    return client


def trace_api(client, person_id: str, start: datetime, number: int) -> dict:
    response = client.post(
        "/api/tracing/traces",
        {
            "person_id": person_id,
            "from": start.isoformat(),
            "policy": "encounter",
            "case_reference": f"BENCH-{number}",
            "reason": "benchmark",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content[:300]
    return response.json()


def people_arguments(description: str) -> argparse.Namespace:
    """The options of the benchmarks on this data set (trace, mydata)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--json", help="write the rows there (bench/run.py)")
    return parser.parse_args()


def latency_text(milliseconds: list[float]) -> str:
    p50, p95, p99 = (percentile(milliseconds, q) for q in (0.5, 0.95, 0.99))
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms"


def main() -> None:
    args = people_arguments(__doc__.splitlines()[0])
    dataset = open_dataset(args.scale)
    from django.conf import settings

    raw_tables_reset()
    client = medical_client()
    people = dataset.person_ids(args.people, seed=7)
    for number, person_id in enumerate(people[:5]):  # warm up connections and caches
        trace_api(client, person_id, datetime.now(UTC) - timedelta(days=14), number)
    trace_ms, raw_ms, contacts = [], [], []
    for number, person_id in enumerate(people):
        now = datetime.now(UTC)
        start = now - timedelta(days=14)
        floor = now - timedelta(days=settings.ENCOUNTER_RETENTION_DAYS)
        began = time.perf_counter()
        raw_chain(person_id, max(start, floor), now)
        raw_ms.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        result = trace_api(client, person_id, start, number)
        trace_ms.append((time.perf_counter() - began) * 1000)
        contacts.append(len(result["contacts"]))
    p99 = percentile(trace_ms, 0.99)
    ratio = statistics.median(t / r for t, r in zip(trace_ms, raw_ms, strict=True))
    print(
        f"contacts per trace: median {statistics.median(contacts):.0f}, max {max(contacts)}",
        file=sys.stderr,
    )
    write_rows(
        args.json,
        [
            Row(
                id="trace",
                workload=(
                    f"trace API (POST /api/tracing/traces), 14 days, {args.people} people, "
                    f"SCALE={args.scale} ({dataset.encounters:,} encounters); audit write and "
                    f"encrypted result included; median {statistics.median(contacts):.0f} contacts"
                ),
                figure=latency_text(trace_ms),
                baseline=(
                    f"raw SQL chain + inserts: p50 {percentile(raw_ms, 0.5):.1f} ms, "
                    f"p99 {percentile(raw_ms, 0.99):.1f} ms"
                ),
                ratio=f"{ratio:.2f} x (median)",
                target="p99 ≤ 50 ms; ratio ≤ 5 x raw",
                met=p99 <= 50 and ratio <= 5,
            )
        ],
    )


if __name__ == "__main__":
    main()
