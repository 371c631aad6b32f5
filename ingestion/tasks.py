"""Thin tasks of the ingestion path (acknowledged late; safe to run twice)."""

from celery import shared_task

from ingestion import services


@shared_task(name="ingestion.inbox_process", acks_late=True, ignore_result=True)
def inbox_process(inbox_ids: list[int]) -> int:
    return services.inbox_process(inbox_ids=inbox_ids)


@shared_task(name="ingestion.inbox_redrive")
def inbox_redrive() -> int:
    """Every minute (beat): rows nobody processed, e.g. while Redis or the workers were down."""
    return services.inbox_redrive()
