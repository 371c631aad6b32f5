"""Two desks at the same moment on PostgreSQL: one wins, the other gets a clear refusal."""

import pytest

from assets.models import Device, DeviceState
from desk import services
from desk.reconcile import find_disagreements
from registration.models import Association
from tests.desk.concurrency import at_the_same_moment
from tests.personas import second_clerk
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

ROUNDS = 8


def test_two_desks_assigning_the_same_device_to_two_people(desk):
    clerk2 = second_clerk()
    for round_ in range(ROUNDS):
        device = f"P-{round_}"
        make_device(device), make_person(f"a{round_}"), make_person(f"b{round_}")
        outcomes = at_the_same_moment(
            lambda d=device, r=round_: services.device_assign(
                device_id=d, person_id=f"a{r}", acting_user=desk
            ),
            lambda d=device, r=round_: services.device_assign(
                device_id=d, person_id=f"b{r}", acting_user=clerk2
            ),
        )
        assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
        refusal = next(value for kind, value in outcomes if kind == "refused")
        assert "take it back first" in refusal.message or "same moment" in refusal.message
        assert Association.objects.filter(device_id=device).count() == 1
        assert Device.objects.get(device_id=device).state == DeviceState.ASSIGNED
    assert find_disagreements() == []


def test_two_desks_handing_two_devices_to_the_same_person(desk):
    clerk2 = second_clerk()
    for round_ in range(ROUNDS):
        person = f"p{round_}"
        make_person(person), make_device(f"X-{round_}"), make_device(f"Y-{round_}")
        outcomes = at_the_same_moment(
            lambda p=person, r=round_: services.device_assign(
                device_id=f"X-{r}", person_id=p, acting_user=desk
            ),
            lambda p=person, r=round_: services.device_assign(
                device_id=f"Y-{r}", person_id=p, acting_user=clerk2
            ),
        )
        assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
        refusal = next(value for kind, value in outcomes if kind == "refused")
        assert "has held device" in refusal.message or "same moment" in refusal.message
        assert Association.objects.filter(person_id=person, ended_at__isnull=True).count() == 1
        # The losing desk's device is untouched: nothing half-done.
        states = sorted(
            Device.objects.filter(device_id__in=[f"X-{round_}", f"Y-{round_}"]).values_list(
                "state", flat=True
            )
        )
        assert states == [DeviceState.ASSIGNED, DeviceState.IN_STOCK]
    assert find_disagreements() == []


def test_the_database_itself_refuses_overlapping_holdings(desk):
    """The exclusion constraint, not only the services, keeps holdings apart."""
    from datetime import timedelta

    from django.db import IntegrityError
    from django.utils import timezone

    make_person("1"), make_person("2")
    start = timezone.now() - timedelta(days=2)
    Association.objects.create(
        person_id="1",
        device_id="P-1",
        started_at=start,
        ended_at=start + timedelta(days=1),
        end_reason="relinquished",
        started_by="x",
        ended_by="x",
    )
    with pytest.raises(IntegrityError, match="holding_device_no_overlap"):
        Association.objects.create(
            person_id="2",
            device_id="P-1",
            started_at=start + timedelta(hours=1),
            ended_at=start + timedelta(hours=2),
            end_reason="relinquished",
            started_by="x",
            ended_by="x",
        )
