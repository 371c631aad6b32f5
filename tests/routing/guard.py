"""A query sent to the wrong database raises, in the whole suite (installed by RoutingConfig).

The router keeps each model in its home; this proves nothing slips past it: every
statement on a connection is checked for the tables of models whose home is another
alias (raw SQL included), and `WrongDatabase` is raised before it runs.
"""

import re
from functools import cache

from django.apps import apps
from django.db.backends.signals import connection_created

from core.databases import home_of


class WrongDatabase(AssertionError):
    pass


@cache
def _tables_by_home() -> dict[str, str]:
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        tables[model._meta.db_table] = home_of(model)
    return tables


@cache
def _table_pattern() -> re.Pattern:
    names = sorted(_tables_by_home(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")


def check_statement(alias: str, sql: str) -> None:
    """Raise WrongDatabase if `sql` names a table whose home is not `alias`."""
    homes = _tables_by_home()
    for table in set(_table_pattern().findall(sql)):
        if homes[table] != alias:
            raise WrongDatabase(
                f"{table} lives in {homes[table]!r}, but this statement went to {alias!r}: {sql}"
            )


def _guard_for(alias: str):
    def guard(execute, sql, params, many, context):
        check_statement(alias, str(sql))
        return execute(sql, params, many, context)

    guard.is_wrong_database_guard = True
    return guard


def _install(sender, connection, **kwargs) -> None:
    if not any(getattr(w, "is_wrong_database_guard", False) for w in connection.execute_wrappers):
        connection.execute_wrappers.append(_guard_for(connection.alias))


def install() -> None:
    connection_created.connect(_install, dispatch_uid="tests.routing.guard")
