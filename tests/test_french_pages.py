"""The server's own pages and /api/me in French, for a browser that asks for French."""


import re

import pytest
from django.conf import settings

from frontend.pages import Group

pytestmark = pytest.mark.django_db

FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def text_of(html: str) -> str:
    """The words a reader sees: no tags, no markup's attributes, spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_sign_in_page_reads_in_french(client):
    response = client.get("/accounts/login/", **FR)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "<title>Se connecter · Portail Proximeter</title>" in html
    words = text_of(html)
    assert "Connectez-vous avec le compte de votre organisation" in words
    assert "Comment vos données sont traitées" in words  # the footer
    for english in ("Sign in", "organisation's account", "How your data is handled"):
        assert english not in words


def test_the_demo_sign_in_form_reads_in_french(client, settings):
    settings.SOCIALACCOUNT_ONLY = False
    words = text_of(client.get("/accounts/login/", **FR).content.decode())
    assert "Comptes de démonstration" in words
    assert "Nom d’utilisateur" in words and "Mot de passe" in words
    assert "chacun avec le mot de passe demo" in words
    for english in ("Demo accounts", "User name", "Password", "Sign in"):
        assert english not in words


def test_the_sign_in_page_stays_english_for_an_english_browser(client):
    words = text_of(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Sign in with your organisation's account" in words
    assert "Se connecter" not in words


def test_the_privacy_notice_reads_in_french_with_the_configured_numbers(client):
    response = client.get("/privacy/", **FR)
    assert response.status_code == 200
    words = text_of(response.content.decode())
    assert words.count("Comment vos données sont traitées") >= 2  # heading and footer
    assert (
        f"Les rencontres sont conservées {settings.ENCOUNTER_RETENTION_DAYS} jours, "
        "puis supprimées." in words
    )
    assert f"au plus {settings.DEAD_LETTER_RETENTION_HOURS} heures" in words
    assert f"supprimés {settings.CASE_RETENTION_DAYS} jours après la clôture du cas" in words
    assert "bureau de la protection des données" in words
    assert f"à l’adresse {settings.DATA_PROTECTION_CONTACT}" in words
    for english in ("Encounters are kept", "close contact", "audit trail", "Questions:"):
        assert english not in words


def test_the_404_page_reads_in_french(client, person):
    client.force_login(person)
    response = client.get("/no-such-page/", **FR)
    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Introuvable · Portail Proximeter</title>" in html
    words = text_of(html)
    assert "Page introuvable" in words
    assert "Il n’y a aucune page à cette adresse. Retour au portail" in words
    assert "Page not found" not in words


def test_the_403_page_names_the_page_in_french(client, person):
    client.force_login(person)
    response = client.get("/tracking/", **FR)
    assert response.status_code == 403
    words = text_of(response.content.decode())
    assert "Vous n’avez pas accès à cette page" in words
    assert "La page Traçage n’est pas accessible avec vos rôles." in words


def test_who_am_i_gives_page_titles_help_and_group_labels_in_french(client, desk):
    client.force_login(desk)
    english = client.get("/api/me", HTTP_ACCEPT_LANGUAGE="en").json()
    french = client.get("/api/me", **FR).json()
    pages = {page["slug"]: page for page in french["pages"]}
    registration = pages["registration"]
    assert registration["title"] == "Enregistrement"
    assert registration["help"].startswith("Remettre un appareil à une personne")
    # The group stays the key the header builds its ids from; its label is in French.
    assert registration["group"] == Group.DESK == "Desk"
    assert registration["group_label"] == "Guichet"
    assert pages["my-data"]["title"] == "Mes données"
    assert pages["my-data"]["group_label"] == "Pour moi"
    assert pages["stats"]["group_label"] == "Contrôle"
    assert french["role_descriptions"]["registration"] == "guichet d’enregistrement"
    # The same pages, in the same order and groups, in English.
    assert [p["slug"] for p in english["pages"]] == [p["slug"] for p in french["pages"]]
    assert [p["group"] for p in english["pages"]] == [p["group"] for p in french["pages"]]
    assert english["pages"][0]["title"] == "Registration"
    assert english["pages"][0]["group_label"] == "Desk"


def test_the_guides_header_names_the_groups_in_the_readers_language(client, desk):
    desk.language = "fr"
    desk.save(update_fields=["language"])
    client.force_login(desk)
    words = text_of(client.get("/help/").content.decode())
    assert "Guichet" in words and "Enregistrement" in words and "Se déconnecter" in words
