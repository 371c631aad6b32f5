"""`manage.py backfill` against a local stand-in of The Things Stack's Storage Integration.

The stand-in checks what the real one needs (the bearer key, the query) and serves
real-shaped results: the uplink bodies of shared/fixtures/lorawan, wrapped as the storage
wraps them (`{"result": ...}`, one per line), and uplinks of ours in the shape of a real
eu1 uplink. It includes the uplinks at `after` again, as a server whose `after` is
inclusive would: paging must not count them twice.
"""

import base64
import copy
import io
import json
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from encounters.payload import EncounterRecord, encode
from ingestion.models import InboxUplink, Integration
from simulation import bodies
from tests.conftest import ROOT, database_env_for_workers
from tests.ingestion.test_webhooks import SHARED_FIXTURES

pytestmark = pytest.mark.django_db(databases="__all__")

APPLICATION = "proximeters"
API_KEY = "NNSXS.TESTKEY.SECRET"
PATH = f"/api/v3/as/applications/{APPLICATION}/packages/storage/uplink_message"
NOW = datetime.now(UTC).replace(microsecond=0)
DEV_EUI = "70B3D57ED0057777"


def _nanoseconds(text: str) -> int:
    head, _, rest = text.partition(".")
    digits = re.match(r"\d*", rest)[0] if rest else ""
    whole = datetime.fromisoformat(head + "+00:00") if rest else datetime.fromisoformat(text)
    return int(whole.timestamp()) * 10**9 + int(digits.ljust(9, "0") or 0)


class StorageIntegration:
    """GET .../packages/storage/uplink_message: the stored results after `after`, `limit`."""

    def __init__(self, results: list[dict]):
        self.results = sorted(results, key=lambda r: _nanoseconds(r["received_at"]))
        self.requests: list[dict] = []
        storage = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                storage.requests.append({"path": url.path, "headers": dict(self.headers), **query})
                if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                    # What The Things Stack says to an unknown key.
                    return self._json(
                        401,
                        {"code": 16, "message": "error:pkg/auth:token_invalid (invalid token)"},
                    )
                if url.path != PATH:
                    return self._json(404, {"code": 5, "message": "error:pkg/web:not_found"})
                if "text/event-stream" not in self.headers.get("Accept", ""):
                    return self._json(406, {"code": 3, "message": "send Accept: text/event-stream"})
                try:
                    after = _nanoseconds(query["after"])
                    before = _nanoseconds(query["before"])
                    limit = int(query["limit"])
                    assert query["order"] == "received_at"
                except (KeyError, ValueError, AssertionError):
                    return self._json(400, {"code": 3, "message": "bad query"})
                page = [
                    r
                    for r in storage.results
                    if after <= _nanoseconds(r["received_at"]) < before  # inclusive `after`
                ][:limit]
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for result in page:
                    self.wfile.write(json.dumps({"result": result}).encode() + b"\n")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _real_bodies() -> dict[str, dict]:
    if SHARED_FIXTURES is None:
        pytest.fail(
            "The real network-server bodies (shared/fixtures/lorawan) were not found: set "
            "PROXIMETER_SHARED_DIR to the shared folder. This test does not skip."
        )
    found = {p.name: json.loads(p.read_bytes()) for p in SHARED_FIXTURES.glob("tts_v3_uplink_*")}
    assert len(found) >= 7
    return found


def _ours(real: dict, n: int, *, with_correlation: bool) -> dict:
    """An encounter uplink in the shape of a real eu1 uplink (three gateways and all)."""
    body = copy.deepcopy(real)
    at = NOW - timedelta(hours=2) + timedelta(minutes=n, microseconds=n)
    stamp = f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond:06d}{n:03d}Z"
    start = int((at - timedelta(minutes=30)).timestamp())
    body["end_device_ids"]["dev_eui"] = DEV_EUI
    body["end_device_ids"]["device_id"] = "prox-7777"
    message = body["uplink_message"]
    message.update(
        f_port=10,
        f_cnt=100 + n,
        frm_payload=base64.b64encode(
            encode(0xA000_0007, [EncounterRecord(0xA000_0100 + n, start, 4)])
        ).decode(),
        received_at=stamp,
    )
    message.pop("decoded_payload", None)
    body["received_at"] = stamp
    if with_correlation:
        body["correlation_ids"] = [f"as:up:{bodies.ulid_like(at, n)}", "gs:uplink:01H2WH7P86"]
    else:  # the storage's documented example carries none
        body.pop("correlation_ids", None)
    return body


@pytest.fixture
def stored():
    real = _real_bodies()
    # As stored: every one has its device and receive time (a field-mask-filtered webhook
    # body, tts_v3_uplink_6, has neither: the storage never returns that shape).
    results = [body for name, body in sorted(real.items()) if "field_mask" not in name]
    ours = [_ours(real["tts_v3_uplink_3.json"], n, with_correlation=n % 2 == 0) for n in range(7)]
    broken = _ours(real["tts_v3_uplink_3.json"], 50, with_correlation=True)
    broken["uplink_message"]["frm_payload"] = "not base64!"
    return results, ours, broken


@pytest.fixture
def storage(stored):
    results, ours, broken = stored
    server = StorageIntegration([*results, *ours, broken])
    yield server
    server.close()


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "tts-api-key"
    path.write_text(API_KEY + "\n")
    return path


def run_backfill(storage, key_file, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "backfill",
        "--url",
        storage.url + "/",
        "--application",
        APPLICATION,
        "--api-key-file",
        str(key_file),
        "--after",
        "2020-01-01T00:00:00Z",
        "--before",
        (NOW + timedelta(minutes=1)).isoformat(),
        *extra,
        stdout=out,
    )
    return out.getvalue().strip()


def inbox():
    return InboxUplink.objects.filter(integration=Integration.TTS)


def test_the_stored_uplinks_reach_the_inbox_once_however_often_it_runs(storage, key_file, stored):
    _, ours, _ = stored
    first = run_backfill(storage, key_file, "--page-size", "4")
    assert first == (
        "accepted 7, duplicates 0, ignored 6 (no_fport 3, other_fport 2, simulated 1), refused 1"
    )
    assert inbox().count() == 7
    for body in ours:
        payload = base64.b64decode(body["uplink_message"]["frm_payload"])
        row = inbox().get(payload=payload)
        assert (row.fport, row.dev_eui, row.status) == (10, DEV_EUI, InboxUplink.Status.PENDING)
        assert row.received_at is not None
        if "correlation_ids" in body:
            assert row.delivery_key == body["correlation_ids"][0]
    # Pages of 4, each after the last receive time of the one before, with the key.
    pages = storage.requests
    assert len(pages) >= 4
    assert all(p["limit"] == "4" and p["order"] == "received_at" for p in pages)
    assert all(p["headers"]["Authorization"] == f"Bearer {API_KEY}" for p in pages)
    assert pages[0]["after"] == "2020-01-01T00:00:00Z"
    assert len({p["after"] for p in pages}) == len(pages)
    assert "T" in pages[0]["before"] and pages[0]["before"].endswith("Z")

    again = run_backfill(storage, key_file)  # one page this time
    assert again.startswith("accepted 0, duplicates 7, ")
    assert inbox().count() == 7
    assert DEV_EUI not in first + again


def test_an_uplink_the_webhook_delivered_is_recognised(storage, key_file, stored, post):
    _, ours, _ = stored
    assert post("/api/ingest/tts", ours[0]).status_code == 202  # before the outage
    assert run_backfill(storage, key_file).startswith("accepted 6, duplicates 1, ")
    assert inbox().count() == 7


def test_the_window_is_respected(storage, key_file, stored):
    _, ours, _ = stored
    out = io.StringIO()
    call_command(
        "backfill",
        "--url",
        storage.url,
        "--application",
        APPLICATION,
        "--api-key-file",
        str(key_file),
        "--after",
        ours[3]["received_at"],
        "--before",
        (NOW + timedelta(minutes=1)).isoformat(),
        stdout=out,
    )
    # ours[3] itself (at `after`, to the microsecond) and the three after it.
    assert out.getvalue().startswith("accepted 4, ")


def test_a_wrong_key_is_a_clear_error_and_a_failure(storage):
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "backfill",
            "--url",
            storage.url,
            "--application",
            APPLICATION,
            "--after",
            "2020-01-01T00:00:00Z",
        ],
        cwd=ROOT,
        env={**database_env_for_workers(), "TTS_API_KEY": "NNSXS.WRONG"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "refused the API key (HTTP 401)" in done.stderr
    assert "token_invalid" in done.stderr
    assert storage.requests[0]["headers"]["Authorization"] == "Bearer NNSXS.WRONG"
    assert not inbox().exists()


def test_the_command_refuses_what_it_cannot_use(storage, key_file, monkeypatch):
    monkeypatch.delenv("TTS_API_KEY", raising=False)
    base = ["backfill", "--url", storage.url, "--application", APPLICATION]
    with pytest.raises(CommandError, match="No API key"):
        call_command(*base, "--after", "2025-01-01T00:00:00Z")
    with pytest.raises(CommandError, match="needs a time zone"):
        call_command(*base, "--api-key-file", str(key_file), "--after", "2025-01-01T00:00")
    with pytest.raises(CommandError, match="HTTP 404"):
        call_command(
            "backfill",
            "--url",
            storage.url,
            "--application",
            "another-app",
            "--api-key-file",
            str(key_file),
            "--after",
            "2025-01-01T00:00:00Z",
        )
    assert not inbox().exists()
