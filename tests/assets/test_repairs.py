"""Repairs: broken -> sent for repair -> back in stock (or broken), in the device's history."""

import pytest

from assets import services
from assets.models import Device, DeviceEvent, DeviceState
from core.errors import DomainError
from tests.processes import at_once
from tests.registration.factories import make_device

pytestmark = pytest.mark.django_db(databases="__all__")


def run_action(client, action: str, *device_ids: str):
    pks = Device.objects.filter(device_id__in=device_ids).values_list("pk", flat=True)
    return client.post(
        "/admin/assets/device/",
        {"action": action, "_selected_action": [str(pk) for pk in pks]},
        follow=True,
    )


def history(device_id: str) -> list[tuple[str, str, str]]:
    events = DeviceEvent.objects.filter(device__device_id=device_id).order_by("at", "pk")
    return [(e.from_state, e.to_state, e.note) for e in events]


def test_a_broken_device_goes_for_repair_and_comes_back_into_stock(asset_manager):
    make_device("R-1", state=DeviceState.BROKEN)
    services.device_send_for_repair(device_id="R-1", acting_user=asset_manager, note="to Acme")
    assert Device.objects.get(device_id="R-1").state == DeviceState.IN_REPAIR
    services.device_return_from_repair(device_id="R-1", acting_user=asset_manager)
    assert Device.objects.get(device_id="R-1").state == DeviceState.IN_STOCK
    assert history("R-1") == [
        ("broken", "in_repair", "to Acme"),
        ("in_repair", "in_stock", "back from repair, repaired"),
    ]
    assert {e.actor for e in DeviceEvent.objects.all()} == {asset_manager.username}


def test_a_device_back_unrepaired_is_broken_again(asset_manager):
    make_device("R-1", state=DeviceState.IN_REPAIR)
    services.device_return_from_repair(device_id="R-1", acting_user=asset_manager, repaired=False)
    assert Device.objects.get(device_id="R-1").state == DeviceState.BROKEN


@pytest.mark.parametrize("state", [s for s in DeviceState if s != DeviceState.BROKEN])
def test_only_a_broken_device_is_sent_for_repair(asset_manager, state):
    make_device("R-1", state=state)
    with pytest.raises(DomainError) as refused:
        services.device_send_for_repair(device_id="R-1", acting_user=asset_manager)
    assert refused.value.status_code == 409
    assert Device.objects.get(device_id="R-1").state == state and not history("R-1")


@pytest.mark.parametrize("state", [s for s in DeviceState if s != DeviceState.IN_REPAIR])
def test_only_a_device_in_repair_comes_back_from_repair(asset_manager, state):
    make_device("R-1", state=state)
    with pytest.raises(DomainError, match="not in repair") as refused:
        services.device_return_from_repair(device_id="R-1", acting_user=asset_manager)
    assert refused.value.status_code == 409 and not history("R-1")


def test_an_unknown_device_is_a_404(asset_manager):
    with pytest.raises(DomainError) as refused:
        services.device_send_for_repair(device_id="NOPE", acting_user=asset_manager)
    assert refused.value.status_code == 404


def test_the_admin_actions_record_the_repair_and_list_refusals(client, asset_manager):
    make_device("R-1", state=DeviceState.BROKEN), make_device("R-2")
    client.force_login(asset_manager)
    page = run_action(client, "send_for_repair", "R-1", "R-2").content.decode()
    assert "1 device(s) sent for repair." in page
    assert "Device R-2 is in stock: it cannot be sent for repair." in page
    page = run_action(client, "back_from_repair", "R-1").content.decode()
    assert "1 device(s) back in stock, repaired." in page
    assert [h[1] for h in history("R-1")] == ["in_repair", "in_stock"]
    assert history("R-1")[0][2] == "sent for repair (admin)"
    make_device("R-3", state=DeviceState.IN_REPAIR)
    run_action(client, "back_unrepaired", "R-3")
    assert Device.objects.get(device_id="R-3").state == DeviceState.BROKEN


@pytest.mark.parametrize("persona", ["clerk", "medic", "privacy_officer"])
def test_other_roles_cannot_run_the_repair_actions(client, persona):
    from tests.personas import make_persona

    make_device("R-1", state=DeviceState.BROKEN)
    client.force_login(make_persona(persona))
    response = run_action(client, "send_for_repair", "R-1")
    assert response.status_code in (403, 404) or "/admin/login/" in response.redirect_chain[-1][0]
    assert Device.objects.get(device_id="R-1").state == DeviceState.BROKEN


BACK = """
from django.contrib.auth import get_user_model
from assets import services
from core.errors import DomainError
user = get_user_model()(username=sys.argv[3])
try:
    services.device_return_from_repair(device_id="R-1", acting_user=user)
    print("ok", sys.argv[3])
except DomainError as refused:
    print("refused", refused.status_code, sys.argv[3])
"""


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_two_people_recording_one_device_back_from_repair_at_once_record_it_once(tmp_path):
    make_device("R-1", state=DeviceState.IN_REPAIR)
    outputs = at_once(BACK, [["anna"], ["ben"]], tmp_path)
    said = sorted(out.strip().splitlines()[-1].split()[0] for out in outputs)
    assert said == ["ok", "refused"], outputs
    assert Device.objects.get(device_id="R-1").state == DeviceState.IN_STOCK
    assert [h[:2] for h in history("R-1")] == [("in_repair", "in_stock")]
