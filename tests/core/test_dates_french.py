"""core/dates.py in French against a reference written by hand with zoneinfo.

The same instants as tests/core/test_dates.py (years of them, and on purpose the clock
changes, midnight and year ends), written as a French reader writes them: "ven. 4 déc. 2026
à 14 h 51", "1er décembre 2026". The reference shares nothing with core/dates.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core import dates
from tests.core.test_dates import EDGES, MIDNIGHTS, ZURICH

MOIS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
ABREGE = {"janvier": "janv.", "février": "févr.", "avril": "avr.", "juillet": "juil."}
ABREGE.update({"septembre": "sept.", "octobre": "oct.", "novembre": "nov.", "décembre": "déc."})
JOURS = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]

instants = st.one_of(
    st.datetimes(
        min_value=datetime(2020, 1, 1),  # noqa: DTZ001
        max_value=datetime(2035, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.sampled_from(EDGES + MIDNIGHTS),
)


@pytest.fixture(autouse=True)
def zurich_in_french(settings):
    settings.TIME_ZONE = ZURICH
    with translation.override("fr"):
        yield


def reference(moment: datetime) -> tuple[str, str, str, str]:
    """(date, day, long date, time) of `moment` on Zurich's wall clock, in French."""
    local = moment.astimezone(ZoneInfo(ZURICH))
    month = MOIS.split()[local.month - 1]
    day = "1er" if local.day == 1 else str(local.day)
    short = f"{day} {ABREGE.get(month, month)} {local.year}"
    return (
        short,
        f"{JOURS[local.weekday()]} {short}",
        f"{day} {month} {local.year}",
        f"{local.hour} h {local.minute:02d}",
    )


@given(instants)
def test_every_instant_is_written_in_french_on_the_organisations_clock(moment):
    short, day, long, time = reference(moment)
    assert dates.format_date(moment) == short
    assert dates.format_day(moment) == day
    assert dates.format_date_long(moment) == long
    assert dates.format_time(moment) == time
    assert dates.format_datetime(moment) == f"{short} à {time}"
    assert dates.csv_when(moment.isoformat()) == f"{short} à {time}"


@given(instants, st.integers(min_value=0, max_value=3 * 86400))
def test_a_french_period_says_the_day_once_when_it_is_one_day(start, seconds):
    end = start + timedelta(seconds=seconds)
    same_day = start.astimezone(ZoneInfo(ZURICH)).date() == end.astimezone(ZoneInfo(ZURICH)).date()
    short_end, _, _, time_end = reference(end)
    written = dates.format_period(start, end)
    tail = time_end if same_day else f"{short_end} à {time_end}"
    assert written == f"{dates.format_datetime(start)} \u2013 {tail}"


def test_the_examples_a_reader_sees():
    moment = datetime(2026, 12, 4, 13, 51, 59, tzinfo=UTC)
    assert dates.format_datetime(moment) == "4 déc. 2026 à 14 h 51"
    assert dates.format_day(date(2026, 12, 4)) == "ven. 4 déc. 2026"
    assert dates.format_date_long(date(2026, 12, 1)) == "1er décembre 2026"
    assert dates.day_in_words(moment, now=moment) == "4 décembre"
    assert dates.zone_words() == "fuseau horaire Europe/Zurich"
    with translation.override("en"):
        assert dates.format_datetime(moment) == "4 Dec 2026, 14:51"


def test_django_formats_in_french_for_the_admin_and_templates():
    from django.utils.formats import date_format, number_format

    moment = datetime(2026, 12, 4, 14, 51, tzinfo=ZoneInfo(ZURICH))
    assert date_format(moment, "DATETIME_FORMAT") == "4 décembre 2026, 14 h 51"
    assert number_format(12345.6, 1, use_l10n=True, force_grouping=True) == "12\u202f345,6"
