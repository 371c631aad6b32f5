"""`make bench`: run the benchmarks, print one table, write it to docs/performance.md.

    .venv/bin/python bench/run.py --scale 10 [--only trace[,purge]] [--no-doc]

Each benchmark is a script bench/<script>.py run alone as a subprocess with
`--scale N --json <file>` (the contract of bench/common.py); its output is
streamed. A script that is missing or fails becomes a row saying so, the
others still run, and the runner exits non-zero at the end. Only the block
between the bench markers of the document is rewritten: the machine of each
run and the table. With --only, only those benchmarks' rows are replaced;
every row says at which SCALE and on which date it was measured.
"""

import argparse
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BASE_URL, ROOT, Row

# The order of the table: benchmark id -> script.
BENCHMARKS = {
    "ingest": "ingest.py",
    "e2e": "e2e.py",
    "trace": "trace.py",
    "trace-replica": "trace_replica.py",
    "purge": "purge.py",
    "stats": "stats.py",
    "mydata": "mydata.py",
    "rssi": "rssi_speed.py",
    "zones": "zones.py",
}
DOC = ROOT / "docs" / "performance.md"
BEGIN = "<!-- bench:begin (written by bench/run.py; do not edit by hand) -->"
END = "<!-- bench:end -->"
STATE = re.compile(r"<!-- bench:state (.*?) -->", re.DOTALL)
TIMEOUT_SECONDS = 40 * 60  # one benchmark; a hung one must not hold `make bench` forever
COLUMNS = ("benchmark", "workload", "figure", "raw baseline", "ratio", "target", "met", "measured")


# --- The machine ------------------------------------------------------------------


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _command(*args: str) -> str:
    try:
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def cpu_description() -> str:
    cpuinfo = _read("/proc/cpuinfo")
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    model = models[0].strip() if models else platform.processor() or "unknown CPU"
    return f"{model} x {os.cpu_count()}"


def ram_description() -> str:
    found = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.MULTILINE)
    return f"{int(found.group(1)) / 1024**2:.1f} GiB" if found else "unknown"


def postgres_version() -> str:
    try:
        import psycopg

        with psycopg.connect(f"{BASE_URL}/postgres", connect_timeout=5) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]
    except Exception as error:  # any failure: say so in the table, do not stop the run
        return f"unreachable ({type(error).__name__})"


def redis_version(host: str = "127.0.0.1", port: int = 6379) -> str:
    try:
        with socket.create_connection((host, port), timeout=2) as connection:
            connection.sendall(b"INFO server\r\n")
            answer = connection.recv(65536).decode(errors="replace")
    except OSError:
        return "unreachable"
    found = re.search(r"redis_version:(\S+)", answer)
    return found.group(1) if found else "unknown"


def django_version() -> str:
    try:
        import django
    except ImportError:
        return "not installed"
    return django.get_version()


def git_commit() -> str:
    commit = _command("git", "rev-parse", "--short", "HEAD") or "unknown"
    dirty = _command("git", "status", "--porcelain", "--untracked-files=no")
    return f"{commit} (with uncommitted changes)" if dirty else commit


def machine_description(scale: int) -> str:
    """One line: what the figures of this run were measured on (the run's date is its key)."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    parts = [
        f"CPU {cpu_description()}",
        f"RAM {ram_description()}",
        f"load average at start {load}",
        f"PostgreSQL {postgres_version()}",
        f"Redis {redis_version()}",
        f"Python {platform.python_version()}",
        f"Django {django_version()}",
        f"commit {git_commit()}",
        f"SCALE={scale}",
    ]
    return "; ".join(parts)


# --- Running the benchmarks -------------------------------------------------------


def failure_row(benchmark: str, reason: str) -> Row:
    return Row(benchmark, f"bench/{BENCHMARKS[benchmark]}", reason, "-", "-", "-", False)


def run_benchmark(benchmark: str, scale: int) -> tuple[list[Row], bool]:
    """Run one script with its output streamed; returns its rows and whether it succeeded."""
    script = ROOT / "bench" / BENCHMARKS[benchmark]
    if not script.exists():
        return [failure_row(benchmark, "not run: the script does not exist yet")], False
    with tempfile.TemporaryDirectory(prefix="proximeter-bench-") as folder:
        rows_file = Path(folder) / "rows.json"
        command = [sys.executable, str(script), "--scale", str(scale), "--json", str(rows_file)]
        print(f"\n=== {benchmark}: {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        try:
            code = subprocess.run(command, cwd=ROOT, timeout=TIMEOUT_SECONDS).returncode
        except subprocess.TimeoutExpired:
            return [failure_row(benchmark, f"failed: timed out after {TIMEOUT_SECONDS} s")], False
        print(f"=== {benchmark}: {time.monotonic() - started:.0f} s, exit code {code}", flush=True)
        rows = read_rows(rows_file) if rows_file.exists() else []
    if code != 0:
        return [*rows, failure_row(benchmark, f"failed: exit code {code} (see its output)")], False
    if not rows:
        return [failure_row(benchmark, "failed: it wrote no rows")], False
    return rows, True


def read_rows(path: Path) -> list[Row]:
    return [Row(**fields) for fields in json.loads(path.read_text())]


# --- The table and the document ---------------------------------------------------


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(rows: list[dict]) -> str:
    """Markdown; each row is a Row's fields plus `measured` (SCALE and date)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = (
            row["id"],
            row["workload"],
            row["figure"],
            row["baseline"],
            row["ratio"],
            row["target"],
            "yes" if row["met"] else "**no**",
            row["measured"],
        )
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines)


def merge(previous: dict, run: dict, benchmarks: list[str]) -> dict:
    """The document's state after a run: this run's rows replace those of its benchmarks.

    A state is {"runs": {run id: machine description}, "rows": [row dicts with
    "run" and "measured"]}; rows stay in the order of BENCHMARKS.
    """
    kept = [row for row in previous.get("rows", []) if row["id"] not in benchmarks]
    rows = kept + run["rows"]
    order = {benchmark: position for position, benchmark in enumerate(BENCHMARKS)}
    rows.sort(key=lambda row: order.get(row["id"], len(order)))  # stable: keeps row order
    runs = {**previous.get("runs", {}), **run["runs"]}
    used = {row["run"] for row in rows}
    return {"runs": {key: text for key, text in runs.items() if key in used}, "rows": rows}


def block(state: dict) -> str:
    """The text between the markers: each run's machine, the table, the state for next time."""
    lines = ["", "Measured on (each row names its SCALE and date; the machine of that run):", ""]
    lines += [f"- {key}: {text}" for key, text in sorted(state["runs"].items())]
    lines += ["", table(state["rows"]), ""]
    lines.append(f"<!-- bench:state {json.dumps(state, separators=(',', ':'))} -->")
    return "\n".join(lines) + "\n"


def read_state(document: str) -> dict:
    found = STATE.search(_between_markers(document))
    return json.loads(found.group(1)) if found else {}


def _between_markers(document: str) -> str:
    start, end = document.find(BEGIN), document.find(END)
    return document[start + len(BEGIN) : end] if 0 <= start < end else ""


def with_block(document: str, text: str) -> str:
    """The document with the block between the markers replaced (markers appended if absent)."""
    start, end = document.find(BEGIN), document.find(END)
    if not 0 <= start < end:
        return document.rstrip("\n") + f"\n\n{BEGIN}\n{text}{END}\n"
    return document[: start + len(BEGIN)] + "\n" + text + document[end:]


def run_state(rows: list[Row], scale: int, started: datetime, machine: str) -> dict:
    run_id = started.strftime("%Y-%m-%d %H:%M UTC")
    measured = f"SCALE={scale}, {started:%Y-%m-%d}"
    return {
        "runs": {run_id: machine},
        "rows": [{**asdict(row), "run": run_id, "measured": measured} for row in rows],
    }


def write_document(path: Path, run: dict, benchmarks: list[str]) -> None:
    # Read just before writing: others may edit the hand-written sections meanwhile.
    document = path.read_text()
    state = merge(read_state(document), run, benchmarks)
    path.write_text(with_block(document, block(state)))


def chosen(only: str | None) -> list[str]:
    if not only:
        return list(BENCHMARKS)
    names = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(unknown)}; one of {', '.join(BENCHMARKS)}")
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=int(os.environ.get("SCALE", "10")))
    parser.add_argument("--only", help="benchmark ids, comma-separated: " + ", ".join(BENCHMARKS))
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite the document")
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args()
    benchmarks = chosen(args.only)
    started_at, started = datetime.now(UTC), time.monotonic()
    machine = machine_description(args.scale)
    print(f"Machine: {machine}", flush=True)
    rows, failed = [], []
    for benchmark in benchmarks:
        benchmark_rows, succeeded = run_benchmark(benchmark, args.scale)
        rows += benchmark_rows
        if not succeeded:
            failed.append(benchmark)
    run = run_state(rows, args.scale, started_at, machine)
    print("\n" + table(run["rows"]))
    if not args.no_doc:
        write_document(args.doc, run, benchmarks)
        print(f"\nWritten to {args.doc}")
    print(f"Total wall time: {time.monotonic() - started:.0f} s")
    if failed:
        print(f"Failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
