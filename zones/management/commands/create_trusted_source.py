from django.core.management.base import BaseCommand, CommandError

from zones.models import TrustedSource
from zones.services import trusted_source_create


class Command(BaseCommand):
    help = (
        "Create a trusted source's token for uploading coordinates. Printed once; only its hash "
        "is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="who uploads with it, e.g. cantonal-hospital")

    def handle(self, *args, name: str, **options):
        if TrustedSource.objects.filter(name=name).exists():
            raise CommandError(
                f"A trusted source named {name!r} exists; revoke it in the admin or choose "
                "another name."
            )
        token = trusted_source_create(name=name)
        self.stdout.write(token)
        self.stderr.write(
            "Give this token to the source as 'Authorization: Bearer <token>' for "
            "POST /api/zones/coordinates. It is not stored and cannot be shown again."
        )
