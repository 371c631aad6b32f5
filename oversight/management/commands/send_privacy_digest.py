from datetime import date

from django.core.management.base import BaseCommand, CommandError

from oversight.services import digest_send


class Command(BaseCommand):
    help = (
        "Send the weekly digest of unusual activity to the privacy officers now "
        "(beat sends it every Monday at 07:00)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--until",
            help="The digest's last day, YYYY-MM-DD (default: yesterday); it covers 7 days.",
        )

    def handle(self, *args, **options):
        until = None
        if options["until"]:
            try:
                until = date.fromisoformat(options["until"])
            except ValueError as error:
                raise CommandError(f"--until: give a date such as 2026-11-30 ({error})") from None
            if not 1971 <= until.year <= 2200:
                raise CommandError("--until: give a date between 1971 and 2200")
        sent = digest_send(until=until)
        if not sent:
            self.stderr.write(
                "No digest sent: no account of the privacy role has an e-mail address and "
                "PRIVACY_DIGEST_EMAILS is empty."
            )
            return
        self.stdout.write(f"Digest sent to {sent} address{'es' if sent != 1 else ''}.")
