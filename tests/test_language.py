"""The portal's language: the reader's choice on their account, else their browser's.

Behaviour through the API and the pages (the header's switch is POST /api/me/language), the
e-mail side (the choice is copied to the person's directory record), and a hostile sender:
another person's record in the body, unknown languages, nested and oversized bodies.
"""

import json
import re

import pytest
from django.conf import settings
from django.test import Client

from registration.models import Person
from tests.personas import make_user

pytestmark = pytest.mark.django_db(databases="__all__")


def me(client, **headers):
    answer = client.get("/api/me", **headers)
    assert answer.status_code == 200
    return answer


def choose(client, language, **headers):
    return client.post(
        "/api/me/language",
        data=json.dumps({"language": language}),
        content_type="application/json",
        **headers,
    )


@pytest.fixture
def wearer():
    Person.objects.create(person_id="810777", given_name="Léa", family_name="Roux")
    return make_user("lea", person_id="810777")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-CH,fr;q=0.9,en;q=0.5", "fr"),
        ("fr", "fr"),
        ("en-GB", "en"),
        ("de-CH,de", "en"),
        ("", "en"),
    ],
)
def test_without_a_choice_the_browser_preference_decides(client, person, header, language):
    client.force_login(person)
    answer = me(client, HTTP_ACCEPT_LANGUAGE=header)
    assert answer.json()["language"] == language
    assert answer.json()["language_chosen"] == ""
    assert answer["Content-Language"] == language
    assert {item["code"] for item in answer.json()["languages"]} == {"en", "fr"}


def test_the_choice_is_kept_on_the_account_and_wins_over_the_browser(client, wearer):
    client.force_login(wearer)
    answer = choose(client, "fr", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"language": "fr", "chosen": "fr"}
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    # Another device (no cookie), a browser in English: still French.
    other = Client()
    other.force_login(wearer)
    answer = me(other, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.json()["language"] == "fr"
    assert answer.json()["language_chosen"] == "fr"
    # The server's own words follow: a page title and a refusal.
    titles = {page["slug"]: page["title"] for page in answer.json()["pages"]}
    assert titles["my-data"] != "My data"
    refused = other.post("/api/me/language", data="{", content_type="application/json")
    assert refused.status_code == 400
    # E-mails: the person's directory record has the language too.
    assert Person.objects.get(person_id="810777").language == "fr"


def test_choosing_nothing_goes_back_to_the_browser(client, wearer):
    client.force_login(wearer)
    choose(client, "fr")
    answer = choose(client, "", HTTP_ACCEPT_LANGUAGE="en-GB,en")
    assert answer.json() == {"language": "en", "chosen": ""}
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    assert me(client, HTTP_ACCEPT_LANGUAGE="fr").json()["language"] == "fr"
    assert Person.objects.get(person_id="810777").language == ""


def test_the_help_pages_follow_the_reader(client, person):
    client.force_login(person)
    english = client.get("/help/desk/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = client.get("/help/desk/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<h1>Desk day</h1>" in english
    assert "<h1>Journée au guichet</h1>" in french
    # Pictures and links work from the French guide too, and placeholders are filled.
    assert "../img/" not in french
    assert "{retention_days}" not in french
    choose(client, "fr", HTTP_ACCEPT_LANGUAGE="en")
    assert (
        "Journée au guichet"
        in client.get("/help/desk/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_every_english_section_has_a_french_one_with_the_same_headings_depth():
    guide = settings.BASE_DIR / "docs" / "user-guide"
    for english in guide.glob("*.md"):
        french = guide / "fr" / english.name
        assert french.is_file(), english.name

        def levels(path):
            return [line.split(" ")[0] for line in path.read_text().splitlines() if line[:1] == "#"]

        assert levels(french) == levels(english), english.name


@pytest.mark.parametrize(
    "body",
    [
        {"language": "de"},
        {"language": "fr-CH" * 1000},
        {"language": 1},
        {"language": ["fr"]},
        {"language": {"code": "fr"}},
        {},
        [],
        "fr",
    ],
)
def test_a_hostile_body_is_a_clear_400_and_changes_nothing(client, wearer, body):
    client.force_login(wearer)
    answer = client.post("/api/me/language", data=json.dumps(body), content_type="application/json")
    assert answer.status_code == 400
    wearer.refresh_from_db()
    assert wearer.language == ""


def test_no_one_chooses_for_someone_else(client, wearer):
    other = make_user("mallory", person_id="810999")
    Person.objects.create(person_id="810999", given_name="Mal", family_name="Lory")
    client.force_login(other)
    answer = client.post(
        "/api/me/language",
        data=json.dumps({"language": "fr", "person_id": "810777", "username": "lea"}),
        content_type="application/json",
    )
    assert answer.status_code == 200
    wearer.refresh_from_db()
    assert wearer.language == ""
    assert Person.objects.get(person_id="810777").language == ""
    assert Person.objects.get(person_id="810999").language == "fr"


def test_an_anonymous_caller_chooses_nothing(client):
    answer = client.post(
        "/api/me/language", data=json.dumps({"language": "fr"}), content_type="application/json"
    )
    assert answer.status_code in (401, 403)


@pytest.mark.parametrize(
    "header",
    [
        "x" * 10_000,
        "fr;q=abc",
        "fr;q=2,en;q=-1",
        "*",
        ",,,;;;",
        "fr-" + "a" * 300,
        "\u00e9\u00e8;q=0.5",
        "zh-Hant-TW, fr;q=0.1",
    ],
)
def test_a_hostile_accept_language_never_breaks_a_page(client, person, header):
    client.force_login(person)
    for path in ("/api/me", "/", "/help/", "/privacy/"):
        answer = client.get(path, HTTP_ACCEPT_LANGUAGE=header)
        assert answer.status_code == 200, (path, header)
        assert answer["Content-Language"] in ("en", "fr")


def test_a_hostile_language_cookie_is_ignored(client, person):
    client.force_login(person)
    for value in ("de", "fr" * 500, "../../etc", "fr\u0000"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = value
        answer = client.get("/api/me")
        assert answer.status_code == 200
        assert answer.json()["language"] in ("en", "fr")


def test_every_picture_of_the_french_guide_exists():
    guide = settings.BASE_DIR / "docs" / "user-guide" / "fr"
    pictures = 0
    for section in guide.glob("*.md"):
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", section.read_text()):
            assert (guide / target).resolve().is_file(), f"{section.name}: {target}"
            pictures += 1
    assert pictures >= 15
    assert len(list((guide / "img").glob("*.png"))) >= 4  # the French flows' own screenshots
