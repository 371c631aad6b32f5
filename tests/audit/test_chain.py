"""The audit trail cannot be forked by busy medics, nor rewritten by whoever owns the database."""

import hashlib
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from audit.chain import GENESIS, canonical, hashed_fields
from audit.checkpoints import Checkpoint, checkpoints_read
from audit.models import AuditEntry, Disclosure
from audit.services import audit_digest, audit_record, audit_verify
from tests.processes import at_once

# Real commits: the checkpoints are written when an entry commits (on_commit).
pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def record(user, n: int = 0) -> AuditEntry:
    return audit_record(
        acting_user=user,
        action=AuditEntry.Action.TRACE,
        target_person_id=f"81000{n}",
        case_reference=f"C-{n}",
        reason="positive test",
    )


def trail(user, entries: int = 5) -> list[AuditEntry]:
    return [record(user, n) for n in range(entries)]


def remove(*entries: AuditEntry) -> None:
    """What a database owner can do: delete rows, past the portal."""
    pks = [e.pk for e in entries]
    Disclosure.objects.filter(entry_id__in=pks).delete()
    AuditEntry.objects.filter(pk__in=pks).delete()


def test_medics_appending_from_several_processes_at_once_never_fork_the_chain(tmp_path):
    snippet = """
from django.contrib.auth import get_user_model
from audit.services import audit_record
user = get_user_model()(username=sys.argv[3])
for n in range(25):
    audit_record(acting_user=user, action="trace", target_person_id=str(n), case_reference="C")
"""
    at_once(snippet, [[f"medic-{n}"] for n in range(4)], tmp_path)
    assert AuditEntry.objects.count() == 100
    report = audit_verify()
    assert report.intact, report.problem
    assert sorted(AuditEntry.objects.values_list("position", flat=True)) == list(range(1, 101))
    assert report.checkpoints == 100  # every process wrote its checkpoints to the shared file


def test_the_database_refuses_two_entries_after_the_same_one(medic):
    first, second = trail(medic, 2)
    with pytest.raises(IntegrityError), transaction.atomic(using="default"):
        AuditEntry.objects.create(
            position=3,
            at=second.at,
            actor="x",
            action="trace",
            previous_hash=first.entry_hash,  # the predecessor second already has
            entry_hash="f" * 64,
        )


def test_an_intact_trail_with_its_checkpoints_verifies(medic, capsys):
    trail(medic)
    call_command("verify_audit")
    assert "intact: 5 entries, 5 checkpoints" in capsys.readouterr().out


def test_an_owner_who_edits_an_entry_and_recomputes_every_hash_is_caught(medic):
    entries = trail(medic)
    # The old chain was plain SHA-256: edit, then recompute the whole chain as it was.
    AuditEntry.objects.filter(pk=entries[1].pk).update(reason="nothing to see")
    previous = GENESIS
    for entry in AuditEntry.objects.order_by("position"):
        digest = hashlib.sha256(f"{previous}\n{canonical(hashed_fields(entry))}".encode())
        AuditEntry.objects.filter(pk=entry.pk).update(
            previous_hash=f"tmp-{entry.pk}", entry_hash=f"tmp2-{entry.pk}"
        )
        entry.previous_hash, entry.entry_hash = previous, digest.hexdigest()
        AuditEntry.objects.filter(pk=entry.pk).update(
            previous_hash=entry.previous_hash, entry_hash=entry.entry_hash
        )
        previous = entry.entry_hash
    report = audit_verify()
    assert report.first_broken.pk == entries[0].pk  # the key is missing from the first on
    assert "changed" in report.problem


def test_removing_an_entry_in_the_middle_is_caught(medic):
    entries = trail(medic)
    remove(entries[2])
    report = audit_verify()
    assert report.first_broken.pk == entries[3].pk and "removed or inserted" in report.problem


def test_removing_the_newest_entries_is_caught_by_the_checkpoints(medic, capsys):
    entries = trail(medic)
    remove(*entries[3:])
    report = audit_verify()
    assert "newest entries were removed" in report.problem and "held 5" in report.problem
    with pytest.raises(SystemExit):
        call_command("verify_audit")
    assert "now it holds 3" in capsys.readouterr().out


def test_removing_every_entry_is_caught_too(medic):
    remove(*trail(medic))
    assert "now it holds 0" in audit_verify().problem


def test_a_forged_or_edited_checkpoint_line_is_reported(medic, settings):
    trail(medic, 2)
    with open(settings.AUDIT_CHECKPOINT_FILE, "a") as file:
        file.write(json.dumps({"position": 1, "head": "0" * 64, "at": "x", "signature": "y"}))
    assert "1 line(s) of the checkpoint file carry no valid signature" in audit_verify().problem


def test_without_its_checkpoint_file_the_trail_says_what_it_cannot_show(medic, settings, tmp_path):
    entries = trail(medic)
    kept = audit_digest()  # the privacy officer downloaded one
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "gone.jsonl")
    assert "checkpoint file is missing" in audit_verify().problem
    assert audit_verify(digests=[kept]).intact
    remove(entries[-1])
    assert "newest entries were removed" in audit_verify(digests=[kept]).problem


def test_a_digest_that_was_not_signed_with_the_key_is_refused(medic):
    trail(medic, 2)
    forged = Checkpoint(position=9, head="a" * 64, at="2026-01-01", signature="b" * 64)
    assert "not signed with the chain's key" in audit_verify(digests=[forged]).problem


def test_the_privacy_officer_downloads_a_signed_digest_and_verifies_with_it(
    client, privacy_officer, medic, tmp_path, capsys
):
    trail(medic, 3)
    client.force_login(privacy_officer)
    response = client.get("/api/audit/digest")
    assert response.status_code == 200
    assert "audit-digest-" in response["Content-Disposition"]
    digest = response.json()
    assert digest["position"] == 3 and Checkpoint.from_dict(digest).genuine
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(digest))
    call_command("verify_audit", digest=[str(path)])
    assert "intact: 3 entries, 4 checkpoints and digests" in capsys.readouterr().out
    client.force_login(medic)
    assert client.get("/api/audit/digest").status_code == 403


def test_checkpoints_say_nothing_about_anyone(medic, settings):
    trail(medic, 2)
    text = Path(settings.AUDIT_CHECKPOINT_FILE).read_text()
    assert "81000" not in text and "medic" not in text and "C-0" not in text
    assert [c.position for c in checkpoints_read().checkpoints] == [1, 2]
