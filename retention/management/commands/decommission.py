import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from retention.decommission import (
    decommission_carry_out,
    decommission_check,
    decommission_get,
    decommission_preview,
    decommission_report_verify,
)


class Command(BaseCommand):
    help = (
        "End the service: erase every encounter, inbox row, dead letter, donated point, stored "
        "trace, case, follow-up, person and link person <-> device in every database, keep the "
        "audit trail, and print a signed report (JSON). Needs a request asked by the privacy "
        "role and approved by a second person on the audit page. Run again after a failure: it "
        "finishes the job. --verify checks a report."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--request", type=int, metavar="ID", help="The approved request.")
        group.add_argument(
            "--verify", metavar="FILE", help="Check a report this command printed (exits 1 if not)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be erased; erase nothing."
        )

    def handle(self, *args, **options):
        if options["verify"]:
            return self._verify(options["verify"])
        try:
            decommission = decommission_get(request_id=options["request"])
            if options["dry_run"]:
                return self._dry_run(decommission)
            report = decommission_carry_out(
                decommission=decommission,
                on_step=lambda key, count: self.stderr.write(f"{key}: {count} erased"),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(report, indent=2, sort_keys=True))

    def _dry_run(self, decommission):
        try:
            decommission_check(decommission=decommission)
            ready = "approved: a run would erase"
        except DomainError as exc:
            ready = f"not ready ({exc.message}); a run would erase"
        self.stderr.write(f"Request {decommission.pk} {ready} (nothing is erased now):")
        preview = decommission_preview()
        self.stdout.write(json.dumps({"dry_run": True, "would_erase": preview}, indent=2))

    def _verify(self, path: str):
        try:
            report = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"{path} cannot be read as JSON: {exc}") from exc
        check = decommission_report_verify(report)
        if check.genuine:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Genuine: signed with the audit chain's key; the trail ended at entry "
                    f"{report['audit']['position']} on {report['carried_out_at']}."
                )
            )
            return
        self.stdout.write(self.style.ERROR(f"Not genuine: {check.problem}."))
        raise SystemExit(1)
