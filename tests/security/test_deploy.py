"""Production settings: `manage.py check --deploy` finds nothing; every answer's headers."""

import os
import runpy
import secrets
import subprocess

import pytest

from tests.embedded import PYTHON, ROOT

# What docs/security.md ("Deploy settings") tells an operator to set.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "portal.example.org",
    "SECURE_COOKIES": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def run(tmp_path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    """manage.py with the real settings and only `variables` of the portal's configuration."""
    # Nothing of the test run's environment (test databases, DJANGO_ALLOW_ASYNC_UNSAFE, ...).
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(PORTAL_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="proximeter.settings")
    env.update(variables)
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def settings_of(monkeypatch, tmp_path, **variables: str) -> dict:
    """The settings module's values for an environment of only `variables` (run afresh)."""
    for key in list(os.environ):
        if key not in ("PATH", "HOME", "LANG"):
            monkeypatch.delenv(key)
    for key, value in {"PORTAL_DATA_DIR": str(tmp_path), **variables}.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(ROOT / "proximeter" / "settings.py"))


def test_production_settings_pass_the_deployment_check(tmp_path):
    result = run(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_without_https_settings_the_check_complains(tmp_path):
    """The check above means something: leave HTTPS out and it fails."""
    plain = {k: v for k, v in PRODUCTION.items() if not k.startswith("SECURE_")}
    result = run(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **plain)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008"):
        assert warning in result.stderr


def test_cookies_are_secure_in_production_by_default_and_not_in_demo_mode(monkeypatch, tmp_path):
    production = settings_of(monkeypatch, tmp_path, DEBUG="0")
    demo = settings_of(monkeypatch, tmp_path, DEBUG="0", PORTAL_DEMO="1")
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        assert (production[name], demo[name]) == (True, False), name
    assert production["SESSION_COOKIE_HTTPONLY"] is True


def test_https_settings_come_from_the_environment_and_are_off_unless_set(monkeypatch, tmp_path):
    configured = settings_of(monkeypatch, tmp_path, **PRODUCTION)
    assert configured["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert configured["SECURE_SSL_REDIRECT"] is True
    assert configured["SECURE_HSTS_SECONDS"] == 31536000
    assert configured["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert configured["SECURE_HSTS_PRELOAD"] is True
    unset = settings_of(monkeypatch, tmp_path)
    assert unset["SECURE_PROXY_SSL_HEADER"] is None
    assert (unset["SECURE_SSL_REDIRECT"], unset["SECURE_HSTS_SECONDS"]) == (False, 0)


@pytest.mark.django_db
def test_every_answer_carries_the_security_headers(client):
    response = client.get("/privacy/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Content-Security-Policy" in response


@pytest.mark.django_db(databases="__all__")
def test_the_https_redirect_spares_health_and_metrics(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/privacy/")["Location"] == "https://testserver/privacy/"
    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 200  # from 127.0.0.1
