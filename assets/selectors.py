"""Reads of the `assets` database for the asset team: the stock overview.

Counts of devices only: nothing here names who holds a device.
"""

from datetime import datetime

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from assets.models import Device, DeviceEvent, DeviceState

STATES = [state.value for state in DeviceState]


def month_start(now: datetime) -> datetime:
    """Midnight on the first day of `now`'s month, in the organisation's zone (TIME_ZONE)."""
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def stock_overview(*, now: datetime | None = None) -> dict:
    """Devices per state, per batch and firmware; lost and broken this month; low stock.

    "This month" counts the changes to lost or broken since the first of the
    month (a device broken twice counts twice: it is work for the team twice).
    """
    now = now or timezone.now()
    per_state = dict.fromkeys(STATES, 0)
    for row in Device.objects.values("state").annotate(n=Count("pk")).order_by():
        per_state[row["state"]] = row["n"]

    groups: dict[tuple[str, str], dict] = {}
    rows = Device.objects.values("batch", "firmware", "state").annotate(n=Count("pk")).order_by()
    for row in rows:
        key = (row["batch"], row["firmware"])
        group = groups.setdefault(
            key,
            {"batch": key[0], "firmware": key[1], "total": 0, "states": dict.fromkeys(STATES, 0)},
        )
        group["states"][row["state"]] += row["n"]
        group["total"] += row["n"]

    since = month_start(now)
    changes = dict(
        DeviceEvent.objects.filter(
            at__gte=since, at__lte=now, to_state__in=[DeviceState.LOST, DeviceState.BROKEN]
        )
        .values_list("to_state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    threshold = settings.ASSETS_LOW_STOCK_THRESHOLD
    in_stock = per_state[DeviceState.IN_STOCK]
    return {
        "total": sum(per_state.values()),
        "in_stock": in_stock,
        "low_stock_threshold": threshold,
        "low_stock": in_stock < threshold,
        "by_state": [
            {"state": state, "label": DeviceState(state).label, "count": per_state[state]}
            for state in STATES
        ],
        "by_batch": [groups[key] for key in sorted(groups)],
        "this_month": {
            "since": since,
            "lost": changes.get(DeviceState.LOST, 0),
            "broken": changes.get(DeviceState.BROKEN, 0),
        },
    }
