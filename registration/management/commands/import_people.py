from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from core.imports import progress_bar, read_rows, stream_of, write_report
from registration.imports import import_people


class Command(BaseCommand):
    help = (
        "Import people from the HR directory's CSV or JSON export (person_id, given_name, "
        "family_name, email, department, active, language: en/fr). Safe to run again. "
        "Exits 1 if any row had an error (the valid rows are imported all the same)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a .csv or .json file")
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="the file is the whole directory: deactivate every active person not in it",
        )

    def handle(self, *args, file: Path, deactivate_missing: bool, **options):
        try:
            rows = read_rows(file)
            with progress_bar(
                total=rows.total, stream=stream_of(self.stderr), description="people"
            ) as progress:
                report = import_people(
                    rows=rows, deactivate_missing=deactivate_missing, progress=progress
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        write_report(report=report, stdout=self.stdout, style=self.style)
        if report.error_count:
            raise SystemExit(1)
