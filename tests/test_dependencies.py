"""What the service imports is declared in pyproject.toml; a web worker does not load SciPy."""

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SERVICE_PACKAGES = [
    name for name in PROJECT["tool"]["importlinter"]["root_packages"] if name != "simulation"
]


def _normalised(requirement: str) -> str:
    name = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_third_party_module_the_service_imports_is_declared():
    declared = {_normalised(r) for r in PROJECT["project"]["dependencies"]}
    distributions = packages_distributions()
    own = set(PROJECT["tool"]["importlinter"]["root_packages"])
    undeclared = {}
    for package in SERVICE_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for module in _top_level_imports(path) - own - set(sys.stdlib_module_names):
                owners = {_normalised(d) for d in distributions.get(module, [module])}
                if not owners & declared:
                    undeclared.setdefault(module, set()).add(str(path.relative_to(ROOT)))
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_the_check_above_sees_an_undeclared_import(tmp_path):
    """The check is not vacuous: an import of an undeclared package is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text("import kombu\nfrom cryptography.fernet import Fernet\n")
    assert _top_level_imports(sample) == {"kombu", "cryptography"}
    declared = {_normalised(r) for r in PROJECT["project"]["dependencies"]}
    assert "cryptography" in declared and "kombu" not in declared


def test_a_web_worker_does_not_load_scipy():
    """SciPy (over 100 MB) is loaded only where the Inria pipeline runs, not by every worker."""
    code = (
        "import sys, django;"
        "from proximeter.wsgi import application;"
        "from django.urls import get_resolver;"
        "get_resolver().url_patterns;"
        "from django.test import Client;"
        "Client().get('/healthz');"
        "print('scipy' in sys.modules, 'numpy' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin"},
    )
    scipy_loaded, _numpy_loaded = done.stdout.split()[-2:]
    assert scipy_loaded == "False", done.stdout
