"""A wearer reports their own device lost (or broken) from MY DATA, and nothing else."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assets.models import Device, DeviceState
from desk import services
from registration.models import Association, LostReport
from tests import personas
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")

URL = "/api/selfservice/device-lost"
STARTED = timezone.now().replace(microsecond=0) - timedelta(days=3)


@pytest.fixture
def holders(desk):
    """Ines holds P-0300 since three days; Bart holds P-0400; Ines held P-0100 before."""
    make_person("710243", "Ines", "Adams"), make_person("820002", "Bart", "Baker")
    for device_id in ("P-0100", "P-0300", "P-0400"):
        make_device(device_id)
    services.device_assign(
        device_id="P-0100", person_id="710243", acting_user=desk, at=STARTED - timedelta(days=9)
    )
    services.device_relinquish(device_id="P-0100", acting_user=desk, at=STARTED)
    services.device_assign(device_id="P-0300", person_id="710243", acting_user=desk, at=STARTED)
    services.device_assign(device_id="P-0400", person_id="820002", acting_user=desk, at=STARTED)


def as_ines(client):
    client.force_login(personas.wearer("710243"))
    return client


def snapshot():
    return (
        sorted(Association.objects.values_list("device_id", "ended_at", "end_reason")),
        sorted(Device.objects.values_list("device_id", "state")),
        LostReport.objects.count(),
    )


def test_a_wearer_reports_their_device_lost_now(client, holders):
    answer = as_ines(client).post(URL, {"device_id": " p-0300"}, content_type="application/json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["message"].startswith("Your device P-0300 is recorded as lost.")
    holding = Association.objects.get(device_id="P-0300")
    assert holding.end_reason == "lost" and holding.ended_at is not None
    report = LostReport.objects.get()
    assert report.holder_id == "710243" and report.lost_at == holding.ended_at
    assert Device.objects.get(device_id="P-0300").state == DeviceState.LOST
    mine = client.get("/api/selfservice/data").json()
    assert [r["device_id"] for r in mine["lost_reports"]] == ["P-0300"]


def test_a_wearer_gives_the_time_it_was_lost_or_broke(client, holders):
    when = STARTED + timedelta(days=1)
    answer = as_ines(client).post(
        URL,
        {"device_id": "P-0300", "at": when.isoformat(), "what": "broken"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.json()
    holding = Association.objects.get(device_id="P-0300")
    assert holding.ended_at == when and holding.end_reason == "broken"
    assert Device.objects.get(device_id="P-0300").state == DeviceState.BROKEN
    assert not LostReport.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"device_id": "P-0400"},  # Bart's device
        {"device_id": "P-0100"},  # a device Ines no longer holds
        {"device_id": "P-9999"},  # no such device
        {"device_id": "P-0300", "at": (timezone.now() + timedelta(hours=2)).isoformat()},
        {"device_id": "P-0300", "at": (STARTED - timedelta(minutes=5)).isoformat()},
        {"device_id": "P-0300", "at": "0001-01-01T00:00:00Z"},
        {"device_id": "P-0300", "what": "stolen"},
        {"device_id": "x" * 500},
        {"device_id": {"nested": ["P-0300"]}},
        {"device_id": ["P-0300"]},
        {"device_id": 300},
        {},
    ],
)
def test_anything_but_the_callers_own_current_device_is_refused(client, holders, body):
    before = snapshot()
    answer = as_ines(client).post(URL, body, content_type="application/json")
    assert 400 <= answer.status_code < 500, answer.content
    assert snapshot() == before
    assert "Bart" not in answer.content.decode()  # a wearer never learns who holds what


def test_a_time_in_the_future_or_before_the_holding_says_what_to_give(client, holders):
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    answer = as_ines(client).post(
        URL, {"device_id": "P-0300", "at": future}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("That time is in the future: give the time")
    before = (STARTED - timedelta(hours=1)).isoformat()
    answer = client.post(
        URL, {"device_id": "P-0300", "at": before}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert "after the time given: give a time after that" in answer.json()["detail"]


def test_a_person_id_in_the_request_is_ignored(client, holders):
    answer = as_ines(client).post(
        URL, {"device_id": "P-0400", "person_id": "820002"}, content_type="application/json"
    )
    assert answer.status_code == 403
    assert Association.objects.get(device_id="P-0400").ended_at is None


@pytest.mark.parametrize("who", ["superuser", "clerk", "person"])
def test_accounts_without_a_person_of_the_directory_are_refused(client, holders, who):
    client.force_login(getattr(personas, who)())
    before = snapshot()
    answer = client.post(URL, {"device_id": "P-0300"}, content_type="application/json")
    assert answer.status_code == 403
    assert snapshot() == before


def test_anonymous_callers_and_gets_are_refused(client, holders):
    assert client.post(URL, {"device_id": "P-0300"}).status_code in (401, 403)
    assert as_ines(client).get(URL).status_code == 405
