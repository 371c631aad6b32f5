"""PurgeRecord: when each purge finished, and the oldest item of each kind it left."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="purgerecord",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="purgerecord",
            name="oldest_kept",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Per kind: when its oldest item left began (ISO).",
            ),
        ),
        migrations.AlterField(
            model_name="purgerecord",
            name="at",
            field=models.DateTimeField(
                db_index=True, help_text="The purge's moment: what it measured from."
            ),
        ),
        migrations.AlterField(
            model_name="purgerecord",
            name="removed",
            field=models.JSONField(help_text="Rows (or files) removed per kind."),
        ),
    ]
