"""The linking job: each new point to a zone of every active specification, with parent zones."""

from datetime import timedelta

import h3
import pytest
from django.utils import timezone

from zones.models import Coordinate, GeoZone, GeoZoneCoordinate, GeoZoneSpecification
from zones.selectors import Credential
from zones.services import Point, coordinates_donate, coordinates_relink
from zones.tasks import link_coordinates

pytestmark = pytest.mark.django_db(databases="__all__")

SQUARE_COARSE, HEX_COARSE, HEX_FINE, SQUARE_FINE = 1, 2, 3, 4


def store(*points: tuple[float, float]) -> None:
    now = timezone.now()
    credential = Credential(code_id=None, window_start=now - timedelta(days=1), window_end=now)
    at = int(now.timestamp()) - 600
    coordinates_donate(
        credential=credential,
        points=[
            Point(lat=lat, long=long, time=at - n, accuracy=0.9)
            for n, (lat, long) in enumerate(points)
        ],
        now=now,
    )


def zone_of(coordinate: Coordinate, spec_id: int) -> GeoZone:
    return GeoZone.objects.get(spec_id=spec_id, links__coordinate=coordinate)


def test_the_seeded_specifications_match_the_seed_s_example_ids():
    specs = {s.pk: s for s in GeoZoneSpecification.objects.all()}
    assert str(specs[SQUARE_FINE].size_degrees.normalize()) == "0.0001"
    assert str(specs[SQUARE_COARSE].size_degrees.normalize()) == "0.01"
    assert (specs[HEX_COARSE].h3_resolution, specs[HEX_FINE].h3_resolution) == (9, 12)
    assert specs[SQUARE_FINE].parent_id == SQUARE_COARSE
    assert specs[HEX_FINE].parent_id == HEX_COARSE
    assert all(s.active for s in specs.values())


@pytest.mark.parametrize(
    ("lat", "long", "fine_centre", "coarse_centre"),
    [
        (0.00001, 0.00001, (0.00005, 0.00005), (0.005, 0.005)),
        (45.12345, 7.65432, (45.12345, 7.65435), (45.125, 7.655)),
        (-33.92491, 18.42412, (-33.92495, 18.42415), (-33.925, 18.425)),
        (78.2232, -15.6267, (78.22325, -15.62665), (78.225, -15.625)),  # on a border
        (-0.29, -0.29, (-0.28995, -0.28995), (-0.285, -0.285)),  # exactly on a border
    ],
)
def test_a_point_is_linked_to_its_zone_of_each_specification_with_parents(
    lat, long, fine_centre, coarse_centre
):
    store((lat, long))
    assert link_coordinates() == 1
    coordinate = Coordinate.objects.get()
    assert coordinate.linked
    fine, coarse = zone_of(coordinate, SQUARE_FINE), zone_of(coordinate, SQUARE_COARSE)
    assert (fine.centre_lat, fine.centre_long) == pytest.approx(fine_centre, abs=1e-12)
    assert (coarse.centre_lat, coarse.centre_long) == pytest.approx(coarse_centre, abs=1e-12)
    assert fine.parent == coarse and coarse.parent is None
    hexagon = zone_of(coordinate, HEX_FINE)
    assert hexagon.cell == h3.latlng_to_cell(lat, long, 12)
    assert hexagon.parent.spec_id == HEX_COARSE
    assert hexagon.parent.cell == h3.cell_to_parent(hexagon.cell, 9)
    assert GeoZoneCoordinate.objects.count() == 4  # one link per active specification


def test_points_of_one_zone_share_it_and_linking_twice_changes_nothing():
    store((47.37001, 8.54001), (47.37002, 8.54002), (47.38, 8.55))
    assert link_coordinates() == 3
    zones, links = GeoZone.objects.count(), GeoZoneCoordinate.objects.count()
    assert links == 12
    assert GeoZone.objects.filter(spec_id=SQUARE_FINE).count() == 2
    assert link_coordinates() == 0
    assert coordinates_relink() == 3
    assert link_coordinates() == 3
    assert (GeoZone.objects.count(), GeoZoneCoordinate.objects.count()) == (zones, links)


def test_an_inactive_specification_gets_no_new_zones():
    GeoZoneSpecification.objects.filter(pk__in=[HEX_COARSE, HEX_FINE]).update(active=False)
    store((47.37, 8.54))
    link_coordinates()
    assert set(GeoZone.objects.values_list("spec_id", flat=True)) == {SQUARE_COARSE, SQUARE_FINE}


def test_a_fine_hexagon_s_parent_zone_exists_even_if_its_own_spec_is_inactive():
    GeoZoneSpecification.objects.filter(pk=HEX_COARSE).update(active=False)
    store((47.37, 8.54))
    link_coordinates()
    parent = GeoZone.objects.get(spec_id=HEX_COARSE)
    assert parent.links.count() == 0 and parent.children.count() == 1


def test_the_linking_job_is_a_beat_entry_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["zones-link-coordinates"]
    assert entry == {"task": "zones.link_coordinates", "schedule": 300.0}


def test_a_donation_queues_the_linking_job_once_committed(
    django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(link_coordinates, "apply_async", lambda **options: sent.append(options))
    with django_capture_on_commit_callbacks(using="encounters", execute=True):
        store((47.37, 8.54))
    assert sent == [{"retry": False}]


def test_a_donation_succeeds_while_the_broker_is_down(
    django_capture_on_commit_callbacks, monkeypatch
):
    def down(**options):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(link_coordinates, "apply_async", down)
    with django_capture_on_commit_callbacks(using="encounters", execute=True):
        store((47.37, 8.54))
    assert Coordinate.objects.filter(linked=False).count() == 1  # the beat's run links it
