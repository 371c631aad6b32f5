"""Personal answers are never cached, and no log line names a person, a tag or a device."""

import logging

import pytest
from django.urls import reverse

from tests.personas import desk_medic
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def desk_client(client, db):
    client.force_login(desk_medic(person_id="810009"))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/api/selfservice/data",
        "/api/selfservice/encounters",
        "/api/selfservice/export",
        "/api/registration/people/810001",
        "/api/tracing/traces",
        "/api/me",
        "/my-data/",
    ],
)
def test_personal_answers_say_no_store(desk_client, url):
    make_person("810009"), make_person("810001")
    response = desk_client.get(url)
    assert response.status_code == 200, url
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_an_anonymous_api_answer_is_not_cached_either(client):
    assert "no-store" in client.get("/api/me")["Cache-Control"]


def test_static_files_keep_their_caching(client, person):
    client.force_login(person)
    response = client.get("/static/admin/css/base.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_request_lines_name_the_route_never_the_person_or_device(desk_client, caplog):
    make_person("810001", "Wanda", "Wearer"), make_device("P-4242", tag_id=4242)
    with caplog.at_level(logging.INFO):
        desk_client.get("/api/registration/people/810001")
        desk_client.get("/api/registration/devices/P-4242")
        desk_client.get("/api/registration/people/810077")  # 404: Django logs it too
        desk_client.get("/no/such/page/810078")
    logged = "\n".join(
        [
            r.getMessage() + str(getattr(r, "route", "")) + str(getattr(r, "request", ""))
            for r in caplog.records
        ]
    )
    assert "people/<str:person_id>" in logged or "people/<person_id>" in logged
    for secret in ("810001", "810077", "810078", "P-4242", "4242", "Wanda"):
        assert secret not in logged, secret
    assert reverse("trace-people")  # the routes are real ones
