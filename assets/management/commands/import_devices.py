from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assets.imports import import_devices
from core.errors import DomainError
from core.imports import progress_bar, read_rows, stream_of, write_report


class Command(BaseCommand):
    help = (
        "Import devices from a CSV file (device_id, tag_id, dev_eui, firmware, batch): new "
        "devices are created in stock, changed ones updated. Safe to run again. Exits 1 if "
        "any row had an error (the valid rows are imported all the same)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a .csv (or .json) file")
        parser.add_argument(
            "--actor", default="import", help="name recorded in the devices' history"
        )

    def handle(self, *args, file: Path, actor: str, **options):
        try:
            rows = read_rows(file)
            with progress_bar(
                total=rows.total, stream=stream_of(self.stderr), description="devices"
            ) as progress:
                report = import_devices(rows=rows, actor=actor, progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        write_report(report=report, stdout=self.stdout, style=self.style)
        if report.error_count:
            raise SystemExit(1)
