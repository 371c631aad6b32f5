from django.core.management.base import BaseCommand

from ingestion.services import purge_expired


class Command(BaseCommand):
    help = (
        "Delete encounters, inbox and dead-letter rows older than the retention; report per table."
    )

    def handle(self, *args, **options):
        for table, count in purge_expired().items():
            self.stdout.write(f"{table}: {count} rows removed")
