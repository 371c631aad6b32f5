"""Celery work runs in real worker processes: on Redis, and on the embedded filesystem broker."""

import subprocess

from core.tasks import ping
from tests.conftest import start_celery_worker
from tests.embedded import PYTHON, ROOT, embedded_env


def test_a_real_worker_runs_a_task_sent_through_redis(redis_celery_worker):
    result = ping.apply_async(queue=redis_celery_worker)
    assert result.get(timeout=60) == "pong"


def test_without_redis_the_embedded_broker_still_runs_tasks_in_a_worker(tmp_path, celery_queue):
    env = embedded_env(tmp_path / "data")
    worker = start_celery_worker(env, celery_queue, tmp_path / "worker.log")
    try:
        sent = subprocess.run(
            [
                PYTHON,
                "-c",
                "import django; django.setup();"
                "from core.tasks import ping;"
                f"print(ping.apply_async(queue={celery_queue!r}).get(timeout=60))",
            ],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "proximeter.settings"},
            capture_output=True,
            text=True,
            timeout=90,
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert sent.returncode == 0, sent.stderr + (tmp_path / "worker.log").read_text()
    assert sent.stdout.strip() == "pong"
    # No Redis was involved: the message went through the data folder.
    assert (tmp_path / "data" / "celery" / "queue").is_dir()
