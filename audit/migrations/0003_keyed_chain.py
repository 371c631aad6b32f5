"""The audit chain becomes keyed (HMAC) and numbered, and cannot fork.

The existing entries were chained with plain SHA-256. They are checked first:
if that chain is broken the upgrade stops and says where (someone must look
before anything is re-signed). Otherwise each entry gets its position and is
re-hashed under the chain's key, in order, and the new head is checkpointed.
"""

import hashlib

from django.db import migrations, models

from audit.chain import GENESIS, canonical, entry_hash
from audit.checkpoints import Checkpoint, checkpoint_write


def _legacy_fields(entry) -> dict:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target_person_id": entry.target_person_id,
        "case_reference": entry.case_reference,
        "reason": entry.reason,
        "details": entry.details,
    }


def rekey(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    entries = list(AuditEntry.objects.using(schema_editor.connection.alias).order_by("pk"))
    previous = GENESIS
    for entry in entries:
        legacy = hashlib.sha256(
            f"{previous}\n{canonical(_legacy_fields(entry))}".encode()
        ).hexdigest()
        if entry.previous_hash != previous or legacy != entry.entry_hash:
            raise RuntimeError(
                f"The audit trail is broken at entry {entry.pk} ({entry.at:%Y-%m-%d %H:%M}); "
                "it is not re-signed. Investigate, then restore it from a backup."
            )
        previous = entry.entry_hash
    previous = GENESIS
    for position, entry in enumerate(entries, start=1):
        entry.position, entry.previous_hash = position, previous
        fields = {**_legacy_fields(entry), "position": position}
        entry.entry_hash = previous = entry_hash(entry.previous_hash, fields)
    # Two passes of updates: unique hashes must not collide with the old ones midway.
    for entry in entries:
        AuditEntry.objects.filter(pk=entry.pk).update(
            position=entry.position, previous_hash=f"rekey-{entry.pk}", entry_hash=f"x-{entry.pk}"
        )
    for entry in entries:
        AuditEntry.objects.filter(pk=entry.pk).update(
            previous_hash=entry.previous_hash, entry_hash=entry.entry_hash
        )
    if entries:  # the first checkpoint: the re-signed head
        last = entries[-1]
        checkpoint_write(
            Checkpoint.signed(position=last.position, head=last.entry_hash, at=last.at.isoformat())
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_disclosures")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="position",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop, hints={"home_database": "default"}),
        migrations.AlterField(
            model_name="auditentry",
            name="position",
            field=models.PositiveBigIntegerField(
                unique=True, help_text="Its place in the chain: 1, 2, 3, ... without a gap."
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="previous_hash",
            field=models.CharField(
                max_length=64,
                unique=True,
                help_text="Two entries never follow the same one (no fork).",
            ),
        ),
        migrations.AlterModelOptions(
            name="auditentry",
            options={"ordering": ["-position"], "verbose_name_plural": "audit entries"},
        ),
    ]
