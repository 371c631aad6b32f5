"""The daily purge: coordinates past the retention, the archive past its own, empty zones, codes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from retention.services import purge_expired
from zones import services
from zones.models import (
    ArchivedCoordinate,
    Coordinate,
    DonationCode,
    GeoZone,
    GeoZoneCoordinate,
)
from zones.selectors import Credential
from zones.services import Point, coordinates_donate, coordinates_purge
from zones.tasks import link_coordinates

pytestmark = pytest.mark.django_db(databases="__all__")


def store_days_ago(*days: float, now) -> None:
    coordinates_donate(
        credential=Credential(code_id=None, window_start=now - timedelta(days=30), window_end=now),
        points=[
            Point(
                lat=47.37 + n / 100,
                long=8.54,
                time=int((now - timedelta(days=d)).timestamp()),
                accuracy=0.9,
            )
            for n, d in enumerate(days)
        ],
        now=now,
    )
    link_coordinates()


def test_points_past_the_retention_go_with_their_links_and_the_zones_left_empty():
    now = timezone.now()
    store_days_ago(15, 13, now=now)
    zones_before = GeoZone.objects.count()
    removed = coordinates_purge(now=now)
    assert removed["zone_coordinates"] == 1
    assert removed["zone_archive"] == 1  # archive retention defaults to the same 14 days
    assert Coordinate.objects.count() == ArchivedCoordinate.objects.count() == 1
    assert GeoZoneCoordinate.objects.count() == 4
    # The old point's zones, fine and coarse (other squares, other hexagons), are gone.
    assert removed["geo_zones"] == zones_before - GeoZone.objects.count() == 4
    assert not GeoZone.objects.filter(links__isnull=True, children__isnull=True).exists()


def test_the_archive_may_be_kept_longer_than_the_coordinates(settings):
    settings.ZONES_ARCHIVE_RETENTION_DAYS = 30
    now = timezone.now()
    store_days_ago(15, now=now)
    coordinates_purge(now=now)
    assert Coordinate.objects.count() == 0
    assert ArchivedCoordinate.objects.count() == 1
    coordinates_purge(now=now + timedelta(days=16))
    assert ArchivedCoordinate.objects.count() == 0


def test_expired_donation_codes_are_purged_and_live_ones_kept():
    now = timezone.now()
    for _ in range(2):
        services.donation_code_issue(positive_test=now, now=now)
    expired, live = DonationCode.objects.order_by("pk")
    DonationCode.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(minutes=1))
    assert coordinates_purge(now=now)["donation_codes"] == 1
    assert list(DonationCode.objects.all()) == [live]


def test_the_daily_purge_of_the_portal_includes_location_exposure():
    now = timezone.now()
    store_days_ago(20, now=now)
    removed = purge_expired(now=now)
    assert removed["zone_coordinates"] == 1
    assert Coordinate.objects.count() == GeoZone.objects.count() == 0
