"""PostgreSQL killed under traffic, and a web process killed after it spooled: every uplink is
answered 2xx, nothing is lost and nothing is stored twice (a network server never retries).

Runs on a PostgreSQL cluster of its own (bench/common.PrivatePostgres), so that killing it
touches nothing else: gunicorn and the ingest worker as in production, one host, one spool.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import requests

from bench.common import PrivatePostgres, free_port, wait_for
from encounters.payload import EncounterRecord, encode
from simulation import bodies

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEVICES = 90


class Host:
    """One web host: gunicorn, its ingest worker, its spool; on the private cluster."""

    def __init__(self, folder: Path, postgres: PrivatePostgres) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/root"),
            "DJANGO_SETTINGS_MODULE": "proximeter.settings",
            "PORTAL_DATA_DIR": str(folder / "data"),
            "LOG_FORMAT": "json",
            "INGEST_POLL_SECONDS": "0.2",
            **postgres.env(),
        }
        self.web = self.ingest = None

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        ).stdout

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115  (closed with the process)
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_web(self) -> None:
        self.web = self._spawn(
            "web",
            [str(BIN / "gunicorn"), "proximeter.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "2", "--threads", "4"],
        )  # fmt: skip

        def answers():
            try:
                return requests.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503)
            except requests.RequestException:
                return False

        wait_for(answers, timeout=60, what="gunicorn")

    def kill_web(self) -> None:
        """SIGKILL to gunicorn and its workers: nothing flushed, nothing said."""
        os.killpg(self.web.pid, signal.SIGKILL)
        self.web.wait(timeout=10)

    def start_ingest(self) -> None:
        self.ingest = self._spawn("ingest", [sys.executable, "manage.py", "ingest_worker"])

    def stop(self) -> None:
        for process in (self.ingest, self.web):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def outage(tmp_path):
    # PostgreSQL runs as its own user: its folder must be reachable (pytest's is root's only).
    cluster = Path(tempfile.mkdtemp(prefix="proximeter-outage-"))
    postgres = PrivatePostgres(cluster, prefix="outage_").start()
    host = Host(tmp_path, postgres)
    try:
        host.manage("migrate_all", "-v0")
        devices = ", ".join(
            f"Device(device_id='OUT-{n}', tag_id={0x5000_0000 + n}, dev_eui='70B3D57F{n:08X}')"
            for n in range(DEVICES)
        )
        host.manage(
            "shell",
            "-c",
            f"from assets.models import Device; Device.objects.bulk_create([{devices}])",
        )
        token = host.manage("create_ingest_token", "outage").strip()
        host.start_web()
        host.start_ingest()
        yield host, postgres, token
    finally:
        host.stop()
        postgres.stop("immediate")
        shutil.rmtree(cluster, ignore_errors=True)


def uplinks(numbers):
    start = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())
    made, expected = [], set()
    for n in numbers:
        my_tag = 0x5000_0000 + n
        records = [
            EncounterRecord(0x5100_0000 + n * 10 + k, start + 60 * k, 2 + k) for k in range(3)
        ]
        expected |= {(my_tag, r.ref_tag, r.start, r.slots) for r in records}
        made.append(
            bodies.tts_uplink(
                dev_eui=f"70B3D57F{n:08X}",
                device_id=f"out-{n}",
                payload=encode(my_tag, records),
                f_cnt=n + 1,
                received_at=datetime.now(UTC) - timedelta(seconds=30),
            )
        )
    return made, expected


def deliver(host: Host, token: str, made) -> list[int]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def one(body):
        # As The Things Stack or ChirpStack: one try, 5 s, no retry.
        try:
            return requests.post(
                f"{host.url}/api/ingest/tts", data=json.dumps(body), headers=headers, timeout=5
            ).status_code
        except requests.RequestException as error:
            return type(error).__name__

    with ThreadPoolExecutor(6) as pool:
        return list(pool.map(one, made))


def stored(postgres: PrivatePostgres) -> list[tuple]:
    with psycopg.connect(postgres.url("encounters")) as connection:
        return connection.execute(
            "SELECT my_tag, ref_tag, extract(epoch FROM started_at)::bigint, slots "
            "FROM tracing_encounter"
        ).fetchall()


def pending(postgres: PrivatePostgres) -> int:
    try:
        with psycopg.connect(postgres.url("encounters"), connect_timeout=2) as connection:
            return connection.execute(
                "SELECT count(*) FROM ingestion_inboxuplink WHERE status = 'pending'"
            ).fetchone()[0]
    except psycopg.OperationalError:
        return -1


def test_a_killed_database_and_a_killed_web_process_lose_nothing_and_double_nothing(outage):
    host, postgres, token = outage
    before, expected_before = uplinks(range(0, 30))
    assert deliver(host, token, before) == [202] * 30

    postgres.stop("immediate")  # the database is killed
    during, expected_during = uplinks(range(30, 60))
    assert deliver(host, token, during) == [202] * 30  # spooled, answered within the timeout
    spool = host.folder / "data" / "spool"
    assert len(list(spool.glob("*.uplink.json"))) == 30

    host.kill_web()  # a web process dies with the spool on disk
    host.start_web()  # a fresh process: it knows the tokens from the spool's folder
    late, expected_late = uplinks(range(60, DEVICES))
    assert deliver(host, token, late) == [202] * 30

    postgres.start()
    wait_for(
        lambda: pending(postgres) == 0 and not list(spool.glob("*.uplink.json")),
        timeout=90,
        what="the spool and the inbox to empty",
        interval=0.5,
    )
    rows = stored(postgres)
    expected = expected_before | expected_during | expected_late
    assert len(rows) == len(set(rows)) == len(expected)
    assert set(rows) == expected
    # The network server's repeats, now that the database answers: all recognised.
    again = deliver(host, token, before + during + late)
    assert again == [200] * DEVICES
    assert len(stored(postgres)) == len(expected)
