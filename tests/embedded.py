"""Running the portal as a newcomer would: the embedded default, nothing configured."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Everything the test suite itself points at real services; the embedded
# default is what remains when none of it is set.
CONFIGURATION_VARIABLES = (
    "DATABASE_URL",
    "ASSETS_DATABASE_URL",
    "ASSOCIATIONS_DATABASE_URL",
    "ENCOUNTERS_DATABASE_URL",
    "REDIS_URL",
    "OIDC_SERVER_URL",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
    "PORTAL_DEMO",
)


def embedded_env(data_dir: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in CONFIGURATION_VARIABLES}
    env["PORTAL_DATA_DIR"] = str(data_dir)
    return env


def manage(env: dict, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
