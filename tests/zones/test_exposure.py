"""Area exposure: the seed's request and response, periods, threshold, validation, no trace kept."""

import gzip
import json
import logging
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from django.utils.text import compress_string
from rest_framework.renderers import JSONRenderer

from tests.zones.conftest import now_s
from zones import exposure, grid
from zones.selectors import Credential, ZoneRatings, exposure_payload
from zones.services import Point, coordinates_donate
from zones.tasks import link_coordinates

pytestmark = pytest.mark.django_db(databases="__all__")

SQUARE_COARSE, HEX_FINE, SQUARE_FINE = 1, 3, 4
START = now_s() - 3 * 3600  # the request's start; periods count from here


def store(points: list[tuple[float, float, int, float]]) -> None:
    """(lat, long, seconds after START, accuracy), stored and linked."""
    now = timezone.now()
    coordinates_donate(
        credential=Credential(code_id=None, window_start=now - timedelta(days=1), window_end=now),
        points=[Point(lat=a, long=o, time=START + s, accuracy=c) for a, o, s, c in points],
        now=now,
    )
    link_coordinates()


def request_body(spec=SQUARE_FINE, threshold=0, minutes=10, areas=None, hours=3) -> dict:
    return {
        "returnDataFormatting": {
            "geoZoneSpecId": spec,
            "exposureThreshold": threshold,
            "minutePeriod": minutes,
        },
        "areaRequests": areas
        or [{"lat": 47.37, "long": 8.54, "start": START, "end": START + hours * 3600}],
    }


def ask(api, body, **headers):
    return api.post("/api/zones/exposure", body, format="json", **headers)


@pytest.fixture
def points():
    store(
        [
            (47.37001, 8.54001, 60, 0.9),  # zone A, first period
            (47.37002, 8.54002, 120, 0.8),  # zone A, first period
            (47.37002, 8.54002, 700, 0.1),  # zone A, second period: a weak one
            (47.36, 8.54, 60, 1.0),  # outside the requested area (0.01° south)
        ]
    )


def test_an_area_request_answers_the_seed_s_format_with_the_zones_rated_per_period(
    api, person, points
):
    api.force_login(person)
    response = ask(api, request_body())
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["geoZoneSpecId"], body["latRange"], body["longRange"]) == (4, 0.0001, 0.0001)
    [zone] = body["zones"]
    assert (zone["centreLat"], zone["centreLong"]) == (47.37005, 8.54005)
    # A = 83.7389 m² (0.0001° at 47.37° N) = 8.37389 units; t = 10 min = 1/6 h.
    # Period 1: Σλ = 0.9 + 0.8 = 1.7 → M·x = 1.7 / (8.37389/6) = 1.21807 → Er = 54.34
    # Period 2: Σλ = 0.1         → M·x = 0.1 / (8.37389/6) = 0.07165 → Er =  3.58
    area = grid.square_area_m2(47.37005, 1_000)
    assert area == pytest.approx(83.7389, abs=1e-4)
    assert zone["exposures"] == [
        {"start": START, "end": START + 600, "exposure": 54.34},
        {"start": START + 600, "end": START + 1200, "exposure": 3.58},
    ]
    assert exposure.region_exposure_rating(
        accuracy_sum=1.7, area_m2=area, hours=1 / 6, unit_m2=10
    ) == pytest.approx(54.34, abs=0.005)


def test_only_periods_rated_above_the_threshold_are_returned(api, person, points):
    api.force_login(person)
    [zone] = ask(api, request_body(threshold=5)).json()["zones"]
    assert [e["exposure"] for e in zone["exposures"]] == [54.34]
    assert ask(api, request_body(threshold=60)).json()["zones"] == []


def test_longer_periods_gather_the_points_of_each(api, person, points):
    api.force_login(person)
    [zone] = ask(api, request_body(minutes=30)).json()["zones"]
    # Σλ = 1.8 over 30 min: M·x = 1.8 / (8.37389 · 0.5) = 0.42991 → Er = 21.17
    assert zone["exposures"] == [{"start": START, "end": START + 1800, "exposure": 21.17}]


def test_the_last_period_ends_at_the_request_s_end(api, person, points):
    api.force_login(person)
    areas = [{"lat": 47.37, "long": 8.54, "start": START, "end": START + 900}]
    [zone] = ask(api, request_body(areas=areas)).json()["zones"]
    assert [(e["start"], e["end"]) for e in zone["exposures"]] == [
        (START, START + 600),
        (START + 600, START + 900),
    ]


def test_overlapping_areas_count_a_point_once(api, person, points):
    api.force_login(person)
    single = ask(api, request_body()).json()
    area = request_body()["areaRequests"][0]
    assert ask(api, request_body(areas=[area, dict(area)])).json() == single


def test_coarse_squares_and_hexagons_are_answered_in_their_own_terms(api, person, points):
    api.force_login(person)
    # A zone belongs to an area when its centre does: ask around the coarse zone's centre.
    around = [{"lat": 47.375, "long": 8.545, "start": START, "end": START + 3600}]
    assert ask(api, request_body(spec=SQUARE_COARSE)).json()["zones"] == []
    coarse = ask(api, request_body(spec=SQUARE_COARSE, areas=around)).json()
    assert coarse["latRange"] == 0.01
    assert [(z["centreLat"], z["centreLong"]) for z in coarse["zones"]] == [(47.375, 8.545)]
    hexagons = ask(api, request_body(spec=HEX_FINE)).json()
    assert hexagons["latRange"] is None and hexagons["h3Resolution"] == 12
    assert {z["h3Index"] for z in hexagons["zones"]} == {
        grid.hexagon_cell(47.37001, 8.54001, 12),
        grid.hexagon_cell(47.37002, 8.54002, 12),
    }


def test_the_answer_is_compact_json_and_gzipped_when_the_client_accepts_it(api, person):
    # 80 zones: large enough for gzip to pay (Django adds up to 100 random bytes against BREACH).
    store([(47.366 + n * 0.0001, 8.54, 60 * n, 0.9) for n in range(80)])
    api.force_login(person)
    response = ask(api, request_body(), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    text = gzip.decompress(response.content).decode()
    assert ", " not in text and ": " not in text and "\n" not in text
    assert len(json.loads(text)["zones"]) == 80
    assert len(response.content) < len(text) / 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b["returnDataFormatting"].update(minutePeriod=4), "minutePeriod: at least 5"),
        (
            lambda b: b["returnDataFormatting"].update(geoZoneSpecId=99),
            "geoZoneSpecId: 99 is not an active geo-zone specification (active: 1, 2, 3, 4)",
        ),
        (lambda b: b.update(areaRequests=b["areaRequests"] * 201), "at most 200 areas"),
        (
            lambda b: b["areaRequests"][0].update(start=now_s() - 15 * 86400),
            "areaRequests[0].start: before the 14-day retention",
        ),
        (lambda b: b["areaRequests"][0].update(end=now_s() + 86400), "areaRequests[0].end: in"),
        (
            lambda b: b["areaRequests"][0].update(end=b["areaRequests"][0]["start"]),
            "areaRequests[0].end: must be after start",
        ),
        (lambda b: b["areaRequests"][0].update(lat=91), "areaRequests[0].lat: must be between"),
        (lambda b: b.update(areaRequests=[]), "areaRequests: This list may not be empty"),
    ],
)
def test_an_invalid_request_is_refused_with_the_offending_field_named(api, person, change, message):
    api.force_login(person)
    body = request_body()
    change(body)
    response = ask(api, body)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_an_exposure_request_is_tied_to_no_one_it_needs_no_session_and_reads_none(
    api, person, points
):
    """The computation is public; a request with no session says nothing about anyone."""
    anonymous = ask(api, request_body())
    assert anonymous.status_code == 200
    api.force_login(person)
    signed_in = ask(api, request_body())  # a session cookie sent along is not looked at
    assert signed_in.json() == anonymous.json()
    assert "sessionid" not in signed_in.cookies and "no-store" in signed_in["Cache-Control"]


def _row_counts() -> dict[str, int]:
    counts = {}
    for alias in ("default", "encounters"):
        connection = connections[alias]
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names():
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
                counts[f"{alias}.{table}"] = cursor.fetchone()[0]
    return counts


def test_an_exposure_request_leaves_no_row_and_no_log_line_with_its_areas(
    api, person, points, caplog
):
    api.force_login(person)
    areas = [
        {"lat": 47.37, "long": 8.54, "start": START, "end": START + 3600},
        {"lat": -33.9249, "long": 18.4241, "start": START, "end": START + 3600},  # a decoy
    ]
    before = _row_counts()
    with caplog.at_level(logging.DEBUG):
        assert ask(api, request_body(areas=areas)).status_code == 200
        assert ask(api, request_body(areas=[{**areas[1], "lat": 95}])).status_code == 400
    assert _row_counts() == before
    # Every field of each record but the clock's (created, msecs, relativeCreated), whose
    # digits can hold "8.54" by chance.
    clock = {"created", "msecs", "relativeCreated"}
    logged = caplog.text + " ".join(
        str({k: v for k, v in r.__dict__.items() if k not in clock}) for r in caplog.records
    )
    for value in ("47.37", "8.54", "33.92", "18.42", str(START)):
        assert value not in logged


def test_the_seed_s_example_answer_is_a_tenth_of_its_estimate_once_gzipped():
    """10,000 zones x 20 periods: the seed estimates 20.75 MB (seeds/002, "Response Data Size")."""
    square = grid.Grid(spec_id=4, shape="square", size_e7=1_000)
    zones = []
    for n in range(10_000):
        lat, long = grid.square_centre(473_700 + n // 100, 85_400 + n % 100, 1_000)
        periods = [
            (START + 600 * k, START + 600 * (k + 1), round(1 + (n * 7 + k) % 9900 / 100, 2))
            for k in range(20)
        ]
        zones.append(ZoneRatings(cell="", centre_lat=lat, centre_long=long, exposures=periods))
    body = JSONRenderer().render(exposure_payload(zone_grid=square, zones=zones))
    assert b", " not in body
    assert len(body) < 20_750_000 * 0.6  # 11.5 MB
    assert len(compress_string(body)) < 20_750_000 / 10
