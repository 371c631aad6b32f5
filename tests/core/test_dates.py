"""core/dates.py's one family of formats against a simple reference written with zoneinfo.

Instants are drawn over several years and, on purpose, around the changes to and from
summer time in the organisation's zone (last Sundays of March and October), at midnight
and at the year's end. The reference uses nothing of core/dates: zoneinfo and a table.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import dates

ZURICH = "Europe/Zurich"
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAY = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@pytest.fixture(autouse=True)
def zurich(settings):
    settings.TIME_ZONE = ZURICH


def last_sunday(year: int, month: int) -> datetime:
    """01:00 UTC on the last Sunday of `month`: when Europe's clocks change."""
    day = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    day -= timedelta(days=(day.weekday() + 1) % 7)
    return datetime(day.year, day.month, day.day, 1, tzinfo=UTC)


EDGES = [
    edge + timedelta(seconds=delta)
    for year in range(2024, 2030)
    for edge in (last_sunday(year, 3), last_sunday(year, 10))
    for delta in (-3601, -61, -1, 0, 1, 59, 60, 3599, 3600)
]
MIDNIGHTS = [
    datetime(year, month, 1, tzinfo=ZoneInfo(ZURICH)) + timedelta(seconds=delta)
    for year in (2025, 2026, 2027)
    for month in (1, 3, 7, 10, 11)
    for delta in (-1, 0, 59)
]
instants = st.one_of(
    st.datetimes(  # hypothesis takes naive bounds and adds the zone itself
        min_value=datetime(2020, 1, 1),  # noqa: DTZ001
        max_value=datetime(2035, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.sampled_from(EDGES + MIDNIGHTS),
)


def reference(moment: datetime) -> str:
    """`Fri 4 Dec 2026, 14:51` read off zoneinfo's wall clock, by hand."""
    local = moment.astimezone(ZoneInfo(ZURICH))
    return (
        f"{DAY[local.weekday()]} {local.day} {MON[local.month - 1]} {local.year}, "
        f"{local.hour:02d}:{local.minute:02d}"
    )


@given(instants)
def test_every_instant_is_written_on_the_organisations_clock(moment):
    expected = reference(moment)
    weekday, rest = expected.split(" ", 1)
    day, time = rest.split(", ")
    assert dates.format_datetime(moment) == rest
    assert dates.format_day(moment) == f"{weekday} {day}"
    assert dates.format_date(moment) == day
    assert dates.format_time(moment) == time
    assert dates.csv_when(moment.isoformat()) == rest  # the CSV: the same minutes
    # The same instant given with any other offset is the same text.
    assert dates.format_datetime(moment.astimezone(ZoneInfo("America/New_York"))) == rest


@given(instants, st.integers(min_value=0, max_value=3 * 86400))
def test_a_period_says_the_day_once_when_it_is_one_day(start, seconds):
    end = start + timedelta(seconds=seconds)
    text = dates.format_period(start, end)
    same_day = start.astimezone(ZoneInfo(ZURICH)).date() == end.astimezone(ZoneInfo(ZURICH)).date()
    first = reference(start).split(" ", 1)[1]
    last = reference(end).split(" ", 1)[1]
    assert text == (f"{first} – {last.split(', ')[1]}" if same_day else f"{first} – {last}")


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        ("2026-03-29T00:59:59+00:00", "Sun 29 Mar 2026, 01:59"),  # a second before summer time
        ("2026-03-29T01:00:00+00:00", "Sun 29 Mar 2026, 03:00"),
        ("2026-10-25T00:30:00+00:00", "Sun 25 Oct 2026, 02:30"),  # 02:30 happens twice
        ("2026-10-25T01:30:00+00:00", "Sun 25 Oct 2026, 02:30"),
        ("2026-12-31T23:00:00+00:00", "Fri 1 Jan 2027, 00:00"),  # the year's end
        ("2026-12-04T13:51:59+00:00", "Fri 4 Dec 2026, 14:51"),  # cut, not rounded
    ],
)
def test_the_table_of_edges(moment, words):
    assert reference(datetime.fromisoformat(moment)) == words
    assert (
        dates.format_day(datetime.fromisoformat(moment))
        + ", "
        + dates.format_time(datetime.fromisoformat(moment))
        == words
    )


def test_days_and_running_text():
    assert dates.format_date(date(2026, 12, 4)) == "4 Dec 2026"
    assert dates.format_day(date(2026, 12, 4)) == "Fri 4 Dec 2026"
    assert dates.format_date_long(date(2026, 12, 4)) == "4 December 2026"
    assert dates.csv_when("2026-12-04") == "4 Dec 2026"
    assert dates.csv_when(None) == dates.csv_when("") == ""
    with pytest.raises(ValueError, match="naive"):
        dates.format_time(datetime(2026, 12, 4, 14, 51))  # noqa: DTZ001


def test_django_writes_the_same_family_for_the_admin_and_templates():
    from django.template import Context, Template
    from django.utils import formats

    moment = datetime(2026, 12, 4, 13, 51, 30, tzinfo=UTC)
    text = Template('{{ m }}|{{ m|date:"SHORT_DATETIME_FORMAT" }}|{{ d }}').render(
        Context({"m": moment, "d": date(2026, 12, 4)})
    )
    assert text == "4 Dec 2026, 14:51|4 Dec 2026, 14:51|4 Dec 2026"
    assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%d.%m.%Y"  # day first


@pytest.mark.django_db(databases="__all__")
def test_the_admin_lists_a_time_in_the_family(client, superuser):
    """The admin's change list: `4 Dec 2026, 14:51` on the organisation's clock, not Django's
    American default ("Dec. 4, 2026, 2:51 p.m.")."""
    from tests.registration.factories import people_holding_devices

    since = datetime(2026, 12, 4, 13, 51, 59, tzinfo=UTC)  # 14:51:59 in Zurich
    people_holding_devices([("710001", "Ada", "Admin", "IT", 301)], since=since)
    client.force_login(superuser)
    page = client.get("/admin/registration/association/").content.decode()
    assert "4 Dec 2026, 14:51" in page
    assert "p.m." not in page and "Dec. 4" not in page


@pytest.mark.django_db(databases="__all__")
def test_a_records_name_in_the_admin_is_on_the_organisations_clock(client, superuser):
    """A record's name (its title on its admin page, in breadcrumbs and delete confirmations)
    reads the same time as the lists, not the database's UTC."""
    from registration.models import Association
    from tests.registration.factories import people_holding_devices

    since = datetime(2026, 12, 4, 13, 51, 59, tzinfo=UTC)  # 14:51:59 in Zurich
    people_holding_devices([("710001", "Ada", "Admin", "IT", 301)], since=since)
    holding = Association.objects.get()
    assert str(holding).endswith("from 4 Dec 2026, 14:51")
    client.force_login(superuser)
    page = client.get(f"/admin/registration/association/{holding.pk}/change/").content.decode()
    assert "from 4 Dec 2026, 14:51" in page
    assert "13:51" not in page
