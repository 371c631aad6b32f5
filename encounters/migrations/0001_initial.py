"""The Encounter model moves here from `tracing`: its state only; the table stays as it is."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("tracing", "0003_encounter_partitions")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Encounter",
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
                        ("my_tag", models.PositiveBigIntegerField()),
                        ("ref_tag", models.PositiveBigIntegerField()),
                        ("started_at", models.DateTimeField()),
                        ("slots", models.PositiveIntegerField()),
                    ],
                    options={
                        "db_table": "tracing_encounter",
                        "indexes": [
                            models.Index(
                                fields=["ref_tag", "started_at"], name="encounter_ref_tag_time"
                            ),
                            models.Index(fields=["started_at"], name="encounter_time"),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("my_tag", "ref_tag", "started_at"), name="encounter_once"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
