"""The follow-up's end date against an independent model of the rule, on generated moments.

The rule (cases/dates.py, docs): the exposure day is the local day, in
Europe/Zurich, of the last second in contact (the encounter's end minus one
second: an encounter that ends at midnight ended on the day before); the end
date is that day + CONTACT_FOLLOW_UP_DAYS; days left = end - today (0 on the last
day); the nightly close releases a follow-up the day after its end date.

The model below shares no code with cases/ and does not use zoneinfo: it works
on whole seconds since the epoch and applies the EU summer-time rule itself
(CET = UTC+1; CEST = UTC+2 from 01:00 UTC on the last Sunday of March to 01:00
UTC on the last Sunday of October). Hypothesis draws encounter ends over many
years, most of them on an edge: a local midnight and the seconds around it, the
clock changes and the seconds around them, 23:00-01:00 UTC.

    CASES_DATE_MODEL_EXAMPLES=20000 pytest tests/cases/test_end_date_model.py
"""

import os
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as fixed_zone
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import dates, services
from cases.models import Case, CaseTrace, Exposure, FollowUp, FollowUpEvent
from tests import personas

EXAMPLES = int(os.environ.get("CASES_DATE_MODEL_EXAMPLES", "1000"))
DB_EXAMPLES = int(os.environ.get("CASES_DB_MODEL_EXAMPLES", str(max(60, EXAMPLES // 10))))
ZURICH = "Europe/Zurich"

DAY = 86_400
HOUR = 3_600
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIRST_YEAR, LAST_YEAR = 1997, 2040  # the EU rule as it is since 1996

pure = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 1000,  # the normal suite: the same sample every run
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
with_db = settings(
    max_examples=DB_EXAMPLES,
    deadline=None,
    derandomize=DB_EXAMPLES <= 200,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- The model: seconds since the epoch, no time-zone library -------------------------


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719_468
    era = (z if z >= 0 else z - 146_096) // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, d


def weekday(days: int) -> int:
    """0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def last_sunday(year: int, month: int) -> int:
    """The day number of the last Sunday of March or October (both have 31 days)."""
    last = days_from_civil(year, month, 31)
    return last - (weekday(last) + 1) % 7


def summer_time(year: int) -> tuple[int, int]:
    """[start, end) of CEST in seconds since the epoch: 01:00 UTC on the last Sundays."""
    return last_sunday(year, 3) * DAY + HOUR, last_sunday(year, 10) * DAY + HOUR


def offset(t: int) -> int:
    year = civil_from_days(t // DAY)[0]
    start, end = summer_time(year)
    return 2 * HOUR if start <= t < end else HOUR


def local_seconds(t: int) -> int:
    """Seconds since 1970-01-01 00:00 on Zurich's wall clock."""
    return t + offset(t)


def local_day(t: int) -> int:
    return local_seconds(t) // DAY


def model_exposure_day(t: int) -> int:
    return local_day(t - 1)  # the last second in contact


def model_end(t: int, days: int) -> int:
    return model_exposure_day(t) + days


def as_date(day: int) -> date:
    return date(*civil_from_days(day))


def as_moment(t: int) -> datetime:
    return EPOCH + timedelta(seconds=t)


def seconds_of(moment: datetime) -> int:
    delta = moment - EPOCH
    assert delta.microseconds == 0
    return delta.days * DAY + delta.seconds


def local_midnight(day: int) -> int:
    """The instant the wall clock shows 00:00 on `day` (never inside a clock change)."""
    for off in (HOUR, 2 * HOUR):
        if offset(day * DAY - off) == off:
            return day * DAY - off
    raise AssertionError("a local midnight must exist")


# --- The model's own edges (known facts, not from a time-zone library) ---------------------


def test_the_model_knows_the_clock_changes_and_midnights():
    at = lambda *parts: seconds_of(datetime(*parts, tzinfo=UTC))  # noqa: E731
    assert as_date(last_sunday(2026, 3)) == date(2026, 3, 29)
    assert as_date(last_sunday(2026, 10)) == date(2026, 10, 25)
    assert as_date(last_sunday(2024, 3)) == date(2024, 3, 31)  # the 31st itself a Sunday
    assert as_date(last_sunday(2021, 10)) == date(2021, 10, 31)
    assert offset(at(2026, 3, 29, 0, 59, 59)) == HOUR  # 01:59:59 CET
    assert offset(at(2026, 3, 29, 1, 0, 0)) == 2 * HOUR  # 03:00:00 CEST
    assert offset(at(2026, 10, 25, 0, 59, 59)) == 2 * HOUR  # 02:59:59 CEST
    assert offset(at(2026, 10, 25, 1, 0, 0)) == HOUR  # 02:00:00 CET, again
    assert as_date(local_day(at(2026, 1, 14, 23, 0, 0))) == date(2026, 1, 15)
    assert as_date(local_day(at(2026, 7, 14, 22, 0, 0))) == date(2026, 7, 15)
    assert as_date(local_day(at(2026, 7, 14, 21, 59, 59))) == date(2026, 7, 14)
    # Ends exactly at midnight: the last second was the day before.
    assert as_date(model_exposure_day(at(2026, 7, 14, 22, 0, 0))) == date(2026, 7, 14)
    assert as_date(model_exposure_day(at(2026, 7, 14, 22, 0, 1))) == date(2026, 7, 15)
    assert local_midnight(days_from_civil(2026, 12, 1)) == at(2026, 11, 30, 23, 0, 0)
    for day in range(days_from_civil(1960, 1, 1), days_from_civil(2060, 1, 1), 97):
        assert days_from_civil(*civil_from_days(day)) == day
        assert date(*civil_from_days(day)).weekday() == weekday(day)


def test_the_project_runs_on_zurich_time():
    from django.conf import settings as django_settings

    assert django_settings.TIME_ZONE == ZURICH


@pytest.fixture
def zurich(settings):
    """The rule is Zurich's: whatever TIME_ZONE the environment gives, these tests use it."""
    settings.TIME_ZONE = ZURICH
    return ZoneInfo(settings.TIME_ZONE)


# --- Generated moments ------------------------------------------------------------------

YEARS = st.integers(FIRST_YEAR, LAST_YEAR)
ANY_DAY = st.integers(days_from_civil(FIRST_YEAR, 1, 2), days_from_civil(LAST_YEAR, 12, 30))
anywhere = st.integers(
    days_from_civil(FIRST_YEAR, 1, 2) * DAY, days_from_civil(LAST_YEAR, 12, 30) * DAY
)


@st.composite
def around_local_midnight(draw, spread: int) -> int:
    return local_midnight(draw(ANY_DAY)) + draw(st.integers(-spread, spread))


@st.composite
def around_a_clock_change(draw, spread: int) -> int:
    start, end = summer_time(draw(YEARS))
    return draw(st.sampled_from([start, end])) + draw(st.integers(-spread, spread))


@st.composite
def around_utc_midnight(draw) -> int:
    return draw(ANY_DAY) * DAY + draw(st.integers(-HOUR, HOUR))


# Mostly edges: one draw in eight is anywhere at all.
moments = st.one_of(
    anywhere,
    around_local_midnight(0),
    around_local_midnight(1),
    around_local_midnight(1),
    around_local_midnight(2 * HOUR),
    around_a_clock_change(1),
    around_a_clock_change(1),
    around_a_clock_change(2 * HOUR),
    around_utc_midnight(),
)
follow_up_days = st.integers(1, 21)
# The same instant as a trace's ISO text may carry it: UTC, or a fixed offset.
offsets = st.sampled_from([0, 1, 2, -5, 14]).map(lambda h: fixed_zone(timedelta(hours=h)))


# --- The rule ---------------------------------------------------------------------------------


@pure
@given(t=moments, days=follow_up_days, shown_in=offsets, today_shift=st.integers(-40, 40))
def test_the_end_date_agrees_with_the_model(zurich, t, days, shown_in, today_shift):
    moment = as_moment(t).astimezone(shown_in)
    expected_day, expected_end = as_date(model_exposure_day(t)), as_date(model_end(t, days))
    assert dates.exposure_day(moment, zurich) == expected_day, (moment, t)
    end = dates.end_date(moment, zurich, days)
    assert end == expected_end, (moment, days)
    today = as_date(model_end(t, days) + today_shift)
    assert dates.days_left(end, today) == -today_shift  # 0 on the last day

    # As the medic reads it: the local time of the end of contact, the midnight
    # remark exactly when the contact ended at 00:00:00, and the model's end date.
    said = dates.explain(moment, zurich, days)
    wall = local_seconds(t) % DAY
    assert f"{family(as_date(local_day(t)))}, {wall // HOUR:02d}:{wall % HOUR // 60:02d}" in said
    assert ("midnight" in said) == (wall == 0), said
    if wall == 0:
        assert f"the last day of contact is {family(expected_day)})" in said
    assert said.endswith(f"until the end of {family(expected_end)}."), said


def family(day) -> str:
    """`Fri 4 Dec 2026`: the portal's way of writing a day (core/dates.py)."""
    return f"{day:%a} {day.day} {day:%b %Y}"


@pure
@given(t=moments)
def test_the_last_exposure_of_a_contact_is_the_end_of_its_latest_encounter(zurich, t):
    # Encounters as a trace lists them: ISO start (any offset) and seconds.
    encounters = [
        {"start": as_moment(t - 3 * HOUR).isoformat(), "seconds": HOUR},
        {"start": as_moment(t - 900).astimezone(zurich).isoformat(), "seconds": 900},
        {"start": as_moment(t - 2 * DAY).isoformat(), "seconds": 2 * HOUR},
    ]
    assert seconds_of(dates.last_exposure(encounters)) == t


# --- Re-exposure through the service: the end never moves back ---------------------------------

on_the_database = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def index_case(medic, db):
    return Case.objects.create(
        reference="C-MODEL-1", person_id="index", created_at=timezone.now(), created_by="medic"
    )


def a_trace(case: Case) -> CaseTrace:
    now = timezone.now()
    return CaseTrace.objects.create(
        case=case,
        traced_person_id=case.person_id,
        created_at=now,
        author="medic",
        policy="encounter",
        window_from=now - timedelta(days=14),
        window_to=now,
        close_contacts=1,
    )


@st.composite
def exposures(draw) -> list[list[tuple[int, int]]]:
    """Traces in the order they run, each finding the contact in one or more encounters
    (start, seconds): unordered, with repeats, an earlier one found later."""
    base = draw(moments)
    ends = st.one_of(
        st.integers(-4 * DAY, 4 * DAY).map(lambda d: base + d),
        st.sampled_from([-1, 0, 1, -DAY, DAY]).map(lambda d: base + d),
        around_local_midnight(1).filter(lambda m: abs(m - base) < 30 * DAY),
    )
    found = st.lists(
        st.tuples(ends, st.integers(30, 3 * HOUR)).map(lambda e: (e[0] - e[1], e[1])),
        min_size=1,
        max_size=3,
    )
    traces = draw(st.lists(found, min_size=1, max_size=6))
    if draw(st.booleans()):
        traces.append(draw(st.sampled_from(traces)))  # the same trace result again
    return traces


def contact_of(encounters: list[tuple[int, int]], shown_in) -> dict:
    return {
        "kind": "person",
        "person_id": "contact",
        "close_contact": True,
        "encounters": [
            {"start": as_moment(start).astimezone(shown_in).isoformat(), "seconds": seconds}
            for start, seconds in encounters
        ],
    }


@on_the_database
@with_db
@given(traces=exposures(), days=follow_up_days, shown_in=offsets)
def test_re_exposures_move_the_end_to_the_models_latest_and_never_back(
    settings, zurich, medic, index_case, traces, days, shown_in
):
    settings.CONTACT_FOLLOW_UP_DAYS = days
    FollowUp.objects.filter(person_id="contact").delete()
    # The moments are from any year: "today" before all of them, so no follow-up is found only
    # after its end (that rule has its own test in test_follow_up.py).
    with mock.patch.object(services, "_today", lambda: date(1900, 1, 1)):
        _re_expose(traces, days, shown_in, medic, index_case)


def _re_expose(traces, days, shown_in, medic, index_case):
    latest_end = latest_moment = None
    moves = []  # the model's (old end, new end) of each later exposure
    for n, found in enumerate(traces):
        moment = max(start + seconds for start, seconds in found)  # the model's last exposure
        result = {"contacts": [contact_of(found, shown_in)]}
        [touched] = services.followups_from_trace(a_trace(index_case), result, acting_user=medic)
        if latest_moment is not None and moment > latest_moment:
            moves.append(
                (as_date(model_end(latest_moment, days)), as_date(model_end(moment, days)))
            )
        latest_moment = max(moment, latest_moment or moment)
        expected = as_date(model_end(latest_moment, days))
        [follow_up] = FollowUp.objects.filter(person_id="contact")  # one, still open
        assert follow_up.pk == touched.pk and follow_up.is_open
        assert follow_up.end_date == expected, (n, traces)
        assert seconds_of(follow_up.last_exposure) == latest_moment
        assert latest_end is None or follow_up.end_date >= latest_end  # never backwards
        latest_end = follow_up.end_date
    assert Exposure.objects.filter(follow_up=follow_up).count() == len(traces)
    events = list(follow_up.events.order_by("pk"))
    assert [e.kind for e in events] == ["opened"] + ["re_exposed"] * len(moves)
    first = max(start + seconds for start, seconds in traces[0])
    assert events[0].new_end_date == as_date(model_end(first, days))
    # Each move names the model's end before and after it.
    assert [(e.old_end_date, e.new_end_date) for e in events[1:]] == moves
    assert follow_up.version == 1 + len(moves)


@on_the_database
def test_a_later_trace_that_finds_only_an_earlier_exposure_does_not_shorten_it(
    settings, zurich, medic, index_case
):
    """The named case of the rule above, so that a failure reads plainly."""
    settings.CONTACT_FOLLOW_UP_DAYS = 10
    late = seconds_of(datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC))  # 03:00 CEST
    early = late - 3 * DAY
    for end in (late, early):
        result = {"contacts": [contact_of([(end - 1200, 1200)], UTC)]}
        with mock.patch.object(services, "_today", lambda: date(2026, 3, 29)):
            services.followups_from_trace(a_trace(index_case), result, acting_user=medic)
    follow_up = FollowUp.objects.get(person_id="contact")
    assert follow_up.end_date == date(2026, 4, 8)
    assert seconds_of(follow_up.last_exposure) == late
    assert follow_up.exposures.count() == 2 and follow_up.version == 1


# --- The nightly close -------------------------------------------------------------------------

STATUSES = [s.value for s in FollowUp.Status]


@on_the_database
@with_db
@given(
    rows=st.lists(st.tuples(st.integers(-6, 6), st.sampled_from(STATUSES)), max_size=10),
    today_shift=st.integers(-7, 7),
)
def test_the_nightly_close_releases_exactly_those_past_their_end(
    medic, index_case, rows, today_shift
):
    FollowUp.objects.all().delete()
    base = date(2026, 10, 25)
    now = timezone.now()
    made = []
    for n, (shift, status) in enumerate(rows):
        made.append(
            FollowUp.objects.create(
                person_id=f"p{n}",
                case=index_case,
                status=status,
                last_exposure=now,
                end_date=base + timedelta(days=shift),
                assigned_to="medic",
                created_at=now,
                changed_at=now,
                changed_by="medic",
            )
        )
    today = base + timedelta(days=today_shift)
    open_ = {"to_contact", "notified", "in_quarantine"}
    # The model: open, and the end date (the last day) already behind us.
    expected = {
        f.pk for f in made if f.status in open_ and f.end_date.toordinal() < today.toordinal()
    }
    assert services.followups_close_expired(today=today) == len(expected)
    for before in made:
        after = FollowUp.objects.get(pk=before.pk)
        if before.pk in expected:
            assert (after.status, after.version, after.changed_by) == ("released", 2, "system")
            assert f"{before.end_date:%d %b %Y}" in after.close_reason
            [event] = after.events.all()
            assert (event.kind, event.from_status, event.to_status) == (
                "auto_closed",
                before.status,
                "released",
            )
        else:
            assert (after.status, after.version, after.changed_at) == (
                before.status,
                1,
                before.changed_at,
            )
            assert not after.events.exists()
    assert services.followups_close_expired(today=today) == 0  # nothing left to close
    assert FollowUpEvent.objects.filter(kind="auto_closed").count() == len(expected)


# Zurich's date, not UTC's: late in the UTC evening it is already tomorrow in Zurich.
NIGHT_EDGES = [
    datetime(2026, 1, 14, 22, 59, 59, tzinfo=UTC),  # 23:59:59 CET
    datetime(2026, 1, 14, 23, 0, 0, tzinfo=UTC),  # 00:00 CET, the 15th
    datetime(2026, 7, 14, 21, 59, 59, tzinfo=UTC),  # 23:59:59 CEST
    datetime(2026, 7, 14, 22, 0, 0, tzinfo=UTC),  # 00:00 CEST, the 15th
    datetime(2026, 7, 14, 23, 30, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, 0, tzinfo=UTC),
]


@on_the_database
@pytest.mark.parametrize("now", NIGHT_EDGES, ids=lambda d: d.isoformat())
def test_the_nightly_close_without_a_date_uses_zurichs_today(zurich, medic, index_case, now):
    today = as_date(local_day(seconds_of(now)))
    for n, shift in enumerate((-1, 0)):
        FollowUp.objects.create(
            person_id=f"p{n}",
            case=index_case,
            last_exposure=now,
            end_date=today + timedelta(days=shift),
            assigned_to="medic",
            created_at=now,
            changed_at=now,
            changed_by="medic",
        )
    with mock.patch.object(timezone, "now", return_value=now):
        assert services.followups_close_expired() == 1
    assert FollowUp.objects.get(person_id="p0").status == "released"  # ended yesterday
    assert FollowUp.objects.get(person_id="p1").is_open  # its last day is today


@on_the_database
@with_db
@given(t=moments, days=follow_up_days, since=st.integers(0, 40 * DAY))
def test_the_worklist_counts_days_left_from_zurichs_today(
    zurich, settings, medic, index_case, t, days, since
):
    settings.CONTACT_FOLLOW_UP_DAYS = days
    FollowUp.objects.all().delete()
    now = t + since
    follow_up = FollowUp.objects.create(
        person_id="contact",
        case=index_case,
        last_exposure=as_moment(t),
        end_date=as_date(model_end(t, days)),
        assigned_to=medic.username,
        created_at=as_moment(t),
        changed_at=as_moment(t),
        changed_by="medic",
    )
    with mock.patch.object(timezone, "now", return_value=as_moment(now)):
        client = Client()
        client.force_login(personas.medic())
        response = client.get("/api/cases/follow-ups")
        detail = client.get(f"/api/cases/follow-ups/{follow_up.pk}")
    assert response.status_code == 200, response.content
    [shown] = response.json()
    assert shown["days_left"] == model_end(t, days) - local_day(now)
    assert shown["end_date"] == as_date(model_end(t, days)).isoformat()
    assert shown["end_explained"].endswith(f"{family(as_date(model_end(t, days)))}.")
    assert f"{days} days after that day" in shown["end_explained"]
    assert detail.json()["days_left"] == shown["days_left"]
