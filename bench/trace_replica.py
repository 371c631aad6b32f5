"""Benchmark `trace-replica`: the trace API reading from a streaming replica, beside the primary.

    .venv/bin/python bench/trace_replica.py [--scale 10] [--people 300] [--json PATH]

The machine's own PostgreSQL cannot be copied for a replica (its pg_hba admits no
replication), so this run starts a private primary and, by `pg_basebackup -R`, a streaming
replica of it (hot_standby_feedback on), both in a temporary folder on free ports. The
encounters and associations replica aliases point at the replica; `bench/trace.py`'s data
set is built on the primary (SCALE=100: about 22 million records, streamed to the replica
as it is written) and the run waits until the replica has replayed all of it.

Each person of the sample is then traced twice through the API as a medical user, once
with the replica in use (the trace's reads on it, its audit entry and result on the
primary) and once with it bypassed (REPLICA_MAX_LAG_SECONDS below any lag): the figure is
the first, the baseline the second, in the same run on the same data. Everything started
is stopped and the folder removed on the way out.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import trace  # bench/trace.py (this folder comes first on the path)

import common
from common import PG_BIN, PrivatePostgres, Row, percentile, wait_for, write_rows

REPLICAS = ("encounters_replica", "associations_replica")


def start_pair(folder: Path) -> tuple[PrivatePostgres, PrivatePostgres]:
    """A private primary with the data set's four databases, and a streaming replica of it."""
    primary = PrivatePostgres(folder / "primary", prefix=trace.PREFIX).start()
    replica = PrivatePostgres(folder / "replica", prefix=trace.PREFIX)
    replica.data.parent.mkdir(parents=True)
    replica.data.parent.chmod(0o755)
    shutil.chown(replica.data.parent, "postgres", "postgres")
    backup = [PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres"]
    replica._as_owner([*backup, "-D", replica.data, "-R", "-X", "stream", "-c", "fast"])
    with (replica.data / "postgresql.auto.conf").open("a") as conf:
        conf.write("hot_standby = on\nhot_standby_feedback = on\n")
    replica.start()
    return primary, replica


def use_replicas(on: bool) -> None:
    """Reads of the trace on the replica (on) or on the primary (a lag limit nothing meets)."""
    from django.conf import settings

    from core.replicas import state

    settings.REPLICA_MAX_LAG_SECONDS = 5.0 if on else -1.0
    for replica in REPLICAS:
        assert state(replica, fresh=True).usable is on, replica


def main() -> None:
    args = trace.people_arguments(__doc__.splitlines()[0])
    folder = Path(tempfile.mkdtemp(prefix="proximeter-bench-replica-"))
    folder.chmod(0o755)  # the servers run as postgres
    pair = ()
    try:
        pair = start_pair(folder)
        primary, replica = pair
        common.BASE_URL = f"postgres://postgres@127.0.0.1:{primary.port}"
        os.environ.setdefault("LOG_LEVEL", "ERROR")  # not each switch between the two
        os.environ["ENCOUNTERS_REPLICA_DATABASE_URL"] = replica.url("encounters")
        os.environ["ASSOCIATIONS_REPLICA_DATABASE_URL"] = replica.url("associations")
        began = time.perf_counter()
        dataset = trace.open_dataset(args.scale)
        from django.db import connections
        from django.test.utils import CaptureQueriesContext

        from core.replicas import measure_lag

        wait_for(
            lambda: all(measure_lag(r) == 0.0 for r in REPLICAS),
            timeout=3600,
            what="the replica to replay the data set",
            interval=2,
        )
        print(f"built and replayed in {time.perf_counter() - began:.0f} s", file=sys.stderr)

        client = trace.medical_client()
        people = dataset.person_ids(args.people, seed=7)
        for on in (True, False):  # warm up connections and caches, both ways
            use_replicas(on)
            for number, person_id in enumerate(people[:5]):
                trace.trace_api(client, person_id, datetime.now(UTC) - timedelta(days=14), number)
        use_replicas(True)
        with CaptureQueriesContext(connections["encounters_replica"]) as on_replica:
            trace.trace_api(client, people[0], datetime.now(UTC) - timedelta(days=14), 0)
        assert len(on_replica), "the trace did not read from the replica"

        timings: dict[bool, list[float]] = {True: [], False: []}
        for number, person_id in enumerate(people):
            for on in (number % 2 == 0, number % 2 == 1):  # which goes first alternates
                use_replicas(on)
                start = datetime.now(UTC) - timedelta(days=14)
                began = time.perf_counter()
                trace.trace_api(client, person_id, start, number)
                timings[on].append((time.perf_counter() - began) * 1000)
        p99 = percentile(timings[True], 0.99)
        ratio = percentile(timings[True], 0.5) / percentile(timings[False], 0.5)
        write_rows(
            args.json,
            [
                Row(
                    id="trace-replica",
                    workload=(
                        f"trace API reading from a streaming replica (same machine), 14 days, "
                        f"{args.people} people, SCALE={args.scale} "
                        f"({dataset.encounters:,} encounters); audit entry and result on the "
                        "primary"
                    ),
                    figure=trace.latency_text(timings[True]),
                    baseline="the same traces on the primary: "
                    + trace.latency_text(timings[False]),
                    ratio=f"{ratio:.2f} x (median)",
                    target="p99 ≤ 50 ms",
                    met=p99 <= 50,
                )
            ],
        )
    finally:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()
        for server in reversed(pair):
            with contextlib.suppress(subprocess.CalledProcessError):
                server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
