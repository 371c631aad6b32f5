"""PurgeRecord moves here from `stats`: its state only; the table stays as it is."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("stats", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PurgeRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("at", models.DateTimeField(db_index=True)),
                        ("removed", models.JSONField(help_text="Rows removed per table.")),
                        ("oldest_remaining", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={"ordering": ["-at"], "db_table": "stats_purgerecord"},
                ),
            ],
            database_operations=[],
        ),
    ]
