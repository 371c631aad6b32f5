"""The admin pages of the desk's and the asset team's records read in French for a French
browser: lists, forms (help texts, choices), actions, the import pages and a device's labels."""

import pytest
from django.utils import translation

from assets.models import Device
from tests.appointments.factories import make_campaign, make_location
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    translation.activate("en")


def french(client, url, **data):
    if data:
        answer = client.post(url, data, HTTP_ACCEPT_LANGUAGE="fr", follow=True)
    else:
        answer = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == 200, url
    return answer.content.decode()


def test_the_registration_admin_pages_are_in_french(client, desk):
    person = make_person("1", email="a@example.org", language="fr")
    make_campaign([make_location("Main desk")])
    client.force_login(desk)
    page = french(client, "/admin/registration/person/")
    assert "Importer des personnes (CSV/JSON)" in page
    page = french(client, "/admin/registration/person/import/")
    assert "L’export de l’annuaire RH" in page and "Désactiver les personnes absentes" in page
    page = french(client, f"/admin/registration/person/{person.pk}/change/")
    assert "Figure encore dans l’annuaire de l’organisation." in page
    assert "La langue des e-mails adressés à la personne" in page
    page = french(client, "/admin/appointments/campaign/")
    assert "Générer les créneaux manquants" in page and "distribution d’appareils" in page
    page = french(client, "/admin/appointments/location/add/")
    assert "Bâtiment, étage, salle." in page and "lundi" in page


def test_the_asset_admin_pages_are_in_french(client, asset_manager):
    make_device("P-1", batch="B7")
    client.force_login(asset_manager)
    page = french(client, "/admin/assets/device/")
    assert "Importer des appareils (CSV)" in page and "Envoyer en réparation" in page
    assert "en stock" in page
    assert "Un fichier CSV avec une ligne d’en-tête" in french(
        client, "/admin/assets/device/import/"
    )
    page = french(client, f"/admin/assets/device/{Device.objects.get().pk}/change/")
    assert "qui enregistrent chaque changement dans l’historique ci-dessous" in page
    assert "16 chiffres hexadécimaux ; 70-b3-d5-…" in page
    labels = french(
        client,
        "/admin/assets/device/",
        action="print_labels",
        _selected_action=str(Device.objects.get().pk),
    )
    assert "Étiquettes pour 1 appareil" in labels and "lot B7" in labels
    assert '<html lang="fr">' in labels
    page = french(
        client,
        "/admin/assets/device/",
        action="send_for_repair",
        _selected_action=str(Device.objects.get().pk),
    )
    assert "L’appareil P-1 est en stock : il ne peut pas être envoyé en réparation." in page
