"""Benchmark `stats`: the statistics page's API (GET /api/stats/daily) at SCALE.

    .venv/bin/python bench/stats.py [--scale 10] [--requests 60] [--json PATH]

The data live in the four PostgreSQL databases `bench_stats_<alias>`, rebuilt by COPY
on every run: 14,500 x SCALE encounter records a day (SCALE=100: 1.45 million) for
the 14 days before today and today, in the day partitions the portal makes.

1. The closer (`encounters.aggregates.days_close`, run by the beat every five minutes)
   counts the 13 closed days, as it does once when they close: timed, a figure of its own.
2. The figure: the page's API asked `--requests` times by a signed-in medic (p50, p95).
3. The baseline, in the same run: the one query the page ran before the per-day
   counts (distinct tags, records and close-contact-length records per local day over
   the 13 days), three times.
"""

import argparse
import io
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    Row,
    copy_days,
    ensure_databases,
    percentile,
    use_databases,
    write_rows,
)

PREFIX = "bench_stats_"
RECORDS_PER_DAY = 14_500
DEVICES_PER_SCALE = 2_000
DAYS = 15
TARGET_P95_MS = 100
#: The statistics' query before the per-day counts (stats/selectors.py until this change).
BEFORE = """
SELECT (started_at AT TIME ZONE %(zone)s)::date AS day, count(DISTINCT my_tag),
       count(id), count(id) FILTER (WHERE slots > %(close)s)
FROM tracing_encounter WHERE started_at >= %(start)s AND started_at < %(end)s
GROUP BY 1
"""


def setup_django() -> None:
    use_databases(PREFIX)
    ensure_databases(PREFIX)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_all", verbosity=0, stdout=io.StringIO())


def build(*, scale: int, today) -> int:
    """Fresh records for the DAYS UTC days up to today; returns the rows written."""
    from django.db import connections

    from encounters import partitions
    from encounters.models import DayChange, DayCount, HourCount

    connection = connections["encounters"]
    rows, devices = RECORDS_PER_DAY * scale, DEVICES_PER_SCALE * scale
    first = today - timedelta(days=DAYS - 1)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tracing_encounter")
    for model in (DayCount, HourCount, DayChange):
        model.objects.all().delete()
    partitions.partitions_ensure(first_day=first, last_day=today)
    copy_days(connection.connection, first_day=first, days=DAYS, rows=rows, devices=devices)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('tracing_encounter', 'id'), %s, false)",
            [1 + DAYS * rows],
        )
        cursor.execute("VACUUM (ANALYZE) tracing_encounter")
    return rows * DAYS


def before_query_ms() -> list[float]:
    from django.conf import settings
    from django.db import connections
    from django.utils import timezone

    from stats.selectors import _midnight, closed_days

    today = timezone.localdate()
    days = closed_days(today)
    params = {
        "zone": settings.TIME_ZONE,
        "close": settings.TRACING_CLOSE_CONTACT_MINUTES * 2,
        "start": _midnight(days[0]),
        "end": _midnight(today),
    }
    took = []
    for _ in range(3):
        started = time.perf_counter()
        with connections["encounters"].cursor() as cursor:
            cursor.execute(BEFORE, params)
            cursor.fetchall()
        took.append((time.perf_counter() - started) * 1000)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--json")
    args = parser.parse_args()
    setup_django()
    from django.test import Client

    from accounts.services import user_set_roles
    from core.roles import Role
    from encounters.aggregates import days_close

    started = time.perf_counter()
    total = build(scale=args.scale, today=datetime.now(UTC).date())
    print(f"built {total:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    started = time.perf_counter()
    counted = days_close()
    closer_s = time.perf_counter() - started

    from django.contrib.auth import get_user_model

    medic, _ = get_user_model().objects.get_or_create(username="bench-stats-medic")
    user_set_roles(user=medic, roles={Role.MEDICAL})
    client = Client(HTTP_HOST="localhost")
    client.force_login(medic)
    took = []
    for _ in range(args.requests + 3):
        began = time.perf_counter()
        answer = client.get("/api/stats/daily")
        took.append((time.perf_counter() - began) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"GET /api/stats/daily answered {answer.status_code}")
    took = took[3:]  # the first requests warm up connections and imports
    before = before_query_ms()
    p95, baseline = percentile(took, 0.95), statistics.median(before)
    write_rows(
        args.json,
        [
            Row(
                id="stats",
                workload=(
                    f"statistics page API (GET /api/stats/daily), 13 closed days of "
                    f"{RECORDS_PER_DAY * args.scale:,} encounters each (SCALE={args.scale})"
                ),
                figure=(
                    f"p50 {percentile(took, 0.5):.1f} ms, p95 {p95:.1f} ms over {len(took)} "
                    f"requests; the closer counted {counted} days in {closer_s:.1f} s, once"
                ),
                baseline=f"the query of every record before the counts: median {baseline:,.0f} ms",
                ratio=f"{baseline / percentile(took, 0.5):,.0f}x faster (median)",
                target=f"p95 <= {TARGET_P95_MS} ms",
                met=p95 <= TARGET_P95_MS,
            )
        ],
    )


if __name__ == "__main__":
    main()
