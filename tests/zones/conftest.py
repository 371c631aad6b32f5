"""Helpers of the location-exposure tests: a code, a donation, linked points."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from zones import services


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def code():
    """A fresh donation code; the infectious window starts 4 days ago (symptoms 1 day ago)."""
    return services.donation_code_issue(symptom_onset=timezone.now() - timedelta(days=1)).code


def now_s() -> int:
    return int(time.time())


def point(lat=47.37, long=8.54, ago=3600, accuracy=0.9) -> dict:
    return {"lat": lat, "long": long, "time": now_s() - ago, "accuracy": accuracy}


def donate(api, code, coords, scheme="DonationCode"):
    return api.post(
        "/api/zones/coordinates",
        {"coords": coords},
        format="json",
        HTTP_AUTHORIZATION=f"{scheme} {code}",
    )
