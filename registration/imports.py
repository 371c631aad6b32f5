"""Importing people from the HR directory's export.

The directory is the truth about who is in the organisation: a re-import of
the same export changes nothing, a corrected one updates what changed, and
with `deactivate_missing` whoever is no longer listed is deactivated (never
deleted: their holdings and lost reports are history that must stay).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.databases import ASSOCIATIONS
from core.errors import DomainError
from core.imports import (
    ImportFileError,
    ImportReport,
    Progress,
    cell,
    each_row,
    require_columns,
    unit_of,
)
from registration.models import Association, Person

COLUMNS = ("person_id", "given_name", "family_name", "email", "department", "active", "language")
REQUIRED = ("person_id", "given_name", "family_name")
# Fields an import may set; a column missing from the file leaves its field as it is.
FIELDS = ("given_name", "family_name", "email", "department", "active", "language")
BATCH_SIZE = 1000

TRUE = frozenset({"true", "1", "yes", "y"})
FALSE = frozenset({"false", "0", "no", "n"})

_MAX_LENGTH = {
    name: Person._meta.get_field(name).max_length
    for name in ("person_id", "given_name", "family_name", "email", "department")
}


@dataclass
class _PersonRow:
    line: int
    person_id: str
    values: dict  # field -> value, only for the fields the row gives


def _parse(line: int, row: Mapping) -> tuple[_PersonRow | None, list[str]]:
    """One row's fields, checked on their own; the problems name the field."""
    problems = []
    values = {}
    person_id = cell(row, "person_id")
    for name in ("person_id", "given_name", "family_name"):
        value = cell(row, name)
        if not value:
            problems.append(_("%(column)s is required") % {"column": name})
        elif len(value) > _MAX_LENGTH[name]:
            problems.append(
                _("%(column)s is longer than %(max)d characters")
                % {"column": name, "max": _MAX_LENGTH[name]}
            )
        elif name != "person_id":
            values[name] = value

    for name in ("email", "department"):
        if name not in row:
            continue  # not in this file: left as it is
        value = cell(row, name)
        if len(value) > _MAX_LENGTH[name]:
            problems.append(
                _("%(column)s is longer than %(max)d characters")
                % {"column": name, "max": _MAX_LENGTH[name]}
            )
            continue
        if name == "email" and value:
            try:
                validate_email(value)
            except ValidationError:
                problems.append(
                    _("email %(value)r is not a valid e-mail address") % {"value": value}
                )
                continue
        values[name] = value

    active = cell(row, "active").lower()
    if not active or active in TRUE:
        # Listed in the directory means in the organisation, unless it says otherwise.
        values["active"] = True
    elif active in FALSE:
        values["active"] = False
    else:
        problems.append(
            _("active %(value)r is not one of true/false, yes/no, 1/0")
            % {"value": cell(row, "active")}
        )

    if "language" in row:  # the language of the person's e-mails; empty: the portal's
        language = cell(row, "language").lower()
        codes = [code for code, _name in settings.LANGUAGES]
        if not language or language in codes:
            values["language"] = language
        else:
            problems.append(
                _("language %(value)r is not one of %(codes)s")
                % {"value": cell(row, "language"), "codes": "/".join(codes)}
            )

    if problems:
        return None, problems
    return _PersonRow(line, person_id, values), []


def import_people(
    *, rows: Iterable, deactivate_missing: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Create new people, update changed ones; optionally deactivate those not in the file.

    Rows are `(line_number, dict)` pairs, as `core.imports.read_rows` gives
    them. `deactivated` counts everyone this import took out of the directory:
    rows with active=false for someone active, and, with `deactivate_missing`,
    active people the file does not list. A person whose row has an error is
    still listed, so is never deactivated as missing. Every good row is
    applied even when others fail, in one transaction of `associations`.
    """
    require_columns(rows, REQUIRED, what="people")
    report = ImportReport(unit=unit_of(rows))
    unit = report.unit
    listed: set[str] = set()  # every person_id the file names, even on a bad row
    deactivated_ids: list[str] = []
    with transaction.atomic(using=ASSOCIATIONS):
        existing = {p.person_id: p for p in Person.objects.all()}
        seen: dict[str, int] = {}
        to_create: list[Person] = []
        to_update: list[Person] = []

        for line, row in each_row(rows, report, progress):
            person_id = cell(row, "person_id")
            if person_id:
                listed.add(person_id)
            parsed, problems = _parse(line, row)
            if parsed is not None and parsed.person_id in seen:
                problems = [
                    _("person_id %(value)s already used %(where)s")
                    % {"value": parsed.person_id, "where": _where(unit, seen[parsed.person_id])}
                ]
            if problems:
                report.error(line, "; ".join(problems))
                continue
            seen[parsed.person_id] = line

            person = existing.get(parsed.person_id)
            if person is None:
                to_create.append(Person(person_id=parsed.person_id, **parsed.values))
                report.created += 1
                continue
            was_active = person.active
            if not _apply(person, parsed.values):
                report.unchanged += 1
                continue
            to_update.append(person)
            if was_active and not person.active:
                report.deactivated += 1
                deactivated_ids.append(person.person_id)
            else:
                report.updated += 1

        if deactivate_missing:
            if not listed:
                raise ImportFileError(
                    _(
                        "The file lists nobody: deactivating everyone missing from it would "
                        "deactivate the whole directory. Nothing was changed."
                    )
                )
            for person in existing.values():
                if person.active and person.person_id not in listed:
                    person.active = False
                    to_update.append(person)
                    report.deactivated += 1
                    deactivated_ids.append(person.person_id)

        try:
            if to_update:
                Person.objects.bulk_update(to_update, FIELDS, batch_size=BATCH_SIZE)
            if to_create:
                Person.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        except IntegrityError as exc:
            raise DomainError(
                _(
                    "Another change to the people happened during the import; nothing was "
                    "imported. Run the import again."
                ),
                code="concurrent_change",
                status_code=409,
            ) from exc
        report.notes.extend(_still_holding(deactivated_ids, existing))
    return report


def _where(unit: str, number: int) -> str:
    """`on line 3` (a CSV file) or `on entry 3` (a JSON list)."""
    if unit == "entry":
        return _("on entry %(n)d") % {"n": number}
    return _("on line %(n)d") % {"n": number}


def _apply(person: Person, values: dict) -> bool:
    """Copy the row's values onto an existing person; True if anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(person, name) != value:
            setattr(person, name, value)
            changed = True
    return changed


def _still_holding(person_ids: list[str], people: dict[str, Person]) -> list[str]:
    """Deactivated people who still hold a device: the desk must take it back."""
    if not person_ids:
        return []
    deactivated = set(person_ids)
    # All open holdings (at most one per device) rather than a huge IN (...) list.
    holdings = Association.objects.filter(ended_at__isnull=True).values_list(
        "person_id", "device_id"
    )
    return [
        _(
            "%(name)s (%(person)s) was deactivated and still holds "
            "device %(device)s: take it back at the desk (reason: person left)."
        )
        % {"name": people[person_id].full_name, "person": person_id, "device": device_id}
        for person_id, device_id in sorted(holdings)
        if person_id in deactivated
    ]
