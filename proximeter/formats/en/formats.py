"""Django's formats for English: the portal's one family (core/dates.py), day-month-year,
24-hour, never seconds. The admin and the templates' |date use these, not Django's
American defaults ("Dec. 4, 2026, 2:51 p.m.")."""

DATE_FORMAT = "j M Y"  # 4 Dec 2026
TIME_FORMAT = "H:i"  # 14:51
DATETIME_FORMAT = "j M Y, H:i"  # 4 Dec 2026, 14:51
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 4 December
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# Day fields take the day first; the first format is the one a field shows (and the
# admin's calendar writes: its script reads %d %m %Y, not month names).
DATE_INPUT_FORMATS = [
    "%d.%m.%Y",  # 04.12.2026
    "%Y-%m-%d",  # 2026-12-04
    "%d %b %Y",  # 4 Dec 2026
    "%d %B %Y",  # 4 December 2026
    "%d/%m/%Y",  # 04/12/2026
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d %b %Y, %H:%M",
    "%d %b %Y %H:%M",
    "%d/%m/%Y %H:%M",
]
