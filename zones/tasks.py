"""Thin tasks of location exposure (safe to run twice)."""

from celery import shared_task

from zones import services


@shared_task(name="zones.link_coordinates", ignore_result=True)
def link_coordinates() -> int:
    """Every 5 minutes (beat), and queued by each donation: link new points to their zones."""
    return services.coordinates_link()
