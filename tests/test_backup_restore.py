"""The documented backup (scripts/backup.sh) restores the associations and default databases."""

import subprocess

import pytest
from django.db import connections

from audit.models import AuditEntry, Disclosure
from audit.services import audit_record, audit_verify
from registration.models import Association
from tests.conftest import ROOT, database_env_for_workers
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def test_a_backup_restores_holdings_and_an_intact_audit_trail(tmp_path, medic):
    make_person("1"), make_device("P-1")
    Association.objects.create(
        person_id="1", device_id="P-1", started_at="2026-11-01T08:00Z", started_by="t"
    )
    for n in range(3):
        audit_record(
            acting_user=medic,
            action=AuditEntry.Action.TRACE,
            target_person_id="1",
            case_reference=f"C{n}",
        )
    env = database_env_for_workers()
    subprocess.run(
        [ROOT / "scripts" / "backup.sh", tmp_path], env=env, check=True, capture_output=True
    )

    # Disaster: the holdings and the audit trail are lost.
    Association.objects.all().delete()
    Disclosure.objects.all().delete()
    AuditEntry.objects.all().delete()
    subprocess.run(
        [ROOT / "scripts" / "backup.sh", "--restore", tmp_path],
        env=env,
        check=True,
        capture_output=True,
    )

    for alias in ("default", "associations"):
        connections[alias].close()  # see the restored tables
    assert Association.objects.get().device_id == "P-1"
    assert AuditEntry.objects.count() == 3
    assert Disclosure.objects.filter(person_id="1").count() == 3  # MY DATA's dates too
    assert audit_verify().intact
