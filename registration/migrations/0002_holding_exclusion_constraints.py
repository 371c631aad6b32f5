"""On PostgreSQL, the database itself forbids overlapping holdings.

A device is held by at most one person, and a person holds at most one
device, at any instant: exclusion constraints over the holding period
[started_at, ended_at). SQLite has no exclusion constraints; there the
partial unique constraints on open holdings and the services' checks apply.
"""

from django.db import migrations

CONSTRAINTS = {
    "holding_device_no_overlap": "device_id",
    "holding_person_no_overlap": "person_id",
}


PERIOD = "tstzrange(started_at, coalesce(ended_at, 'infinity'::timestamptz), '[)')"


def add_exclusion_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("registration", "Association")._meta.db_table
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} "
            f"EXCLUDE USING gist ({column} WITH =, {PERIOD} WITH &&)"
        )


def drop_exclusion_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("registration", "Association")._meta.db_table
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registration", "0001_initial")]

    operations = [
        migrations.RunPython(
            add_exclusion_constraints,
            drop_exclusion_constraints,
            hints={"home_database": "associations"},
        ),
    ]
