"""Insiders: a superuser cannot become someone else for MY DATA; a medic cannot trace in bulk."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.services import user_sync_from_claims
from audit.models import AuditEntry
from audit.services import audit_verify
from registration.models import Association
from tests import personas
from tests.processes import at_once
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")


# --- The person number ------------------------------------------------------------


def test_a_superuser_cannot_set_a_person_number_in_the_admin(client):
    admin = personas.superuser(person_id="810001")
    client.force_login(admin)
    url = f"/admin/accounts/user/{admin.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="person_id"' not in page  # shown, not editable
    client.post(
        url,
        {
            "username": "root",
            "person_id": "810002",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00",
            "is_staff": "on",
            "is_superuser": "on",
            "is_active": "on",
        },
    )
    admin.refresh_from_db()
    assert admin.person_id == "810001"


def test_any_change_of_a_person_number_is_audited_with_who_changed_it(person):
    user = person  # not linked to a person of the directory yet
    user_sync_from_claims(user=user, claims={"person_id": "810001"})  # first sign-in
    assert not AuditEntry.objects.exists()  # the provider states the number: no change
    user_sync_from_claims(user=user, claims={"person_id": "810002"})
    user.person_id = "810003"  # a shell, a script
    user.save()
    entries = AuditEntry.objects.filter(action="person_id_changed").order_by("position")
    assert [
        (e.actor, e.details["previous_person_id"], e.details["person_id"]) for e in entries
    ] == [
        ("identity provider", "810001", "810002"),
        ("outside the portal", "810002", "810003"),
    ]
    assert all(e.target_person_id == "" for e in entries)  # not a consultation of anyone's data


# --- Bulk tracing -----------------------------------------------------------------


def world():
    make_person("1", "Ida", "Index"), make_device("D-1", tag_id=1)
    Association.objects.create(
        person_id="1",
        device_id="D-1",
        started_at=timezone.now() - timedelta(days=3),
        started_by="t",
    )


def trace(client):
    return client.post(
        "/api/tracing/traces",
        {
            "person_id": "1",
            "positive_test": timezone.now().isoformat(),
            "case_reference": "C",
            "reason": "r",
        },
        content_type="application/json",
    )


def test_a_medic_over_the_hourly_limit_is_refused_and_the_privacy_officer_sees_it(
    client, privacy_officer, settings
):
    settings.TRACING_MAX_TRACES_PER_HOUR = 3
    world()
    client.force_login(personas.medic(username="mia"))
    assert [trace(client).status_code for _ in range(3)] == [201, 201, 201]
    refused = trace(client)
    assert refused.status_code == 429
    assert "3 traces in the last hour" in refused.json()["detail"]
    client.force_login(privacy_officer)
    [entry] = client.get("/api/audit/entries", {"action": "trace_refused"}).json()
    assert (entry["actor"], entry["details"]["person_id"]) == ("mia", "1")
    assert AuditEntry.objects.filter(action="trace").count() == 3


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_one_medic_tracing_from_several_processes_at_once_gets_exactly_the_limit(tmp_path):
    world()
    snippet = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from core.errors import DomainError
from tracing import contacts, services
user = get_user_model()(username="mia")
window = contacts.trace_window(now=timezone.now(), retention=timedelta(days=14),
                               positive_test=timezone.now())
for n in range(3):
    try:
        services.trace_run(person_id="1", window=window, policy="encounter",
                           case_reference="C", reason="r", acting_user=user)
        print("traced")
    except DomainError as refusal:
        print("refused", refusal.status_code)
"""
    outputs = at_once(snippet, [[]] * 4, tmp_path, env={"TRACING_MAX_TRACES_PER_HOUR": "5"})
    said = "".join(outputs)
    assert said.count("traced") == 5 and said.count("refused 429") == 7
    assert AuditEntry.objects.filter(action="trace").count() == 5
    assert AuditEntry.objects.filter(action="trace_refused").count() == 7
    assert audit_verify().intact
    assert get_user_model().objects.count() == 0  # (the processes acted as an unsaved user)
