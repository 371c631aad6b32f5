"""The encounter table is ready to be distributed by `my_tag` (Citus), on paper.

No Citus package exists for these machines, so this is a check of the DDL and of the
queries, not a deployment (docs/performance.md, "Distributing the encounter table"):

- Citus requires every unique key (the primary key included) of a distributed table to
  contain the distribution column, on the parent and on each partition, and refuses
  foreign keys from a distributed table to a plain one.
- Which queries go to one shard and which fan out to all: each operation of the portal
  that reads or writes encounters is run for real, its SQL captured, and every statement
  classified by a deliberately simple rule written here (a `my_tag = <one value>` condition routes
  to one shard, `my_tag IN (…)` to a few, an INSERT routes each row by its `my_tag`,
  anything else fans out). The table in docs/performance.md must say the same.
"""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from cases.clusters import _pieces_between_cases
from core.databases import ENCOUNTERS
from encounters.aggregates import count_day
from encounters.services import encounters_purge, encounters_upsert, oldest_encounter_start
from stats.selectors import close_pairs
from tracing import contacts
from tracing.selectors import HeldTag, encounters_while_held

pytestmark = pytest.mark.django_db(databases="__all__")

ROOT = Path(__file__).resolve().parents[2]
TABLE = "tracing_encounter"
DISTRIBUTION_COLUMN = "my_tag"

ONE = "one shard"
FEW = "one shard per tag asked"
ROWS = "each row to its tag's shard"
ALL = "every shard"


def unique_keys_without(column: str, *, table: str) -> list[str]:
    """Unique indexes (primary keys included) of `table` and of each of its partitions, and
    of day tables a purge detached, that do not contain `column`: what Citus would refuse."""
    with connections[ENCOUNTERS].cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE tree(oid) AS (
                SELECT %(table)s::regclass::oid
                UNION ALL
                SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid
            )
            SELECT x.indexrelid::regclass::text
            FROM pg_index x JOIN tree ON x.indrelid = tree.oid
            WHERE x.indisunique AND NOT EXISTS (
                SELECT 1 FROM pg_attribute a
                WHERE a.attrelid = x.indrelid AND a.attname = %(column)s
                  AND a.attnum = ANY (x.indkey::smallint[])
            )
            ORDER BY 1
            """,
            {"table": table, "column": column},
        )
        return [row[0] for row in cursor.fetchall()]


def foreign_keys_of(table: str) -> list[str]:
    with connections[ENCOUNTERS].cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND (conrelid = %(t)s::regclass OR confrelid = %(t)s::regclass)",
            {"t": table},
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def postgresql():
    if connections[ENCOUNTERS].vendor != "postgresql":
        pytest.skip("the Citus check reads PostgreSQL's catalog")


def test_every_unique_key_of_the_encounter_table_and_its_partitions_holds_my_tag(postgresql):
    with connections[ENCOUNTERS].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", [TABLE])
        partitions = cursor.fetchone()[0]
    assert partitions >= 2  # the default partition and the days ahead are checked too
    assert unique_keys_without(DISTRIBUTION_COLUMN, table=TABLE) == []
    assert foreign_keys_of(TABLE) == []
    with connections[ENCOUNTERS].cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'p'",
            [TABLE],
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, my_tag, started_at)"


def test_the_check_finds_a_unique_key_without_the_distribution_column(postgresql):
    """The check itself can fail: a partitioned table like the encounter table once was."""
    with connections[ENCOUNTERS].cursor() as cursor:
        cursor.execute(
            "CREATE TABLE citus_check_probe (id bigint, my_tag bigint, day date, "
            "PRIMARY KEY (id, day)) PARTITION BY RANGE (day)"
        )
        cursor.execute(
            "CREATE TABLE citus_check_probe_p PARTITION OF citus_check_probe "
            "FOR VALUES FROM ('2026-01-01') TO ('2026-01-02')"
        )
        cursor.execute("CREATE UNIQUE INDEX citus_check_probe_ok ON citus_check_probe_p (my_tag)")
    assert unique_keys_without(DISTRIBUTION_COLUMN, table="citus_check_probe") == [
        "citus_check_probe_p_pkey",
        "citus_check_probe_pkey",
    ]


# --- Which queries reach one shard ----------------------------------------------------

_MY_TAG = r'(?:"?tracing_encounter"?\.)?"?my_tag"?'


def reach(statement: str) -> set[str]:
    """The shards a statement would reach if the table were distributed by my_tag."""
    sql = " ".join(statement.split())
    if re.match(r"(?i)^(ALTER|CREATE|DROP|LOCK|TRUNCATE)\b", sql):
        return {ALL}
    if re.match(r"(?i)^INSERT\b", sql) and " SELECT " not in sql.upper():
        return {ROWS}
    found = set()
    for branch in re.split(r"(?i)\bUNION\b(?: ALL)?", sql):
        if re.search(_MY_TAG + r" = (?:%s|\d+)\b", branch):
            found.add(ONE)
        elif re.search(_MY_TAG + r" IN \(", branch):
            found.add(FEW)
        else:
            found.add(ALL)
    return found


def test_the_classifier_reads_the_forms_the_portal_writes():
    assert reach('SELECT 1 FROM "tracing_encounter" WHERE "tracing_encounter"."my_tag" = %s') == {
        ONE
    }
    assert reach('SELECT * FROM tracing_encounter WHERE "ref_tag" = %s') == {ALL}
    assert reach('SELECT 1 FROM tracing_encounter WHERE "my_tag" = 12 AND slots > 2') == {ONE}
    assert reach("SELECT 1 FROM tracing_encounter WHERE my_tag = ref_tag") == {ALL}
    assert reach(
        "SELECT a FROM t WHERE my_tag = %s UNION ALL SELECT a FROM t WHERE ref_tag = %s"
    ) == {
        ONE,
        ALL,
    }
    assert reach('DELETE FROM "tracing_encounter" WHERE "my_tag" IN (%s, %s)') == {FEW}
    assert reach("INSERT INTO tracing_encounter (my_tag) VALUES (%s) ON CONFLICT DO NOTHING") == {
        ROWS
    }


def _touching(queries) -> list[str]:
    return [q["sql"] for q in queries if TABLE in q["sql"]]


def _reach_of(operation) -> set[str]:
    with CaptureQueriesContext(connections[ENCOUNTERS]) as captured:
        operation()
    statements = _touching(captured.captured_queries)
    assert statements, "the operation did not touch the encounter table"
    return set().union(*(reach(s) for s in statements))


NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _records():
    return [(11, 22, NOW - timedelta(hours=2), 40), (22, 11, NOW - timedelta(hours=2), 40)]


def _trace():
    encounters_while_held([HeldTag("d1", 11, NOW - timedelta(days=1), NOW)])


def _cases():
    window = contacts.Window(NOW - timedelta(days=1), NOW, "test")
    by_tag = {11: [("c1", window.start, window.end)], 22: [("c2", window.start, window.end)]}
    _pieces_between_cases(by_tag, window)


#: What docs/performance.md says, operation by operation (the table "Which queries fan out").
EXPECTED = {
    "ingestion upsert": (lambda: encounters_upsert(_records()), {ROWS}),
    "trace and MY DATA (per holding)": (_trace, {ONE, ALL}),
    "cases clusters": (_cases, {FEW}),
    "policy what-if": (lambda: close_pairs(start=NOW - timedelta(days=13), end=NOW), {ALL}),
    "purge": (lambda: encounters_purge(cutoff=NOW - timedelta(days=14)), {ALL}),
    "statistics' day counts": (lambda: count_day((NOW - timedelta(days=1)).date()), {ALL}),
    "oldest encounter kept": (oldest_encounter_start, {ALL}),
}


@pytest.mark.parametrize("operation", list(EXPECTED))
def test_which_queries_go_to_one_shard_and_which_fan_out(operation):
    encounters_upsert(_records())
    run, expected = EXPECTED[operation]
    assert _reach_of(run) == expected


def test_the_performance_doc_says_the_same(postgresql):
    doc = (ROOT / "docs" / "performance.md").read_text()
    section = doc.split("### Which queries fan out", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] in EXPECTED:
            rows[cells[0]] = {part.strip() for part in cells[2].split("+")}
    assert rows == {name: expected for name, (_, expected) in EXPECTED.items()}
