"""Dates in the sentences the portal writes, in the organisation's time zone and the
language in use (English or French: django.utils.translation's active language)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation

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


# French, as a French-speaking reader writes dates: "4 décembre 2026", "ven. 4 déc. 2026",
# "1er décembre", "14 h 51" (the words are the language's own, not the process locale's).
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MONTHS_FR_SHORT = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
WEEKDAYS_FR_SHORT = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


def _french() -> bool:
    return (translation.get_language() or "").split("-")[0] == "fr"


def _day_and_month(local: date, *, short: bool) -> str:
    """`4 Dec` / `4 December`; in French `4 déc.` / `4 décembre`, and `1er` for the first."""
    if _french():
        day = "1er" if local.day == 1 else str(local.day)
        month = (MONTHS_FR_SHORT if short else MONTHS_FR)[local.month - 1]
        return f"{day} {month}"
    month = MONTHS[local.month - 1]
    return f"{local.day} {month[:3] if short else month}"


def day_in_words(moment: datetime, *, now: datetime | None = None) -> str:
    """`2 December` in the organisation's zone (settings.TIME_ZONE); with the year when
    it is not this year's (`30 December 2025`)."""
    local = timezone.localtime(moment)
    today = timezone.localtime(now or timezone.now())
    day = _day_and_month(local, short=False)
    return day if local.year == today.year else f"{day} {local.year}"


# --- The portal's one family of formats (frontend/src/format/time.js writes the same) ---
#
#   date            4 Dec 2026          format_date
#   with weekday    Fri 4 Dec 2026      format_day
#   running text    4 December 2026     format_date_long
#   time            14:51               format_time (never seconds: cut, not rounded)
#   date and time   4 Dec 2026, 14:51   format_datetime
#   a period        4 Dec 2026, 14:51 (en dash) 15:06 on one day, else both in full
#
# A datetime is shown on the organisation's clock (settings.TIME_ZONE); a date is a
# calendar day as it is. The words follow the active language, never the process locale:
#   French          4 déc. 2026 / ven. 4 déc. 2026 / 4 décembre 2026 / 14 h 51 /
#                   4 déc. 2026 à 14 h 51 / 4 déc. 2026 à 14 h 51 (en dash) 15 h 06
# Django's own formats (admin, templates' |date) are the same: proximeter/formats/en and fr.

EN_DASH = "\u2013"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def organisation_zone() -> ZoneInfo:
    """The organisation's time zone (settings.TIME_ZONE): every date and time is on its clock."""
    return ZoneInfo(settings.TIME_ZONE)


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise ValueError("a naive datetime has no instant: give it a zone")
        return value.astimezone(organisation_zone())
    return value


def format_date(value: date | datetime) -> str:
    """`4 Dec 2026`"""
    local = _local(value)
    return f"{_day_and_month(local, short=True)} {local.year}"


def format_day(value: date | datetime) -> str:
    """`Fri 4 Dec 2026` (`ven. 4 déc. 2026`)"""
    local = _local(value)
    weekday = WEEKDAYS_FR_SHORT[local.weekday()] if _french() else WEEKDAYS[local.weekday()][:3]
    return f"{weekday} {format_date(local)}"


def format_date_long(value: date | datetime) -> str:
    """`4 December 2026` (`4 décembre 2026`): a day in running text."""
    local = _local(value)
    return f"{_day_and_month(local, short=False)} {local.year}"


def format_time(value: datetime) -> str:
    """`14:51` (`14 h 51`): the minute it is in, never rounded up."""
    local = _local(value)
    if _french():
        return f"{local.hour} h {local.minute:02d}"
    return f"{local.hour:02d}:{local.minute:02d}"


def format_datetime(value: datetime) -> str:
    """`4 Dec 2026, 14:51` (`4 déc. 2026 à 14 h 51`)"""
    joint = " à " if _french() else ", "
    return f"{format_date(value)}{joint}{format_time(value)}"


def format_period(start: datetime, end: datetime | None) -> str:
    """`4 Dec 2026, 14:51` en dash `15:06` within a day, else both in full
    (`4 Dec 2026, 23:50` en dash `5 Dec 2026, 00:10`), as the pages write it."""
    if end is None:
        return format_datetime(start)
    if _local(start).date() == _local(end).date():
        return f"{format_datetime(start)} {EN_DASH} {format_time(end)}"
    return f"{format_datetime(start)} {EN_DASH} {format_datetime(end)}"


def zone_words() -> str:
    """`times in Europe/Zurich` (`fuseau horaire Europe/Zurich`): said once where times show."""
    return f"{'fuseau horaire' if _french() else 'times in'} {settings.TIME_ZONE}"


def csv_when(value: date | datetime | str | None) -> str:
    """A CSV cell in the family, with the same minutes as the screen (in the reader's
    language): a date-time (or an ISO timestamp) as `4 Dec 2026, 14:51`, a day as
    `4 Dec 2026`, nothing as ''. The file's header names the zone (csv_zone_header)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    return format_datetime(value) if isinstance(value, datetime) else format_date(value)


def csv_zone_header(column: str) -> str:
    """`encounter_start (Europe/Zurich)`: a column of times names their zone."""
    return f"{column} ({settings.TIME_ZONE})"
