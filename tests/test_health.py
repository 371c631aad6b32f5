"""/healthz answers for every database and Redis; /metrics only for the monitoring system."""

import json
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.embedded import PYTHON, ROOT, embedded_env, manage

pytestmark = pytest.mark.django_db(databases="__all__")


def test_healthz_reports_each_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    services = {
        name: check
        for name, check in body["checks"].items()
        if ":" not in name or name.startswith("database:")
    }
    assert {name for name, check in services.items() if check["status"] == "ok"} == {
        "database:default",
        "database:assets",
        "database:associations",
        "database:encounters",
        "redis",
    }


def test_healthz_answers_503_when_redis_is_unreachable(client, settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == {"status": "error", "error": "ConnectionError"}
    assert response.json()["checks"]["database:encounters"]["status"] == "ok"


def test_metrics_are_served_to_the_local_network_with_per_alias_database_figures(client):
    client.get("/healthz")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total" in text
    for alias in ("default", "assets", "associations", "encounters"):
        assert f'alias="{alias}"' in text


def test_metrics_refuse_other_networks_without_the_token(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    settings.METRICS_TOKEN = "s3cret"
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope"
        ).status_code
        == 403
    )
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret")
    assert ok.status_code == 200


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_embedded_default_starts_and_answers_healthz_with_nothing_configured(tmp_path):
    """SQLite files in the data folder, no Redis: what `make run` gives a newcomer."""
    env = embedded_env(tmp_path / "data")
    manage(env, "migrate_all", "-v0")
    port = _free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "proximeter.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=5
                ) as response:
                    status, body = response.status, json.load(response)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    raise AssertionError(server.communicate()[0].decode()) from None
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert status == 200
    assert body["checks"]["redis"] == {"status": "not configured"}
    assert all(
        body["checks"][f"database:{alias}"]["status"] == "ok"
        for alias in ("default", "assets", "associations", "encounters")
    )
    assert sorted(p.name for p in (tmp_path / "data").glob("*.sqlite3")) == [
        "assets.sqlite3",
        "associations.sqlite3",
        "default.sqlite3",
        "encounters.sqlite3",
    ]


def test_logs_are_structured_json_lines(tmp_path):
    env = {
        **embedded_env(tmp_path / "data"),
        "LOG_FORMAT": "json",
        "DJANGO_SETTINGS_MODULE": "proximeter.settings",
    }
    emitted = subprocess.run(
        [
            PYTHON,
            "-c",
            "import django, logging; django.setup();"
            "logging.getLogger('tracing').warning('purge finished', extra={'rows': 12})",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    record = json.loads(emitted.stderr.strip().splitlines()[-1])
    assert record["message"] == "purge finished"
    assert record["level"] == "WARNING"
    assert record["logger"] == "tracing"
    assert record["rows"] == 12
