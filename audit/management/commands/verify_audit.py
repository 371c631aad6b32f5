import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
                raise CommandError(
                    _("%(path)s is not a digest of the audit trail: %(error)s")
                    % {"path": path, "error": exc}
                ) from exc
        report = audit_verify(digests=digests)
        if report.intact:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Audit trail intact: %(entries)d entries, %(checkpoints)d checkpoints "
                        "and digests agree."
                    )
                    % {"entries": report.entries, "checkpoints": report.checkpoints}
                )
            )
            return
        entry = report.first_broken
        if entry:
            said = _(
                "Audit trail broken at entry %(position)d (%(at)s, %(actor)s): %(problem)s."
            ) % {
                "position": entry.position,
                "at": format_datetime(entry.at),
                "actor": entry.actor,
                "problem": report.problem,
            }
        else:
            said = _("Audit trail broken: %(problem)s.") % {"problem": report.problem}
        self.stdout.write(self.style.ERROR(said))
        raise SystemExit(1)
