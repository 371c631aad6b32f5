"""The demo's donated places and sample history (simulation/demo_zones.py).

Loading twice leaves the same state; the sample history, asked about as the page asks
(areas and whole hours, the API), meets the donated places: a real, non-empty result.
The person's risk is worked out here independently of the page's code, with the grid
rule written out and the reference stage 2 of zones.exposure.
"""

import math
import re
from collections import Counter
from datetime import datetime

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from simulation import demo_zones
from zones.exposure import user_exposure_risk
from zones.models import Coordinate, DonationCode, GeoZone, GeoZoneCoordinate

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def _state() -> tuple:
    return (
        Coordinate.objects.count(),
        GeoZone.objects.count(),
        GeoZoneCoordinate.objects.count(),
        DonationCode.objects.count(),
    )


def test_loading_twice_leaves_the_same_places_and_the_same_file(data_dir):
    first = demo_zones.load_demo_zones()
    state = _state()
    sample = demo_zones.sample_path().read_text()
    assert first > 0 and state[0] == first and state[2] > 0
    assert state[3] == 0  # the donor's code was used, so nothing of it is kept

    assert demo_zones.load_demo_zones() == 0
    assert _state() == state
    assert demo_zones.sample_path().read_text() == sample


def test_demo_data_loads_the_places(data_dir, settings):
    settings.DEMO_MODE = True
    settings.SOCIALACCOUNT_ONLY = False
    settings.DEMO_ENCOUNTER_DAYS = 1
    call_command("demo_data")
    state = _state()
    call_command("demo_data")
    assert _state() == state and state[0] > 0
    assert (data_dir / demo_zones.SAMPLE_FILE).exists()


def _sample_points(text: str) -> list[tuple[float, float, int]]:
    pattern = r'<trkpt lat="([-\d.]+)" lon="([-\d.]+)"><time>([^<]+)</time></trkpt>'
    return [
        (float(lat), float(long), int(datetime.fromisoformat(t).timestamp()))
        for lat, long, t in re.findall(pattern, text)
    ]


def _zone_centre(lat: float, long: float) -> tuple[float, float]:
    """The 0.0001° square's centre, as docs/location-exposure.md cuts it (units of 1e-7°)."""
    size = 1000
    row = math.floor(round(lat * 1e7) / size)
    column = math.floor(round(long * 1e7) / size)
    return round((row + 0.5) * size / 1e7, 6), round((column + 0.5) * size / 1e7, 6)


def test_the_sample_history_meets_a_donated_place(data_dir):
    demo_zones.load_demo_zones()
    points = _sample_points(demo_zones.sample_path().read_text())
    assert len(points) > 500

    # The areas the page would ask about: each 0.01° square over the hours it was visited.
    hours: dict[tuple[float, float], list[int]] = {}
    for lat, long, t in points:
        cell = (math.floor(lat * 100) / 100 + 0.005, math.floor(long * 100) / 100 + 0.005)
        hours.setdefault(cell, []).append(t // 3600 * 3600)
    areas = [
        {"lat": lat, "long": long, "start": min(ts), "end": max(ts) + 3600}
        for (lat, long), ts in hours.items()
    ]
    response = APIClient().post(
        "/api/zones/exposure",
        {
            "returnDataFormatting": {
                "geoZoneSpecId": 4,
                "exposureThreshold": 0,
                "minutePeriod": 10,
            },
            "areaRequests": areas,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    zones = {
        (round(z["centreLat"], 6), round(z["centreLong"], 6)): z["exposures"]
        for z in response.json()["zones"]
    }
    assert zones  # the donated places are there

    # Stage 2 by hand: each own point to its zone and period (every point has accuracy 1).
    met = Counter()
    for lat, long, t in points:
        for period in zones.get(_zone_centre(lat, long), []):
            if period["start"] <= t < period["end"]:
                met[(_zone_centre(lat, long), period["start"], period["exposure"])] += 1
    assert len(met) == 1  # the minute at the till
    risk = user_exposure_risk((1.0, count, rating) for (_, _, rating), count in met.items())
    assert 25 <= risk < 60  # "Medium" on the page: a real, not an alarming, result
