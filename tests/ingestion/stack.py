"""The production process layout on loopback, for end-to-end and fault tests.

A private Redis server (so a test may stop it), the web app under gunicorn,
a Celery worker and the ingest worker, all on the test's PostgreSQL databases. The test
process posts webhooks over HTTP and reads the databases.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from bench.common import free_port, redis_answers, redis_command, wait_for
from tests.conftest import ROOT, database_env_for_workers

BIN = Path(sys.executable).parent


class Stack:
    def __init__(self, folder: Path, *, web_workers: int = 2):
        self.folder = folder
        self.redis_port = free_port()
        self.web_port = free_port()
        self.web_workers = web_workers
        self.env = {
            **database_env_for_workers(),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            # A killed worker's task comes back quickly in a test.
            "CELERY_VISIBILITY_TIMEOUT": "10",
            "LOG_FORMAT": "json",
            "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus"),
        }
        (folder / "prometheus").mkdir(exist_ok=True)
        self.redis = self.web = self.worker = self.ingest = None
        self.url = f"http://127.0.0.1:{self.web_port}"

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115  (closed with the process)
        return subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- Redis
    def start_redis(self) -> None:
        self.redis = self._spawn("redis", redis_command(self.redis_port))
        wait_for(lambda: redis_answers(self.redis_port), timeout=10, what="redis")

    def stop_redis(self) -> None:
        self.redis.terminate()
        self.redis.wait(timeout=10)

    # --- web
    def start_web(self) -> None:
        self.web = self._spawn(
            "web",
            [
                str(BIN / "gunicorn"),
                "proximeter.wsgi",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                str(self.web_workers),
                "--access-logfile",
                "-",
            ],
        )
        wait_for(self._web_answers, timeout=30, what="gunicorn")

    def _web_answers(self) -> bool:
        if self.web.poll() is not None:
            raise AssertionError("gunicorn exited:\n" + self.log("web"))
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503)
        except requests.RequestException:
            return False

    # --- worker
    def start_worker(self) -> None:
        queue = self.env.get("TEST_CELERY_QUEUE") or os.environ["TEST_CELERY_QUEUE"]
        self.worker = self._spawn(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "proximeter",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"{queue}@%h",
            ],
        )

    def kill_worker(self) -> None:
        """SIGKILL: no goodbye, no acknowledgement of the task in hand."""
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(timeout=10)

    # --- ingest worker (manage.py ingest_worker: the inbox in batches)
    def start_ingest(self, **env: str) -> None:
        process_env = {**self.env, **env}
        log = open(self.folder / "ingest.log", "ab")  # noqa: SIM115  (closed with the process)
        self.ingest = subprocess.Popen(
            [sys.executable, "manage.py", "ingest_worker"],
            cwd=ROOT,
            env=process_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill_ingest(self) -> None:
        """SIGKILL in the middle of whatever batch it holds."""
        self.ingest.send_signal(signal.SIGKILL)
        self.ingest.wait(timeout=10)

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    def start(self) -> "Stack":
        self.start_redis()
        self.start_web()
        self.start_worker()
        self.start_ingest()
        return self

    def stop_ingest(self) -> None:
        self.ingest.terminate()
        self.ingest.wait(timeout=15)

    def stop(self) -> None:
        for process in (self.ingest, self.worker, self.web, self.redis):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
