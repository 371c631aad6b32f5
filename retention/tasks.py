"""The daily purge, run by beat (safe to run twice)."""

from celery import shared_task

from retention import services


@shared_task(name="retention.purge_expired")
def purge_expired() -> dict[str, int]:
    """Daily (beat): delete everything older than its retention."""
    return services.purge_expired()
