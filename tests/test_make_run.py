"""`make run` as a newcomer sees it: the embedded default (SQLite, no Redis) with demo data.

An uplink posted once /healthz answers is stored within seconds (no queue of demo work in
front of it), and Ctrl-C stops every process within 10 s, with no process killed hard.
"""

import json
import os
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta

import requests

from bench.common import free_port, wait_for
from encounters.payload import EncounterRecord, encode
from simulation import bodies
from tests.embedded import ROOT, embedded_env, manage


def descendants(pid: int) -> set[int]:
    table = subprocess.run(
        ["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True
    ).stdout
    children: dict[int, list[int]] = {}
    for line in table.splitlines():
        child, parent = map(int, line.split())
        children.setdefault(parent, []).append(child)
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_an_uplink_is_stored_within_seconds_and_ctrl_c_stops_everything(tmp_path):
    env = {
        **embedded_env(tmp_path / "data"),
        "PORTAL_DEMO": "1",
        "LOG_FORMAT": "text",
        "DEMO_ENCOUNTER_DAYS": "2",
        "PORTAL_BIND": f"127.0.0.1:{free_port()}",
    }
    url = f"http://{env['PORTAL_BIND']}"
    manage(env, "migrate_all", "-v0", timeout=300)
    manage(env, "demo_data", timeout=600)
    token = manage(env, "create_ingest_token", "newcomer").stdout.strip()
    device = json.loads(
        manage(
            env,
            "shell",
            "-c",
            "import json; from assets.models import Device; "
            "d = Device.objects.filter(state='assigned').exclude(dev_eui=None).first(); "
            "print(json.dumps([d.dev_eui, d.tag_id]))",
        ).stdout.splitlines()[-1]
    )
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115  (closed below)
    serve = subprocess.Popen(
        ["scripts/serve.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # as a terminal's foreground job: Ctrl-C reaches the script
        # A terminal's shell does not ignore Ctrl-C; a suite started in the background by a
        # non-interactive shell does, and bash cannot trap a signal ignored when it starts.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:

        def healthy():
            try:
                return requests.get(f"{url}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for(healthy, timeout=120, what="/healthz to answer 200")
        start = int((datetime.now(UTC) - timedelta(minutes=30)).timestamp())
        record = EncounterRecord(0x7777_0001, start, 31)
        body = bodies.tts_uplink(
            dev_eui=device[0],
            device_id="newcomer",
            payload=encode(device[1], [record]),
            f_cnt=1,
            received_at=datetime.now(UTC),
        )
        posted = time.monotonic()
        answer = requests.post(
            f"{url}/api/ingest/tts",
            data=json.dumps(body),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=5,
        )
        assert answer.status_code == 202

        def stored():
            with sqlite3.connect(tmp_path / "data" / "encounters.sqlite3") as db:
                return db.execute(
                    "SELECT count(*) FROM tracing_encounter WHERE ref_tag = ?", (record.ref_tag,)
                ).fetchone()[0]

        wait_for(stored, timeout=10, what="the uplink to be stored", interval=0.1)
        took = time.monotonic() - posted
        print(f"uplink stored {took:.2f} s after it was posted")

        processes = descendants(serve.pid)
        assert len(processes) >= 3  # gunicorn, the Celery worker, the ingest worker
        asked = time.monotonic()
        serve.send_signal(signal.SIGINT)  # Ctrl-C
        serve.wait(timeout=12)
        wait_for(lambda: not any(alive(pid) for pid in processes), timeout=12, what="every process")
        stopped = time.monotonic() - asked
        print(f"every process stopped {stopped:.1f} s after Ctrl-C")
        assert stopped <= 10
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
        log.close()
    output = (tmp_path / "serve.log").read_text(errors="replace")
    assert "SIGKILL" not in output and "Perhaps out of memory" not in output, output[-3000:]
