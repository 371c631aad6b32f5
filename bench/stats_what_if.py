"""Measure the policy what-if of the statistics page on the seed's volume.

    .venv/bin/python bench/stats_what_if.py [--scale 1] [--prefix bench_whatif_]

Encounters as bench/trace.py writes them (teams of ~10, corridor crossings, both
directions of a meeting), 15 days of them, in the `<prefix>encounters` database; then
stats.selectors.close_pairs over the closed days of the statistics, three times, and
the number of records and candidate pairs. Not in bench/run.py's table: a figure for
docs/performance.md, not a target.
"""

import argparse
import importlib
import io
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ensure_databases, use_databases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--prefix", default="bench_whatif_")
    args = parser.parse_args()
    use_databases(args.prefix)
    ensure_databases(args.prefix)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from stats import selectors

    trace_bench = importlib.import_module("trace")  # bench/trace.py (first on the path)

    call_command("migrate_all", verbosity=0, stdout=io.StringIO())
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with connections["encounters"].cursor() as cursor:
        cursor.execute("TRUNCATE tracing_encounter")
    trace_bench.day_partitions_ensure(now)
    records = 0
    with (
        connections["encounters"].cursor() as cursor,
        cursor.copy(
            "COPY tracing_encounter (my_tag, ref_tag, started_at, slots) FROM STDIN"
        ) as copy,
    ):
        for block, rows in trace_bench.encounter_blocks(args.scale, now):
            copy.write(block)
            records += rows
    with connections["encounters"].cursor() as cursor:
        cursor.execute("ANALYZE tracing_encounter")
    today = timezone.localdate()
    days = selectors.closed_days(today)
    start, end = selectors._midnight(days[0]), selectors._midnight(today)
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        counts = selectors.close_pairs(start=start, end=end)
        timings.append(time.perf_counter() - began)
    with connections["encounters"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT (LEAST(my_tag, ref_tag), GREATEST(my_tag, ref_tag))) "
            "FROM tracing_encounter WHERE started_at >= %s AND started_at < %s",
            [start, end],
        )
        in_window, pairs = cursor.fetchone()
    print(
        f"scale={args.scale}: {records:,} records stored, {in_window:,} in the "
        f"{len(days)} closed days, {pairs:,} pairs of tags; close pairs per encounter "
        f"{counts['encounter']:,}, daily {counts['daily']:,}; "
        f"close_pairs {min(timings):.2f} s best of 3 ({', '.join(f'{t:.2f}' for t in timings)})"
    )
    print(f"window {start:%Y-%m-%d %H:%M} .. {end - timedelta(seconds=1):%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
