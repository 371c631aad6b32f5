"""The Encounter model now lives in the `encounters` app (state only; the table stays)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tracing", "0003_encounter_partitions"),
        ("encounters", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Encounter")],
            database_operations=[],
        ),
    ]
