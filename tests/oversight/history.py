"""Audit histories written at chosen times, for the oversight tests.

The portal writes entries only at the present moment (`audit.services.audit_record`);
a history of weeks is written here straight into the table, each entry with its
own place in the chain (the chain itself is not what these tests are about).
"""

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from audit.models import AuditEntry

ZURICH = ZoneInfo("Europe/Zurich")
_numbers = itertools.count(1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZURICH)


def write(entries: list[tuple[str, str, datetime]], **fields) -> None:
    """Entries (actor, action, at) with distinctive, unique chain fields."""
    rows = []
    for actor, action, at in entries:
        n = next(_numbers)
        rows.append(
            AuditEntry(
                position=10_000_000 + n,
                at=at,
                actor=actor,
                action=action,
                previous_hash=f"p{n:063d}",
                entry_hash=f"e{n:063d}",
                **fields,
            )
        )
    AuditEntry.objects.bulk_create(rows)


def every_day(
    actor: str, action: str, *, per_day: int, days: int, before: date, hour: int = 10
) -> list[tuple[str, str, datetime]]:
    """`per_day` entries at `hour` on each of the `days` days before `before`."""
    return [
        (actor, action, local(before - timedelta(days=back), hour, minute))
        for back in range(1, days + 1)
        for minute in range(per_day)
    ]
