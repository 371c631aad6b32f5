"""The one way services hand work to the workers: by task name, so no service imports its tasks.

Tasks live in each app's `tasks.py` and call its services (Celery finds them by
`autodiscover_tasks`). A service that wants work done later names the task here.
"""

import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def _task(name: str):
    """The registered task `name`; the first call in a process runs Celery's autodiscovery
    (a worker does it at start, a web process only when it first hands work over)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def enqueue(name: str, *args, fallback: str | None = None) -> bool:
    """Send the task `name` with `args` to the workers (run at once when tasks are eager).

    With `fallback` (what catches up instead, in words), a broker that does not answer
    is logged with it and False returned; without, the error is raised.
    """
    task = _task(name)
    if fallback is None:
        task.delay(*args)
        return True
    options = {"args": args} if args else {}
    try:
        task.apply_async(**options, retry=False)
    except Exception as exc:  # broker unreachable: any kombu/redis error
        logger.warning(f"queue unavailable, {fallback}", extra={"error": type(exc).__name__})
        return False
    return True


def enqueue_on_commit(name: str, *args, using: str, fallback: str | None = None) -> None:
    """`enqueue` once the transaction on the database `using` commits (never on a rollback)."""
    transaction.on_commit(lambda: enqueue(name, *args, fallback=fallback), using=using)
