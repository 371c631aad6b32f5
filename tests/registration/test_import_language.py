"""The directory import's optional `language` column: the language of the person's e-mails."""

import io
import json

import pytest
from django.utils import translation

from core.imports import read_rows
from registration.imports import import_people
from registration.models import Person

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def english_afterwards():
    """A French request leaves French active in the thread: the next test starts in English."""
    yield
    translation.activate("en")


HEADER = "person_id,given_name,family_name,email,language"


def people(tmp_path, *lines, header=HEADER):
    path = tmp_path / "people.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    report = import_people(rows=read_rows(path))
    return report, dict(report.errors)


def languages() -> dict[str, str]:
    return dict(Person.objects.values_list("person_id", "language"))


def test_the_language_column_sets_the_language_of_each_persons_emails(tmp_path):
    report, errors = people(
        tmp_path,
        "1,Ada,Lovelace,ada@example.org,fr",
        "2,Bob,Brown,bob@example.org,en",
        "3,Cy,Curie,cy@example.org,",
        "4,Dan,Dee,dan@example.org, FR ",
    )
    assert errors == {}
    assert report.created == 4
    assert languages() == {"1": "fr", "2": "en", "3": "", "4": "fr"}


def test_another_language_is_a_clear_error_on_its_line_like_the_other_columns(tmp_path):
    report, errors = people(tmp_path, "1,Ada,Lovelace,,de", "2,Bob,Brown,,french", "3,Cy,Curie,,fr")
    assert errors == {
        2: "language 'de' is not one of en/fr",
        3: "language 'french' is not one of en/fr",
    }
    assert (report.created, report.error_count) == (1, 2)
    assert languages() == {"3": "fr"}


def test_a_file_without_the_column_leaves_the_language_as_it_is(tmp_path):
    people(tmp_path, "1,Ada,Lovelace,ada@example.org,fr")
    report, _ = people(tmp_path, "1,Ada,King", header="person_id,given_name,family_name")
    assert report.updated == 1
    assert languages() == {"1": "fr"}
    again, _ = people(tmp_path, "1,Ada,King,ada@example.org,en")
    assert again.updated == 1 and languages() == {"1": "en"}
    same, _ = people(tmp_path, "1,Ada,King,ada@example.org,en")
    assert same.unchanged == 1


def test_the_admin_upload_takes_the_language_column_from_json_too(client, desk):
    client.force_login(desk)
    upload = io.BytesIO(
        json.dumps(
            [
                {"person_id": "1", "given_name": "A", "family_name": "B", "language": "fr"},
                {"person_id": "2", "given_name": "C", "family_name": "D", "language": "it"},
            ]
        ).encode()
    )
    upload.name = "hr.json"
    response = client.post("/admin/registration/person/import/", {"file": upload}, follow=True)
    page = response.content.decode()
    assert "1 created, 0 updated, 0 unchanged, 0 deactivated, 1 error." in page
    assert "Entry 2: language &#x27;it&#x27; is not one of en/fr" in page
    assert languages() == {"1": "fr"}


def test_an_import_error_reads_in_french_for_a_french_admin(client, desk):
    client.force_login(desk)
    upload = io.BytesIO(b"person_id,given_name,family_name,language\n1,A,B,de\n")
    upload.name = "hr.csv"
    response = client.post(
        "/admin/registration/person/import/",
        {"file": upload},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert "language &#x27;de&#x27; n’est pas l’une des valeurs en/fr" in response.content.decode()
