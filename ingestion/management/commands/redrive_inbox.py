from django.core.management.base import BaseCommand

from ingestion.services import inbox_redrive


class Command(BaseCommand):
    help = "Queue again the inbox rows still waiting (beat does this every minute)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=120, help="seconds waiting (default 120)"
        )

    def handle(self, *args, older_than: int, **options):
        from datetime import timedelta

        self.stdout.write(f"{inbox_redrive(older_than=timedelta(seconds=older_than))} rows queued")
