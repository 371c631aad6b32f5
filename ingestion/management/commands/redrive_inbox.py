from datetime import timedelta

from django.core.management.base import BaseCommand

from ingestion.services import inbox_redrive


class Command(BaseCommand):
    help = "Process the inbox rows still waiting, and this host's spool (beat: every minute)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=120, help="seconds waiting (default 120)"
        )

    def handle(self, *args, older_than: int, **options):
        processed = inbox_redrive(older_than=timedelta(seconds=older_than))
        self.stdout.write(f"{processed} rows processed")
