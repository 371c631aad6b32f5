from celery import shared_task


@shared_task(name="core.ping")
def ping() -> str:
    """A worker's proof of life, used by the tests and by operators (`celery call core.ping`)."""
    return "pong"
