"""Webhook → inbox → the ingest worker → encounters on gunicorn, Redis, PostgreSQL, with faults.

Each test runs the production process layout (tests/ingestion/stack.py)
and checks exact counts: everything accepted is stored once, nothing twice.
"""

import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from assets.models import Device
from encounters.models import Encounter
from encounters.payload import EncounterRecord, encode
from ingestion.models import DeadLetter, InboxUplink
from ingestion.services import ingest_token_create
from simulation import bodies
from tests.conftest import ROOT
from tests.ingestion.stack import Stack, free_port, wait_for

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture
def stack(tmp_path):
    running = Stack(tmp_path).start()
    yield running
    running.stop()


@pytest.fixture
def token():
    return ingest_token_create(name="e2e")


def make_uplinks(count: int, *, records_per_uplink: int = 4):
    """`count` TTS bodies from distinct registered devices, and every record they carry."""
    start = int((timezone.now() - timedelta(hours=2)).timestamp())
    uplinks, expected = [], set()
    Device.objects.bulk_create(
        (
            Device(device_id=f"E2E-{n}", tag_id=0x4000_0000 + n, dev_eui=f"70B3D57E{n:08X}")
            for n in range(count)
        ),
        ignore_conflicts=True,  # the same devices again
    )
    for n in range(count):
        my_tag = 0x4000_0000 + n
        records = [
            EncounterRecord(0x4100_0000 + n * 10 + k, start + 60 * k, 2 + k)
            for k in range(records_per_uplink)
        ]
        expected |= {(my_tag, r.ref_tag, r.start, r.slots) for r in records}
        uplinks.append(
            bodies.tts_uplink(
                dev_eui=f"70B3D57E{n:08X}",
                device_id=f"prox-{n}",
                payload=encode(my_tag, records),
                f_cnt=n + 1,
                received_at=timezone.now() - timedelta(minutes=5),
                gateways=3,
            )
        )
    return uplinks, expected


def deliver(stack: Stack, token: str, uplinks, *, threads: int = 8) -> list[int]:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def one(body):
        return session.post(
            f"{stack.url}/api/ingest/tts", data=json.dumps(body), headers=headers, timeout=10
        ).status_code

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, uplinks))


def stored() -> set:
    return {
        (m, r, int(s.timestamp()), n)
        for m, r, s, n in Encounter.objects.values_list("my_tag", "ref_tag", "started_at", "slots")
    }


def wait_until_processed(timeout: float = 90) -> None:
    wait_for(
        lambda: not InboxUplink.objects.filter(status=InboxUplink.Status.PENDING).exists(),
        timeout=timeout,
        what="the inbox to empty",
        interval=0.5,
    )


def test_each_delivery_three_times_is_stored_once(stack, token):
    uplinks, expected = make_uplinks(40)
    statuses = deliver(stack, token, uplinks * 3)
    assert statuses.count(202) == 40 and statuses.count(200) == 80
    wait_until_processed()
    assert stored() == expected
    assert Encounter.objects.count() == len(expected)


def test_webhooks_arriving_while_redis_is_down_are_all_stored(stack, token):
    """Redis (the Celery broker) is not on the ingestion path any more: nothing waits for it."""
    stack.stop_redis()
    uplinks, expected = make_uplinks(30)
    started = time.monotonic()
    assert set(deliver(stack, token, uplinks)) == {202}  # the inbox took them
    assert time.monotonic() - started < 20
    wait_until_processed(timeout=30)
    assert stored() == expected


def test_rows_left_while_no_ingest_worker_runs_are_drained_by_the_beats_redrive(stack, token):
    stack.stop_ingest()
    uplinks, expected = make_uplinks(30)
    assert set(deliver(stack, token, uplinks)) == {202}
    assert InboxUplink.objects.filter(status="pending").count() == 30
    stack.manage("redrive_inbox", "--older-than", "0")  # what beat does every minute
    assert not InboxUplink.objects.filter(status="pending").exists()
    assert stored() == expected


def test_an_ingest_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(stack, token):
    stack.stop_ingest()
    uplinks, expected = make_uplinks(1500, records_per_uplink=2)
    assert set(deliver(stack, token, uplinks, threads=16)) == {202}
    stack.start_ingest(INGEST_BATCH_SIZE="20")
    wait_for(
        lambda: Encounter.objects.exists(),
        timeout=60,
        what="the worker to start storing",
        interval=0.02,
    )
    stack.kill_ingest()
    assert InboxUplink.objects.filter(status="pending").exists(), (
        "the kill came too late to test anything"
    )
    stack.start_ingest()
    wait_until_processed()
    assert stored() == expected
    assert Encounter.objects.count() == len(expected)


def test_two_ingest_workers_claim_disjoint_batches(stack, token):
    stack.stop_ingest()
    uplinks, expected = make_uplinks(600, records_per_uplink=1)
    assert set(deliver(stack, token, uplinks, threads=16)) == {202}
    stack.start_ingest(INGEST_BATCH_SIZE="25")
    other = subprocess.Popen(
        [sys.executable, "manage.py", "ingest_worker"],
        cwd=ROOT,
        env={**stack.env, "INGEST_BATCH_SIZE": "25"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_processed()
    finally:
        other.terminate()
        other.wait(timeout=15)
    assert stored() == expected
    # Every row processed exactly once: one attempt each, whichever worker claimed it.
    assert set(InboxUplink.objects.values_list("attempts", flat=True)) == {1}


def test_nothing_that_could_locate_a_person_is_stored_logged_or_exported(stack, token):
    uplinks, _ = make_uplinks(10)
    uplinks.append(
        bodies.tts_event("location_solved", device_id="prox-1", dev_eui="70B3D57E00000001")
    )
    broken = make_uplinks(1)[0][0]
    broken["uplink_message"]["frm_payload"] = "AQAAAAc="  # a header without records: dead-lettered
    uplinks.append(broken)
    deliver(stack, token, uplinks)
    wait_until_processed()
    assert DeadLetter.objects.exists()

    sentinels = set()
    for body in uplinks:
        text = json.dumps(body)
        sentinels |= set(re.findall(r'"gateway_id": "([^"]+)"', text))
        sentinels |= {
            f"{v}" for v in re.findall(r'"(?:latitude|longitude)": (-?\d+\.\d{4,})', text)
        }
        sentinels |= set(re.findall(r'"uplink_token": "([^"]{12,})"', text))
    assert len(sentinels) >= 5

    rows = [
        *InboxUplink.objects.values_list(),
        *DeadLetter.objects.values_list(),
        *Encounter.objects.values_list(),
    ]
    dump = repr(rows)
    metrics = requests.get(f"{stack.url}/metrics", timeout=10).text
    for name, text in {
        "database rows": dump,
        "web log": stack.log("web"),
        "worker log": stack.log("worker"),
        "ingest worker log": stack.log("ingest"),
        "metrics": metrics,
    }.items():
        leaked = [value for value in sentinels if value in text]
        assert not leaked, f"{name} contains {leaked}"
    # RSSI/SNR never appear as columns or labels either.
    assert "rssi" not in metrics.lower() and "snr" not in metrics.lower()


def test_a_simulated_working_day_is_stored_exactly(stack, token):
    """The device simulator as the network server: duplicates and late deliveries included."""
    from simulation.simulator import create_sim_devices, devices_from_assets, simulate

    create_sim_devices(120)
    devices = devices_from_assets(120)
    wednesday = timezone.localtime().replace(hour=20, minute=0, second=0, microsecond=0)
    wednesday -= timedelta(days=(wednesday.weekday() - 2) % 7 or 7)
    report = simulate(
        devices,
        days=1,
        end=wednesday,
        seed=5,
        url=stack.url,
        token=token,
        duplicates=0.1,
        late=0.05,
    )
    assert set(report.by_status) <= {200, 202}
    assert report.distinct_records > 500
    wait_until_processed(timeout=180)
    assert Encounter.objects.count() == report.distinct_records - report.expired_records
    assert not DeadLetter.objects.exists()


def _counter(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = (
        rf"^{name}\{{{re.escape(wanted)}\}} ([0-9.e+]+)$" if labels else rf"^{name} ([0-9.e+]+)$"
    )
    found = re.findall(pattern, text, flags=re.MULTILINE)
    return sum(map(float, found))


def test_what_the_ingest_worker_counts_reaches_metrics_on_this_host_and_on_its_own(
    stack, token, tmp_path
):
    # The same host as the web: /metrics adds it up with gunicorn's workers.
    uplinks, expected = make_uplinks(10)
    assert set(deliver(stack, token, uplinks)) == {202}
    wait_until_processed()
    web = requests.get(f"{stack.url}/metrics", timeout=5).text
    assert _counter(web, "proximeter_ingest_records_total", outcome="stored") == len(expected)
    # A worker on another host: a metrics folder of its own, scraped on its own port.
    stack.stop_ingest()
    time.sleep(1.1)  # new records: make_uplinks stamps them with the current second
    uplinks, expected = make_uplinks(10)
    assert set(deliver(stack, token, uplinks)) == {202}
    port = free_port()
    stack.start_ingest(PROMETHEUS_MULTIPROC_DIR=str(tmp_path), WORKER_METRICS_PORT=str(port))
    wait_until_processed()
    own = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert _counter(own, "proximeter_ingest_records_total", outcome="stored") == len(expected)
