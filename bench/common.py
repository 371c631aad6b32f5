"""What every benchmark hands to `bench/run.py`: rows of one table, as JSON.

Each benchmark is a script `bench/<id>.py` that runs alone and accepts
`--scale N` and `--json PATH`; with `--json` it writes a list of `Row`s there
(the runner collects them, prints one table and writes it to
docs/performance.md). Figures are always beside a raw baseline measured in
the same run, because the machines are shared and noisy.
"""

import json
import os
import socket
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
ALIASES = ("default", "assets", "associations", "encounters")


@dataclass(frozen=True)
class Row:
    """One line of the table: `figure` and `baseline` are short human texts."""

    id: str
    workload: str
    figure: str
    baseline: str
    ratio: str
    target: str
    met: bool


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    """A TCP port free on loopback now (for a private server of a benchmark or test)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, *, timeout: float, what: str, interval: float = 0.2):
    """Call `check` until it returns something true, and return that; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def redis_command(port: int) -> list[str]:
    """A private Redis on loopback that keeps nothing on disk: a restart loses its queue."""
    listen = ["--port", str(port), "--bind", "127.0.0.1"]
    return ["redis-server", *listen, "--save", "", "--appendonly", "no"]


def redis_answers(port: int) -> bool:
    """Whether the Redis on this loopback port answers PING."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def use_databases(prefix: str) -> None:
    """Point the portal's four aliases at `<prefix><alias>` on PostgreSQL (before django.setup)."""
    for variable, alias in (
        ("DATABASE_URL", "default"),
        ("ASSETS_DATABASE_URL", "assets"),
        ("ASSOCIATIONS_DATABASE_URL", "associations"),
        ("ENCOUNTERS_DATABASE_URL", "encounters"),
    ):
        os.environ[variable] = f"{BASE_URL}/{prefix}{alias}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proximeter.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # One benchmark user traces hundreds of people: the per-medic hourly limit is not measured.
    os.environ.setdefault("TRACING_MAX_TRACES_PER_HOUR", "1000000000")
    os.environ.setdefault("PORTAL_DATA_DIR", f"/tmp/proximeter-{prefix.rstrip('_')}-data")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def ensure_databases(prefix: str) -> None:
    """Create the four `<prefix><alias>` databases that do not exist yet."""
    import psycopg

    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as connection:
        existing = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
        for alias in ALIASES:
            if f"{prefix}{alias}" not in existing:
                connection.execute(f'CREATE DATABASE "{prefix}{alias}"')


def write_rows(path: str | None, rows: list[Row]) -> None:
    """Print the rows; with a path (the runner's --json), also write them there."""
    for row in rows:
        mark = "met" if row.met else "NOT met"
        cells = (row.workload, row.figure, row.baseline, row.ratio, f"{row.target} ({mark})")
        print(f"{row.id}: " + " | ".join(cells))
    if path:
        Path(path).write_text(json.dumps([asdict(row) for row in rows], indent=1))
