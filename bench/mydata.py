"""Benchmark `mydata`: MY DATA's API for random people, beside the raw SQL of the same data.

    .venv/bin/python bench/mydata.py [--scale 10] [--people 300] [--json PATH]

The data set is bench/trace.py's (`open_dataset`: the same bench_* databases,
built once per scale). Each person is a portal account whose identity
provider claim `person_id` is that person, signed in through
django.test.Client. Two figures: GET /api/selfservice/data (what the MY DATA
page loads: encounters by day, holdings, appointments, lost reports, the
dates of consultations) and GET /api/selfservice/encounters. The baseline,
in the same run, is the same data as bare SQL: the person, their holdings in
the retention window, the holdings' tags, encounters both directions, and
for the page also all holdings, bookings, lost reports and audit dates.
"""

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # `bench.trace`, not the standard library's `trace`
sys.path.insert(0, str(BENCH))  # `common`
from common import Row, percentile, write_rows  # noqa: E402
from django.conf import settings  # noqa: E402  (lazy: read after open_dataset sets Django up)

from bench.trace import latency_text, open_dataset, people_arguments, raw_reads  # noqa: E402

# bench/trace.py's chain up to the encounters both ways: person, holdings, tags, two directions.
ENCOUNTER_STEPS = 5
PAGE_EXTRAS = [
    (
        "associations",
        "SELECT device_id, started_at, ended_at, end_reason FROM registration_association "
        "WHERE person_id = %(person)s ORDER BY started_at DESC",
    ),
    (
        "associations",
        "SELECT b.status, s.starts_at, c.name, l.name FROM appointments_booking b "
        "JOIN appointments_slot s ON s.id = b.slot_id "
        "JOIN appointments_campaign c ON c.id = b.campaign_id "
        "JOIN appointments_location l ON l.id = s.location_id WHERE b.person_id = %(person)s",
    ),
    (
        "associations",
        "SELECT device_id, lost_at, reported_at, found_at FROM registration_lostreport "
        "WHERE holder_id = %(person)s",
    ),
    (
        "default",
        "SELECT at FROM audit_auditentry WHERE target_person_id = %(person)s AND action = 'trace'",
    ),
]


def raw_my_encounters(person_id: str) -> int:
    now = datetime.now(UTC)
    start = now - timedelta(days=settings.ENCOUNTER_RETENTION_DAYS)
    rows, _ = raw_reads(person_id, start, now, steps=ENCOUNTER_STEPS)
    return len(rows)


def raw_my_data(person_id: str) -> int:
    from django.db import connections

    found = raw_my_encounters(person_id)
    for alias, sql in PAGE_EXTRAS:
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, {"person": person_id})
            found += len(cursor.fetchall())
    return found


def session_keys(client, person_ids: list[str]) -> dict[str, str]:
    """A signed-in session per person: an account without roles whose claim is the person."""
    from django.contrib.auth import get_user_model

    sessions = {}
    for person_id in set(person_ids):
        user, _ = get_user_model().objects.update_or_create(
            username=f"bench-person-{person_id}", defaults={"person_id": person_id}
        )
        client.cookies.clear()  # a fresh session (a login over another user's would end it)
        client.force_login(user)
        sessions[person_id] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


def timed_get(client, session_key: str, path: str) -> float:
    """One request in that person's session. One client for everyone: a new Client would
    load the middleware again (WhiteNoise scans the static files) on its first request."""
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    began = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, response.content[:300]
    return elapsed


def measure(client, sessions: dict, people: list[str], path: str, raw):
    """Milliseconds of the API and of the raw baseline, person by person, interleaved."""
    api_ms, raw_ms = [], []
    for person_id in people[:5]:  # warm up connections and caches
        timed_get(client, sessions[person_id], path)
    for person_id in people:
        began = time.perf_counter()
        raw(person_id)
        raw_ms.append((time.perf_counter() - began) * 1000)
        api_ms.append(timed_get(client, sessions[person_id], path))
    return api_ms, raw_ms


def summary_row(label: str, people: int, dataset, api_ms, raw_ms) -> Row:
    p99 = percentile(api_ms, 0.99)
    ratio = statistics.median(a / r for a, r in zip(api_ms, raw_ms, strict=True))
    return Row(
        id="mydata",
        workload=(
            f"{label}, {people} people, SCALE={dataset.scale} ({dataset.encounters:,} encounters)"
        ),
        figure=latency_text(api_ms),
        baseline=(
            f"raw SQL p50 {percentile(raw_ms, 0.5):.1f} ms, p99 {percentile(raw_ms, 0.99):.1f} ms"
        ),
        ratio=f"{ratio:.2f} x (median)",
        target="p99 ≤ 50 ms",
        met=p99 <= 50,
    )


def main() -> None:
    args = people_arguments(__doc__.splitlines()[0])
    dataset = open_dataset(args.scale)
    people = dataset.person_ids(args.people, seed=11)
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    sessions = session_keys(client, people)
    rows = []
    for label, path, raw in (
        ("MY DATA page (GET /api/selfservice/data)", "/api/selfservice/data", raw_my_data),
        (
            "my encounters (GET /api/selfservice/encounters)",
            "/api/selfservice/encounters",
            raw_my_encounters,
        ),
    ):
        api_ms, raw_ms = measure(client, sessions, people, path, raw)
        rows.append(summary_row(label, args.people, dataset, api_ms, raw_ms))
    write_rows(args.json, rows)


if __name__ == "__main__":
    main()
