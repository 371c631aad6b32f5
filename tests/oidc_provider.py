"""Run the loopback OpenID Connect provider (tests/oidc/provider.mjs) from tests.

The provider imitates the production Keycloak realm (issuer
``http://127.0.0.1:PORT/realms/REALM``, Keycloak-style endpoint paths, the
``groups`` / ``person_id`` claim mappers, RS256 JWT access tokens for the API
resource). See tests/oidc/README.md.

Usage::

    with OIDCProvider(accounts=[...], clients=[...]) as op:
        token = op.client_credentials_token("robot", "robot-secret")

Only the standard library and ``requests`` are used.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
PROVIDER_SCRIPT = OIDC_DIR / "provider.mjs"
DEFAULT_API_RESOURCE = "urn:proximeter:api"
START_TIMEOUT = 20.0


class OIDCProviderError(RuntimeError):
    """The provider could not be started or a flow against it failed."""


class OIDCProvider:
    def __init__(
        self,
        *,
        accounts: list[dict],
        clients: list[dict],
        realm: str = "proximeter",
        api_audience: str = "proximeter-api",
        access_token_ttl: int = 300,
        api_resource: str = DEFAULT_API_RESOURCE,
        port: int = 0,
    ) -> None:
        # port=0: the provider binds a free port itself (no race between
        # picking a port here and binding it there); self.port is set on start.
        self.accounts = [dict(a) for a in accounts]
        self.clients = [dict(c) for c in clients]
        self.realm = realm
        self.api_audience = api_audience
        self.access_token_ttl = int(access_token_ttl)
        self.api_resource = api_resource
        self.port = int(port)
        self.issuer = ""
        self.discovery_url = ""
        self._proc: subprocess.Popen[str] | None = None
        self._config_dir: tempfile.TemporaryDirectory[str] | None = None
        self._output: list[str] = []
        self._output_lock = threading.Lock()
        self._ready = threading.Event()
        self._readers: list[threading.Thread] = []
        self._discovery: dict | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> OIDCProvider:
        if self._proc is not None:
            raise OIDCProviderError("provider already started")
        if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            raise OIDCProviderError(
                f"{OIDC_DIR / 'node_modules'} is missing: run `npm ci --prefix tests/oidc` "
                "(from the repository root) to install the test OpenID provider"
            )
        node = shutil.which("node")
        if node is None:
            raise OIDCProviderError("`node` is not on PATH; the test OpenID provider needs Node.js")

        self._config_dir = tempfile.TemporaryDirectory(prefix="oidc-provider-")
        config_path = Path(self._config_dir.name) / "config.json"
        config = {
            "port": self.port,
            "realm": self.realm,
            "clients": self.clients,
            "accounts": self.accounts,
            "api_audience": self.api_audience,
            "api_resource": self.api_resource,
            "access_token_ttl": self.access_token_ttl,
            # the provider exits when our end of its stdin pipe closes, so it
            # cannot outlive a test process that dies without calling stop()
            "exit_on_stdin_close": True,
        }
        config_path.write_text(json.dumps(config), encoding="utf-8")

        self._ready.clear()
        self._output = []
        self._proc = subprocess.Popen(
            [node, str(PROVIDER_SCRIPT), str(config_path)],
            cwd=str(OIDC_DIR),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._readers = [
            threading.Thread(target=self._read, args=(self._proc.stdout, True), daemon=True),
            threading.Thread(target=self._read, args=(self._proc.stderr, False), daemon=True),
        ]
        for t in self._readers:
            t.start()

        deadline = time.monotonic() + START_TIMEOUT
        while not self._ready.wait(0.05):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                reason = (
                    f"exited with code {self._proc.returncode}"
                    if self._proc.poll() is not None
                    else f"not ready within {START_TIMEOUT:.0f} s"
                )
                self.stop()
                raise OIDCProviderError(f"test OpenID provider {reason}; output:\n{self.output}")
        self.port = urlsplit(self.issuer).port or 0
        self.discovery_url = f"{self.issuer}/.well-known/openid-configuration"
        return self

    def _read(self, stream: Any, is_stdout: bool) -> None:
        for line in stream:
            with self._output_lock:
                self._output.append(line)
            if is_stdout and line.startswith("READY "):
                self.issuer = line.split(" ", 1)[1].strip()
                self._ready.set()
        stream.close()

    @property
    def output(self) -> str:
        """Everything the provider process printed so far (stdout and stderr)."""
        with self._output_lock:
            return "".join(self._output)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
            for t in self._readers:
                t.join(timeout=5)
        self._readers = []
        if self._config_dir is not None:
            self._config_dir.cleanup()
            self._config_dir = None
        self._discovery = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> OIDCProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ endpoints

    @property
    def discovery(self) -> dict:
        if self._discovery is None:
            resp = requests.get(self.discovery_url, timeout=10)
            resp.raise_for_status()
            self._discovery = resp.json()
        return self._discovery

    @property
    def token_endpoint(self) -> str:
        return self.discovery["token_endpoint"]

    @property
    def authorization_endpoint(self) -> str:
        return self.discovery["authorization_endpoint"]

    @property
    def userinfo_endpoint(self) -> str:
        return self.discovery["userinfo_endpoint"]

    @property
    def jwks_uri(self) -> str:
        return self.discovery["jwks_uri"]

    @property
    def end_session_endpoint(self) -> str:
        return self.discovery["end_session_endpoint"]

    # ---------------------------------------------------------------- flows

    def client_credentials_token(
        self, client_id: str, client_secret: str, resource: str | None = None
    ) -> str:
        """Client-credentials JWT access token for the API resource."""
        resp = requests.post(
            self.token_endpoint,
            data={
                "grant_type": "client_credentials",
                "resource": resource or self.api_resource,
            },
            auth=(client_id, client_secret),
            timeout=10,
        )
        if resp.status_code != 200:
            raise OIDCProviderError(
                f"client_credentials token request failed: {resp.status_code} {resp.text}"
            )
        return resp.json()["access_token"]

    def authorization_code_tokens(
        self,
        login: str,
        password: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        resource: str | None = None,
        scope: str = "openid profile email",
    ) -> dict:
        """Run the browser login (authorization-code flow, PKCE S256) with
        ``requests`` only and return the token endpoint's JSON response.

        With ``resource`` the access token is a JWT for that resource server;
        without it, it is an opaque token for the userinfo endpoint (what a
        plain browser login gets). ``redirect_uri`` is never contacted.
        """
        session = requests.Session()
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        state = secrets.token_urlsafe(16)
        params = {
            "client_id": client_id,
            "response_type": "code",
            "scope": scope,
            "redirect_uri": redirect_uri,
            "state": state,
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if resource:
            params["resource"] = resource

        resp = session.get(
            self.authorization_endpoint, params=params, allow_redirects=False, timeout=10
        )
        code = None
        for _ in range(3):  # login form; at most a re-shown form / consent
            code, resp = self._follow(session, resp, redirect_uri, state)
            if code is not None:
                break
            form = _find_form(resp.text, "kc-form-login")
            if form is None:
                raise OIDCProviderError(
                    f"expected the login form at {resp.url}, "
                    f"got {resp.status_code}:\n{resp.text[:2000]}"
                )
            resp = session.post(
                urljoin(resp.url, form),
                data={"username": login, "password": password},
                allow_redirects=False,
                timeout=10,
            )
            if resp.status_code == 200 and _find_form(resp.text, "kc-form-login"):
                error = re.search(r'id="input-error"[^>]*>([^<]*)<', resp.text)
                raise OIDCProviderError(
                    f"login as {login!r} failed: "
                    f"{html.unescape(error.group(1)) if error else 'login form shown again'}"
                )
        if code is None:
            raise OIDCProviderError("authorization flow did not return to redirect_uri")

        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        if resource:
            data["resource"] = resource
        token_resp = requests.post(
            self.token_endpoint, data=data, auth=(client_id, client_secret), timeout=10
        )
        if token_resp.status_code != 200:
            raise OIDCProviderError(
                f"token request failed: {token_resp.status_code} {token_resp.text}"
            )
        return token_resp.json()

    def user_access_token(
        self,
        login: str,
        password: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        resource: str | None = None,
    ) -> str:
        """JWT access token for the API resource, obtained by logging in as
        ``login`` through the authorization-code flow."""
        tokens = self.authorization_code_tokens(
            login,
            password,
            client_id,
            client_secret,
            redirect_uri,
            resource=resource or self.api_resource,
        )
        return tokens["access_token"]

    @staticmethod
    def _follow(
        session: requests.Session,
        resp: requests.Response,
        redirect_uri: str,
        state: str,
    ) -> tuple[str | None, requests.Response]:
        """Follow redirects by hand; stop (without contacting it) at
        redirect_uri and return the code from it."""
        for _ in range(20):
            if resp.status_code not in (301, 302, 303, 307, 308):
                return None, resp
            location = urljoin(resp.url, resp.headers["Location"])
            if location.split("?", 1)[0] == redirect_uri.split("?", 1)[0]:
                query = parse_qs(urlsplit(location).query)
                if "error" in query:
                    raise OIDCProviderError(
                        f"authorization failed: {query['error'][0]}: "
                        f"{query.get('error_description', [''])[0]}"
                    )
                if query.get("state", [None])[0] != state:
                    raise OIDCProviderError("state mismatch in authorization response")
                return query["code"][0], resp
            resp = session.get(location, allow_redirects=False, timeout=10)
        raise OIDCProviderError("too many redirects")


def _find_form(page: str, form_id: str) -> str | None:
    """The (unescaped) action of the form with the given id, or None."""
    for m in re.finditer(r"<form\b[^>]*>", page):
        tag = m.group(0)
        if f'id="{form_id}"' in tag:
            action = re.search(r'action="([^"]*)"', tag)
            return html.unescape(action.group(1)) if action else ""
    return None
