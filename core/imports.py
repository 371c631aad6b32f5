"""Shared machinery of the bulk imports (devices, people): reading files, reporting, progress.

An import file is something a person prepared in a spreadsheet or exported
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.formats import number_format
from another system, so every problem in it must come back as a message that
points at the place to fix (`line 7: ...`), never as a crash. Problems with
the file as a whole (unreadable, not CSV or JSON, empty) raise
`ImportFileError`; problems with one row are collected in an `ImportReport`
and the other rows are still applied.
"""

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext, pgettext

from core.errors import DomainError

FORMATS = (".csv", ".json")
# An upload is read whole into memory (and a background import keeps it in the database until
# it has run): far above any delivery or directory export (50,000 devices are about 3 MB), far
# below what would exhaust a worker or PostgreSQL's 1 GB limit on one value.
MAX_FILE_BYTES = 32 * 1024 * 1024
# Within that size, 32 million empty lines (or `{},` entries) would each become an object of
# their own: some hundreds of bytes apiece, gigabytes in all. No real list comes near.
MAX_ROWS = 1_000_000

Progress = Callable[[int], None]


class ImportFileError(DomainError):
    """The file as a whole cannot be imported; nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message, code="bad_import_file")


@dataclass(frozen=True)
class BadRow:
    """A row the reader could not turn into named fields (too many values, not an object)."""

    message: str


@dataclass
class ImportReport:
    """What an import did, row by row counted; `errors` are (line number, message) pairs."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Things done that a person should act on (e.g. someone deactivated still holds a device).
    notes: list[str] = field(default_factory=list)
    # How a person finds a row in the file: "line" (CSV) or "entry" (JSON).
    unit: str = "line"

    def error(self, line: int, message: str) -> None:
        self.errors.append((line, message))

    @property
    def error_count(self) -> int:
        return len(self.errors)

    def error_lines(self) -> list[str]:
        """Each error as a person reads it: `line 7: tag_id 1234 already used on line 3`."""
        return [row_words(self.unit, line, message) for line, message in sorted(self.errors)]

    def summary(self) -> str:
        errors = self.error_count
        return ngettext(
            "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(deactivated)d deactivated, %(errors)d error.",
            "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(deactivated)d deactivated, %(errors)d errors.",
            errors,
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
            "errors": errors,
        }


def row_words(unit: str, line: int, message: str) -> str:
    """`line 7: message` (a CSV file) or `entry 7: message` (JSON), in the reader's language."""
    if unit == "entry":
        return gettext("entry %(n)d: %(message)s") % {"n": line, "message": message}
    return gettext("line %(n)d: %(message)s") % {"n": line, "message": message}


class Rows:
    """The numbered rows of one import file: iterate for `(line_number, row)` pairs.

    A row is a dict of column name to value (names normalised, see
    `column_name`), or a `BadRow` the importer reports as it is. `total` is an
    estimate for a progress bar; `columns` the CSV header (None for JSON,
    whose objects each name their own fields).
    """

    def __init__(
        self,
        items: Iterable[tuple[int, dict | BadRow]],
        *,
        unit: str = "line",
        total: int | None = None,
        columns: tuple[str, ...] | None = None,
    ):
        self._items = items
        self.unit = unit
        self.total = total
        self.columns = columns

    def __iter__(self) -> Iterator[tuple[int, dict | BadRow]]:
        return iter(self._items)


def unit_of(rows: Iterable) -> str:
    """How the rows are numbered for a person: "line", or "entry" for a JSON file."""
    return getattr(rows, "unit", "line")


def column_name(name: Any) -> str:
    """`Device ID`, ` device-id ` and `device_id` all name the column device_id."""
    return re.sub(r"[\s-]+", "_", str(name).strip()).lower()


def read_rows(path: Path | str) -> Rows:
    """The rows of a CSV or JSON file on disk (by its extension)."""
    path = Path(path)
    check_format(path.name)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ImportFileError(gettext("There is no file %(path)s.") % {"path": path}) from exc
    except OSError as exc:
        raise ImportFileError(
            gettext("Cannot read %(path)s: %(error)s.")
            % {"path": path, "error": exc.strerror or exc}
        ) from exc
    return rows_from_bytes(data=data, name=path.name)


def check_format(name: str) -> str:
    """The file's format from its extension, or a clear refusal."""
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise ImportFileError(
            gettext("%(file)s: unknown file type %(suffix)s; expected a .csv or a .json file.")
            % {"file": name, "suffix": suffix or gettext("(no extension)")}
        )
    return suffix


def check_size(name: str, size: int) -> None:
    """Refuse a file larger than any real list, before it is read or kept."""
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            gettext(
                "%(file)s is %(size)s MB; an import file may be at most %(max)d MB. Split it "
                "and import the parts one after another."
            )
            % {
                "file": name,
                "size": f"{size / 1024 / 1024:.0f}",
                "max": MAX_FILE_BYTES // 1024 // 1024,
            }
        )


def rows_from_bytes(*, data: bytes, name: str) -> Rows:
    """The rows of an uploaded or read file; `name` tells the format by its extension."""
    suffix = check_format(name)
    try:
        # utf-8-sig: spreadsheets often start a "CSV UTF-8" file with a byte-order mark.
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            gettext(
                '%(file)s is not UTF-8 text (byte %(byte)d); save it as "CSV UTF-8" (or UTF-8 '
                "JSON) and try again."
            )
            % {"file": name, "byte": exc.start + 1}
        ) from exc
    # Counted before anything is split or parsed: an upper bound of the lines (\n, \r or both)
    # or of the objects ({) there can be.
    many = text.count("{") if suffix == ".json" else max(text.count("\n"), text.count("\r"))
    if many > MAX_ROWS:
        values = {"file": name, "max": number_format(MAX_ROWS, force_grouping=True)}
        if suffix == ".json":
            message = gettext(
                "%(file)s has more than %(max)s objects; an import takes at most that many. "
                "Split it and import the parts one after another."
            )
        else:
            message = gettext(
                "%(file)s has more than %(max)s lines; an import takes at most that many. "
                "Split it and import the parts one after another."
            )
        raise ImportFileError(message % values)
    if suffix == ".json":
        return _json_rows(text, name)
    return _csv_rows(text, name)


def _csv_rows(text: str, name: str) -> Rows:
    # NUL bytes stop the csv module dead; they are never meant in a spreadsheet cell.
    # Lines end at \n, \r\n or \r, as in an editor (str.splitlines knows more breaks).
    lines = io.StringIO(text.replace("\x00", ""), newline="").readlines()
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise ImportFileError(
            gettext("%(file)s is empty: expected a header row naming the columns.") % {"file": name}
        )
    header_line = lines[header_index]
    delimiter = _delimiter(header_line)
    header = [column_name(c) for c in next(csv.reader([header_line], delimiter=delimiter))]
    named = [c for c in header if c]
    duplicates = sorted({c for c in named if named.count(c) > 1})
    if duplicates:
        raise ImportFileError(
            gettext("%(file)s: the header names the column %(columns)s more than once.")
            % {"file": name, "columns": ", ".join(duplicates)}
        )
    body = lines[header_index + 1 :]
    total = sum(1 for line in body if line.strip())
    return Rows(
        _csv_items(body, header, delimiter, first_line=header_index + 2),
        unit="line",
        total=total,
        columns=tuple(named),
    )


def _delimiter(header_line: str) -> str:
    """`;` (spreadsheets in much of Europe), `,`, or tab: whichever the header uses most.

    The header rather than csv.Sniffer: column names never contain a
    delimiter, while the sniffer guesses wrong on short or uniform samples.
    """
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_items(
    lines: list[str], header: list[str], delimiter: str, *, first_line: int
) -> Iterator[tuple[int, dict | BadRow]]:
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True)
    consumed = 0  # physical lines read so far, as reader.line_num counts them
    while True:
        start = first_line + consumed  # a quoted value may span lines: name the first
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            consumed = reader.line_num
            yield start, BadRow(gettext("cannot be read as CSV (%(error)s)") % {"error": exc})
            continue
        consumed = reader.line_num
        if not any(v.strip() for v in values):
            continue  # blank lines and rows of empty cells, as spreadsheets leave them
        extra = [v for v in values[len(header) :] if v.strip()]
        if extra:
            yield (
                start,
                BadRow(
                    gettext("has %(values)d values but the header names %(columns)d columns")
                    % {"values": len(values), "columns": len(header)}
                ),
            )
            continue
        row = {c: v for c, v in zip(header, values, strict=False) if c}
        yield start, row


def _json_rows(text: str, name: str) -> Rows:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            gettext("%(file)s is not valid JSON: %(error)s at line %(line)d, column %(column)d.")
            % {"file": name, "error": exc.msg, "line": exc.lineno, "column": exc.colno}
        ) from exc
    except (RecursionError, ValueError) as exc:
        # Lists nested thousands deep overflow the parser's stack, and a number of more than
        # 4,300 digits is refused by int(): both escaped as a crash, and a background import
        # stayed "running" for ever.
        raise ImportFileError(
            gettext(
                "%(file)s cannot be read: it holds values nested too deep or a number too long "
                "for any field. Export the list again as a flat list of objects."
            )
            % {"file": name}
        ) from exc
    if not isinstance(data, list):
        raise ImportFileError(
            gettext("%(file)s: expected a JSON list of objects, one per entry.") % {"file": name}
        )

    def items() -> Iterator[tuple[int, dict | BadRow]]:
        for number, entry in enumerate(data, start=1):
            if isinstance(entry, Mapping):
                yield number, {column_name(k): v for k, v in entry.items()}
            else:
                yield (
                    number,
                    BadRow(
                        gettext("is a %(type)s, not an object") % {"type": type(entry).__name__}
                    ),
                )

    return Rows(items(), unit="entry", total=len(data))


def cell(row: Mapping, name: str) -> str:
    """A field as trimmed text; "" when missing or empty (JSON null, numbers and booleans too)."""
    value = row.get(name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value).strip()


def each_row(
    rows: Iterable[tuple[int, dict | BadRow]],
    report: ImportReport,
    progress: Progress | None = None,
) -> Iterator[tuple[int, Mapping]]:
    """The rows to validate; unreadable ones are reported on the way, progress advanced."""
    pending = 0
    for line, row in rows:
        pending += 1
        if progress is not None and pending >= 500:
            progress(pending)
            pending = 0
        if isinstance(row, BadRow):
            report.error(line, row.message)
        elif not isinstance(row, Mapping):
            report.error(line, gettext("is not a row of named fields"))
        else:
            yield line, row
    if progress is not None and pending:
        progress(pending)


def require_columns(rows: Iterable, required: Iterable[str], *, what: str) -> None:
    """Refuse a CSV file whose header lacks a required column (every row would fail)."""
    columns = getattr(rows, "columns", None)
    if columns is None:
        return
    missing = [c for c in required if c not in columns]
    if missing:
        found = ", ".join(columns) or pgettext("columns found", "none")
        raise ImportFileError(
            gettext("The %(what)s file has no %(missing)s column (columns found: %(found)s).")
            % {
                "what": what,
                "missing": pgettext("between column names", " or ").join(missing),
                "found": found,
            }
        )


@contextmanager
def progress_bar(*, total: int | None, stream, description: str) -> Iterator[Progress]:
    """A tqdm bar on `stream` (stderr) for the commands; silent when it is not a terminal."""
    from tqdm import tqdm

    disable = not (hasattr(stream, "isatty") and stream.isatty())
    with tqdm(
        total=total, file=stream, desc=description, unit=" rows", disable=disable, leave=False
    ) as bar:
        yield bar.update


def stream_of(output_wrapper) -> io.TextIOBase:
    """The real stream behind a management command's stdout/stderr wrapper.

    Django's OutputWrapper ends every write with a newline, which would break
    a progress bar's carriage returns.
    """
    return getattr(output_wrapper, "_out", output_wrapper)


def write_report(*, report: ImportReport, stdout, style) -> None:
    """A command's output: each error as `line N: message`, then notes, then the summary."""
    for line in report.error_lines():
        stdout.write(style.ERROR(line))
    for note in report.notes:
        stdout.write(style.WARNING(note))
    stdout.write((style.WARNING if report.error_count else style.SUCCESS)(report.summary()))
