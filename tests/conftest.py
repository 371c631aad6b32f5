"""Fixtures shared by the whole suite: personas, a real Celery worker, the identity provider."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests import personas

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


# --- Personas (tests/personas.py) --------------------------------------------


@pytest.fixture
def make_user(db):
    """make_user("alice", Role.MEDICAL) -> a local account holding those roles (no persona)."""
    return personas.make_user


@pytest.fixture
def desk(db):
    """Dana Desk, the registration desk's clerk."""
    return personas.clerk()


@pytest.fixture
def medic(db):
    return personas.medic()


@pytest.fixture
def second_medic(db):
    return personas.second_medic()


@pytest.fixture
def privacy_officer(db):
    """Dora Privacy, of the data-protection office."""
    return personas.privacy_officer()


@pytest.fixture
def asset_manager(db):
    return personas.asset_manager()


@pytest.fixture
def superuser(db):
    """Staff and superuser, no role of the portal."""
    return personas.superuser()


@pytest.fixture
def person(db):
    """Charlie holds no role: MY DATA and APPOINTMENTS only."""
    return personas.person()


def start_celery_worker(env: dict, queue: str, log_path: Path) -> subprocess.Popen:
    """A real worker process (not eager, not in-process) consuming `queue`."""
    log = open(log_path, "wb")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "proximeter",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--queues",
            queue,
            "--hostname",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def celery_queue():
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def redis_celery_worker(celery_queue, tmp_path):
    """A Celery worker on the Redis broker of the test settings."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    process = start_celery_worker(env, celery_queue, tmp_path / "worker.log")
    yield celery_queue
    process.terminate()
    process.wait(timeout=30)


# --- The identity provider --------------------------------------------------
# A real OpenID Connect provider (npm oidc-provider, Keycloak-style paths) on
# loopback. Its portal client redirects to the live server, so it starts after it.

PORTAL_CLIENT = {"client_id": "portal", "client_secret": "portal-secret"}
OIDC_ACCOUNTS = [
    {
        "sub": "4f1c2a9e-alice",
        "login": "alice",
        "password": "alice-pw",
        "preferred_username": "alice",
        "given_name": "Alice",
        "family_name": "Adams",
        "name": "Alice Adams",
        "email": "alice@example.org",
        "person_id": "810001",
        "groups": ["registration", "medical", "unrelated-group"],
    },
    {
        "sub": "77d0b3c1-bob",
        "login": "bob",
        "password": "bob-pw",
        "preferred_username": "bob",
        "given_name": "Bob",
        "family_name": "Brown",
        "name": "Bob Brown",
        "email": "bob@example.org",
        "person_id": "810002",
        "groups": [],
    },
]
# People who use the API with a role of their own (tests/security/test_access_matrix.py).
OIDC_ACCOUNTS += [
    {
        "sub": f"api-{role}",
        "login": f"api-{role}",
        "password": f"api-{role}-pw",
        "preferred_username": f"api-{role}",
        "given_name": "Api",
        "family_name": role.title(),
        "name": f"Api {role.title()}",
        "email": f"api-{role}@example.org",
        "person_id": f"8200{n}",
        "groups": [role],
    }
    for n, role in enumerate(("medical", "privacy"), start=1)
]
ROBOT_CLIENT = {"client_id": "robot", "client_secret": "robot-secret", "groups": ["medical"]}
WIKI_CLIENT = {"client_id": "wiki", "client_secret": "wiki-secret"}
# A machine client per role, and one with no role (tests/security/test_access_matrix.py).
ROLE_CLIENTS = {
    role: {"client_id": f"robot-{role}", "client_secret": f"robot-{role}-secret", "groups": groups}
    for role, groups in (
        ("person", []),
        ("registration", ["registration"]),
        ("assets", ["assets"]),
        ("medical", ["medical"]),
        ("privacy", ["privacy"]),
    )
}


def oidc_clients(portal_url: str) -> list[dict]:
    return [
        {
            **PORTAL_CLIENT,
            "redirect_uris": [f"{portal_url}/accounts/oidc/sso/login/callback/"],
            "post_logout_redirect_uris": [f"{portal_url}/"],
            "grant_types": ["authorization_code", "refresh_token"],
        },
        {**ROBOT_CLIENT, "grant_types": ["client_credentials"]},
        # Another application of the organisation, registered at the same provider.
        {
            **WIKI_CLIENT,
            "redirect_uris": [f"{portal_url}/accounts/oidc/sso/login/callback/"],
            "grant_types": ["authorization_code"],
        },
        *({**client, "grant_types": ["client_credentials"]} for client in ROLE_CLIENTS.values()),
    ]


@pytest.fixture(scope="session")
def oidc_provider(live_server):
    from tests.oidc_provider import OIDCProvider

    with OIDCProvider(accounts=OIDC_ACCOUNTS, clients=oidc_clients(live_server.url)) as provider:
        yield provider


def point_portal_at(settings, provider) -> None:
    """Configure the portal for `provider` as the environment would (README, Configuration)."""
    settings.OIDC_SERVER_URL = provider.issuer
    settings.OIDC_CLIENT_ID = PORTAL_CLIENT["client_id"]
    settings.OIDC_CLIENT_SECRET = PORTAL_CLIENT["client_secret"]
    settings.OIDC_API_AUDIENCES = [provider.api_audience]
    settings.OIDC_TRUSTED_CLIENTS = {
        PORTAL_CLIENT["client_id"]: {"registration", "medical", "assets", "privacy"}
    }
    # Machine clients, each for the roles it is registered for (medical and privacy never hold).
    settings.OIDC_MACHINE_CLIENTS = {
        ROBOT_CLIENT["client_id"]: set(ROBOT_CLIENT["groups"]),
        **{c["client_id"]: set(c["groups"]) for c in ROLE_CLIENTS.values()},
    }
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": settings.OIDC_PROVIDER_ID,
                    "name": settings.OIDC_PROVIDER_NAME,
                    "client_id": PORTAL_CLIENT["client_id"],
                    "secret": PORTAL_CLIENT["client_secret"],
                    "settings": {"server_url": provider.issuer, "scope": settings.OIDC_SCOPES},
                }
            ],
        }
    }


@pytest.fixture
def oidc(settings, oidc_provider):
    """The portal configured for the loopback provider."""
    point_portal_at(settings, oidc_provider)
    return oidc_provider


def user_api_token(provider, login: str, portal_url: str) -> str:
    account = next(a for a in OIDC_ACCOUNTS if a["login"] == login)
    return provider.user_access_token(
        login,
        account["password"],
        PORTAL_CLIENT["client_id"],
        PORTAL_CLIENT["client_secret"],
        f"{portal_url}/accounts/oidc/sso/login/callback/",
    )


# --- The browser -------------------------------------------------------------
# Debian's Chromium driven by Playwright: its helpers are in tests/browser.py.


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    """A fresh browser profile per test; a screenshot is kept when the test fails."""
    from tests.browser import new_page, screenshot

    browser_page = new_page(chromium)
    yield browser_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        screenshot(browser_page, request.node.name)
    browser_page.context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _english_unless_a_test_says_otherwise():
    """Each test starts in English: a French request of the test before leaves its language
    active in the thread (Django's LocaleMiddleware does not undo it), and would leak."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _audit_checkpoints_of_this_test(settings, tmp_path):
    """Each test's audit trail starts empty (its database is rolled back): so do its checkpoints."""
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")


@pytest.fixture(scope="session", autouse=True)
def _drop_the_test_runs_celery_queue():
    yield
    import redis
    from django.conf import settings

    if not settings.REDIS_URL:
        return  # the embedded default (TEST_EMBEDDED=1) queues on the filesystem
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    client.close()


def database_env_for_workers() -> dict:
    """Environment for a worker process that must see this test's databases."""
    from django.conf import settings
    from django.db import connections

    from proximeter.settings import DATABASE_URL_VARIABLES

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "AUDIT_CHECKPOINT_FILE": settings.AUDIT_CHECKPOINT_FILE,
    }
    for alias, variable in DATABASE_URL_VARIABLES.items():
        config = connections[alias].settings_dict
        env[variable] = (
            f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{config['NAME']}"
        )
    return env


@pytest.fixture
def app_celery_worker(tmp_path):
    """A worker on this test run's default queue, on the test databases, with emails to files."""
    from django.conf import settings

    mail_dir = tmp_path / "mail"
    env = {
        **database_env_for_workers(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    process = start_celery_worker(env, settings.CELERY_TASK_DEFAULT_QUEUE, tmp_path / "worker.log")
    yield mail_dir
    process.terminate()
    process.wait(timeout=30)
