"""The desk's API answers in the reader's language: refusals (DomainError) and serializer
validation errors in French for a French browser, unchanged in English otherwise."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def english_afterwards():
    """A French request leaves French active in the thread: the next test starts in English."""
    yield
    translation.activate("en")


@pytest.fixture
def world():
    make_device("P-1"), make_device("P-2")
    make_person("810001", "Alice", "Adams", email="alice@example.org")


def post(client, name, body, language=None):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    return client.post(reverse(name), body, content_type="application/json", **headers)


def test_a_refusal_of_the_desk_is_in_french_for_a_french_browser(client, desk, world):
    client.force_login(desk)
    body = {"device_id": "P-9", "person_id": "810001"}
    answer = post(client, "device-assign", body, "fr")
    assert answer.status_code == 404
    assert answer.json()["detail"] == (
        "Il n’y a pas d’appareil P-9. Vérifiez le numéro imprimé sur l’appareil et scannez-le "
        "ou tapez-le à nouveau."
    )
    english = post(client, "device-assign", body)
    assert english.json()["detail"].startswith("There is no device P-9.")


def test_a_refusal_naming_the_devices_state_is_french_through_and_through(client, desk, world):
    client.force_login(desk)
    answer = post(client, "device-relinquish", {"device_id": "P-1"}, "fr-CH,fr;q=0.9,en;q=0.5")
    assert answer.status_code == 409
    assert answer.json()["detail"] == (
        "L’appareil P-1 n’est détenu par personne (il est en stock) : il n’y a rien à reprendre. "
        "Recherchez l’appareil sur la page État pour voir son historique."
    )


def test_the_sentence_of_a_done_operation_is_in_french(client, desk, world):
    client.force_login(desk)
    answer = post(client, "device-assign", {"device_id": "P-1", "person_id": "810001"}, "fr")
    assert answer.status_code == 200
    assert answer.json()["message"] == (
        "L’appareil P-1 est maintenant détenu par Alice Adams (810001)."
    )
    assert answer.json()["device"]["state_label"] == "attribué"


def test_a_serializer_validation_error_is_in_french(client, desk, world):
    client.force_login(desk)
    answer = post(client, "device-swap", {"old_device_id": "P-1"}, "fr")
    assert answer.status_code == 400
    assert answer.json()["new_device_id"] == ["Ce champ est obligatoire."]
    assert post(client, "device-swap", {"old_device_id": "P-1"}).json()["new_device_id"] == [
        "This field is required."
    ]


def test_the_portals_own_validation_message_is_in_french(client, asset_manager):
    client.force_login(asset_manager)
    answer = client.post(
        "/api/assets/inventory-checks",
        {"scanned": ["S-1"] * 20_001},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert answer.status_code == 400
    assert answer.json()["scanned"] == [
        "Un inventaire compte au plus 20000 scans : terminez cet inventaire, puis contrôlez le "
        "reste de l’étagère dans un autre."
    ]
