import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import Checkpoint
from audit.services import audit_verify
from core.dates import format_datetime


class Command(BaseCommand):
    help = (
        "Verify the audit trail: its keyed hash chain, and against the signed checkpoints "
        "(AUDIT_CHECKPOINT_FILE) and any digests given; exits 1 saying what is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--digest",
            action="append",
            default=[],
            metavar="FILE",
            help="A digest downloaded from the audit page (GET /api/audit/digest); repeatable.",
        )

    def handle(self, *args, **options):
        digests = []
        for path in options["digest"]:
            try:
                digests.append(Checkpoint.from_dict(json.loads(Path(path).read_text())))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"{path} is not a digest of the audit trail: {exc}") from exc
        report = audit_verify(digests=digests)
        if report.intact:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit trail intact: {report.entries} entries, "
                    f"{report.checkpoints} checkpoints and digests agree."
                )
            )
            return
        entry = report.first_broken
        where = (
            f" at entry {entry.position} ({format_datetime(entry.at)}, {entry.actor})"
            if entry
            else ""
        )
        self.stdout.write(self.style.ERROR(f"Audit trail broken{where}: {report.problem}."))
        raise SystemExit(1)
