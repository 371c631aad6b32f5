from django.core.management import call_command
from django.core.management.base import BaseCommand

from core.databases import ALIASES


class Command(BaseCommand):
    help = "Migrate all four databases; the router decides which tables go where."

    def handle(self, *args, **options):
        for alias in ALIASES:
            self.stdout.write(f"Migrating database {alias!r}")
            call_command(
                "migrate", database=alias, interactive=False, verbosity=options["verbosity"]
            )
