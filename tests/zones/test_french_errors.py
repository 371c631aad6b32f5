"""A refusal of the location-exposure API reads in the language the caller asked for."""


import pytest

from tests.zones.conftest import donate, point

pytestmark = pytest.mark.django_db(databases="__all__")

FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def test_a_donation_code_without_a_date_is_refused_in_french(api, medic):
    api.force_authenticate(medic)
    response = api.post("/api/zones/donation-codes", {}, format="json", **FR)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Indiquez exactement l’un des deux : le début des symptômes ou le test positif.",
        "code": "window",
    }
    english = api.post("/api/zones/donation-codes", {}, format="json")
    assert english.json()["detail"] == (
        "Give exactly one of: the symptom onset, or the positive test."
    )


def test_an_invalid_upload_names_its_entries_in_french(api, code):
    coords = [point(ago=600), point(ago=600, lat=95, accuracy=2)]
    response = api.post(
        "/api/zones/coordinates",
        {"coords": coords},
        format="json",
        HTTP_AUTHORIZATION=f"DonationCode {code}",
        **FR,
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    # The entry's path stays as the app sent it; the reason after it is French.
    assert detail.startswith("Envoi non valide : coords[1].lat: doit être compris entre -90 et 90")
    assert "; coords[1].accuracy: doit être compris entre 0 et 1" in detail
    assert detail.endswith("corrigez ou retirez ces entrées, puis renvoyez la liste complète.")
    # The same code still works: nothing was stored and it stays unused.
    assert donate(api, code, [point(ago=600)]).status_code == 201


def test_an_unknown_donation_code_is_refused_in_french(api):
    response = api.post(
        "/api/zones/coordinates",
        {"coords": [point()]},
        format="json",
        HTTP_AUTHORIZATION="DonationCode ABCD-EFGH-JK",
        **FR,
    )
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Ce code de don est inconnu ou a déjà été utilisé")


def test_an_exposure_request_out_of_range_is_refused_in_french(api):
    body = {
        "returnDataFormatting": {"geoZoneSpecId": 999, "minutePeriod": 60},
        "areaRequests": [{"lat": 47.37, "long": 8.54, "start": 1, "end": 2}],
    }
    response = api.post("/api/zones/exposure", body, format="json", **FR)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "areaRequests[0].start : antérieur à la durée de conservation de" in detail
    assert "999 n’est pas une spécification de géozones active (actives : " in detail
