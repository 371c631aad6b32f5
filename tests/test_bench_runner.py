"""bench/run.py's table and document block: no services, no benchmark is run."""

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def runner():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_run", None)


def rows_of(runner, benchmark: str, figure: str):
    return [runner.Row(benchmark, f"{benchmark} work", figure, "base | line", "1.0", "t", True)]


DOCUMENT = """# Performance

## How to run

<!-- bench:begin (written by bench/run.py; do not edit by hand) -->
old text
<!-- bench:end -->

## Notes per benchmark
"""


def test_a_run_writes_only_between_the_markers(runner):
    run = runner.run_state(
        rows_of(runner, "trace", "1 s"), 10, datetime(2026, 11, 21, 14, 0, tzinfo=UTC), "CPU x"
    )
    document = runner.with_block(DOCUMENT, runner.block(runner.merge({}, run, ["trace"])))
    before, after = document.split(runner.BEGIN)
    assert before == DOCUMENT.split(runner.BEGIN)[0]
    assert after.endswith("<!-- bench:end -->\n\n## Notes per benchmark\n")
    assert "old text" not in document
    row = "| trace | trace work | 1 s | base \\| line | 1.0 | t | yes | SCALE=10, 2026-11-21 |"
    assert row in document
    assert "- 2026-11-21 14:00 UTC: CPU x" in document


def test_only_replaces_that_benchmarks_rows_and_keeps_the_order(runner):
    first = runner.run_state(
        rows_of(runner, "ingest", "old ingest") + rows_of(runner, "trace", "old trace"),
        10,
        datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        "machine one",
    )
    document = runner.with_block(DOCUMENT, runner.block(runner.merge({}, first, ["ingest"])))
    document = runner.with_block(
        document, runner.block(runner.merge(runner.read_state(document), first, ["trace"]))
    )
    again = runner.run_state(
        rows_of(runner, "ingest", "new ingest"),
        1,
        datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
        "machine two",
    )
    state = runner.merge(runner.read_state(document), again, ["ingest"])
    assert [row["figure"] for row in state["rows"]] == ["new ingest", "old trace"]
    assert [row["measured"] for row in state["rows"]] == [
        "SCALE=1, 2026-11-21",
        "SCALE=10, 2026-11-20",
    ]
    assert state["runs"] == {
        "2026-11-20 09:00 UTC": "machine one",
        "2026-11-21 09:00 UTC": "machine two",
    }


def test_a_missing_script_becomes_a_failed_row(runner, monkeypatch):
    monkeypatch.setitem(runner.BENCHMARKS, "ingest", "no_such_script.py")
    rows, succeeded = runner.run_benchmark("ingest", 1)
    assert not succeeded
    assert rows[0].met is False
    assert "does not exist" in rows[0].figure


def test_markers_are_added_when_the_document_has_none(runner):
    document = runner.with_block("# Performance\n", "table\n")
    assert document.endswith(f"{runner.BEGIN}\ntable\n{runner.END}\n")
