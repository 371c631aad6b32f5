from django.core.management.base import BaseCommand

from retention.services import purge_expired


class Command(BaseCommand):
    help = "Delete everything older than its retention (every app's own purge); report per table."

    def handle(self, *args, **options):
        for table, count in purge_expired().items():
            self.stdout.write(f"{table}: {count} rows removed")
