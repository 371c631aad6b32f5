"""On PostgreSQL, the encounter table's primary key also holds `my_tag` (docs/performance.md,
"Distributing the encounter table").

Citus distributes a table by one column and requires every unique key to contain it; the
encounter table's distribution column would be `my_tag` (an uplink's records, and a
device's own history, on one shard). The other unique key, `encounter_once`
(my_tag, ref_tag, started_at), already holds it. The key becomes (id, my_tag, started_at):
`id` first, so that the purge's batched `DELETE … WHERE id IN (…)` keeps its index.

Django's state does not change (`id` stays the model's pk, as in tracing 0003). The new
key's index is built on every partition: on a full table this takes a while and holds the
table's lock, so run it in a quiet hour. SQLite keeps its plain table.
"""

from django.db import migrations

from core.databases import ENCOUNTERS

WITH_MY_TAG = (
    "ALTER TABLE tracing_encounter DROP CONSTRAINT tracing_encounter_pkey, "
    "ADD CONSTRAINT tracing_encounter_pkey PRIMARY KEY (id, my_tag, started_at)"
)
WITHOUT_MY_TAG = (
    "ALTER TABLE tracing_encounter DROP CONSTRAINT tracing_encounter_pkey, "
    "ADD CONSTRAINT tracing_encounter_pkey PRIMARY KEY (id, started_at)"
)


def _run(statement: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("encounters", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run(WITH_MY_TAG), _run(WITHOUT_MY_TAG), hints={"home_database": ENCOUNTERS}
        ),
    ]
