"""`manage.py ingest_worker`: process the inbox in batches as uplinks arrive (ingestion/worker.py).

SIGINT and SIGTERM stop it after the batch in hand (at most a few seconds).
"""

import signal
import threading

from django.core.management.base import BaseCommand

from core.metrics import serve_worker_metrics
from ingestion import worker


class Command(BaseCommand):
    help = "Process the inbox in batches as uplinks arrive; move this host's spool in."

    def handle(self, *args, **options):
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        serve_worker_metrics()
        worker.run(stop)
