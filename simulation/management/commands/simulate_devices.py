"""`manage.py simulate_devices`: fill the portal with realistic encounters through its webhooks."""

import sys
from datetime import datetime, timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from simulation import simulator


def parse_end(text: str | None, *, now: datetime) -> datetime:
    """The end of the simulated period: now, a date (up to the end of that day), or a time.

    A date means "up to midnight after it" (never beyond now); a time
    without a zone is local time. A time in the future is refused: devices
    cannot report encounters that have not happened.
    """
    if not text:
        return now
    day = parse_date(text)  # first: Python also reads a bare date as a date-time at 00:00
    if day is not None:
        if day > timezone.localdate(now):
            raise CommandError(f"--end {text} lies in the future; encounters are reported after.")
        midnight = timezone.make_aware(
            datetime.combine(day + timedelta(days=1), datetime.min.time())
        )
        return min(midnight, now)
    moment = parse_datetime(text)
    if moment is None:
        raise CommandError(f"--end {text!r} is neither a date (2025-03-14) nor a date and time.")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now:
        raise CommandError(f"--end {text} lies in the future; encounters are reported after.")
    return moment


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Simulate proximeters meeting on a campus for some days and deliver their uplinks "
        "through the ingestion webhook, as The Things Stack or ChirpStack would: in this "
        "process, or to a running portal with --url and --token. Uses devices with a DevEUI "
        "from the asset database (assigned ones first)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--devices", type=int, default=200, help="how many devices (200)")
        parser.add_argument("--days", type=int, default=1, help="how many days up to --end (1)")
        parser.add_argument(
            "--format",
            choices=simulator.FORMATS,
            default="tts",
            help="the network server's webhook format (tts)",
        )
        parser.add_argument("--url", help="a running portal, e.g. http://127.0.0.1:8000")
        parser.add_argument("--token", help="its ingest token (manage.py create_ingest_token)")
        parser.add_argument("--seed", type=int, default=1, help="the same seed, the same run (1)")
        parser.add_argument(
            "--duplicates",
            type=_share,
            default=0.05,
            help="share of uplinks delivered twice, as a retrying network server does (0.05)",
        )
        parser.add_argument(
            "--late",
            type=_share,
            default=0.02,
            help="share of uplinks delivered after all others, out of order (0.02)",
        )
        parser.add_argument("--end", help="end of the period: a date or date-time (default: now)")
        parser.add_argument(
            "--concurrency", type=int, default=8, help="parallel requests with --url (8)"
        )
        parser.add_argument(
            "--create-devices",
            action="store_true",
            help="create the missing devices (SIM-00001..., in stock) instead of stopping",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options) -> None:
        if options["devices"] < 2:
            raise CommandError("--devices must be at least 2: an encounter takes two.")
        if options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        url, token = options["url"], options["token"]
        if url and not token:
            raise CommandError(
                "--url needs --token: create one on that portal with "
                "`manage.py create_ingest_token simulator`."
            )
        end = parse_end(options["end"], now=timezone.now())
        try:
            devices = simulator.devices_from_assets(
                options["devices"], create_missing=options["create_devices"]
            )
        except simulator.NotEnoughDevices as error:
            raise CommandError(str(error)) from error
        except ValueError as error:
            raise CommandError(str(error)) from error

        self.stderr.write(
            f"Simulating {len(devices)} devices for {options['days']} day(s) up to "
            f"{timezone.localtime(end):%Y-%m-%d %H:%M %Z}, delivered "
            + (f"to {url}" if url else "in process")
            + f" as {options['format']} webhooks..."
        )
        report = simulator.simulate(
            devices,
            days=options["days"],
            end=end,
            seed=options["seed"],
            fmt=options["format"],
            url=url,
            token=token,
            duplicates=options["duplicates"],
            late=options["late"],
            concurrency=options["concurrency"],
            progress=self._progress() if sys.stderr.isatty() else None,
        )
        if options["json"]:
            self.stdout.write(simulator.as_json(report))
        else:
            for line in simulator.report_lines(report):
                self.stdout.write(line)
        failures = sum(n for code, n in report.by_status.items() if code >= 300)
        if failures or report.delivery.failed:
            raise CommandError(
                f"{failures + report.delivery.failed} of {report.uplinks_sent} requests were not "
                "accepted; see the answers above."
            )

    def _progress(self):
        """A progress line on a terminal, updated at each percent."""
        shown = -1

        def progress(done: int, total: int) -> None:
            nonlocal shown
            percent = done * 100 // max(total, 1)
            if percent != shown:
                shown = percent
                self.stderr.write(f"\r  {done}/{total} requests", ending="")
                if done == total:
                    self.stderr.write("")

        return progress
