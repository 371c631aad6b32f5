"""`manage.py backfill`: recover uplinks from The Things Stack's Storage Integration
(ingestion/backfill.py, docs/network-servers.md). Running it again is harmless."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ingestion import backfill
from ingestion.spool import SpoolUnavailable


def _moment(value: str, option: str):
    try:
        moment = parse_datetime(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(f"{option} {value!r} is not a date and time (ISO 8601).")
    if timezone.is_naive(moment):
        raise CommandError(f"{option} {value!r} needs a time zone, e.g. 2025-03-01T06:00:00Z.")
    return moment


class Command(BaseCommand):
    help = (
        "Feed the uplinks The Things Stack's Storage Integration kept between --after and "
        "--before to the inbox (after an outage); repeats are recognised."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", required=True, help="the cluster, e.g. https://eu1.cloud.thethings.network"
        )
        parser.add_argument("--application", required=True, help="the application ID")
        parser.add_argument(
            "--api-key-file",
            help="file holding an API key with 'Read application traffic' (else TTS_API_KEY)",
        )
        parser.add_argument(
            "--after", required=True, help="from this time, ISO 8601 with a zone (the outage)"
        )
        parser.add_argument("--before", help="until this time (default: now)")
        parser.add_argument(
            "--page-size",
            type=int,
            default=backfill.PAGE_SIZE,
            help=f"uplinks per request (default {backfill.PAGE_SIZE})",
        )

    def _api_key(self, path: str | None) -> str:
        if path:
            try:
                key = Path(path).read_text().strip()
            except OSError as exc:
                raise CommandError(f"--api-key-file {path} cannot be read: {exc}") from exc
        else:
            key = os.environ.get("TTS_API_KEY", "").strip()
        if not key:
            raise CommandError("No API key: give --api-key-file PATH or set TTS_API_KEY.")
        return key

    def handle(self, *args, **options):
        api_key = self._api_key(options["api_key_file"])
        after = _moment(options["after"], "--after")
        before = _moment(options["before"], "--before") if options["before"] else None
        if before is not None and before <= after:
            raise CommandError("--before must be later than --after.")
        if options["page_size"] < 1:
            raise CommandError("--page-size must be at least 1.")
        try:
            counts = backfill.backfill(
                url=options["url"],
                application=options["application"],
                api_key=api_key,
                after=after,
                before=before,
                page_size=options["page_size"],
            )
        except backfill.StorageError as error:
            raise CommandError(str(error)) from error
        except SpoolUnavailable as error:
            raise CommandError(
                f"Stopped: the inbox's database does not answer and the local spool cannot be "
                f"written ({error}). Run the backfill again once either works."
            ) from error
        self.stdout.write(counts.summary())
