"""The soak with a worker host cut off from the others for 20 s (bench/soak.py, bench/netns.py).

A reduced `make soak`: only the fault "worker host cut off", 15 uplinks/s for 40 s from
200 simulated devices, a tenth of them published over MQTT to the consumer that runs,
with an ingest worker and a Celery worker, in a network namespace of its own. The link
goes down 6 s into the load and comes back 20 s later. About 80 s on the 2-core machine
(setup 20 s, load 40 s, drain and stop 20 s); sized to stay within 90 s.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.netns import WorkerHost

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _a_worker_host_can_be_made():
    """Asked when the test runs, not when it is collected (the probe makes a namespace)."""
    why_not = WorkerHost.unavailable() or (
        None if shutil.which("mosquitto") else "no mosquitto (the soak's MQTT broker)"
    )
    if why_not is not None:
        pytest.skip(f"the soak's worker host needs `ip netns`: {why_not}")


# DevEUIs and tags of the simulated devices (simulation/simulator.py): never in a log.
IDENTIFIERS = re.compile(r"70B3D57E5[0-9A-F]{7}|\b13589\d{5}\b", re.IGNORECASE)


def figures(output: str) -> dict[str, str]:
    """The two-column rows of the soak's tables: `| name | value |`."""
    return dict(re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|$", output, re.MULTILINE))


def test_a_worker_host_cut_off_for_20_s_under_load_loses_nothing_and_doubles_nothing():
    command = [sys.executable, "bench/soak.py", "--seconds", "40", "--rate", "15"]
    command += ["--faults", "host-cut", "--devices", "200", "--no-doc", "--keep"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    kept = re.search(r"logs kept in (\S+)", output)
    folder = Path(kept.group(1)) if kept else None
    try:
        assert result.returncode == 0, output[-6000:]
        row = figures(output)
        assert row["lost"] == "0"
        assert row["duplicates"] == "0"
        assert row["stored but never sent, or other content"] == "0"
        assert row["answers other than 2xx (each a lost uplink for a real network server)"] == "0"
        assert int(row["encounter records expected"]) == int(row["stored"]) > 0

        # Every uplink published over MQTT acknowledged by the broker, and in the inbox.
        mqtt = re.fullmatch(
            r"(\d+) publications of (\d+) uplinks, (\d+) PUBACK; (\d+) in the inbox",
            row["MQTT (QoS 1, ChirpStack's JSON)"],
        )
        assert mqtt, row["MQTT (QoS 1, ChirpStack's JSON)"]
        _published, uplinks, acked, in_inbox = map(int, mqtt.groups())
        assert uplinks > 0
        assert acked == uplinks == in_inbox

        # The worker host's metrics, scraped over the link: before, not during, after.
        metrics = next(value for name, value in row.items() if name.startswith("metrics over"))
        assert re.match(r"before the cut: 200, .*; during: no answer; after: 200, ", metrics)
        assert "never" not in row["its ingest worker stored records again"]
        assert "never" not in row["its MQTT consumer put an uplink in the inbox again"]

        # Every worker, on this host and on the worker host, still runs at the end.
        cut = next(line for line in output.splitlines() if line.startswith("| worker host cut"))
        for worker in ("ingest1", "ingest2", "host-ingest", "host-celery", "host-mqtt"):
            assert worker in cut

        # No DevEUI or tag in what the processes logged (the MQTT topics name devices).
        assert folder is not None
        for log in folder.glob("*.log"):
            assert not IDENTIFIERS.search(log.read_text(errors="replace")), log.name
        assert not IDENTIFIERS.search(output)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
