"""README.md tells the truth, so that it cannot drift from the code: the demo accounts' table
against what /api/me gives each of them, and the configuration table against every variable
the settings (and the serving script) read from the environment."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from simulation.demo_accounts import DEMO_ACCOUNTS, load_demo_accounts

ROOT = Path(settings.BASE_DIR)
README = (ROOT / "README.md").read_text()
NOTHING = "—"


def table_after(marker: str) -> list[dict[str, str]]:
    """The first Markdown table after the line holding `marker`, as one dict per row."""
    lines = README[README.index(marker) :].splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        # A cell may hold an escaped pipe (`a\|b`): split on the others only.
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    header, _rule, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def items(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(",") if item.strip()]


@pytest.mark.django_db(databases="__all__")
def test_the_demo_accounts_table_lists_what_each_account_sees(client):
    load_demo_accounts()
    table = {row["user"].strip("`"): row for row in table_after("Demo accounts")}
    assert set(table) == {username for username, *_ in DEMO_ACCOUNTS}
    for username, row in table.items():
        client.force_login(get_user_model().objects.get(username=username))
        me = client.get("/api/me").json()
        assert items(row["pages"]) == [page["title"] for page in me["pages"]], username
        has_admin = row["administration"] != NOTHING
        assert has_admin == (me["links"]["admin"] is not None), username
        named = [role for role in items(row["role"]) if role not in {"none", "staff", "superuser"}]
        assert named == me["roles"], username
        assert ("staff" in items(row["role"])) == (me["is_staff"] and not me["roles"]), username


def env_variables_of_the_settings() -> set[str]:
    """Every name an env_*() call of proximeter/settings.py reads."""
    tree = ast.parse((ROOT / "proximeter" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.startswith("env_")
        ):
            continue
        name = node.args[0]
        if isinstance(name, ast.Constant):
            names.add(name.value)
        elif table := re.match(r"(DATABASE_\w*VARIABLES)\[", ast.unparse(name)):
            names |= set(getattr(settings, table.group(1)).values())
        else:  # a name this test cannot see: teach it where the name comes from
            pytest.fail(f"settings.py reads a variable by a computed name: {ast.unparse(name)}")
    return names


def env_variables_of_the_scripts() -> set[str]:
    """The `${NAME:-default}` variables the serving scripts read (PORTAL_BIND, …)."""
    return {
        name
        for script in (ROOT / "scripts").glob("*.sh")
        for name in re.findall(r"\$\{([A-Z][A-Z0-9_]*):-", script.read_text())
    }


def test_every_variable_read_from_the_environment_is_in_the_configuration_table():
    documented = {
        name
        for row in table_after("## Configuration")
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row["variable"])
    }
    read = env_variables_of_the_settings() | env_variables_of_the_scripts()
    assert {"PORTAL_URL", "MQTT_URL", "PORTAL_BIND", "DATABASE_URL"} <= read  # the readers work
    assert sorted(read - documented) == []
