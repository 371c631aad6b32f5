from django.core.management.base import BaseCommand

from audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exits 1 naming the first tampered entry."

    def handle(self, *args, **options):
        report = audit_verify()
        if report.intact:
            self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {report.entries} entries."))
            return
        entry = report.first_broken
        self.stdout.write(
            self.style.ERROR(
                f"Audit trail broken at entry {entry.pk} "
                f"({entry.at:%Y-%m-%d %H:%M}, {entry.actor}): {report.problem}."
            )
        )
        raise SystemExit(1)
