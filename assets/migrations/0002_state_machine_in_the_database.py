"""On PostgreSQL the database itself refuses a change of state the state machine does not allow.

The allowed pairs are a table (copied from assets.services.TRANSITIONS when
this migration ran; tests/assets/test_state_trigger.py keeps the two equal).
A trigger on the device table checks every change of `state` against it, so
an admin action, a script or a hand-written UPDATE cannot set a retired
device back to assigned. Repairs by `reconcile --fix` say so explicitly for
their own transaction (SET LOCAL proximeter.state_correction = 'on'), are
recorded as events, and still never bring a retired device back. SQLite keeps
the Python guard only.
"""

from django.db import migrations

TRANSITIONS = {
    "in_stock": ["assigned", "lost", "broken", "retired"],
    "assigned": ["in_stock", "lost", "broken"],
    "lost": ["found", "retired"],
    "found": ["assigned", "in_stock", "broken", "retired"],
    "broken": ["in_stock", "retired"],
    "retired": [],
}

CREATE = """
CREATE TABLE assets_allowed_transition (
    from_state varchar(16) NOT NULL,
    to_state varchar(16) NOT NULL,
    PRIMARY KEY (from_state, to_state)
);
INSERT INTO assets_allowed_transition (from_state, to_state) VALUES {pairs};

CREATE FUNCTION assets_device_state_guard() RETURNS trigger AS $$
BEGIN
    IF NEW.state = OLD.state THEN
        RETURN NEW;
    END IF;
    IF OLD.state = 'retired' THEN
        RAISE EXCEPTION 'device % is retired and cannot be used again', OLD.device_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF current_setting('proximeter.state_correction', true) = 'on' THEN
        RETURN NEW;
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM assets_allowed_transition
        WHERE from_state = OLD.state AND to_state = NEW.state
    ) THEN
        RAISE EXCEPTION 'device % cannot go from % to %', OLD.device_id, OLD.state, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER assets_device_state_guard
    BEFORE UPDATE OF state ON assets_device
    FOR EACH ROW EXECUTE FUNCTION assets_device_state_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS assets_device_state_guard ON assets_device;
DROP FUNCTION IF EXISTS assets_device_state_guard();
DROP TABLE IF EXISTS assets_allowed_transition;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    pairs = ", ".join(f"('{a}', '{b}')" for a, targets in TRANSITIONS.items() for b in targets)
    schema_editor.execute(CREATE.format(pairs=pairs), params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("assets", "0001_initial")]

    operations = [migrations.RunPython(create, drop, hints={"home_database": "assets"})]
