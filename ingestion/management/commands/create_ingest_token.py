from django.core.management.base import BaseCommand, CommandError

from ingestion.models import IngestToken
from ingestion.services import ingest_token_create


class Command(BaseCommand):
    help = "Create a network server's webhook token. Printed once; only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument("name", help="which network server uses it, e.g. tts-production")

    def handle(self, *args, name: str, **options):
        if IngestToken.objects.filter(name=name).exists():
            raise CommandError(
                f"A token named {name!r} exists; revoke it in the admin or choose another name."
            )
        token = ingest_token_create(name=name)
        self.stdout.write(token)
        self.stderr.write(
            "Give this token to the network server as 'Authorization: Bearer <token>'. "
            "It is not stored and cannot be shown again."
        )
