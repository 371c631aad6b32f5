"""The Celery app: Redis broker when REDIS_URL is set, else the embedded filesystem broker."""

import os

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proximeter.settings")

app = Celery("proximeter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _retire_old_connections(**_kwargs) -> None:
    """What Django does at each request: close connections past CONN_MAX_AGE or broken.

    Needed because CELERY_DB_REUSE_MAX keeps connections across tasks; without
    it a worker would keep a connection that a PostgreSQL restart broke.
    """
    from django.db import close_old_connections

    close_old_connections()
