#!/usr/bin/env python3
"""Four PostgreSQL servers, one per database of the portal, each with its own least-privilege role.

    python scripts/cluster.py start [FOLDER]   # default data/cluster; prints the environment
    python scripts/cluster.py env [FOLDER]     # prints the environment of a running set
    python scripts/cluster.py stop [FOLDER]

Each server (Debian's PostgreSQL binaries, a port of its own on 127.0.0.1) holds one database
owned by one login role of the same name (`proximeter_encounters` owns `proximeter_encounters`):
no superuser, no CREATEDB, no CREATEROLE; CONNECT revoked from PUBLIC on every database; its
pg_hba.conf lets that role into that database only, with scram-sha-256. The superuser
`postgres` logs in only through the server's own socket (administration, never the portal).
The encounters and associations servers each stream to a hot-standby replica
(pg_basebackup -R, hot_standby_feedback on) on a port of its own; the replica is read-only and
takes the same role and password as its primary.

Passwords are generated once and kept under FOLDER/secrets (mode 0600): `<alias>.password`
and `<alias>.url` (the whole URL, for the `*_DATABASE_URL_FILE` variables the output names).
Starting again reuses the set: running servers are left alone, stopped ones restarted.

Nothing of the portal imports this module; the tests (tests/test_clusters.py) and
`make cluster` do.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = ROOT / "data" / "cluster"

# alias -> the variable the portal reads (proximeter/settings.py DATABASE_URL_VARIABLES)
URL_VARIABLES = {
    "default": "DATABASE_URL",
    "assets": "ASSETS_DATABASE_URL",
    "associations": "ASSOCIATIONS_DATABASE_URL",
    "encounters": "ENCOUNTERS_DATABASE_URL",
}
# The primaries that stream to a replica: alias -> the replica's name.
REPLICATED = {"encounters": "encounters_replica", "associations": "associations_replica"}
REPLICATION_ROLE = "proximeter_replicator"
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def role_of(alias: str) -> str:
    """The role and the database of an alias: one name for both."""
    return f"proximeter_{alias}"


@dataclass
class Server:
    name: str  # an alias, or "<alias>_replica"
    alias: str  # the database it holds
    port: int
    replica_of: str = ""

    @property
    def role(self) -> str:
        return role_of(self.alias)

    @property
    def database(self) -> str:
        return role_of(self.alias)


class ClusterSet:
    """The four servers and two replicas in one folder."""

    def __init__(self, folder: Path | str = DEFAULT_FOLDER) -> None:
        self.folder = Path(folder).resolve()
        self.secrets = self.folder / "secrets"
        self.state_file = self.folder / "cluster.json"
        self.servers: dict[str, Server] = {}
        if self.state_file.exists():
            state = json.loads(self.state_file.read_text())
            self.servers = {name: Server(**server) for name, server in state.items()}

    # --- Paths, secrets, URLs ---------------------------------------------------------
    def data_dir(self, name: str) -> Path:
        return self.folder / name

    def password(self, alias: str) -> str:
        return (self.secrets / f"{alias}.password").read_text().strip()

    def password_file(self, alias: str) -> Path:
        return self.secrets / f"{alias}.password"

    def url_file(self, name: str) -> Path:
        return self.secrets / f"{name}.url"

    def url(self, name: str, *, password: bool = True) -> str:
        server = self.servers[name]
        secret = f":{self.password(server.alias)}" if password else ""
        return f"postgres://{server.role}{secret}@{LOOPBACK}:{server.port}/{server.database}"

    def environment(self) -> dict[str, str]:
        """The variables that point the portal at this set, through secret files."""
        env = {f"{URL_VARIABLES[alias]}_FILE": str(self.url_file(alias)) for alias in URL_VARIABLES}
        for alias, replica in REPLICATED.items():
            env[f"{URL_VARIABLES[alias].replace('_DATABASE', '_REPLICA_DATABASE')}_FILE"] = str(
                self.url_file(replica)
            )
        return env

    def write_secret(self, path: Path, value: str) -> None:
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(value + "\n")

    # --- Running the binaries as the owner of the data -------------------------------
    def as_owner(self, args: list, env: dict | None = None) -> subprocess.CompletedProcess:
        # PostgreSQL refuses to run as root: as root, its folders belong to the postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*prefix, *map(str, args)],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
        )
        if done.returncode != 0:
            raise RuntimeError(f"{Path(str(args[0])).name} failed: {done.stderr.strip()}")
        return done

    def pg_ctl(self, name: str, *args: str) -> subprocess.CompletedProcess:
        data = self.data_dir(name)
        command = [PG_BIN / "pg_ctl", "-D", data, "-l", data / "postgres.log", "-w", "-t", "60"]
        return self.as_owner([*command, *args])

    def running(self, name: str) -> bool:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        status = subprocess.run(
            [*prefix, str(PG_BIN / "pg_ctl"), "-D", str(self.data_dir(name)), "status"],
            capture_output=True,
        )
        return status.returncode == 0

    def admin(self, name: str, sql: str, database: str = "postgres") -> str:
        """SQL as the superuser, through the server's socket (the only way it logs in)."""
        command = [
            PG_BIN / "psql",
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            self.data_dir(name),
            "-p",
            self.servers[name].port,
            "-U",
            "postgres",
            "-d",
            database,
            "-c",
            sql,
        ]
        return self.as_owner(command).stdout.strip()

    # --- Starting -------------------------------------------------------------------
    def start(self) -> None:
        """Start the set: create what is missing, restart what is stopped, keep what runs."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self.folder.chmod(0o755)  # the postgres user walks through to its data folders
        self.secrets.mkdir(mode=0o700, exist_ok=True)
        if not self.servers:
            self.create()
            return
        for name in self.servers:
            if not self.running(name):
                self.pg_ctl(name, "start")

    def create(self) -> None:
        for alias in URL_VARIABLES:
            self.servers[alias] = Server(alias, alias, free_port())
            self.write_secret(self.password_file(alias), secrets.token_urlsafe(24))
        self.write_secret(self.password_file("replication"), secrets.token_urlsafe(24))
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(self.create_primary, URL_VARIABLES))
        for alias, replica in REPLICATED.items():
            self.servers[replica] = Server(replica, alias, free_port(), replica_of=alias)
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(self.create_replica, REPLICATED.values()))
        for name in self.servers:
            self.write_secret(self.url_file(name), self.url(name))
        self.state_file.write_text(
            json.dumps({name: asdict(server) for name, server in self.servers.items()}, indent=2)
        )

    def make_data_dir(self, name: str) -> Path:
        data = self.data_dir(name)
        data.mkdir(mode=0o700)
        if os.geteuid() == 0:
            shutil.chown(data, "postgres", "postgres")
        return data

    def create_primary(self, alias: str) -> None:
        server = self.servers[alias]
        data = self.make_data_dir(alias)
        self.as_owner(
            [
                PG_BIN / "initdb",
                "-D",
                data,
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "--auth-local=trust",
                "--auth-host=reject",
            ]
        )
        self.write_config(server, data)
        (data / "pg_hba.conf").write_text(
            "# scripts/cluster.py: one role, one database; the superuser by socket only.\n"
            "local all postgres trust\n"
            f"host {server.database} {server.role} {LOOPBACK}/32 scram-sha-256\n"
            f"host replication {REPLICATION_ROLE} {LOOPBACK}/32 scram-sha-256\n"
        )
        self.pg_ctl(alias, "start")
        password = self.password(alias).replace("'", "''")
        replication = self.password("replication").replace("'", "''")
        self.admin(
            alias,
            f"CREATE ROLE {server.role} LOGIN PASSWORD '{password}' "
            "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
        )
        self.admin(
            alias,
            f"CREATE ROLE {REPLICATION_ROLE} LOGIN REPLICATION PASSWORD '{replication}' "
            "NOSUPERUSER NOCREATEDB NOCREATEROLE",
        )
        self.admin(alias, f"CREATE DATABASE {server.database} OWNER {server.role}")
        for database in ("postgres", "template0", "template1", server.database):
            self.admin(alias, f"REVOKE ALL ON DATABASE {database} FROM PUBLIC")
        self.admin(
            alias, f"GRANT CONNECT, TEMPORARY ON DATABASE {server.database} TO {server.role}"
        )
        # PostgreSQL 15 already keeps CREATE on schema public from PUBLIC; the owner gets it.
        self.admin(alias, f"ALTER SCHEMA public OWNER TO {server.role}", database=server.database)

    def write_config(self, server: Server, data: Path) -> None:
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# scripts/cluster.py\n"
                f"port = {server.port}\n"
                f"listen_addresses = '{LOOPBACK}'\n"
                f"unix_socket_directories = '{data}'\n"
                "password_encryption = 'scram-sha-256'\n"
                "wal_level = replica\n"
                "hot_standby = on\n"
                "hot_standby_feedback = on\n"
                "max_connections = 60\n"
                "shared_buffers = 32MB\n"
            )

    def create_replica(self, name: str) -> None:
        server = self.servers[name]
        primary = self.servers[server.replica_of]
        data = self.make_data_dir(name)
        self.as_owner(
            [
                PG_BIN / "pg_basebackup",
                "-h",
                LOOPBACK,
                "-p",
                primary.port,
                "-U",
                REPLICATION_ROLE,
                "-D",
                data,
                "-R",  # standby.signal and primary_conninfo
                "-X",
                "stream",
                "--no-sync",
                "-c",
                "fast",
            ],
            env={"PGPASSWORD": self.password("replication")},
        )
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\n# the replica of {primary.name}\n"
                f"port = {server.port}\n"
                f"unix_socket_directories = '{data}'\n"
            )
        self.pg_ctl(name, "start")

    # --- Stopping -------------------------------------------------------------------
    def stop(self) -> None:
        for name in reversed(list(self.servers)):
            if self.data_dir(name).exists() and self.running(name):
                self.pg_ctl(name, "stop", "-m", "fast")

    def destroy(self) -> None:
        """Stop the set and delete its folder (the tests' temporary sets)."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- Waiting for the replicas ------------------------------------------------------
    def wait_for_replay(self, alias: str, timeout: float = 30) -> None:
        """Until the replica of `alias` has replayed everything its primary wrote so far."""
        target = self.admin(alias, "SELECT pg_current_wal_lsn()")
        replica = REPLICATED[alias]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            caught_up = self.admin(
                replica, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
            )
            if caught_up == "t":
                return
            time.sleep(0.05)
        raise TimeoutError(f"{replica} did not replay up to {target} in {timeout} s")


def print_environment(cluster: ClusterSet) -> None:
    print("# The portal on the four servers of", cluster.folder)
    for variable, value in cluster.environment().items():
        print(f"export {variable}={value}")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"start", "stop", "env"}:
        print(__doc__, file=sys.stderr)
        return 2
    cluster = ClusterSet(argv[1] if len(argv) > 1 else DEFAULT_FOLDER)
    if argv[0] == "start":
        cluster.start()
        print_environment(cluster)
    elif argv[0] == "env":
        if not cluster.servers:
            print(f"No set in {cluster.folder}: make cluster", file=sys.stderr)
            return 1
        print_environment(cluster)
    else:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
