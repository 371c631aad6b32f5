"""A network server's operator who reads French gets the webhook's reasons in French."""


import pytest

pytestmark = pytest.mark.django_db(databases="__all__")

FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def test_a_refused_token_says_why_in_french(client):
    response = client.post(
        "/api/ingest/tts", "{}", content_type="application/json", HTTP_AUTHORIZATION="", **FR
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Un jeton d’ingestion valide est requis."


def test_a_body_that_is_no_webhook_message_is_refused_in_french(client, token):
    response = client.post(
        "/api/ingest/tts",
        "[]",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **FR,
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Le corps de la requête doit être un objet JSON."
    english = client.post(
        "/api/ingest/chirpstack?event=bogus",
        "{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert english.json()["detail"] == "Unknown ChirpStack event 'bogus'."
