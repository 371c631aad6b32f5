"""The Celery app: Redis broker when REDIS_URL is set, else the embedded filesystem broker."""

import os

from celery import Celery
from celery.signals import task_prerun, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proximeter.settings")

app = Celery("proximeter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _retire_old_connections(sender=None, **_kwargs) -> None:
    """What Django does at each request: close connections past CONN_MAX_AGE or broken.

    Needed because CELERY_DB_REUSE_MAX keeps connections across tasks; without
    it a worker would keep a connection that a PostgreSQL restart broke. Not for
    a task run in place (`apply()`): the caller's connection is not the worker's.
    """
    from django.db import close_old_connections

    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    close_old_connections()


@worker_ready.connect
def _serve_metrics(**_kwargs) -> None:
    """A worker host without a web process: its metrics on WORKER_METRICS_PORT (when set)."""
    from core.metrics import serve_worker_metrics

    serve_worker_metrics()
