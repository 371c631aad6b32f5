"""The Content-Security-Policy header (core/security.py); in Chromium: test_browser_csp.py."""

import base64
import hashlib
import re

import pytest

from core.security import inline_hashes

pytestmark = pytest.mark.django_db(databases="__all__")

EXPECTED = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "connect-src": {"'self'"},
    "font-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def policy(response) -> dict[str, set[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


@pytest.fixture
def signed_in_superuser(client, superuser):
    client.force_login(superuser)


def test_the_pages_get_the_strict_policy(client, medic):
    client.force_login(medic)
    for path in ("/", "/tracking/", "/privacy/", "/help/"):
        assert policy(client.get(path)) == EXPECTED, path


def test_the_app_shell_has_nothing_inline_that_the_policy_would_block(client, medic):
    client.force_login(medic)
    html = client.get("/tracking/").content.decode()
    assert re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert not re.search(r"\sstyle=|\son[a-z]+=", html)


def test_the_sign_in_and_sign_out_may_go_to_the_identity_provider(client, settings):
    settings.OIDC_SERVER_URL = "https://sso.example.org/realms/staff"
    form_action = policy(client.get("/privacy/"))["form-action"]
    assert form_action == {"'self'", "https://sso.example.org"}


def test_api_docs_allow_exactly_their_inline_script_and_style(client, signed_in_superuser):
    response = client.get("/api/docs/")
    found = inline_hashes(response.content)
    assert len(found["script-src"]) == 1 and len(found["style-src"]) == 1
    directives = policy(response)
    assert directives["script-src"] == {"'self'", *found["script-src"]}
    assert directives["style-src"] == {"'self'", *found["style-src"]}
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_inline_elements_are_hashed_on_the_admin_and_api_docs_only(rf):
    from django.http import HttpResponse

    from core.security import ContentSecurityPolicyMiddleware

    page = "<html><style>p{}</style><script>run()</script></html>"
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse(page))
    admin = policy(middleware(rf.get("/admin/registration/person/")))
    assert admin["style-src"] == {"'self'", sha256("p{}")}
    assert admin["script-src"] == {"'self'", sha256("run()")}
    elsewhere = policy(middleware(rf.get("/privacy/")))
    assert (elsewhere["style-src"], elsewhere["script-src"]) == ({"'self'"}, {"'self'"})


def test_inline_hashes_skip_scripts_with_a_source_and_data_blocks():
    html = (
        b'<script src="/a.js"></script><script type="application/json">{"a": 1}</script>'
        b'<script type="module">run()</script><STYLE media="print">p{}</STYLE>'
    )
    assert inline_hashes(html) == {"script-src": [sha256("run()")], "style-src": [sha256("p{}")]}


def test_in_development_the_vite_server_is_allowed(monkeypatch, tmp_path):
    import runpy
    from pathlib import Path

    monkeypatch.setenv("VITE_DEV_MODE", "1")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    settings_file = Path(__file__).resolve().parents[2] / "proximeter" / "settings.py"
    directives = runpy.run_path(str(settings_file))["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert "http://127.0.0.1:5173" in directives["script-src"]
    assert "ws://127.0.0.1:5173" in directives["connect-src"]
    assert "'unsafe-inline'" in directives["style-src"]  # Vite injects CSS as <style>
    assert "'unsafe-inline'" not in directives["script-src"]
