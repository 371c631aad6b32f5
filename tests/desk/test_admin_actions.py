"""The asset team's admin actions run the same operations as the desk."""

import pytest

from assets.models import Device, DeviceState
from desk import services
from registration.models import Association
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")


def run_action(client, action: str, *device_ids: str):
    pks = Device.objects.filter(device_id__in=device_ids).values_list("pk", flat=True)
    return client.post(
        "/admin/assets/device/",
        {"action": action, "_selected_action": [str(pk) for pk in pks]},
        follow=True,
    )


def test_marking_a_held_device_broken_ends_the_holding(client, asset_manager, desk):
    make_device("P-1"), make_person("1")
    services.device_assign(device_id="P-1", person_id="1", acting_user=desk)
    client.force_login(asset_manager)
    response = run_action(client, "mark_broken", "P-1")
    assert "1 device(s) marked broken." in response.content.decode()
    assert Device.objects.get(device_id="P-1").state == DeviceState.BROKEN
    assert Association.objects.get().end_reason == "broken"


def test_a_refused_action_says_why_and_applies_the_rest(client, asset_manager):
    make_device("P-1"), make_device("P-2", state=DeviceState.BROKEN)
    client.force_login(asset_manager)
    page = run_action(client, "restock_repaired", "P-1", "P-2").content.decode()
    assert "P-1 is in stock: it cannot be put back in stock" in page
    assert "1 device(s) put back in stock." in page
    assert Device.objects.get(device_id="P-2").state == DeviceState.IN_STOCK
