"""The asset team's stock overview: counts per state, batch and firmware, this month, low stock."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assets.models import DeviceEvent, DeviceState
from assets.selectors import month_start
from core.roles import Role
from tests.personas import persona_for
from tests.registration.factories import make_device

pytestmark = pytest.mark.django_db(databases="__all__")

URL = "/api/assets/stock"


def event(device, to_state, at):
    DeviceEvent.objects.create(device=device, at=at, actor="t", from_state="", to_state=to_state)


def test_the_url_is_the_named_one():
    assert reverse("assets-stock") == URL


def test_it_counts_devices_per_state_and_per_batch_and_firmware(client, asset_manager):
    for n in range(3):
        make_device(f"A-{n}", batch="B1", firmware="1.0")
    make_device("A-9", batch="B1", firmware="1.1", state=DeviceState.BROKEN)
    make_device("C-1", batch="", firmware="", state=DeviceState.ASSIGNED)
    client.force_login(asset_manager)
    answer = client.get(URL).json()
    counts = {row["state"]: row["count"] for row in answer["by_state"]}
    assert counts == {s.value: 0 for s in DeviceState} | {"in_stock": 3, "broken": 1, "assigned": 1}
    assert answer["total"] == 5 and answer["in_stock"] == 3
    rows = [
        (b["batch"], b["firmware"], b["total"], b["states"]["in_stock"]) for b in answer["by_batch"]
    ]
    assert rows == [("", "", 1, 0), ("B1", "1.0", 3, 3), ("B1", "1.1", 1, 0)]
    assert answer["by_batch"][2]["states"]["broken"] == 1


def test_it_warns_when_stock_is_below_the_threshold(client, asset_manager, settings):
    settings.ASSETS_LOW_STOCK_THRESHOLD = 3
    make_device("A-1"), make_device("A-2")
    client.force_login(asset_manager)
    answer = client.get(URL).json()
    assert answer["low_stock"] is True and answer["low_stock_threshold"] == 3
    make_device("A-3")  # three in stock: not below three
    assert client.get(URL).json()["low_stock"] is False


def test_lost_and_broken_count_from_the_first_of_this_month_in_local_time(client, asset_manager):
    device = make_device("A-1")
    start = month_start(timezone.now())
    event(device, DeviceState.LOST, start)  # on the first at midnight: this month
    event(device, DeviceState.BROKEN, start + timedelta(minutes=1))
    event(device, DeviceState.BROKEN, start + timedelta(minutes=2))  # twice: counted twice
    event(device, DeviceState.LOST, start - timedelta(microseconds=1))  # last month
    event(device, DeviceState.IN_STOCK, start + timedelta(minutes=3))  # not a loss
    client.force_login(asset_manager)
    month = client.get(URL).json()["this_month"]
    assert (month["lost"], month["broken"]) == (1, 2)
    since = timezone.localtime(datetime.fromisoformat(month["since"]))
    assert (since.day, since.hour, since.minute) == (1, 0, 0)


def test_nothing_in_the_answer_names_a_holder(client, asset_manager):
    from registration.models import Association
    from tests.registration.factories import make_person

    person = make_person("812345", "Zelda", "Zebulon")
    make_device("A-1", state=DeviceState.ASSIGNED)
    Association.objects.create(
        person=person, device_id="A-1", started_at=timezone.now(), started_by="t"
    )
    client.force_login(asset_manager)
    text = client.get(URL).content.decode()
    assert "812345" not in text and "Zelda" not in text and "A-1" not in text


@pytest.mark.parametrize("role", [None, Role.REGISTRATION, Role.MEDICAL, Role.PRIVACY])
def test_other_roles_are_refused(client, role):
    client.force_login(persona_for(role))
    assert client.get(URL).status_code == 403


def test_a_superuser_without_the_role_is_refused(client, superuser):
    client.force_login(superuser)
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_are_refused(client):
    assert client.get(URL).status_code in (401, 403)


@pytest.mark.parametrize("query", ["?batch=B1", "?x=" + "a" * 5000, "?state[]=1&state[]=2"])
def test_parameters_are_refused_not_ignored(client, asset_manager, query):
    client.force_login(asset_manager)
    answer = client.get(URL + query)
    assert answer.status_code == 400 and "no parameters" in answer.json()["detail"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_is_read_only(client, asset_manager, method):
    client.force_login(asset_manager)
    assert getattr(client, method)(URL, {}, content_type="application/json").status_code == 405
