"""Thin tasks of the encounters (safe to run twice)."""

from celery import shared_task

from encounters import aggregates, partitions


@shared_task(name="encounters.partitions_ahead")
def partitions_ahead() -> int:
    """Hourly (beat): the encounter table's day partitions, yesterday to a week ahead.

    Cheap when they exist (one catalog query), and hourly rather than daily
    so that a beat down for a day is caught up long before midnight.
    """
    return partitions.partitions_ahead()


@shared_task(name="encounters.days_close")
def days_close() -> int:
    """Every few minutes (beat): count the days just over and those late uplinks changed."""
    return aggregates.days_close()
