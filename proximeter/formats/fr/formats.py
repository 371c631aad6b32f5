"""Django's formats for French: the portal's family in French (core/dates.py), as the admin and
the templates' |date write it: 4 décembre 2026, 14 h 51, day-month-year, never seconds."""

DATE_FORMAT = "j F Y"  # 4 décembre 2026
TIME_FORMAT = r"G \h i"  # 14 h 51
DATETIME_FORMAT = r"j F Y, G \h i"  # 4 décembre 2026, 14 h 51
YEAR_MONTH_FORMAT = "F Y"  # décembre 2026
MONTH_DAY_FORMAT = "j F"  # 4 décembre
SHORT_DATE_FORMAT = "d.m.Y"  # 04.12.2026
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # lundi
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\u202f"  # espace fine insécable: 12 345
NUMBER_GROUPING = 3

# Day fields take the day first; the first format is the one a field shows (and the admin's
# calendar writes).
DATE_INPUT_FORMATS = [
    "%d.%m.%Y",  # 04.12.2026
    "%Y-%m-%d",  # 2026-12-04
    "%d/%m/%Y",  # 04/12/2026
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%Hh%M", "%H h %M"]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M",
]
