"""What every benchmark hands to `bench/run.py`: rows of one table, as JSON.

Each benchmark is a script `bench/<id>.py` that runs alone and accepts
`--scale N` and `--json PATH`; with `--json` it writes a list of `Row`s there
(the runner collects them, prints one table and writes it to
docs/performance.md). Figures are always beside a raw baseline measured in
the same run, because the machines are shared and noisy.
"""

import io
import json
import os
import socket
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
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


def redis_command(port: int, also: tuple[str, ...] = ()) -> list[str]:
    """A private Redis on loopback that keeps nothing on disk: a restart loses its queue.

    `also`: more addresses to listen on (a worker host's link); Redis then answers
    clients that are not on loopback too (protected mode off: no password here)."""
    listen = ["--port", str(port), "--bind", "127.0.0.1", *also]
    if also:
        listen += ["--protected-mode", "no"]
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


PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


class PrivatePostgres:
    """A PostgreSQL cluster of its own in `folder`, on a free port: one a test or a soak may
    stop, kill and start without touching the machine's own (initdb from Debian's packages)."""

    def __init__(self, folder: Path, *, prefix: str = "private_") -> None:
        self.folder = folder
        self.data = folder / "pg"
        self.port = free_port()
        self.prefix = prefix
        self.started = False

    def url(self, alias: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.prefix}{alias}"

    def env(self) -> dict[str, str]:
        """The portal's four database variables pointing here."""
        return {
            "DATABASE_URL": self.url("default"),
            "ASSETS_DATABASE_URL": self.url("assets"),
            "ASSOCIATIONS_DATABASE_URL": self.url("associations"),
            "ENCOUNTERS_DATABASE_URL": self.url("encounters"),
        }

    def _as_owner(self, args: list) -> None:
        import subprocess

        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *map(str, args)], check=True, capture_output=True)

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}"
        command = [PG_BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", self.data / "log"]
        self._as_owner([*command, "-w", "-t", "60", *args])

    def start(self) -> "PrivatePostgres":
        """initdb (first time), start, and create the four databases."""
        import psycopg

        if not self.data.exists():
            self.data.mkdir(mode=0o700, parents=True)
            if os.geteuid() == 0:  # PostgreSQL refuses to run as root
                self.folder.chmod(0o755)
                import shutil

                shutil.chown(self.data, "postgres", "postgres")
            initdb = [PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust"]
            self._as_owner([*initdb, "-E", "UTF8"])
            self.pg_ctl("start")
            admin = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
            with psycopg.connect(admin, autocommit=True) as connection:
                for alias in ALIASES:
                    connection.execute(f'CREATE DATABASE "{self.prefix}{alias}"')
        else:
            self.pg_ctl("start")
        self.started = True
        return self

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a killed server: no shutdown checkpoint, connections cut."""
        if self.started:
            self.pg_ctl("stop", "-m", mode)
            self.started = False


# --- Encounter records written by COPY (purge, stats) ----------------------------------


def day_start(day) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def day_lines(*, day, rows: int, devices: int, first_id: int) -> bytes:
    """COPY text for `rows` distinct encounters spread over one day (ids from first_id)."""
    start = day_start(day)
    step_us = 86_400_000_000 // rows  # strictly increasing times: the rows are unique
    out = io.StringIO()
    for i in range(rows):
        at = start + timedelta(microseconds=i * step_us)
        my_tag = 1 + (i * 7_919) % devices
        ref_tag = 1 + (i * 104_729 + 1) % devices
        out.write(f"{first_id + i}\t{my_tag}\t{ref_tag}\t{at.isoformat()}\t{1 + i % 40}\n")
    return out.getvalue().encode()


ENCOUNTER_COLUMNS = "id, my_tag, ref_tag, started_at, slots"


def copy_days(raw_connection, *, first_day, days: int, rows: int, devices: int) -> None:
    """COPY `days` days of `rows` records each into the encounter table, from `first_day`
    (ids 1, 2, … in order; psycopg's connection under Django's)."""
    for offset in range(days):
        data = day_lines(
            day=first_day + timedelta(days=offset),
            rows=rows,
            devices=devices,
            first_id=1 + offset * rows,
        )
        with (
            raw_connection.cursor() as cursor,
            cursor.copy(f"COPY tracing_encounter ({ENCOUNTER_COLUMNS}) FROM STDIN") as copy,
        ):
            copy.write(data)
