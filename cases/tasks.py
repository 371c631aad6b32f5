from celery import shared_task

from cases import services


@shared_task(name="cases.followups_close_expired")
def followups_close_expired() -> int:
    """Nightly: follow-ups past their end date close themselves, with the reason."""
    return services.followups_close_expired()
