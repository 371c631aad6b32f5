"""Benchmark: uplinks/s held end to end, webhook -> inbox -> Celery -> encounter rows.

    .venv/bin/python bench/e2e.py --scale 1 [--rate 500] [--seconds 60] [--json rows.json]

The process layout of bench/ingest.py (scripts/serve.sh: gunicorn 2 x 4
threads, a Celery worker with concurrency 2 and beat, a private Redis,
PostgreSQL databases `bench_e2e_*`). The device simulator (2,000 x SCALE
devices, seeded) gives the uplinks; a paced sender posts them at `--rate`
per second for `--seconds` from a pool of keep-alive connections, each body
stamped at the moment it is sent as the network server's receive time
(`uplink_message.received_at`).

"Stored" is when PostgreSQL wrote the encounter row: a trigger on the
bench database's encounters table copies each inserted key with
`clock_timestamp()` into a side table (the processing transaction commits
milliseconds later). An uplink's latency is from its stamp to the last of
its records stored. The raw baseline is the p99 of a Redis PING on the
same Redis, in the same run.
"""

import argparse
import http.client
import itertools
import os
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Row, percentile, write_rows
from ingest import (
    ProcessLayout,
    bench_token,
    fleet,
    pending_rows,
    prepare_databases,
    register_fleet,
)

PREFIX = "bench_e2e_"
SENDER_THREADS = 16  # enough connections to keep the pace while answers take ~30 ms
DRAIN_TIMEOUT = 240  # after sending: the workers finish the backlog (rows stored = rows sent)
WARM_UP_UPLINKS = 50
TARGET_P99_SECONDS = 2.0
PLACEHOLDER = b"__RECEIVED_AT__"

STAMP_TABLE = """
CREATE TABLE IF NOT EXISTS bench_stored_at (
    my_tag bigint, ref_tag bigint, started_at timestamptz, stored_at timestamptz
);
CREATE OR REPLACE FUNCTION bench_stamp_stored() RETURNS trigger AS $$
BEGIN
    INSERT INTO bench_stored_at VALUES (NEW.my_tag, NEW.ref_tag, NEW.started_at, clock_timestamp());
    RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS bench_stamp_stored ON tracing_encounter;
CREATE TRIGGER bench_stamp_stored AFTER INSERT ON tracing_encounter
    FOR EACH ROW EXECUTE FUNCTION bench_stamp_stored();
"""


def encounters_sql(sql: str, params=None) -> list[tuple]:
    from django.db import connections

    with connections["encounters"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def simulated_uplinks(scale: int, wanted: int) -> list:
    """At least `wanted` uplinks of the fleet (ingest.fleet) if 13 days hold them (seeded).

    Days are added until there are enough; 13 keeps every record inside the
    14-day retention while the run lasts.
    """
    from simulation import simulator

    devices = fleet(scale)
    end = datetime.now(UTC) - timedelta(minutes=10)
    days = 1
    while True:
        meetings = simulator.generate(devices, days=days, end=end, seed=scale)
        uplinks = simulator.uplinks_for(devices, meetings, seed=scale, end=end)
        if len(uplinks) >= wanted or days >= 13:
            return uplinks
        days = min(13, days * 2)


def body_template(uplink) -> bytes:
    """The TTS body with a placeholder where the network server's receive time goes."""
    from simulation import bodies, simulator

    body = simulator.body_for(uplink, fmt="tts")
    body["uplink_message"]["received_at"] = PLACEHOLDER.decode()
    return bodies.to_json(body)


class PacedSender:
    """Posts body i at start + i / rate (or at once when behind), from a pool of threads.

    Stops after `seconds`: when the portal cannot keep the pace, what was not
    sent by then is not sent (and not expected).
    """

    def __init__(self, port: int, token: str, templates: list[bytes], rate: float, seconds: float):
        self.port, self.templates, self.rate, self.seconds = port, templates, rate, seconds
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.next_index = itertools.count()
        self.stamps: list[float | None] = [None] * len(templates)  # epoch seconds when sent
        self.statuses: list[int | None] = [None] * len(templates)

    def run(self) -> float:
        """Send everything; returns the seconds it took."""
        self.start = time.monotonic() + 0.2
        threads = [threading.Thread(target=self._work) for _ in range(SENDER_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - self.start

    def _work(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        for index in self.next_index:
            if index >= len(self.templates) or time.monotonic() > self.start + self.seconds:
                break
            delay = self.start + index / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.stamps[index] = now = time.time()
            stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            body = self.templates[index].replace(PLACEHOLDER, stamp.encode())
            self.statuses[index] = self._post(connection, body)
        connection.close()

    def _post(self, connection: http.client.HTTPConnection, body: bytes) -> int | None:
        for _attempt in range(3):
            try:
                connection.request("POST", "/api/ingest/tts", body=body, headers=self.headers)
                answer = connection.getresponse()
                answer.read()
                return answer.status
            except (OSError, http.client.HTTPException):
                connection.close()  # reconnects on the next request; a repeat is harmless
        return None


def redis_ping_p99_ms(port: int, count: int = 2000) -> float:
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    client.ping()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.ping()
        times.append(time.perf_counter() - started)
    client.close()
    return percentile(times, 0.99) * 1000


def wait_for_drain(timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pending_rows():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def record_keys(uplink) -> list[tuple[int, int, int]]:
    return [(uplink.device.tag_id, r.ref_tag, r.start) for r in uplink.records]


def measure(scale: int, rate: int, seconds: int) -> list[Row]:
    prepare_databases(PREFIX)
    register_fleet(fleet(scale))
    encounters_sql(STAMP_TABLE)
    token = bench_token("bench-e2e")
    wanted = rate * seconds
    print(f"e2e: simulating {len(fleet(scale)):,} devices for {wanted:,} uplinks ...", flush=True)
    uplinks = simulated_uplinks(scale, wanted + WARM_UP_UPLINKS)
    warm_up, uplinks = uplinks[:WARM_UP_UPLINKS], uplinks[WARM_UP_UPLINKS:][:wanted]
    templates = [body_template(uplink) for uplink in uplinks]
    layout = ProcessLayout("e2e")
    try:
        layout.start_redis()
        layout.start_web()
        layout.start_worker()
        # Warm up: the worker must be consuming before the clock starts.
        warm_up_templates = [body_template(u) for u in warm_up]
        PacedSender(layout.web_port, token, warm_up_templates, 50, seconds=30).run()
        if not wait_for_drain(120):
            raise RuntimeError("the worker did not start:\n" + layout.log_tail("worker"))
        encounters_sql("TRUNCATE tracing_encounter, bench_stored_at")
        ping_p99 = redis_ping_p99_ms(layout.redis_port)
        print(f"e2e: sending {len(templates):,} uplinks at {rate}/s ...", flush=True)
        sender = PacedSender(layout.web_port, token, templates, rate, seconds)
        send_seconds = sender.run()
        print(f"e2e: sent in {send_seconds:.1f} s; waiting for the workers ...", flush=True)
        drained = wait_for_drain(DRAIN_TIMEOUT)
    finally:
        layout.stop_all()
    stored_at = {
        (my_tag, ref_tag, int(started_at.timestamp())): moment.timestamp()
        for my_tag, ref_tag, started_at, moment in encounters_sql(
            "SELECT my_tag, ref_tag, started_at, stored_at FROM bench_stored_at"
        )
    }
    run = Run(
        rate=rate,
        seconds=seconds,
        uplinks=uplinks,
        stamps=sender.stamps,
        statuses=sender.statuses,
        send_seconds=send_seconds,
        drained=drained,
        stored_at=stored_at,
        rows_stored=encounters_sql("SELECT count(*) FROM tracing_encounter")[0][0],
        ping_p99_ms=ping_p99,
    )
    return rows_for(run)


@dataclass
class Run:
    """What one run sent and what became of it."""

    rate: int
    seconds: int
    uplinks: list
    stamps: list  # per uplink: epoch seconds it was sent, the receive time in its body
    statuses: list  # per uplink: the HTTP status, None if no answer
    send_seconds: float
    drained: bool
    stored_at: dict  # (my_tag, ref_tag, start) -> epoch seconds the row was written
    rows_stored: int
    ping_p99_ms: float


def rows_for(run: Run) -> list[Row]:
    from django.conf import settings

    sent = [(u, stamp) for u, stamp in zip(run.uplinks, run.stamps, strict=True) if stamp]
    cutoff = time.time() - settings.ENCOUNTER_RETENTION_DAYS * 86400
    expected = {key for u, _stamp in sent for key in record_keys(u) if key[2] >= cutoff}
    accepted = sum(1 for status in run.statuses if status is not None and status < 300)
    latencies, missing = [], 0
    for uplink, stamp in sent:
        stored = [run.stored_at.get(key) for key in record_keys(uplink)]
        if None in stored:
            missing += 1
        else:
            latencies.append(max(stored) - stamp)
    last_stored = max(run.stored_at.values(), default=0.0)
    first_stamp = min((s for s in run.stamps if s is not None), default=0.0)
    stored_rate = len(latencies) / max(1e-9, last_stored - first_stamp)
    accepted_rate = accepted / run.send_seconds
    held = min(accepted_rate, stored_rate)
    # An uplink never stored counts as slower than any that was.
    everyone = latencies + [float("inf")] * missing
    p50, p99 = (percentile(everyone, q) if sent else 0.0 for q in (0.5, 0.99))
    p50_text, p99_text = (
        f"{value:.2f} s" if value != float("inf") else "not stored by the end"
        for value in (p50, p99)
    )
    return [
        Row(
            id="e2e",
            workload=f"simulator uplinks paced at {run.rate}/s for {run.seconds} s "
            "(gunicorn 2x4, one ingest worker in batches)",
            figure=f"{held:,.0f} uplinks/s held (accepted {accepted_rate:,.0f}/s, "
            f"stored {stored_rate:,.0f}/s); network server time -> row stored: "
            f"p50 {p50_text}, p99 {p99_text}",
            baseline=f"Redis PING p99 {run.ping_p99_ms:.2f} ms",
            ratio=f"{p99 * 1000 / run.ping_p99_ms:,.0f}x" if p99 != float("inf") else "-",
            target=f"{run.rate}/s held, p99 <= {TARGET_P99_SECONDS:.0f} s",
            met=held >= 0.99 * run.rate and p99 <= TARGET_P99_SECONDS,
        ),
        Row(
            id="e2e",
            workload=f"e2e: encounter rows stored vs sent ({len(sent):,} uplinks)",
            figure=f"{run.rows_stored:,} rows stored of {len(expected):,} sent"
            + ("" if run.drained else f" (inbox not drained {DRAIN_TIMEOUT} s after)"),
            baseline="-",
            ratio="-",
            target="rows stored = rows sent",
            met=run.rows_stored == len(expected),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=int(os.environ.get("SCALE", "10")))
    parser.add_argument("--rate", type=int, default=1000, help="uplinks per second")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--json", help="write the rows there (bench/run.py)")
    args = parser.parse_args()
    write_rows(args.json, measure(args.scale, args.rate, args.seconds))


if __name__ == "__main__":
    main()
