"""Infrastructure receivers: count failed sign-ins and failed tasks (no names, no IDs)."""

from celery.signals import task_failure
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from core.metrics import LOGIN_FAILURES, TASK_FAILURES


@receiver(user_login_failed)
def count_login_failure(sender, **kwargs) -> None:
    LOGIN_FAILURES.inc()


@task_failure.connect
def count_task_failure(sender=None, **kwargs) -> None:
    TASK_FAILURES.labels(task=getattr(sender, "name", "unknown")).inc()
