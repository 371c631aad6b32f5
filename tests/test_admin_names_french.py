"""The admin names its models and their fields in French for a French browser (model names
and field labels are translatable verbose names), and keeps Django's English ones otherwise."""

import pytest
from django.utils import translation

from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    translation.activate("en")


def page(client, url, language):
    answer = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert answer.status_code == 200, url
    return answer.content.decode()


def test_the_admin_index_names_the_models_in_french(client, superuser):
    client.force_login(superuser)
    index = page(client, "/admin/", "fr")
    for name in (
        "Appareils",
        "Événements d’appareil",
        "Personnes",
        "Déclarations de perte",
        "Attributions d’appareils",
        "Campagnes",
        "Créneaux",
        "Rendez-vous",
        "Lieux",
        "Invitations au rappel",
        "Entrées du journal d’audit",
        "Identifiants retirés",
    ):
        assert f">{name}<" in index, name
    english = page(client, "/admin/", "en")
    for name in ("Devices", "Device events", "People", "Lost reports", "Bookings", "Slots"):
        assert f">{name}<" in english, name
    assert "Appareils" not in english


def test_the_device_list_labels_its_columns_in_french(client, superuser):
    make_device("P-1", batch="B7")
    client.force_login(superuser)
    listing = page(client, "/admin/assets/device/", "fr")
    for label in ("Numéro d’appareil", "Identifiant radio (tag)", "DevEUI", "Lot", "Micrologiciel"):
        assert label in listing, label
    english = page(client, "/admin/assets/device/", "en")
    for label in ("Device ID", "Tag ID", "DevEUI", "Batch", "Firmware", "State"):
        assert label in english, label
    assert "Numéro d’appareil" not in english


def test_a_person_form_labels_its_fields_in_french(client, superuser):
    person = make_person("1001", email="a@example.org")
    client.force_login(superuser)
    url = f"/admin/registration/person/{person.pk}/change/"
    form = page(client, url, "fr").replace("\xa0", " ")  # a read-only label: "… :"
    for label in ("Numéro de personne", "Prénom", "Nom de famille", "Service", "Langue"):
        assert f"{label} :</label>" in form, label
    assert "<h1>Modification de personne</h1>" in form
    english = page(client, url, "en")
    for label in ("Person number", "Given name", "Family name", "Department", "Language"):
        assert f"{label}:</label>" in english, label
    assert "<h1>Change person</h1>" in english
    assert "Numéro de personne" not in english
