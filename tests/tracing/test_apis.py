"""TRACKING's API and the audit trail's: only the medical service traces; authors reopen."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from core.roles import Role
from encounters.models import Encounter
from registration.models import Association
from tests.personas import persona_for
from tests.registration.factories import make_device, make_person
from tests.reveals import name_over_api

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def world():
    start = timezone.now() - timedelta(days=10)
    for person_id, given, tag in (("1", "Alice", 100), ("2", "=cmd|' /C calc'!A0", 200)):
        make_person(person_id, given, "Tester", email=f"p{person_id}@example.org")
        make_device(f"D-{tag}", tag_id=tag)
        Association.objects.create(
            person_id=person_id, device_id=f"D-{tag}", started_at=start, started_by="t"
        )
    Encounter.objects.create(
        my_tag=100, ref_tag=200, started_at=timezone.now() - timedelta(days=2), slots=40
    )


def run(client, **overrides):
    body = {
        "person_id": "1",
        "positive_test": timezone.now().isoformat(),
        "case_reference": "C-7",
        "reason": "positive PCR",
        **overrides,
    }
    return client.post(reverse("traces"), body, content_type="application/json")


@pytest.mark.parametrize("role", [None, Role.REGISTRATION, Role.ASSETS, Role.PRIVACY])
def test_only_the_medical_role_traces(client, world, role):
    client.force_login(persona_for(role))
    assert run(client).status_code == 403
    assert client.get(reverse("trace-people"), {"q": "al"}).status_code == 403
    assert client.get(reverse("traces")).status_code == 403
    assert not AuditEntry.objects.exists()


def test_a_trace_needs_a_case_reference_and_a_reason(client, medic, world):
    client.force_login(medic)
    response = run(client, case_reference="", reason="")
    assert response.status_code == 400
    assert set(response.json()) >= {"case_reference", "reason"}
    assert run(client, positive_test=None, **{"from": None}).status_code == 400


def test_a_trace_returns_the_contacts_and_the_author_reopens_and_exports_it(client, medic, world):
    client.force_login(medic)
    created = run(
        client, **{"from": (timezone.now() - timedelta(days=5)).isoformat()}, positive_test=None
    )
    assert created.status_code == 201, created.content
    run_result = created.json()
    [contact] = run_result["contacts"]
    assert contact["person_id"] is None and contact["close_contact"]
    assert contact["total_seconds"] == 1200 and run_result["revealed"] == "none"
    result = {**run_result, **name_over_api(client, run_result["id"])["result"]}
    [contact] = result["contacts"]
    assert contact["person_id"] == "2" and contact["ref"] == run_result["contacts"][0]["ref"]
    assert result["window"]["derived_from"] == "explicit" and result["policy"] == "encounter"
    assert [t["id"] for t in client.get(reverse("traces")).json()] == [result["id"]]
    assert (
        client.get(reverse("trace-detail", args=[result["id"]])).json()["contacts"]
        == result["contacts"]
    )
    export = client.get(reverse("trace-export", args=[result["id"]]))
    assert export["Content-Type"].startswith("text/csv")
    text = export.content.decode()
    assert "C-7" in text and "p2@example.org" in text
    assert (
        "'=cmd|' /C calc'!A0 Tester" in text
    )  # a formula is neutralised, not run by a spreadsheet
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    # A new case reference opens that case first (cases/): recorded as a case of this person;
    # naming the contact took a request and a second medic's approval.
    assert actions == [
        "case_opened",
        "trace",
        "reveal_requested",
        "reveal_approved",
        "trace_revealed",
        "trace_reopened",
        "trace_exported",
    ]


def test_another_medics_trace_does_not_exist_for_you(client, medic, second_medic, world):
    client.force_login(medic)
    trace_id = run(client).json()["id"]
    client.force_login(second_medic)
    assert client.get(reverse("trace-detail", args=[trace_id])).status_code == 404
    assert client.get(reverse("trace-export", args=[trace_id])).status_code == 404
    assert client.get(reverse("traces")).json() == []


def test_an_unknown_person_is_a_404_and_audited_nothing(client, medic, world):
    client.force_login(medic)
    response = run(client, person_id="999")
    assert response.status_code == 404 and "no person 999" in response.json()["detail"]
    assert not AuditEntry.objects.exists()


def test_the_privacy_role_reads_the_audit_trail_with_filters(client, medic, privacy_officer, world):
    client.force_login(medic)
    run(client)
    run(client, person_id="2", case_reference="C-8")
    client.force_login(privacy_officer)
    everything = client.get(reverse("audit-entries")).json()
    # Each new case reference opened its case before the trace.
    assert [(e["person_id"], e["action"]) for e in everything] == [
        ("2", "trace"),
        ("2", "case_opened"),
        ("1", "trace"),
        ("1", "case_opened"),
    ]
    only = client.get(
        reverse("audit-entries"), {"person_id": "1", "actor": "medic", "action": "trace"}
    ).json()
    assert [(e["case_reference"], e["reason"]) for e in only] == [("C-7", "positive PCR")]
    client.force_login(medic)
    assert client.get(reverse("audit-entries")).status_code == 403
