"""On PostgreSQL the database refuses a change of device state the state machine does not allow."""

import pytest
from django.db import DatabaseError, connections, transaction

from assets import services
from assets.models import Device, DeviceState
from tests.registration.factories import make_device

pytestmark = pytest.mark.django_db(databases="__all__")


def test_the_databases_allowed_pairs_are_the_state_machines():
    with connections["assets"].cursor() as cursor:
        cursor.execute("SELECT from_state, to_state FROM assets_allowed_transition")
        in_the_database = set(cursor.fetchall())
    in_python = {(a, b) for a, targets in services.TRANSITIONS.items() for b in targets}
    assert in_the_database == in_python


@pytest.mark.parametrize(
    "write",
    [
        lambda d: Device.objects.filter(pk=d.pk).update(state=DeviceState.ASSIGNED),  # a script
        lambda d: (setattr(d, "state", DeviceState.ASSIGNED), d.save()),  # the admin's save
    ],
    ids=["update", "save"],
)
def test_a_retired_device_cannot_be_set_back_to_assigned_past_the_portal(write):
    device = make_device("P-1", state=DeviceState.RETIRED)
    with pytest.raises(DatabaseError, match="retired"), transaction.atomic(using="assets"):
        write(device)
    assert Device.objects.get(pk=device.pk).state == DeviceState.RETIRED


def test_a_jump_the_state_machine_does_not_know_is_refused_too():
    device = make_device("P-2", state=DeviceState.LOST)
    refused = pytest.raises(DatabaseError, match="cannot go from lost to assigned")
    with refused, transaction.atomic(using="assets"):
        Device.objects.filter(pk=device.pk).update(state=DeviceState.ASSIGNED)
    with transaction.atomic(using="assets"):  # an allowed step is fine
        Device.objects.filter(pk=device.pk).update(state=DeviceState.FOUND)


@pytest.mark.django_db(transaction=True, databases="__all__")  # SET LOCAL lasts to a real commit
def test_a_repair_by_reconcile_may_leave_the_state_machine_but_never_revive_a_retired_device():
    lost, retired = make_device("P-3", state=DeviceState.LOST), make_device("P-4", state="retired")
    with transaction.atomic(using="assets"):
        services.device_correct_state(device=lost, to_state="assigned", actor="t", note="repair")
    assert Device.objects.get(pk=lost.pk).state == DeviceState.ASSIGNED
    with pytest.raises(DatabaseError, match="retired"), transaction.atomic(using="assets"):
        services.device_correct_state(device=retired, to_state="in_stock", actor="t", note="x")
    # The permission ends with the repair's transaction.
    with pytest.raises(DatabaseError), transaction.atomic(using="assets"):
        Device.objects.filter(pk=lost.pk).update(state=DeviceState.FOUND)


def test_the_database_allows_a_repair_and_refuses_a_jump_into_or_out_of_it():
    device = make_device("P-5", state=DeviceState.IN_STOCK)
    # Only a broken device is sent for repair.
    refused = pytest.raises(DatabaseError, match="cannot go from in_stock to in_repair")
    with refused, transaction.atomic(using="assets"):
        Device.objects.filter(pk=device.pk).update(state=DeviceState.IN_REPAIR)
    with transaction.atomic(using="assets"):
        Device.objects.filter(pk=device.pk).update(state=DeviceState.BROKEN)
        Device.objects.filter(pk=device.pk).update(state=DeviceState.IN_REPAIR)
    # From the repairer straight to a person: refused; back to stock first.
    refused = pytest.raises(DatabaseError, match="cannot go from in_repair to assigned")
    with refused, transaction.atomic(using="assets"):
        Device.objects.filter(pk=device.pk).update(state=DeviceState.ASSIGNED)
    with transaction.atomic(using="assets"):
        Device.objects.filter(pk=device.pk).update(state=DeviceState.IN_STOCK)
    assert Device.objects.get(pk=device.pk).state == DeviceState.IN_STOCK
