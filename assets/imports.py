"""Importing devices from the factory's lists: Device ID, Tag ID, DevEUI, firmware, batch.

A delivery comes with a spreadsheet; importing it twice, or a corrected copy,
must be safe: existing devices are matched by Device ID and only what changed
is written. The Tag ID of an existing device never changes: it is burnt into
the device, and every recorded encounter names it.
"""

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import UINT32_MAX, Device, DeviceEvent, DeviceImport, DeviceState
from core.databases import ASSETS
from core.errors import DomainError
from core.i18n import in_language_of
from core.imports import (
    ImportReport,
    Progress,
    cell,
    check_format,
    check_size,
    each_row,
    require_columns,
    rows_from_bytes,
    unit_of,
)
from core.queue import enqueue_on_commit

COLUMNS = ("device_id", "tag_id", "dev_eui", "firmware", "batch")
REQUIRED = ("device_id", "tag_id")
BATCH_SIZE = 1000

logger = logging.getLogger(__name__)

_DEVICE_ID = re.compile(r"[A-Za-z0-9-]+")
_DIGITS = re.compile(r"[0-9]+")
_DEV_EUI = re.compile(r"[0-9A-F]{16}")
_DEV_EUI_SEPARATORS = re.compile(r"[-:\s]")

# The model's limits, so that a long value is a row error and not a database error.
_MAX_LENGTH = {
    name: Device._meta.get_field(name).max_length for name in ("device_id", "firmware", "batch")
}


@dataclass
class _DeviceRow:
    line: int
    device_id: str
    tag_id: int
    dev_eui: str | None  # None: not given in the file
    firmware: str | None
    batch: str | None


def normalise_dev_eui(value: str) -> str | None:
    """`70-b3-d5:7e...` -> `70B3D57E...`; None if it is not 16 hexadecimal digits."""
    compact = _DEV_EUI_SEPARATORS.sub("", value).upper()
    return compact if _DEV_EUI.fullmatch(compact) else None


def _parse(line: int, row: Mapping) -> tuple[_DeviceRow | None, list[str]]:
    """One row's fields, checked on their own; the problems name the field."""
    problems = []
    device_id = cell(row, "device_id")
    if not device_id:
        problems.append(_("device_id is required"))
    elif len(device_id) > _MAX_LENGTH["device_id"]:
        problems.append(
            _("device_id is longer than %(max)d characters") % {"max": _MAX_LENGTH["device_id"]}
        )
    elif not _DEVICE_ID.fullmatch(device_id):
        problems.append(
            _("device_id %(value)r may contain only letters, digits and dashes")
            % {"value": device_id}
        )

    raw_tag = cell(row, "tag_id")
    tag_id = None
    if not raw_tag:
        problems.append(_("tag_id is required"))
    elif not _DIGITS.fullmatch(raw_tag):
        problems.append(_("tag_id %(value)r is not a whole number") % {"value": raw_tag})
    else:
        tag_id = int(raw_tag)
        if tag_id > UINT32_MAX:
            problems.append(
                _("tag_id %(value)s is out of range (0 to %(max)d)")
                % {"value": raw_tag, "max": UINT32_MAX}
            )

    raw_eui = cell(row, "dev_eui")
    dev_eui = None
    if raw_eui:
        dev_eui = normalise_dev_eui(raw_eui)
        if dev_eui is None:
            problems.append(
                _("dev_eui %(value)r is not 16 hexadecimal digits") % {"value": raw_eui}
            )

    optional = {}
    for name in ("firmware", "batch"):
        value = cell(row, name)
        if len(value) > _MAX_LENGTH[name]:
            problems.append(
                _("%(column)s is longer than %(max)d characters")
                % {"column": name, "max": _MAX_LENGTH[name]}
            )
        optional[name] = value or None

    if problems:
        return None, problems
    return _DeviceRow(line, device_id, tag_id, dev_eui, **optional), []


def import_devices(
    *, rows: Iterable, actor: str = "import", progress: Progress | None = None
) -> ImportReport:
    """Create new devices (in stock, with a first history event) and update changed ones.

    Rows are `(line_number, dict)` pairs, as `core.imports.read_rows` gives
    them. An empty cell leaves a stored value as it is: a file says what it
    knows, it does not erase a DevEUI, firmware or batch. A bad row becomes an
    error naming its line and field; every other row is still applied, in
    one transaction of the `assets` database.
    """
    require_columns(rows, REQUIRED, what="devices")
    report = ImportReport(unit=unit_of(rows))
    unit = report.unit
    with transaction.atomic(using=ASSETS):
        existing = {d.device_id: d for d in Device.objects.all()}
        by_key = {device_id.upper(): device_id for device_id in existing}
        by_tag = {d.tag_id: d.device_id for d in existing.values()}
        by_eui = {d.dev_eui: d.device_id for d in existing.values() if d.dev_eui}
        # Values taken by an earlier accepted row of this file: value -> its line.
        seen_ids: dict[str, int] = {}
        seen_tags: dict[int, int] = {}
        seen_euis: dict[str, int] = {}
        seen_keys: dict[str, str] = {}  # upper-cased Device ID -> as the file wrote it
        to_create: list[Device] = []
        to_update: list[Device] = []

        for line, row in each_row(rows, report, progress):
            parsed, problems = _parse(line, row)
            if parsed is None:
                report.error(line, "; ".join(problems))
                continue
            problems = _conflicts(parsed, existing, by_key, by_tag, by_eui)
            problems += _repeats(parsed, unit, seen_ids, seen_tags, seen_euis, seen_keys)
            if problems:
                report.error(line, "; ".join(problems))
                continue
            seen_ids[parsed.device_id] = line
            seen_keys[parsed.device_id.upper()] = parsed.device_id
            seen_tags[parsed.tag_id] = line
            if parsed.dev_eui:
                seen_euis[parsed.dev_eui] = line

            device = existing.get(parsed.device_id)
            if device is None:
                to_create.append(
                    Device(
                        device_id=parsed.device_id,
                        tag_id=parsed.tag_id,
                        dev_eui=parsed.dev_eui,
                        firmware=parsed.firmware or "",
                        batch=parsed.batch or "",
                        state=DeviceState.IN_STOCK,
                    )
                )
            elif _apply(device, parsed):
                to_update.append(device)
            else:
                report.unchanged += 1

        try:
            _write(to_create, to_update, actor)
        except IntegrityError as exc:
            raise DomainError(
                _(
                    "Another change to the devices happened during the import; nothing was "
                    "imported. Run the import again."
                ),
                code="concurrent_change",
                status_code=409,
            ) from exc
    report.created = len(to_create)
    report.updated = len(to_update)
    return report


def _conflicts(
    parsed: _DeviceRow,
    existing: dict[str, Device],
    by_key: dict[str, str],
    by_tag: dict[int, str],
    by_eui: dict[str, str],
) -> list[str]:
    """What the row contradicts in the database."""
    problems = []
    device = existing.get(parsed.device_id)
    same = by_key.get(parsed.device_id.upper())
    if device is None and same is not None:
        # The desk matches a typed ID whatever its case (core.device_ids): a second device
        # that differs only by case would make every lower-case typing of either ambiguous.
        problems.append(
            _(
                "device_id %(value)s differs only by case from device %(same)s: "
                "write it as %(same)s to update that device"
            )
            % {"value": parsed.device_id, "same": same}
        )
    if device is not None and device.tag_id != parsed.tag_id:
        problems.append(
            _(
                "device %(device)s has tag_id %(tag)s; it cannot become "
                "%(new)s (the tag is burnt into the device)"
            )
            % {"device": parsed.device_id, "tag": device.tag_id, "new": parsed.tag_id}
        )
    owner = by_tag.get(parsed.tag_id)
    if owner is not None and owner != parsed.device_id:
        problems.append(
            _("tag_id %(tag)s already belongs to device %(owner)s")
            % {"tag": parsed.tag_id, "owner": owner}
        )
    owner = by_eui.get(parsed.dev_eui) if parsed.dev_eui else None
    if owner is not None and owner != parsed.device_id:
        problems.append(
            _("dev_eui %(eui)s already belongs to device %(owner)s")
            % {"eui": parsed.dev_eui, "owner": owner}
        )
    return problems


def _where(unit: str, number: int) -> str:
    """`on line 3` (a CSV file) or `on entry 3` (a JSON list)."""
    if unit == "entry":
        return _("on entry %(n)d") % {"n": number}
    return _("on line %(n)d") % {"n": number}


def _repeats(
    parsed: _DeviceRow,
    unit: str,
    seen_ids: dict[str, int],
    seen_tags: dict[int, int],
    seen_euis: dict[str, int],
    seen_keys: dict[str, str],
) -> list[str]:
    """What an earlier row of the same file already claimed."""
    problems = []
    if parsed.device_id in seen_ids:
        problems.append(
            _("device_id %(value)s already used %(where)s")
            % {"value": parsed.device_id, "where": _where(unit, seen_ids[parsed.device_id])}
        )
    else:
        same = seen_keys.get(parsed.device_id.upper())
        if same is not None:
            problems.append(
                _("device_id %(value)s differs only by case from %(same)s %(where)s")
                % {"value": parsed.device_id, "same": same, "where": _where(unit, seen_ids[same])}
            )
    if parsed.tag_id in seen_tags:
        problems.append(
            _("tag_id %(tag)s already used %(where)s")
            % {"tag": parsed.tag_id, "where": _where(unit, seen_tags[parsed.tag_id])}
        )
    if parsed.dev_eui and parsed.dev_eui in seen_euis:
        problems.append(
            _("dev_eui %(eui)s already used %(where)s")
            % {"eui": parsed.dev_eui, "where": _where(unit, seen_euis[parsed.dev_eui])}
        )
    return problems


def _apply(device: Device, parsed: _DeviceRow) -> bool:
    """Copy the file's known values onto an existing device; True if anything changed."""
    changed = False
    for name in ("dev_eui", "firmware", "batch"):
        value = getattr(parsed, name)
        if value is not None and getattr(device, name) != value:
            setattr(device, name, value)
            changed = True
    return changed


def _write(to_create: list[Device], to_update: list[Device], actor: str) -> None:
    if to_update:
        Device.objects.bulk_update(
            to_update, ["dev_eui", "firmware", "batch"], batch_size=BATCH_SIZE
        )
    if not to_create:
        return
    created = Device.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    if any(d.pk is None for d in created):
        # A database without RETURNING: look the new primary keys up.
        pks = dict(
            Device.objects.filter(pk__isnull=False)
            .values_list("device_id", "pk")
            .iterator(chunk_size=5000)
        )
        for device in created:
            device.pk = pks[device.device_id]
    now = timezone.now()
    DeviceEvent.objects.bulk_create(
        (
            DeviceEvent(
                device_id=device.pk,  # the raw key: no descriptor work, 50,000 times
                at=now,
                actor=actor,
                from_state="",
                to_state=DeviceState.IN_STOCK,
                note=f"imported from batch {device.batch}" if device.batch else "imported",
            )
            for device in created
        ),
        batch_size=BATCH_SIZE,
    )


# --- In the background (the admin's upload page) -----------------------------------------

MESSAGES_KEPT = 200


def progress_key(import_id: int) -> str:
    """Where a running import counts its rows (the cache: its transaction hides the table)."""
    return f"assets:device-import:{import_id}:rows"


def device_import_start(*, data: bytes, name: str, acting_user) -> DeviceImport:
    """Keep the upload and hand it to a worker once it is committed."""
    check_format(name)  # an unknown kind of file is refused now, not in the worker
    check_size(name, len(data))
    with transaction.atomic(using=ASSETS):
        job = DeviceImport.objects.create(
            created_at=timezone.now(),
            actor=acting_user.get_username(),
            file_name=name[:255],
            data=data,
        )
        enqueue_on_commit("assets.device_import_run", job.pk, using=ASSETS)
    return job


def _counter(key: str):
    """Add rows read to the cache's count; a count lost (evicted) starts again."""

    def advance(rows: int) -> None:
        try:
            cache.incr(key, rows)
        except ValueError:
            cache.set(key, rows, timeout=24 * 3600)

    return advance


def device_import_run(*, import_id: int) -> DeviceImport:
    """Import a kept upload, counting rows as it goes; keep the report, drop the file."""
    with transaction.atomic(using=ASSETS):
        job = DeviceImport.objects.select_for_update().get(pk=import_id)
        if job.status != DeviceImport.Status.QUEUED:
            return job  # delivered twice: the first delivery does it
        job.status = DeviceImport.Status.RUNNING
        job.save(update_fields=["status"])
    key = progress_key(job.pk)
    cache.set(key, 0, timeout=24 * 3600)
    # The report is read later by whoever uploaded the file: written in their language.
    with in_language_of(get_user_model().objects.filter(username=job.actor).first()):
        _import_job(job, key)
    job.finished_at = timezone.now()
    job.data = b""
    job.save(update_fields=["status", "summary", "messages", "finished_at", "data"])
    cache.delete(key)
    return job


def _import_job(job: DeviceImport, key: str) -> None:
    """Import the job's file and fill in its status, summary and messages (not saved)."""
    try:
        rows = rows_from_bytes(data=bytes(job.data), name=job.file_name)
        job.total = getattr(rows, "total", None)
        DeviceImport.objects.filter(pk=job.pk).update(total=job.total)
        report = import_devices(rows=rows, actor=job.actor, progress=_counter(key))
    except DomainError as refused:
        job.status = DeviceImport.Status.FAILED
        job.summary = (_("Nothing was imported. %(reason)s") % {"reason": refused.message})[:500]
        job.messages = []
    except Exception as crash:
        # Anything else would leave the job "running" for ever, its page reloading and the
        # file kept. The import's transaction rolled back: nothing was imported. The log names
        # the kind of error only, never a row (a row may hold a DevEUI).
        logger.error("Device import %s stopped on %s", job.pk, type(crash).__name__)
        job.status = DeviceImport.Status.FAILED
        job.summary = _(
            "Nothing was imported: the import stopped on an unexpected problem with the file. "
            "Check it opens as a list of devices, or ask the portal's administrators."
        )
        job.messages = []
    else:
        job.status = DeviceImport.Status.DONE
        job.summary = report.summary()
        job.messages = [*report.notes, *report.error_lines()][:MESSAGES_KEPT]
