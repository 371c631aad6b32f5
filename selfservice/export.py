"""MY DATA's download, streamed: a ZIP written as it is sent, one day of encounters at a time.

The whole answer is never in memory: the JSON and the CSV are produced day
by day from the person's encounters, and zipfile writes to a stream it
cannot seek (data descriptors after each member), drained after each write.
"""

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from core.csv import safe_cell
from core.dates import csv_when, csv_zone_header
from tracing.contacts import minutes

CSV_HEADER = ["section", "date_or_start", "end", "minutes", "detail"]
CSV_WHEN = {"date_or_start", "end"}  # days and times as the page writes them (core/dates)
# The header as the reader reads it, in their language.
CSV_HEADER_WORDS = {
    "section": pgettext_lazy("MY DATA CSV column", "section"),
    "date_or_start": pgettext_lazy("MY DATA CSV column", "date_or_start"),
    "end": pgettext_lazy("MY DATA CSV column", "end"),
    "minutes": pgettext_lazy("MY DATA CSV column", "minutes"),
    "detail": pgettext_lazy("MY DATA CSV column", "detail"),
}


class _Drain(io.RawIOBase):
    """A write-only stream whose bytes are taken out after each write."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out, self.chunks = b"".join(self.chunks), []
        return out


def zip_stream(members: Iterable[tuple[str, Iterable[str]]]) -> Iterator[bytes]:
    """A ZIP of text members, each given as pieces of UTF-8 text, yielded as it is written."""
    sink = _Drain()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, pieces in members:
            with bundle.open(name, "w", force_zip64=True) as member:
                for piece in pieces:
                    member.write(piece.encode())
                    if chunk := sink.take():
                        yield chunk
    yield sink.take()


def json_pieces(data: dict) -> Iterator[str]:
    """`data` as JSON, its "days" one day per line as they come (an iterable, read once)."""
    yield "{\n"
    keys = list(data)
    for n, key in enumerate(keys):
        yield f"  {json.dumps(key)}: "
        if key == "days":
            yield "["
            for i, day in enumerate(data[key]):
                yield ("," if i else "") + "\n    " + json.dumps(day, ensure_ascii=False)
            yield "\n  ]"
        else:
            text = json.dumps(data[key], indent=2, ensure_ascii=False)
            yield text.replace("\n", "\n  ")
        yield ",\n" if n < len(keys) - 1 else "\n"
    yield "}\n"


def csv_pieces(data: dict) -> Iterator[str]:
    """One table: a row per encounter, device holding, appointment, lost report, consultation.

    Written in the language of the request that asked for it, though it is streamed later.
    """
    return _csv_pieces(data, translation.get_language())


def _csv_pieces(data: dict, language: str | None) -> Iterator[str]:
    with translation.override(language):
        yield from _csv_rows(data)


def _csv_rows(data: dict) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def rows(batch: Iterable[list]) -> str:
        writer.writerows([safe_cell(cell) for cell in row] for row in batch)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    header = [str(CSV_HEADER_WORDS[c]) for c in CSV_HEADER]
    yield rows(
        [
            [
                csv_zone_header(w) if c in CSV_WHEN else w
                for c, w in zip(CSV_HEADER, header, strict=True)
            ]
        ]
    )
    for day in data["days"]:
        yield rows(
            [
                pgettext("MY DATA CSV section", "encounter"),
                csv_when(e["start"]),
                "",
                minutes(e["seconds"]),
                _("close-contact length") if e["close_contact_length"] else "",
            ]
            for e in day["encounters"]
        )
    yield rows(
        [
            pgettext("MY DATA CSV section", "device"),
            csv_when(d["from"]),
            csv_when(d["to"]),
            "",
            f"{d['device_id']} {d['end_reason']}",
        ]
        for d in data["devices"]
    )
    yield rows(
        [
            pgettext("MY DATA CSV section", "appointment"),
            csv_when(b["starts_at"]),
            "",
            "",
            _("%(campaign)s at %(location)s: %(status)s")
            % {"campaign": b["campaign"], "location": b["location"], "status": b["status"]},
        ]
        for b in data["appointments"]
    )
    yield rows(
        [
            pgettext("MY DATA CSV section", "lost report"),
            csv_when(r["lost_at"]),
            csv_when(r["found_at"]),
            "",
            r["device_id"],
        ]
        for r in data["lost_reports"]
    )
    yield rows(
        [
            pgettext("MY DATA CSV section", "notified as a close contact"),
            csv_when(n["notified_at"]),
            csv_when(n["until"]),
            "",
            _("stay at home until"),
        ]
        for n in data["notifications"]
    )
    yield rows(
        [
            pgettext("MY DATA CSV section", "consulted by the medical service"),
            csv_when(day),
            "",
            "",
            "",
        ]
        for day in data.get("consulted_on", [])
    )
