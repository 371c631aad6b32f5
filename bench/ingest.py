"""Benchmark: the TTS webhook under load, beside a no-op WSGI app on the same gunicorn.

    .venv/bin/python bench/ingest.py --scale 1 [--seconds 20] [--json rows.json]

The production process layout on loopback (scripts/serve.sh): gunicorn
(2 workers x 4 threads) in front of PostgreSQL (databases `bench_ingest_*`)
and a private Redis, and a Celery worker (prefork, concurrency 2, beat)
draining the inbox meanwhile. `wrk` posts real TTS v3 bodies from the
simulator (2,000 x SCALE devices, one day), each request a new delivery
(bench/webhook.lua). The raw baseline is bench/noop_wsgi.py on the same
gunicorn command line with the same wrk settings, in the same run. Then a
sample of the deliveries is posted again: duplicates must add no inbox row.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    ROOT,
    Row,
    ensure_databases,
    free_port,
    redis_answers,
    redis_command,
    use_databases,
    wait_for,
    write_rows,
)

BIN = Path(sys.executable).parent
PREFIX = "bench_ingest_"
SEED_DEVICES = 2_000
# The webhook's work per request does not depend on the fleet's size, and simulating
# 200,000 devices' day (SCALE=100) takes minutes: bodies come from at most SCALE=10's fleet.
MAX_BODY_SCALE = 10


def fleet(scale: int) -> list:
    """The simulated devices whose uplinks the load is made of: 2,000 x min(SCALE, 10)."""
    from simulation import simulator

    count = SEED_DEVICES * min(scale, MAX_BODY_SCALE)
    return [simulator.sim_device(n, device_id=f"BENCH-{n:06d}") for n in range(count)]


def register_fleet(devices: list) -> None:
    """Register the fleet in the asset database: only a registered device speaks for its tag
    (unregistered senders are dead-lettered, which would measure nothing)."""
    from assets.models import Device

    Device.objects.bulk_create(
        (Device(device_id=d.device_id, tag_id=d.tag_id, dev_eui=d.dev_eui) for d in devices),
        ignore_conflicts=True,
        batch_size=5000,
    )


# Gunicorn as scripts/serve.sh runs it: on 2 cores, 2 processes use both cores (one GIL
# each) and 4 threads per process overlap the webhook's waits on PostgreSQL and Redis.
WEB_WORKERS, WEB_THREADS = 2, 4
# wrk: one thread is enough on loopback (a second would take a core from the server);
# 8 connections = the 8 request threads, so latency is service time, not a queue.
WRK_THREADS, WRK_CONNECTIONS = 1, 8
TARGET_RATIO, TARGET_P99_MS = 0.30, 20.0
REPLAY_SAMPLE = 300
WARM_UP_SECONDS = 3


def http_answers(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


class ProcessLayout:
    """Private Redis, gunicorn and a Celery worker on loopback, as scripts/serve.sh runs them.

    The Redis server is private so that nobody else's Celery worker on the
    machine takes this benchmark's tasks, and so that it can be stopped.
    """

    def __init__(self, name: str):
        self.folder = Path(tempfile.mkdtemp(prefix=f"proximeter-bench-{name}-"))
        self.redis_port, self.web_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.web_port}"
        (self.folder / "prometheus").mkdir()
        self.env = {
            **os.environ,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "PROMETHEUS_MULTIPROC_DIR": str(self.folder / "prometheus"),
            "LOG_LEVEL": "WARNING",
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[name] = process
        return process

    def log_tail(self, name: str, lines: int = 20) -> str:
        path = self.folder / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def start_redis(self) -> None:
        self._spawn(
            "redis",
            [
                *redis_command(self.redis_port),
            ],
        )
        wait_for(lambda: redis_answers(self.redis_port), timeout=10, what="redis")

    def start_web(self, app: str = "proximeter.wsgi", *extra: str) -> None:
        """gunicorn with serve.sh's options (workers, threads, access log to a file)."""
        self.stop("web")
        self._spawn(
            "web",
            [
                *(str(BIN / "gunicorn"), app, *extra, "--bind", f"127.0.0.1:{self.web_port}"),
                *("--workers", str(WEB_WORKERS), "--threads", str(WEB_THREADS)),
                *("--access-logfile", str(self.folder / "access.log")),
                *("--access-logformat", "%(m)s %(U)s %(s)s %(M)sms"),
            ],
        )

        def answers() -> bool:
            if self.processes["web"].poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.log_tail("web"))
            return http_answers(f"{self.url}/healthz")

        wait_for(answers, timeout=60, what="gunicorn")

    def start_worker(self) -> None:
        """serve.sh's workers: the ingest worker (the inbox in batches) and the Celery worker
        (prefork, concurrency 2, with beat)."""
        self._spawn("ingest", [sys.executable, "manage.py", "ingest_worker"])
        self._spawn(
            "worker",
            [
                *(str(BIN / "celery"), "-A", "proximeter", "worker", "--beat"),
                *("--loglevel", "WARNING", "--concurrency", "2"),
                *("--schedule", str(self.folder / "celerybeat-schedule")),
            ],
        )

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in ("ingest", "worker", "web", "redis"):
            self.stop(name)
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(self.folder, ignore_errors=True)


def prepare_databases(prefix: str) -> None:
    """Own databases, migrated, with empty ingestion tables (each run starts alike)."""
    use_databases(prefix)
    ensure_databases(prefix)
    subprocess.run(
        [sys.executable, "manage.py", "migrate_all", "-v0"], cwd=ROOT, check=True, timeout=600
    )
    import django

    django.setup()
    from django.db import connections

    from encounters.models import Encounter
    from ingestion.models import DeadLetter, InboxUplink

    tables = ", ".join(m._meta.db_table for m in (InboxUplink, DeadLetter, Encounter))
    with connections["encounters"].cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables}")


def bench_token(name: str) -> str:
    from ingestion.models import IngestToken
    from ingestion.services import ingest_token_create

    IngestToken.objects.filter(name=name).delete()
    return ingest_token_create(name=name)


def simulated_bodies(scale: int, limit: int) -> list[bytes]:
    """Real TTS bodies of the fleet over the last day (seeded), at most `limit`."""
    from simulation import simulator

    devices = fleet(scale)
    end = datetime.now(UTC)
    meetings = simulator.generate(devices, days=1, end=end, seed=scale)
    uplinks = simulator.uplinks_for(devices, meetings, seed=scale, end=end)[:limit]
    return [post.body for post in simulator.posts_for(uplinks, fmt="tts")]


def run_wrk(url: str, bodies_file: Path, token: str, run_id: str, seconds: int) -> dict:
    command = ["wrk", "-t", str(WRK_THREADS), "-c", str(WRK_CONNECTIONS), "-d", f"{seconds}s"]
    command += ["--timeout", "10s", "--latency", "-s", str(ROOT / "bench/webhook.lua"), url]
    command += ["--", str(bodies_file), token, run_id]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    print(done.stdout, end="", flush=True)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line.removeprefix("WRK_JSON "))
    raise RuntimeError(f"wrk gave no summary:\n{done.stdout}\n{done.stderr}")


def pending_rows() -> int:
    from ingestion.models import InboxUplink

    return InboxUplink.objects.filter(status=InboxUplink.Status.PENDING).count()


def rows_for_keys(keys: list[str]) -> int:
    from ingestion.models import InboxUplink

    return InboxUplink.objects.filter(delivery_key__in=keys).count()


def replay_adds_rows(url: str, token: str, bodies: list[bytes], run_id: str, sent: int) -> tuple:
    """Post again a sample of what wrk delivered (its keys are run-1-n, body n mod count).

    Counts the inbox rows of the replayed keys only: requests wrk left in
    flight may still be landing. Returns (deliveries replayed, rows added,
    answers that were not 200 "duplicate").
    """
    import requests

    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    # Not the first and last few: wrk checks its script with a first request() call, and
    # the last ones may have been in flight when it stopped.
    first, last = 2 * WRK_CONNECTIONS, sent - 2 * WRK_CONNECTIONS
    sample = range(first, last, max(1, (last - first) // REPLAY_SAMPLE))
    keys = [f"as:up:{run_id}-1-{n}" for n in sample]
    before = rows_for_keys(keys)
    unexpected = 0
    for n, key in zip(sample, keys, strict=True):
        template = json.loads(bodies[n % len(bodies)])
        template["correlation_ids"][0] = key
        answer = session.post(url, data=json.dumps(template), headers=headers, timeout=10)
        if answer.status_code != 200 or answer.json().get("status") != "duplicate":
            print(f"ingest: replay of delivery {n} answered {answer.status_code} {answer.text}")
            unexpected += 1
    return len(keys), rows_for_keys(keys) - before, unexpected


def measure(scale: int, seconds: int) -> list[Row]:
    prepare_databases(PREFIX)
    token = bench_token("bench-ingest")
    print(f"ingest: building bodies (SCALE={scale}) ...", flush=True)
    bodies = simulated_bodies(scale, limit=20_000)
    layout = ProcessLayout("ingest")
    bodies_file = layout.folder / "bodies.jsonl"
    bodies_file.write_bytes(b"\n".join(bodies) + b"\n")
    webhook = f"{layout.url}/api/ingest/tts"
    try:
        layout.start_redis()
        layout.start_web("noop_wsgi:application", "--pythonpath", str(ROOT / "bench"))
        print(f"ingest: no-op WSGI app, wrk {seconds} s", flush=True)
        noop = run_wrk(webhook, bodies_file, token, "noop", seconds)
        layout.start_web()
        layout.start_worker()
        # Warm up (imports, connections, the worker's start) and let the worker catch up,
        # so the measured run starts from a steady state.
        run_wrk(webhook, bodies_file, token, f"warm{uuid.uuid4().hex[:8]}", WARM_UP_SECONDS)
        wait_for(lambda: pending_rows() == 0, timeout=120, what="the inbox to drain")
        run_id = uuid.uuid4().hex[:8]
        print(f"ingest: portal webhook ({len(bodies):,} distinct bodies), wrk {seconds} s")
        portal = run_wrk(webhook, bodies_file, token, run_id, seconds)
        # wrk's one thread is thread 1; what it sent is what the server answered or not.
        sent = portal["requests"]
        replay = replay_adds_rows(webhook, token, bodies, run_id, sent)
    finally:
        layout.stop_all()
    return rows_for(noop, portal, *replay)


def rows_for(noop: dict, portal: dict, replayed: int, added: int, unexpected: int) -> list[Row]:
    portal_rate = portal["requests"] / portal["seconds"]
    noop_rate = noop["requests"] / noop["seconds"]
    ratio = portal_rate / noop_rate if noop_rate else 0.0
    errors = portal["non2xx"] + portal["socket_errors"]
    layout = f"gunicorn {WEB_WORKERS}x{WEB_THREADS}, wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}"
    return [
        Row(
            id="ingest",
            workload=f"webhook POST /api/ingest/tts, distinct TTS uplinks ({layout})",
            figure=f"{portal_rate:,.0f} req/s, p99 {portal['p99_ms']:.1f} ms, "
            f"{errors} non-2xx/errors",
            baseline=f"no-op WSGI {noop_rate:,.0f} req/s, p99 {noop['p99_ms']:.1f} ms",
            ratio=f"{ratio:.2f}",
            target=f"ratio >= {TARGET_RATIO}, p99 <= {TARGET_P99_MS:.0f} ms, 0 non-2xx",
            met=ratio >= TARGET_RATIO and portal["p99_ms"] <= TARGET_P99_MS and errors == 0,
        ),
        Row(
            id="ingest",
            workload=f"webhook: {replayed} of those deliveries posted again",
            figure=f"{added} inbox rows added, {unexpected} answers not 'duplicate'",
            baseline="-",
            ratio="-",
            target="duplicates add 0 rows",
            met=added == 0 and unexpected == 0,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=int(os.environ.get("SCALE", "10")))
    parser.add_argument("--seconds", type=int, default=20, help="each wrk run")
    parser.add_argument("--json", help="write the rows there (bench/run.py)")
    args = parser.parse_args()
    write_rows(args.json, measure(args.scale, args.seconds))


if __name__ == "__main__":
    main()
