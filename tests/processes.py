"""Several processes doing one thing at the same moment, on this test's databases.

Each process runs a snippet of Python after django.setup(), waits until all
of them are ready, then starts at once (a file appearing is the starting
gun). Threads share one interpreter; processes are what production runs.
"""

import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, database_env_for_workers

PRELUDE = """
import os, sys, time
from pathlib import Path
import django
django.setup()
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
while not go.exists():
    time.sleep(0.001)
"""


def at_once(
    snippet: str,
    args: list[list[str]],
    tmp_path: Path,
    *,
    env: dict | None = None,
    timeout: float = 120,
) -> list[str]:
    """Run `snippet` in one process per item of `args` (its sys.argv[3:]); their outputs.

    Raises AssertionError with the process's output if one fails.
    """
    go = tmp_path / "go"
    processes = []
    for n, extra in enumerate(args):
        ready = tmp_path / f"ready-{n}"
        processes.append(
            (
                ready,
                subprocess.Popen(
                    [sys.executable, "-c", PRELUDE + snippet, str(ready), str(go), *extra],
                    cwd=ROOT,
                    env={**database_env_for_workers(), **(env or {})},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                ),
            )
        )
    deadline = time.monotonic() + timeout
    while not all(ready.exists() for ready, _ in processes):
        assert time.monotonic() < deadline, "the processes did not start"
        assert all(p.poll() is None for _, p in processes), [
            p.communicate()[0] for _, p in processes if p.poll() is not None
        ]
        time.sleep(0.01)
    go.touch()
    outputs = []
    for _, process in processes:
        out, _ = process.communicate(timeout=timeout)
        assert process.returncode == 0, out
        outputs.append(out)
    return outputs
