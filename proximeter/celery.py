"""The Celery app: Redis broker when REDIS_URL is set, else the embedded filesystem broker."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proximeter.settings")

app = Celery("proximeter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
