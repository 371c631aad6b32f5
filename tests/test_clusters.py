"""Four PostgreSQL servers with least-privilege roles (scripts/cluster.py), the portal on them.

One set of servers for the whole file (about 5 s to start, 9 s to migrate): the portal's
production settings read every URL from a *_FILE secret, migrate as the four owners (no
superuser), and run a day end to end; each role reaches its own database and nothing else; a
leaked credential of one team opens one database only.
"""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.clusters

# scripts/ is no package (nothing of the portal imports it): the module by its path.
_spec = importlib.util.spec_from_file_location("cluster", ROOT / "scripts" / "cluster.py")
cluster_module = sys.modules.setdefault("cluster", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(cluster_module)

PRIMARIES = tuple(cluster_module.URL_VARIABLES)
# The variables tests/settings.py puts in this process's environment: not for the subprocesses.
DATABASE_VARIABLES = [
    f"{base}{suffix}" for base in cluster_module.URL_VARIABLES.values() for suffix in ("", "_FILE")
]


@pytest.fixture(scope="module")
def servers():
    folder = Path(tempfile.mkdtemp(prefix="proximeter-cluster-"))
    folder.chmod(0o755)
    started = time.monotonic()
    cluster = cluster_module.ClusterSet(folder / "set")
    try:
        cluster.start()
        cluster.started_in = time.monotonic() - started
        yield cluster
    finally:
        cluster.destroy()
        folder.rmdir()


def portal_env(cluster, tmp: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in DATABASE_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="proximeter.settings",
        PORTAL_DATA_DIR=str(tmp),
        ALLOWED_HOSTS="testserver",
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
        **{k: v for k, v in cluster.environment().items() if "REPLICA" not in k},
    )
    env.update(extra)
    return env


def manage(env, *args, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def migrated(servers, tmp_path_factory):
    env = portal_env(servers, tmp_path_factory.mktemp("portal-data"))
    started = time.monotonic()
    done = manage(env, "migrate_all", "-v0")
    servers.migrated_in = time.monotonic() - started
    return env, done


def connect(cluster, server: str, role_alias: str, *, database=None, password=None, user=None):
    target = cluster.servers[server]
    return psycopg.connect(
        host="127.0.0.1",
        port=target.port,
        dbname=database or target.database,
        user=user or cluster_module.role_of(role_alias),
        password=password if password is not None else cluster.password(role_alias),
        connect_timeout=5,
        autocommit=True,
    )


def refused(cluster, server, role_alias, **kwargs) -> bool:
    try:
        connect(cluster, server, role_alias, **kwargs).close()
    except psycopg.OperationalError:
        return True
    return False


def all_passwords(cluster) -> list[str]:
    return [cluster.password(alias) for alias in (*PRIMARIES, "replication")]


# --- The portal runs on them unchanged ----------------------------------------------------


@pytest.fixture(scope="module")
def day(migrated):
    """tests/cluster_scenario.py's day, once per set of servers."""
    env, _ = migrated
    return manage(env, "shell", "-c", "from tests.cluster_scenario import main; main()")


def test_the_portal_migrates_and_runs_a_day_as_four_owners_from_secret_files(
    servers, migrated, day
):
    _, migration = migrated
    print(f"start-up {servers.started_in:.1f} s, migrate_all {servers.migrated_in:.1f} s")
    assert servers.started_in < 20
    done = day
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {
        "handed": [200, 200],
        "delivered": 202,
        "drained": 1,
        "trace": 201,
        "contacts": [{"total_seconds": 1200, "close_contact": True}],
    }
    # The partitioned encounter table, created by the migrations of a role that is no superuser.
    with connect(servers, "encounters", "encounters") as connection:
        owner, partitioned = connection.execute(
            "SELECT pg_get_userbyid(c.relowner), c.relkind = 'p' FROM pg_class c "
            "WHERE c.relname = 'tracing_encounter'"
        ).fetchone()
        assert (owner, partitioned) == ("proximeter_encounters", True)
        assert connection.execute("SELECT count(*) FROM tracing_encounter").fetchone() == (1,)
    # No password in what the runs wrote (logs at DEBUG, errors, output).
    for output in (migration.stdout, migration.stderr, done.stdout, done.stderr):
        for password in all_passwords(servers):
            assert password not in output


def test_the_replicas_stream_what_the_primaries_write(servers, migrated):
    with connect(servers, "encounters", "encounters") as primary:
        primary.execute("CREATE TABLE IF NOT EXISTS replicated (n int)")
        primary.execute("INSERT INTO replicated VALUES (7)")
    servers.wait_for_replay("encounters")
    with connect(servers, "encounters_replica", "encounters") as replica:
        assert replica.execute("SELECT n FROM replicated").fetchall() == [(7,)]
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            replica.execute("INSERT INTO replicated VALUES (8)")
        assert replica.execute("SHOW hot_standby_feedback").fetchone() == ("on",)


# --- Each role reaches its own database only -----------------------------------------------


def test_each_role_connects_to_its_own_server_and_database_and_to_no_other(servers):
    for role in PRIMARIES:
        for server in (*PRIMARIES, *cluster_module.REPLICATED.values()):
            own = servers.servers[server].alias == role
            assert refused(servers, server, role) is not own, (role, server)
            # Even naming its own database on another team's server.
            if not own:
                assert refused(servers, server, role, database=cluster_module.role_of(role))


def test_a_role_cannot_open_another_database_of_its_own_server(servers):
    for role in PRIMARIES:
        for database in ("postgres", "template1", "template0"):
            assert refused(servers, role, role, database=database), (role, database)


def test_the_portal_roles_hold_no_power_over_the_server(servers, migrated):
    for role in PRIMARIES:
        with connect(servers, role, role) as connection:
            flags = connection.execute(
                "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
                "FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
            assert flags == (False, False, False, False, False)
            for statement, error in (
                ("CREATE ROLE intruder LOGIN", psycopg.errors.InsufficientPrivilege),
                ("CREATE DATABASE intruder", psycopg.errors.InsufficientPrivilege),
                ("SELECT * FROM pg_authid", psycopg.errors.InsufficientPrivilege),
                ("SELECT * FROM pg_shadow", psycopg.errors.InsufficientPrivilege),
                ("SELECT pg_read_file('pg_hba.conf')", psycopg.errors.InsufficientPrivilege),
                ("COPY (SELECT 1) TO PROGRAM 'true'", psycopg.errors.InsufficientPrivilege),
            ):
                with pytest.raises(error):
                    connection.execute(statement)
            # Only its own database is open to it: CONNECT is nobody's by default.
            grants = connection.execute(
                "SELECT datname FROM pg_database WHERE has_database_privilege(datname, 'CONNECT')"
            ).fetchall()
            assert grants == [(cluster_module.role_of(role),)]


# --- An attacker's credentials --------------------------------------------------------------


def test_a_wrong_password_another_teams_role_and_the_replication_role_are_refused(servers):
    for role in PRIMARIES:
        assert refused(servers, role, role, password="not-the-password")
        assert refused(servers, role, role, password="")
        # Another team's role name, with that team's real password, on this server.
        other = next(alias for alias in PRIMARIES if alias != role)
        assert refused(servers, role, other, user=cluster_module.role_of(other))
        # The replication role streams WAL; it logs into no database.
        assert refused(
            servers,
            role,
            "replication",
            user=cluster_module.REPLICATION_ROLE,
            password=servers.password("replication"),
        )
        # The superuser over the network: no such door (only the server's own socket).
        assert refused(servers, role, role, user="postgres", password="postgres")


# --- Secrets from files ---------------------------------------------------------------------

SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter
db = settings.DATABASES["encounters"]
print(json.dumps({
    "user": db["USER"], "port": db["PORT"], "password": db["PASSWORD"],
    "debug_page": repr(SafeExceptionReporterFilter().get_safe_settings()),
    "everything_but_passwords": repr({k: getattr(settings, k) for k in dir(settings)
        if k.isupper() and k != "DATABASES"})
        + repr({a: {k: v for k, v in c.items() if k != "PASSWORD"}
                for a, c in settings.DATABASES.items()}),
}))
"""


def settings_of(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_a_url_file_or_a_password_file_lands_in_password_only(servers, tmp_path):
    password = servers.password("encounters")
    target = servers.servers["encounters"]
    bare = f"postgres://proximeter_encounters@127.0.0.1:{target.port}/proximeter_encounters"
    (tmp_path / "url").write_text(bare + "\n")
    (tmp_path / "password").write_text(password + "\n")
    variants = [
        {"ENCOUNTERS_DATABASE_URL_FILE": str(servers.url_file("encounters"))},
        {
            "ENCOUNTERS_DATABASE_URL": bare,
            "ENCOUNTERS_DATABASE_PASSWORD_FILE": str(tmp_path / "password"),
        },
        {
            "ENCOUNTERS_DATABASE_URL_FILE": str(tmp_path / "url"),
            "ENCOUNTERS_DATABASE_PASSWORD_FILE": str(tmp_path / "password"),
        },
    ]
    for variant in variants:
        env = portal_env(servers, tmp_path)
        env.pop("ENCOUNTERS_DATABASE_URL_FILE")
        done = settings_of({**env, **variant})
        assert done.returncode == 0, done.stderr[-2000:]
        shown = json.loads(done.stdout)
        assert (shown["user"], shown["port"], shown["password"]) == (
            "proximeter_encounters",
            target.port,
            password,
        )
        assert password not in shown["debug_page"]
        assert password not in shown["everything_but_passwords"]


@pytest.mark.parametrize(
    "variant, message",
    [
        ({"ENCOUNTERS_DATABASE_URL_FILE": "{tmp}/missing"}, "ENCOUNTERS_DATABASE_URL_FILE="),
        ({"ENCOUNTERS_DATABASE_URL_FILE": "{tmp}/empty"}, "is empty"),
        (
            {"ENCOUNTERS_DATABASE_URL_FILE": "{url}", "ENCOUNTERS_DATABASE_URL": "postgres://x/y"},
            "ENCOUNTERS_DATABASE_URL and ENCOUNTERS_DATABASE_URL_FILE are both set",
        ),
        (
            {"ENCOUNTERS_DATABASE_URL_FILE": "{url}", "ENCOUNTERS_DATABASE_PASSWORD": "p"},
            "holds a password and ENCOUNTERS_DATABASE_PASSWORD is set too",
        ),
        (
            {"ENCOUNTERS_DATABASE_PASSWORD_FILE": "{tmp}/password"},
            "ENCOUNTERS_DATABASE_PASSWORD is set but ENCOUNTERS_DATABASE_URL is not",
        ),
        ({"MQTT_PASSWORD_FILE": "{tmp}/empty"}, "MQTT_PASSWORD_FILE="),
        ({"MQTT_PASSWORD_FILE": "{tmp}/password", "MQTT_PASSWORD": "x"}, "both set"),
    ],
)
def test_a_missing_empty_or_doubled_secret_stops_the_start_with_a_clear_message(
    servers, tmp_path, variant, message
):
    (tmp_path / "empty").write_text("\n")
    (tmp_path / "password").write_text(servers.password("encounters"))
    env = portal_env(servers, tmp_path)
    env.pop("ENCOUNTERS_DATABASE_URL_FILE")
    for key, value in variant.items():
        env[key] = value.format(tmp=tmp_path, url=servers.url_file("encounters"))
    done = settings_of(env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and message in done.stderr, done.stderr[-2000:]
    for password in all_passwords(servers):
        assert password not in done.stderr


# --- Reads from the replicas (core/replicas.py) ---------------------------------------------


def probe(servers, tmp: Path, **settings) -> dict:
    env = portal_env(servers, tmp, **settings)
    env.update({k: v for k, v in servers.environment().items() if "REPLICA" in k})
    done = manage(env, "shell", "-c", "from tests.cluster_scenario import replica_probe as p; p()")
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def day_run(servers, day):
    """The scenario's day, and both replicas caught up with it."""
    servers.wait_for_replay("encounters")
    servers.wait_for_replay("associations")
    yield
    servers.admin("encounters_replica", "SELECT pg_wal_replay_resume()")


def another_encounter_on_the_primary(servers) -> None:
    """20 more minutes between persons 1 and 2 (tags 0x51000001 and 0x51000002), an hour ago."""
    with connect(servers, "encounters", "encounters") as connection:
        connection.execute(
            "INSERT INTO tracing_encounter (my_tag, ref_tag, started_at, slots) "
            "VALUES (%s, %s, now() - interval '1 hour', 40)",
            [0x5100_0001, 0x5100_0002],
        )


def test_trace_and_my_data_read_the_replica_and_bypass_it_when_it_lags(servers, day_run, tmp_path):
    caught_up = probe(servers, tmp_path)
    assert (caught_up["trace_seconds"], caught_up["my_seconds"]) == (1200, 1200)
    assert caught_up["read_under_replica_reads"] == "encounters_replica"
    assert caught_up["write_under_replica_reads"] == "encounters"
    assert caught_up["read_outside"] == "encounters"
    check = caught_up["health_checks"]["replica:encounters_replica"]
    assert check == {"status": "ok", "lag_seconds": 0.0, "reads": "replica"}
    assert (
        'proximeter_database_replica_lag_seconds{alias="encounters_replica"} 0.0'
        in (caught_up["metrics"])
    )

    servers.admin("encounters_replica", "SELECT pg_wal_replay_pause()")
    another_encounter_on_the_primary(servers)
    time.sleep(1.2)  # the replica's last replayed transaction is over a second old now
    # Fresh enough for an hour's tolerance: the trace and MY DATA do not see the new encounter.
    stale = probe(servers, tmp_path, REPLICA_MAX_LAG_SECONDS="3600")
    assert (stale["trace"], stale["trace_seconds"], stale["my_seconds"]) == (201, 1200, 1200)
    assert stale["audited"] == 1  # the trace's audit entry, on the primary
    check = stale["health_checks"]["replica:encounters_replica"]
    assert check["status"] == "ok" and check["lag_seconds"] >= 1
    # Beyond a tolerance of one second it is bypassed: the primary answers, with the encounter.
    bypassed = probe(servers, tmp_path, REPLICA_MAX_LAG_SECONDS="1")
    assert (bypassed["trace_seconds"], bypassed["my_seconds"]) == (2400, 2400)
    assert bypassed["read_under_replica_reads"] == "encounters"
    assert bypassed["health"] == 200
    check = bypassed["health_checks"]["replica:encounters_replica"]
    assert check["status"] == "warning" and check["reads"] == "primary"
    assert (
        'proximeter_database_replica_in_use{alias="encounters_replica"} 0.0'
        in (bypassed["metrics"])
    )
    # Replay resumed: the replica has it too, and reads go back to it.
    servers.admin("encounters_replica", "SELECT pg_wal_replay_resume()")
    servers.wait_for_replay("encounters")
    resumed = probe(servers, tmp_path, REPLICA_MAX_LAG_SECONDS="1")
    assert (resumed["trace_seconds"], resumed["my_seconds"]) == (2400, 2400)
    assert resumed["read_under_replica_reads"] == "encounters_replica"


def test_a_replica_that_is_down_is_bypassed_without_an_error(servers, day_run, tmp_path):
    servers.pg_ctl("encounters_replica", "stop", "-m", "immediate")
    try:
        down = probe(servers, tmp_path)
    finally:
        servers.pg_ctl("encounters_replica", "start")
    assert (down["trace"], down["my_data"], down["health"]) == (201, 200, 200)
    assert down["trace_seconds"] == down["my_seconds"] > 0
    assert down["read_under_replica_reads"] == "encounters"
    check = down["health_checks"]["replica:encounters_replica"]
    assert check == {
        "status": "warning",
        "lag_seconds": None,
        "reads": "primary",
        "error": "unreachable",
    }
    # The associations replica, still up, still serves.
    assert down["health_checks"]["replica:associations_replica"]["reads"] == "replica"


def test_no_migration_runs_on_a_replica_alias(servers, migrated, tmp_path):
    env = portal_env(servers, tmp_path)
    env.update({k: v for k, v in servers.environment().items() if "REPLICA" in k})
    done = manage(env, "migrate", "--database", "encounters_replica", "--plan")
    assert "No planned migration operations" in done.stdout
