"""Test settings: the real services of the machine (PostgreSQL with four databases, Redis).

Values already in the environment win, so CI or a developer can point the
suite elsewhere. pytest-django creates `test_<name>` for each alias.
"""

import os
import tempfile

_PG = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
_SERVICES = {
    "DATABASE_URL": f"{_PG}/proximeter",
    "ASSETS_DATABASE_URL": f"{_PG}/proximeter_assets",
    "ASSOCIATIONS_DATABASE_URL": f"{_PG}/proximeter_associations",
    "ENCOUNTERS_DATABASE_URL": f"{_PG}/proximeter_encounters",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
}
for _variable, _url in _SERVICES.items():
    if os.environ.get("TEST_EMBEDDED") == "1":
        # The embedded default (SQLite, no Redis), for the tests that must hold on both.
        os.environ.pop(_variable, None)
    else:
        os.environ.setdefault(_variable, _url)
os.environ.setdefault("PORTAL_DATA_DIR", tempfile.mkdtemp(prefix="proximeter-test-data-"))
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("LOG_FORMAT", "text")
os.environ.setdefault("DEMO_ENCOUNTER_DAYS", "0")  # one test turns it on
# Playwright's sync API keeps an event loop in the test thread; Django's ORM
# guard would take the test's own queries for async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tasks queued by the code under test go to a queue of this test run only, so
# a worker started by a test never picks up another run's leftovers.
os.environ.setdefault("TEST_CELERY_QUEUE", f"proximeter-test-{os.getpid()}")

from core.databases import PRIMARY_OF  # noqa: E402
from proximeter.settings import *  # noqa: E402, F403
from proximeter.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.routing"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; tests only
CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_CELERY_QUEUE"]

# Several checkouts or sessions on one machine can keep their test databases apart.
_SUFFIX = os.environ.get("TEST_DATABASE_SUFFIX", "")
if _SUFFIX:
    for _config in DATABASES.values():  # noqa: F405
        if "postgresql" in _config["ENGINE"]:  # SQLite's test databases live in memory
            _config.setdefault("TEST", {})["NAME"] = f"test_{_config['NAME']}_{_SUFFIX}"

# A replica alias, when one is configured, reads the test database of its primary.
for _replica, _primary in PRIMARY_OF.items():
    if _replica in DATABASES:  # noqa: F405
        DATABASES[_replica].setdefault("TEST", {})["MIRROR"] = _primary  # noqa: F405
