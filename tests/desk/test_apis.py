"""The desk's API: who may call it, what it answers, and how it refuses."""

import pytest
from django.urls import reverse

from core.roles import Role
from desk.services import device_assign
from tests.personas import persona_for
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")

GETS = [
    reverse("person-search") + "?q=ad",
    reverse("person-status", args=["810001"]),
    reverse("device-status", args=["P-1"]),
]
POSTS = {
    "device-assign": {"device_id": "P-1", "person_id": "810001"},
    "device-relinquish": {"device_id": "P-1"},
    "device-swap": {"old_device_id": "P-1", "new_device_id": "P-2"},
    "device-report-lost": {"device_id": "P-1"},
    "device-mark-found": {"device_id": "P-1"},
    "device-return": {"device_id": "P-1"},
    "device-restock": {"device_id": "P-1"},
    "device-mark-broken": {"device_id": "P-1"},
    "device-retire": {"device_id": "P-1"},
}


@pytest.fixture
def world():
    make_device("P-1"), make_device("P-2")
    make_person("810001", "Alice", "Adams", department="HSE", email="alice@example.org")


@pytest.mark.parametrize("role", [None, Role.MEDICAL, Role.ASSETS, Role.PRIVACY])
def test_everyone_but_the_registration_role_is_refused(client, world, role):
    client.force_login(persona_for(role))
    for url in GETS:
        assert client.get(url).status_code == 403, url
    for name, body in POSTS.items():
        assert client.post(reverse(name), body, content_type="application/json").status_code == 403


def test_anonymous_callers_are_refused(client, world):
    for url in GETS:
        assert client.get(url).status_code in (401, 403)
    assert client.post(reverse("device-assign"), POSTS["device-assign"]).status_code in (401, 403)


def test_assign_answers_with_a_sentence_and_the_new_status(client, desk, world):
    client.force_login(desk)
    response = client.post(
        reverse("device-assign"), POSTS["device-assign"], content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Device P-1 is now held by Alice Adams (810001)."
    assert body["device"]["state"] == "assigned"
    assert body["holder"]["name"] == "Alice Adams"
    assert body["actions"] == ["relinquish", "swap", "report_lost", "mark_broken"]
    assert "tag_id" not in str(body)  # the desk never sees the tag


def test_refusals_are_4xx_with_a_message_for_the_clerk(client, desk, world):
    client.force_login(desk)
    missing = client.post(
        reverse("device-assign"), {"device_id": "P-1"}, content_type="application/json"
    )
    assert missing.status_code == 400 and "person_id" in missing.json()
    unknown = client.get(reverse("device-status", args=["NOPE"]))
    assert (
        unknown.status_code == 404
        and unknown.json()["detail"]
        == "There is no device NOPE. Check the ID printed on the device and scan or type it again."
    )
    conflict = client.post(
        reverse("device-return"), {"device_id": "P-1"}, content_type="application/json"
    )
    assert conflict.status_code == 409
    assert "not waiting at the desk to be returned" in conflict.json()["detail"]
    bad_reason = client.post(
        reverse("device-relinquish"),
        {"device_id": "P-1", "reason": "stolen"},
        content_type="application/json",
    )
    assert bad_reason.status_code == 400 and "reason" in bad_reason.json()


def test_status_of_a_person_and_a_device_and_the_type_ahead(client, desk, world):
    device_assign(device_id="P-1", person_id="810001", acting_user=desk)
    client.force_login(desk)
    person = client.get(reverse("person-status", args=["810001"])).json()
    assert person["device"]["device_id"] == "P-1" and person["holdings"][0]["ended_at"] is None
    device = client.get(reverse("device-status", args=["P-1"])).json()
    assert device["holder"]["person_id"] == "810001"
    assert [e["to_state"] for e in device["events"]] == ["assigned"]
    found = client.get(reverse("person-search"), {"q": "adams hse"}).json()
    assert [(p["person_id"], p["current_device_id"]) for p in found] == [("810001", "P-1")]
    assert client.get(reverse("person-search")).status_code == 400  # q is required


def test_roles_that_manage_records_get_the_admin(asset_manager, desk, medic):
    assert asset_manager.is_staff
    assert desk.is_staff
    assert not medic.is_staff
