"""Thin tasks of the ingestion path (safe to run twice).

Uplinks are not queued one by one: the ingest worker (manage.py ingest_worker) drains
the inbox in batches. Beat's re-drive is the safety net should no ingest worker run.
"""

from celery import shared_task

from ingestion import services


@shared_task(name="ingestion.inbox_redrive")
def inbox_redrive() -> int:
    """Every minute (beat): rows waiting over two minutes, and this host's spool."""
    return services.inbox_redrive()
