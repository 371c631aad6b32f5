"""Local username/password accounts exist only in demo mode."""

from datetime import datetime

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from core.databases import home_of
from core.roles import roles_of
from simulation.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from simulation.management.commands import demo_data

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def demo_mode(settings):
    settings.DEMO_MODE = True
    settings.SOCIALACCOUNT_ONLY = False


def test_demo_data_creates_one_account_per_role_and_a_person_once(demo_mode):
    call_command("demo_data")
    call_command("demo_data")  # idempotent
    users = {user.username: user for user in get_user_model().objects.all()}
    assert set(users) == {username for username, *_ in DEMO_ACCOUNTS}
    assert {role.value for role in roles_of(users["medic"])} == {"medical"}
    assert roles_of(users["person"]) == set()
    assert users["admin"].is_staff and users["admin"].is_superuser


def test_demo_data_refuses_to_run_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="only loaded in demo mode"):
        call_command("demo_data")
    assert not get_user_model().objects.exists()


def test_a_demo_account_signs_in_with_its_password_in_demo_mode(client, demo_mode):
    call_command("demo_data")
    response = client.post("/accounts/login/", {"login": "desk", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/api/me").json()["roles"] == ["registration"]


def test_outside_demo_mode_a_password_does_not_sign_in(client, settings, demo_mode):
    call_command("demo_data")
    settings.DEMO_MODE = False
    settings.SOCIALACCOUNT_ONLY = True
    client.post("/accounts/login/", {"login": "desk", "password": DEMO_PASSWORD})
    assert client.get("/api/me").status_code in (401, 403)
    assert client.get("/registration/").status_code == 302


def test_the_demo_has_devices_people_and_holdings_that_agree(demo_mode, settings):
    # Any 72 hours hold one whole working day, whatever weekday the suite runs on
    # (a single day ending on a Saturday afternoon has little traffic).
    settings.DEMO_ENCOUNTER_DAYS = 3
    from assets.models import Device
    from desk.reconcile import find_disagreements
    from registration.models import Association, Person

    call_command("demo_data")
    assert Device.objects.count() == 400 and Person.objects.count() == 300
    assert Association.objects.filter(ended_at__isnull=True).count() > 200
    # The demo accounts are people of the directory too (MY DATA is about them).
    assert Person.objects.filter(person_id__in=["700001", "700006"]).count() == 2
    assert find_disagreements() == []
    # Simulated traffic went through the webhook and the inbox.
    from encounters.models import Encounter

    assert Encounter.objects.count() > 500


def state_of_the_demo() -> dict:
    """Row counts of every table the demo writes to, over the four databases."""
    return {
        model._meta.label: model.objects.using(home_of(model)).count()
        for model in apps.get_models()
        if model._meta.managed and model._meta.app_label not in {"sessions", "admin"}
    }


@pytest.mark.parametrize("demo_cases", [True, False], ids=["demo-cases", "no-demo-cases"])
def test_the_demo_person_tries_my_data_with_a_device_encounters_a_booking_and_a_consultation(
    client, demo_mode, settings, monkeypatch, demo_cases
):
    """With the demo cases the person may already be one of their contacts; without them,
    the person's own step has a peer of theirs traced (both ways end in MY DATA)."""
    settings.DEMO_ENCOUNTER_DAYS = 3  # as above: one whole working day at least
    if not demo_cases:
        loaders = tuple(name for name in demo_data.DEMO_LOADERS if "demo_cases" not in name)
        monkeypatch.setattr(demo_data, "DEMO_LOADERS", loaders)
    call_command("demo_data")
    first = state_of_the_demo()
    call_command("demo_data")  # idempotent: the same state again
    assert state_of_the_demo() == first

    response = client.post("/accounts/login/", {"login": "person", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    mine = client.get(reverse("my-data")).json()
    assert mine["person"]["person_id"] == "700006"
    held = [d for d in mine["devices"] if d["to"] is None]
    assert [d["device_id"] for d in held] == ["P-0240"]
    encounters = [e for day in mine["days"] for e in day["encounters"]]
    assert encounters and any(e["close_contact_length"] for e in encounters)
    upcoming = [
        a for a in mine["appointments"] if datetime.fromisoformat(a["starts_at"]) > timezone.now()
    ]
    assert len(upcoming) == 1 and upcoming[0]["status"] == "booked"
    assert len(mine["notifications"]) == 1
    assert mine["consulted_on"]  # the day the medical service named them as a contact
