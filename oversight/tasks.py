from celery import shared_task

from oversight import services


@shared_task(
    name="oversight.digest_send", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def digest_send() -> int:
    """Weekly (beat, Monday morning): last week's unusual activity to the privacy officers."""
    return services.digest_send()
