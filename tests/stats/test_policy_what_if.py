"""The policy what-if: close contacts of the whole service under each rule, pairs of tags only.

The reference model below counts in whole seconds ("ticks") and shares no code with the
portal: a pair's covered seconds are a set, an encounter is a run of consecutive covered
seconds, a local day is what `datetime.fromtimestamp` says it is.
"""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.roles import Role
from encounters.models import Encounter
from stats import selectors
from tests.personas import persona_for, superuser

pytestmark = pytest.mark.django_db(databases="__all__")

ZONE = ZoneInfo("Europe/Zurich")
THRESHOLD = 15 * 60
# Today 30 October 2026: the window is 17..29 October, and the clocks go back on the 25th.
TODAY = date(2026, 10, 30)
START = datetime(2026, 10, 17, tzinfo=ZONE)
END = datetime(2026, 10, 30, tzinfo=ZONE)
ANCHORS = [
    START,  # the window's first second
    END,  # its end: nothing after counts
    datetime(2026, 10, 20, tzinfo=ZONE),  # a midnight
    datetime(2026, 10, 25, tzinfo=ZONE),  # the 25-hour day begins
    datetime(2026, 10, 25, 2, 30, tzinfo=ZONE),  # the hour that happens twice
    datetime(2026, 10, 26, tzinfo=ZONE),  # and ends
]


def reference(records: list[tuple[int, int, int, int]]) -> tuple[int, int]:
    """(pairs close under the per-encounter rule, under the daily rule), second by second."""
    start, end = int(START.timestamp()), int(END.timestamp())
    covered = defaultdict(set)
    for my_tag, ref_tag, begin, slots in records:
        if my_tag == ref_tag:
            continue  # a tag that met itself: nobody's contact
        pair = frozenset((my_tag, ref_tag))  # both directions: one pair
        covered[pair] |= {t for t in range(begin, begin + 30 * slots) if start <= t < end}
    per_encounter = daily = 0
    for ticks in covered.values():
        runs = []  # lengths of runs of consecutive seconds: the encounters
        for t in sorted(ticks):
            if runs and t - 1 in ticks:
                runs[-1] += 1
            else:
                runs.append(1)
        per_day = defaultdict(int)
        for t in ticks:
            per_day[datetime.fromtimestamp(t, ZONE).date()] += 1
        long_one = any(r > THRESHOLD for r in runs)
        per_encounter += long_one
        daily += long_one or any(n >= THRESHOLD for n in per_day.values())
    return per_encounter, daily


records = st.lists(
    st.tuples(
        st.sampled_from([1, 2, 3, 4]),
        st.sampled_from([1, 2, 3, 4]),
        st.tuples(st.sampled_from(ANCHORS), st.integers(-1500, 1500)).map(
            lambda a: int(a[0].timestamp()) + a[1]
        ),
        st.sampled_from([1, 2, 10, 15, 16, 20, 29, 30, 31, 45]),  # 30, 31: 15 min, just over
    ),
    max_size=14,
    unique_by=lambda r: (r[0], r[1], r[2]),  # one record per tag, peer and start
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(records)
def test_the_what_if_counts_pairs_as_the_second_by_second_model_does(records):
    Encounter.objects.all().delete()
    Encounter.objects.bulk_create(
        Encounter(
            my_tag=my_tag,
            ref_tag=ref_tag,
            started_at=datetime.fromtimestamp(begin, UTC),
            slots=slots,
        )
        for my_tag, ref_tag, begin, slots in records
    )
    counts = selectors.close_pairs(start=START, end=END)
    assert (counts["encounter"], counts["daily"]) == reference(records)


def meet(a: int, b: int, at: datetime, minutes: int, *, both_ways: bool = False):
    Encounter.objects.create(my_tag=a, ref_tag=b, started_at=at, slots=minutes * 2)
    if both_ways:
        Encounter.objects.create(my_tag=b, ref_tag=a, started_at=at, slots=minutes * 2)


def test_touching_records_are_one_encounter_and_both_directions_one_pair():
    at = datetime(2026, 10, 21, 9, tzinfo=ZONE)
    meet(1, 2, at, 10, both_ways=True)
    meet(2, 1, at + timedelta(minutes=10), 6)  # touches: one encounter of 16 minutes
    meet(3, 4, at, 10)
    meet(3, 4, at + timedelta(minutes=10, seconds=30), 6)  # 30 s apart: two, 16 min that day
    counts = selectors.close_pairs(start=START, end=END)
    assert counts == {"encounter": 1, "daily": 2}


def test_a_day_before_the_window_and_today_do_not_count():
    meet(1, 2, START - timedelta(minutes=20), 20)  # ends at the window's first second
    meet(3, 4, END, 20)  # today: not over
    assert selectors.close_pairs(start=START, end=END) == {"encounter": 0, "daily": 0}


def pairs(n: int, first: int, at: datetime, minutes: list[int]):
    for k in range(n):
        for offset, length in enumerate(minutes):
            meet(first + 2 * k, first + 2 * k + 1, at + timedelta(hours=offset), length)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The published figure is kept for the day: each test counts its own data, and leaves
    # none of it to the next.
    cache.clear()
    yield
    cache.clear()


def test_the_figure_is_counted_once_per_day_and_kept(client, medic, yesterday_noon):
    pairs(5, 100, yesterday_noon, [20])
    client.force_login(medic)
    assert client.get(reverse("stats-policy-what-if")).json()["per_encounter"] == 5
    pairs(5, 300, yesterday_noon, [20])  # a late upload for a closed day
    assert client.get(reverse("stats-policy-what-if")).json()["per_encounter"] == 5
    cache.clear()
    assert client.get(reverse("stats-policy-what-if")).json()["per_encounter"] == 10


@pytest.fixture
def yesterday_noon():
    return timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(
        days=1
    )


def test_the_page_shows_both_rules_and_hides_a_small_difference(client, medic, yesterday_noon):
    pairs(6, 100, yesterday_noon, [20])  # 6 pairs: one encounter of 20 minutes
    pairs(2, 200, yesterday_noon, [8, 8])  # 2 pairs: twice 8 minutes, close only per day
    client.force_login(medic)
    body = client.get(reverse("stats-policy-what-if")).json()
    # 8 under the daily rule, 6 per encounter: 6 beside 8 would tell the 2 of the daily rule
    # alone, so the smaller figure is hidden too.
    assert body["daily"] == 8
    assert body["daily_only"] == "< 5"
    assert body["per_encounter"] == "hidden"
    assert body["days"] == 13 and body["threshold_minutes"] == 15
    assert body["last_day"] == (timezone.localdate() - timedelta(days=1)).isoformat()


def test_the_page_shows_every_figure_when_none_is_small(client, privacy_officer, yesterday_noon):
    pairs(6, 100, yesterday_noon, [20])
    pairs(5, 200, yesterday_noon, [8, 8])
    client.force_login(privacy_officer)
    body = client.get(reverse("stats-policy-what-if")).json()
    assert (body["per_encounter"], body["daily"], body["daily_only"]) == (6, 11, 5)


def test_a_small_service_shows_nothing_exactly(client, desk, yesterday_noon):
    pairs(3, 100, yesterday_noon, [20])
    client.force_login(desk)
    body = client.get(reverse("stats-policy-what-if")).json()
    assert body["per_encounter"] == "< 5" and body["daily"] == "< 5"


@pytest.mark.parametrize(
    "role,status",
    [
        (Role.MEDICAL, 200),
        (Role.PRIVACY, 200),
        (Role.REGISTRATION, 200),
        (Role.ASSETS, 403),
        (None, 403),
    ],
)
def test_the_what_if_is_for_whoever_may_see_statistics(client, role, status):
    client.force_login(persona_for(role))
    assert client.get(reverse("stats-policy-what-if")).status_code == status


def test_a_superuser_without_a_role_and_an_anonymous_visitor_are_refused(client):
    assert client.get(reverse("stats-policy-what-if")).status_code in (401, 403)
    client.force_login(superuser())
    assert client.get(reverse("stats-policy-what-if")).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "days=-1",
        "today=2020-01-01",
        "policy=encounter",
        "start=1970-01-01&end=2999-12-31",
        "tag=1",
        "x=" + "%00" * 50,
        "threshold_minutes=0' OR 1=1 --",
        "a=" + "9" * 5000,
    ],
)
def test_hostile_parameters_are_refused_with_a_clear_400(client, medic, query):
    client.force_login(medic)
    response = client.get(reverse("stats-policy-what-if") + "?" + query)
    assert response.status_code == 400
    assert response.json()["code"] == "parameters"
