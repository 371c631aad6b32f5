"""Dates in the sentences the portal writes, in the organisation's time zone."""

from datetime import datetime

from django.utils import timezone

# English month names, whatever the process's locale (strftime's %B follows it).
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def day_in_words(moment: datetime, *, now: datetime | None = None) -> str:
    """`2 December` in the organisation's zone (settings.TIME_ZONE); with the year when
    it is not this year's (`30 December 2025`)."""
    local = timezone.localtime(moment)
    today = timezone.localtime(now or timezone.now())
    day = f"{local.day} {MONTHS[local.month - 1]}"
    return day if local.year == today.year else f"{day} {local.year}"
