"""The audit trail in French: its entries keep what was stored, only their labels are read in
the reader's language."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import audit_record

pytestmark = pytest.mark.django_db(databases="__all__")


def test_an_entry_reads_in_french_and_stays_as_it_was_stored(client, medic, privacy_officer):
    client.force_login(privacy_officer)
    empty = client.get(reverse("audit-digest"), HTTP_ACCEPT_LANGUAGE="fr")
    assert empty.status_code == 404
    assert empty.json() == {"detail": "Le journal d’audit est vide.", "code": "empty"}
    audit_record(
        acting_user=medic,
        action=AuditEntry.Action.TRACE,
        target_person_id="810001",
        case_reference="C-1",
        reason="positive test",
    )
    [french] = client.get(reverse("audit-entries"), HTTP_ACCEPT_LANGUAGE="fr").json()
    assert french["action"] == "trace" and french["action_label"] == "a tracé des contacts étroits"
    assert french["reason"] == "positive test"  # what the medic wrote, as written
    [english] = client.get(reverse("audit-entries")).json()
    assert english["action_label"] == "traced close contacts"
    assert AuditEntry.objects.get().action == "trace"
