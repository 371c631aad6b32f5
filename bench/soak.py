"""Sustained webhook load while Redis, an ingest worker, PostgreSQL and a worker host's
link fail under it.

`make soak` (or `.venv/bin/python bench/soak.py --seconds 120 --rate 100`):

1. starts a private PostgreSQL cluster, a private Redis, gunicorn (the flags of
   scripts/serve.sh), two ingest workers, a Celery worker and Celery beat, all on free
   ports in a temporary folder, so the machine's own services are never touched;
   as root, also a worker host in a network namespace of its own (bench/netns.py:
   an ingest worker, a Celery worker and `manage.py mqtt_consume`, which reach
   PostgreSQL, Redis and a private Mosquitto over a veth link);
2. registers simulated devices and posts the simulator's uplinks over HTTP at a
   steady rate, like a network server; a real one never retries, so the run passes only
   with no answer but 2xx (this sender retries anyway, to count what would be lost);
   a share (--mqtt-share) is published to Mosquitto with QoS 1 instead, as ChirpStack's
   MQTT integration does, and counts once the broker acknowledged it;
3. during the load (--faults): Redis stopped and started, an ingest worker killed with
   SIGKILL (a new one started, as a supervisor would), PostgreSQL stopped for 30 s and
   started, the worker host's link cut for 20 s; the worker host's metrics are scraped
   over the link before, during and after the cut;
4. once the inbox has drained: every accepted uplink's records must be in the
   encounters table exactly once, with the content the devices sent, and
   /healthz must answer 200 without anyone stepping in.

It prints a table and writes it into docs/reliability.md between the soak
markers. Everything it started is stopped, and its folder removed, on the way out.
"""

import argparse
import atexit
import contextlib
import heapq
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, free_port, redis_answers, redis_command, wait_for
from netns import NetnsUnavailable, WorkerHost

BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- soak:begin -->", "<!-- soak:end -->"
ALIASES = {
    "DATABASE_URL": "default",
    "ASSETS_DATABASE_URL": "assets",
    "ASSOCIATIONS_DATABASE_URL": "associations",
    "ENCOUNTERS_DATABASE_URL": "encounters",
}
SENDER_THREADS = 16
MIN_SECONDS = 90
REQUEST_TIMEOUT = 5.0
MAX_BACKOFF = 8.0
MAX_TRIES = 40  # about five minutes of retries: a portal that refuses for good fails the run
# The re-drive runs every minute for rows older than two; a loaded machine processes
# a few dozen uplinks a second, so a long run needs longer to drain.
DRAIN_MIN_SECONDS = 420
DRAIN_UPLINKS_PER_SECOND = 10
SAMPLE_EVERY = 0.5


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --- The private process layout ----------------------------------------------------


def celery_worker(hostname: str, *, queues: str | None = None) -> list[str]:
    """A Celery worker as the soak runs them: one process at a time, no gossip, no mingle."""
    args = [str(BIN / "celery"), "-A", "proximeter", "worker", "--pool", "solo"]
    args += ["--loglevel", "INFO", "--without-gossip", "--without-mingle", "--hostname", hostname]
    return args + (["--queues", queues] if queues else [])


class Services:
    """PostgreSQL, Redis, gunicorn, workers and beat of this run, in one temporary folder;
    with a worker host (`host`), also Mosquitto, and the worker host's own workers."""

    def __init__(self, folder: Path, host: WorkerHost | None = None) -> None:
        self.folder = folder
        self.host = host
        self.pg_data = folder / "pg"
        self.pg_port, self.redis_port, self.web_port = free_port(), free_port(), free_port()
        self.mqtt_port, self.metrics_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.workers: list[str] = []
        self.host_workers: list[str] = []  # in the worker host's namespace
        self.pg_started = False
        # The worker host's link address, on which the services listen as well.
        self.also_listen = (host.gateway,) if host else ()
        (folder / "prometheus").mkdir()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "proximeter.settings",
            "PORTAL_DATA_DIR": str(folder / "data"),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus"),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",  # a killed process's last lines reach its log
            **{variable: self.database_url(alias) for variable, alias in ALIASES.items()},
        }

    def database_url(self, alias: str, address: str = "127.0.0.1") -> str:
        return f"postgres://postgres@{address}:{self.pg_port}/soak_{alias}"

    def host_env(self) -> dict[str, str]:
        """The worker host's environment: every service over the link, its own data folder
        (its spool) and its own metrics folder, served on its address."""
        gateway = self.host.gateway
        (self.folder / "prometheus-worker-host").mkdir(exist_ok=True)
        return {
            **self.env,
            "PORTAL_DATA_DIR": str(self.folder / "worker-host-data"),
            "REDIS_URL": f"redis://{gateway}:{self.redis_port}/0",
            "PROMETHEUS_MULTIPROC_DIR": str(self.folder / "prometheus-worker-host"),
            "WORKER_METRICS_PORT": str(self.metrics_port),
            "WORKER_METRICS_ADDR": self.host.address,
            "MQTT_URL": f"mqtt://{gateway}:{self.mqtt_port}",
            "MQTT_CLIENT_ID": "proxsoak-consumer",
            **{variable: self.database_url(alias, gateway) for variable, alias in ALIASES.items()},
        }

    def metrics_url(self) -> str:
        return f"http://{self.host.address}:{self.metrics_port}/metrics"

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        output = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
        )
        self.processes[name] = process
        return process

    def spawn_on_host(self, name: str, args: list, **env: str) -> subprocess.Popen:
        """A process of the worker host: in its namespace, reaching everything over the link."""
        process = self.host.run(
            args, env={**self.host_env(), **env}, cwd=ROOT, log=self.folder / f"{name}.log"
        )
        self.processes[name] = process
        self.host_workers.append(name)
        return process

    # PostgreSQL
    def start_postgres(self) -> None:
        self.pg_data.mkdir(mode=0o700)
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: its folder belongs to the postgres user.
            self.folder.chmod(0o755)
            shutil.chown(self.pg_data, "postgres", "postgres")
        self.as_pg_owner(
            [PG_BIN / "initdb", "-D", self.pg_data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        )
        if self.host:
            network = self.host.gateway.rsplit(".", 1)[0] + ".0/24"
            with open(self.pg_data / "pg_hba.conf", "a") as hba:
                hba.write(f"host all all {network} trust  # the soak's worker host\n")
        self.pg_ctl("start")
        self.pg_started = True
        with psycopg.connect(self.admin_url(), autocommit=True) as connection:
            for alias in ALIASES.values():
                connection.execute(f'CREATE DATABASE "soak_{alias}"')

    def as_pg_owner(self, args: list) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True)

    def pg_ctl(self, *args: str) -> None:
        addresses = ",".join(["127.0.0.1", *self.also_listen])
        options = f"-p {self.pg_port} -c listen_addresses={addresses} -k {self.pg_data}"
        log_file = self.pg_data / "postgres.log"
        command = [PG_BIN / "pg_ctl", "-D", self.pg_data, "-o", options, "-l", log_file]
        self.as_pg_owner([*command, "-w", "-t", "60", *args])

    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/postgres"

    # Redis
    def start_redis(self) -> None:
        # No persistence, as a cache-sized Redis often runs: a restart loses the queue.
        self.spawn("redis", redis_command(self.redis_port, self.also_listen))
        wait_for(lambda: redis_answers(self.redis_port), timeout=10, what="redis")

    # Mosquitto: ChirpStack's broker, which the worker host's consumer reads
    def start_mosquitto(self) -> None:
        config = self.folder / "mosquitto.conf"
        listeners = "".join(
            f"listener {self.mqtt_port} {address}\n" for address in ("127.0.0.1", *self.also_listen)
        )
        config.write_text(
            f"{listeners}allow_anonymous true\npersistence false\n"
            # QoS 1 messages kept for a consumer that is away (the default, 1,000, drops more)
            "max_queued_messages 1000000\n"
            "log_dest stdout\nlog_type error\nlog_type warning\nlog_type notice\n"
        )
        self.spawn("mosquitto", ["mosquitto", "-c", str(config)])
        wait_for(self.mosquitto_answers, timeout=10, what="mosquitto")

    def mosquitto_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.mqtt_port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self, name: str, sig: int | None = signal.SIGTERM) -> None:
        """Signal (None: it was signalled already) and wait; SIGKILL after 20 s."""
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        if sig is not None:
            process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    # The portal
    def start_web(self, wait: bool = True) -> None:
        self.spawn(
            "web",
            [
                str(BIN / "gunicorn"),
                "proximeter.wsgi",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                "2",
                "--threads",
                "4",
            ],
        )
        if wait:
            wait_for(self.web_answers, timeout=60, what="gunicorn")

    def web_answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503)
        except requests.RequestException:
            return False

    def start_worker_host(self) -> None:
        """The worker host's ingest worker, Celery worker and MQTT consumer (in its namespace)."""
        self.spawn_on_host("host-ingest", [sys.executable, "manage.py", "ingest_worker"])
        self.spawn_on_host(
            "host-celery", celery_worker("soak-host-celery@%h", queues=f"celery,{HOST_QUEUE}")
        )
        # INFO: its connection and subscription (no topic with a DevEUI, no payload).
        self.spawn_on_host(
            "host-mqtt", [sys.executable, "manage.py", "mqtt_consume"], LOG_LEVEL="INFO"
        )
        log_file = self.folder / "host-mqtt.log"
        wait_for(
            lambda: "subscribed" in log_file.read_text(errors="replace"),
            timeout=60,
            what="the worker host's MQTT consumer to subscribe",
        )
        wait_for(lambda: scrape(self) is not None, timeout=30, what="the worker host's metrics")

    def start_worker(self) -> str:
        """An ingest worker (manage.py ingest_worker): the inbox in batches, and the spool."""
        name = f"ingest{len(self.workers) + 1}"
        self.workers.append(name)
        self.spawn(name, [sys.executable, "manage.py", "ingest_worker"])
        return name

    def start_celery(self) -> None:
        name = "celery"
        self.spawn(name, celery_worker(f"soak-{name}@%h"))

    def start_beat(self) -> None:
        # The beat schedule re-drives inbox rows nobody processed (settings.CELERY_BEAT_SCHEDULE).
        schedule = self.folder / "beat-schedule"
        args = ["-A", "proximeter", "beat", "--loglevel", "INFO", "--schedule", str(schedule)]
        self.spawn("beat", [str(BIN / "celery"), *args])

    def shutdown(self) -> None:
        # The workers first, all at once, while what they use still answers: they stop
        # within a second or two instead of retrying their connections.
        services = [name for name in ("mosquitto", "redis") if name in self.processes]
        workers = [name for name in self.processes if name not in services]
        for name in workers:
            with contextlib.suppress(ProcessLookupError):
                self.processes[name].send_signal(signal.SIGTERM)
        for name in workers:
            self.stop(name, None)
        for name in services:
            self.stop(name)
        if self.pg_started:
            self.pg_started = False
            with contextlib.suppress(subprocess.CalledProcessError):  # stopped already
                self.pg_ctl("stop", "-m", "immediate")


# --- The network server ------------------------------------------------------------


@dataclass
class Attempt:
    at: float  # time.time() when the answer (or error) came
    ok: bool
    retry: bool


@dataclass
class Sender:
    """Posts at `rate` per second; anything not 2xx is retried with back-off until it is.

    The uplinks in `mqtt` (index: topic and ChirpStack's JSON) are published to the
    broker at `mqtt_port` instead, QoS 1, as ChirpStack's MQTT integration does: one is
    accepted when the broker acknowledged it (PUBACK)."""

    url: str
    token: str
    rate: float
    mqtt: dict = field(default_factory=dict)
    mqtt_port: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    mqtt_statuses: Counter = field(default_factory=Counter)
    accepted: set = field(default_factory=set)  # indexes of the posts
    given_up: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publisher(self):
        """ChirpStack's side of the broker: one connection for all sender threads."""
        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion

        client = paho.Client(CallbackAPIVersion.VERSION2, client_id="proxsoak-chirpstack")
        client.max_inflight_messages_set(100)
        client.connect("127.0.0.1", self.mqtt_port)
        client.loop_start()
        return client

    def publish(self, client, index: int) -> str:
        """PUBACK, or why not (the uplink is then published again, as ChirpStack would)."""
        topic, body = self.mqtt[index]
        try:
            message = client.publish(topic, body, qos=1)
            message.wait_for_publish(timeout=REQUEST_TIMEOUT)
        except (RuntimeError, ValueError) as error:
            return type(error).__name__
        return "PUBACK" if message.is_published() else "no PUBACK"

    def run(self, posts: list) -> None:
        client = self.publisher() if self.mqtt else None
        try:
            self.send(posts, client)
        finally:
            if client is not None:
                client.disconnect()
                client.loop_stop()

    def send(self, posts: list, client) -> None:
        start = time.time() + 0.5
        # (due time, sequence, post index, attempts so far)
        due = [(start + index / self.rate, index, index, 0) for index in range(len(posts))]
        heapq.heapify(due)
        in_flight = [0]
        wake = threading.Condition(self.lock)
        sequence = [len(posts)]

        def next_job():
            with wake:
                while True:
                    if not due and not in_flight[0]:
                        return None
                    if due and due[0][0] <= time.time():
                        in_flight[0] += 1
                        return heapq.heappop(due)
                    wake.wait(timeout=max(0.001, due[0][0] - time.time()) if due else 0.5)

        def sender_thread():
            session = requests.Session()
            headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
            while (job := next_job()) is not None:
                _due, _sequence, index, tries = job
                post = posts[index]
                if index in self.mqtt:
                    status = self.publish(client, index)
                    ok = status == "PUBACK"
                else:
                    try:
                        status = session.post(
                            self.url + post.path,
                            data=post.body,
                            headers=headers,
                            timeout=REQUEST_TIMEOUT,
                        ).status_code
                    except requests.RequestException as error:
                        status = type(error).__name__
                        session = requests.Session()  # the old connection may be half dead
                    ok = status in (200, 202)
                with wake:
                    (self.mqtt_statuses if index in self.mqtt else self.statuses)[status] += 1
                    self.attempts.append(Attempt(time.time(), ok, tries > 0))
                    if ok:
                        self.accepted.add(index)
                    elif tries + 1 >= MAX_TRIES:
                        self.given_up.add(index)
                    else:
                        backoff = min(MAX_BACKOFF, 0.5 * 2**tries)
                        sequence[0] += 1
                        heapq.heappush(due, (time.time() + backoff, sequence[0], index, tries + 1))
                    in_flight[0] -= 1
                    wake.notify_all()

        # Daemons: on Ctrl-C or SIGTERM the run stops without waiting for their retries.
        threads = [
            threading.Thread(target=sender_thread, daemon=True) for _ in range(SENDER_THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


# --- Watching the inbox ------------------------------------------------------------


@dataclass
class Sample:
    at: float
    pending: int | None  # None: the database did not answer
    oldest_pending: float | None  # accepted_at of the oldest pending row (Unix seconds)


class InboxWatcher(threading.Thread):
    """Samples the inbox backlog every half second, through its own short connections."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        self.database_url = database_url
        self.samples: list[Sample] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.samples.append(self.sample())
            self.stopping.wait(SAMPLE_EVERY)

    def sample(self) -> Sample:
        try:
            with psycopg.connect(self.database_url, connect_timeout=2) as connection:
                pending, oldest = connection.execute(
                    "SELECT count(*), extract(epoch FROM min(accepted_at)) "
                    "FROM ingestion_inboxuplink WHERE status = 'pending'"
                ).fetchone()
            return Sample(time.time(), pending, float(oldest) if oldest is not None else None)
        except psycopg.Error:
            return Sample(time.time(), None, None)


# --- Faults ------------------------------------------------------------------------


@dataclass
class Fault:
    name: str
    started: float = 0.0
    ended: float = 0.0  # the service is back (or replaced)
    note: str = ""
    log_sizes: dict[str, int] = field(default_factory=dict)  # workers' logs when it ended


def restart_redis(services: Services, fault: Fault, down_seconds: float) -> None:
    services.stop("redis")
    time.sleep(down_seconds)
    services.start_redis()
    fault.note = f"down {down_seconds:.0f} s, its queue lost: no persistence"


def busy(services: Services, worker: str) -> bool:
    """The worker's last log line is a task it received and has not finished."""
    lines = (services.folder / f"{worker}.log").read_text(errors="replace").splitlines()
    return bool(lines) and "received" in lines[-1]


def kill_worker(services: Services, fault: Fault, down_seconds: float) -> None:
    victim = next(name for name in services.workers if name in services.processes)
    KILLED.add(victim)
    fault.started = time.time()
    services.stop(victim, signal.SIGKILL)
    time.sleep(down_seconds)  # a supervisor's restart delay
    fault.note = f"SIGKILL {victim}, {services.start_worker()} started {down_seconds:.0f} s later"


def stop_postgres(services: Services, fault: Fault, down_seconds: float) -> None:
    services.pg_ctl("stop", "-m", "fast")
    time.sleep(down_seconds)
    services.pg_ctl("start")
    fault.note = f"pg_ctl stop -m fast, started {down_seconds:.0f} s later"


# --- The worker host: its metrics over the link, and how it came back -------------


@dataclass
class Scrape:
    at: float
    series: int  # samples in the answer
    records_stored: float  # by the worker host's ingest worker
    mqtt_messages: float  # taken by its MQTT consumer


def scrape(services: Services, timeout: float = 2.0) -> Scrape | None:
    """The worker host's /metrics, fetched over the link (None: no answer)."""
    try:
        response = requests.get(services.metrics_url(), timeout=timeout)
    except requests.RequestException:
        return None
    if response.status_code != 200:
        return None
    samples = [line for line in response.text.splitlines() if line and not line.startswith("#")]

    def total(name: str, *labels: str) -> float:
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in samples
            if re.match(rf"{name}[ {{]", line) and all(label in line for label in labels)
        )

    return Scrape(
        time.time(),
        len(samples),
        total("proximeter_ingest_records_total", 'outcome="stored"'),
        total("proximeter_ingest_mqtt_messages_total"),
    )


@dataclass
class HostCut:
    """What the worker host did around its cut (times are time.time())."""

    before: Scrape | None = None
    during: Scrape | None = None
    cut: float = 0.0
    restored: float = 0.0
    first_scrape: Scrape | None = None  # the first answer once the link is back
    ingest_stored: float | None = None  # its ingest worker stored records again
    celery_lost: float | None = None  # its Celery worker said the broker connection was lost
    celery_log_offset: int = 0
    # Probe tasks on the queue only the worker host's Celery worker reads: (sent, result).
    probe_before: tuple | None = None
    probe_during: tuple | None = None
    probes_after: list = field(default_factory=list)
    answered: dict = field(default_factory=dict)  # task id: when its result was seen
    stop: threading.Event = field(default_factory=threading.Event)
    follower: threading.Thread | None = None

    def answered_at(self, probe: tuple | None) -> float | None:
        return None if probe is None else self.answered.get(probe[1].id)

    def celery_resumed(self) -> float | None:
        """When the first probe sent after the link was back came back."""
        return min(filter(None, map(self.answered_at, self.probes_after)), default=None)


HOST_CUT = HostCut()
HOST_QUEUE = "soak-worker-host"  # read by the worker host's Celery worker only
PROBE_EVERY = 2.0


def probe_celery() -> tuple:
    """A harmless task (the re-drive) for the worker host's Celery worker alone."""
    from proximeter.celery import app

    return time.time(), app.send_task("ingestion.inbox_redrive", queue=HOST_QUEUE)


def look_at_probes(watch: HostCut) -> None:
    for probe in [watch.probe_before, watch.probe_during, *watch.probes_after]:
        if probe is not None and probe[1].id not in watch.answered and probe[1].ready():
            watch.answered[probe[1].id] = time.time()


def follow_host(services: Services, watch: HostCut) -> None:
    """Every half second once the link is back: a scrape over it, the probes, the Celery
    worker's log; a new probe every two seconds until one comes back. Until `stop`."""
    celery_log = services.folder / "host-celery.log"
    before = watch.before.records_stored if watch.before else float("inf")
    while not watch.stop.is_set():
        now = scrape(services, timeout=1.0)
        if now is not None:
            watch.first_scrape = watch.first_scrape or now
            if watch.ingest_stored is None and now.records_stored > before:
                watch.ingest_stored = now.at
        last = watch.probes_after[-1][0] if watch.probes_after else 0.0
        try:  # Redis on this side (results) may be going away with the run
            look_at_probes(watch)
            if watch.celery_resumed() is None and time.time() - last >= PROBE_EVERY:
                watch.probes_after.append(probe_celery())
        except Exception as error:  # the next round tries again
            log(f"worker host probe: {type(error).__name__}")
        with open(celery_log, "rb") as lines:
            lines.seek(watch.celery_log_offset)
            text = lines.read().decode(errors="replace")
        if watch.celery_lost is None and "Connection to broker lost" in text:
            watch.celery_lost = time.time()
        watch.stop.wait(SAMPLE_EVERY)


def cut_host(services: Services, fault: Fault, down_seconds: float) -> None:
    host, watch = services.host, HOST_CUT
    watch.before = scrape(services)
    watch.probe_before = probe_celery()
    with contextlib.suppress(Exception):  # None: the worker host's Celery worker is not there
        watch.probe_before[1].get(timeout=10, propagate=False)
    look_at_probes(watch)
    watch.celery_log_offset = (services.folder / "host-celery.log").stat().st_size
    fault.started = watch.cut = time.time()
    host.cut()
    time.sleep(down_seconds / 2)
    watch.during = scrape(services)  # no answer, or the link was not cut
    watch.probe_during = probe_celery()
    time.sleep(max(0.0, watch.cut + down_seconds - time.time()))
    host.restore()
    watch.restored = time.time()
    fault.note = f"`ip link set {host.outside} down`, up {down_seconds:.0f} s later"
    watch.follower = threading.Thread(target=follow_host, args=(services, watch), daemon=True)
    watch.follower.start()


# name: (what the tables call it, the action, seconds down), in the order they run
FAULTS = {
    "redis": ("Redis stopped and started", restart_redis, 10),
    "worker-kill": ("ingest worker SIGKILL", kill_worker, 3),
    "postgres": ("PostgreSQL stopped", stop_postgres, 30),
    "host-cut": ("worker host cut off", cut_host, 20),
}


def inject_faults(
    services: Services, seconds: float, faults: list[Fault], chosen: list[str], cut: float
) -> None:
    """The chosen faults spread over the load: the first at 15 %, the last at most at 75 %,
    each only once the one before is over."""
    started = time.time()
    for number, key in enumerate(chosen):
        name, action, down_seconds = FAULTS[key]
        if key == "host-cut":
            down_seconds = cut
        share = 0.15 + 0.75 * number / len(chosen)
        time.sleep(max(0.0, started + share * seconds - time.time()))
        fault = Fault(name, started=time.time())
        log(f"fault: {name}")
        action(services, fault, down_seconds)
        fault.ended = time.time()
        # The workers running once it is over (each must still run at the end).
        fault.log_sizes = {
            name: services.processes[name].pid
            for name in [*services.workers, *services.host_workers]
            if name in services.processes
        }
        faults.append(fault)
        log(f"  back after {fault.ended - fault.started:.1f} s ({fault.note})")


# --- Simulated traffic and what it should leave behind -----------------------------


def traffic(uplinks_wanted: int, seed: int, device_count: int):
    """Enough simulated uplinks (devices registered first), and the records they carry."""
    from django.utils import timezone

    from simulation.simulator import devices_from_assets, generate, posts_for, uplinks_for

    devices = devices_from_assets(device_count, create_missing=True)
    end = timezone.now() - timedelta(hours=1)
    # A working day of 2,000 devices is about 9,000 uplinks; stay well inside the retention.
    # Fewer devices, or a weekend (hardly anyone meets), take more days.
    days = min(10, max(1, uplinks_wanted // (3 * device_count) + 1))
    while True:
        meetings = generate(devices, days=days, end=end, seed=seed)
        uplinks = uplinks_for(devices, meetings, seed=seed, end=end)[-uplinks_wanted:]
        if len(uplinks) >= uplinks_wanted or days >= 10:
            break
        days += 1
    return posts_for(uplinks), days, len(devices)


def mqtt_share(posts: list, share: float, seed: int) -> dict[int, tuple[str, bytes]]:
    """A share of the uplinks as ChirpStack publishes them: index → (topic, JSON body)."""
    from simulation import bodies
    from simulation.simulator import body_for

    application = bodies.CHIRPSTACK_APPLICATION[0]
    draw = random.Random(f"{seed}:mqtt")
    chosen = [index for index in range(len(posts)) if draw.random() < share]
    return {
        index: (
            f"application/{application}/device/{posts[index].uplink.device.dev_eui.lower()}"
            "/event/up",
            bodies.to_json(body_for(posts[index].uplink, fmt="chirpstack")),
        )
        for index in chosen
    }


def inbox_count(database_url: str, integration: str) -> int | None:
    try:
        with psycopg.connect(database_url, connect_timeout=2) as connection:
            return connection.execute(
                "SELECT count(*) FROM ingestion_inboxuplink WHERE integration = %s",
                (integration,),
            ).fetchone()[0]
    except psycopg.Error:
        return None


def consumer_resumed(database_url: str, after: float) -> float | None:
    """When the worker host's consumer first put an uplink in the inbox after `after`."""
    with psycopg.connect(database_url) as connection:
        first = connection.execute(
            "SELECT extract(epoch FROM min(accepted_at)) FROM ingestion_inboxuplink "
            "WHERE integration = 'chirpstack' AND accepted_at >= to_timestamp(%s)",
            (after,),
        ).fetchone()[0]
    return None if first is None else float(first)


def expected_records(posts: list, accepted: set) -> set:
    """(my_tag, ref_tag, started_at, slots) of accepted uplinks; a repeat keeps the most slots."""
    largest: dict[tuple, int] = {}
    for index in accepted:
        uplink = posts[index].uplink
        for record in uplink.records:
            key = (uplink.device.tag_id, record.ref_tag, record.start)
            largest[key] = max(record.slots, largest.get(key, 0))
    return {(*key, slots) for key, slots in largest.items()}


def stored_records(database_url: str) -> tuple[list[tuple], int]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT my_tag, ref_tag, extract(epoch FROM started_at)::bigint, slots "
            "FROM tracing_encounter"
        ).fetchall()
        dead_letters = connection.execute("SELECT count(*) FROM ingestion_deadletter").fetchone()
    return [tuple(int(v) for v in row) for row in rows], dead_letters[0]


# --- Figures -----------------------------------------------------------------------


def per_second(attempts: list[Attempt], start: float, end: float) -> float:
    accepted = sum(1 for a in attempts if a.ok and start <= a.at < end)
    return accepted / max(end - start, 1e-9)


def first_ok_after(attempts: list[Attempt], moment: float) -> float | None:
    return min((a.at for a in attempts if a.ok and a.at >= moment), default=None)


def last_failure(attempts: list[Attempt], start: float, end: float) -> float | None:
    return max((a.at for a in attempts if not a.ok and start <= a.at < end), default=None)


def drained_at(samples: list[Sample], fault: Fault) -> float | None:
    """First sample after the fault with no row accepted before its end still pending."""
    for sample in samples:
        if sample.at < fault.ended or sample.pending is None:
            continue
        if sample.oldest_pending is None or sample.oldest_pending > fault.ended:
            return sample.at
    return None


def seconds_after(moment: float | None, origin: float) -> str:
    return "never" if moment is None else f"{moment - origin:.1f} s"


# Workers the soak killed itself (a later fault): they count as having come through earlier ones.
KILLED: set[str] = set()


def kept_working(folder: Path, fault: Fault) -> list[str]:
    """Workers running after the fault that still run at the end (or that a later fault
    killed): they came through it by themselves (the inbox drained, which the run checks)."""
    working = []
    for name, pid in fault.log_sizes.items():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            if name not in KILLED:
                continue
        working.append(name)
    return working


def fault_rows(
    sender: Sender, samples: list[Sample], faults: list[Fault], folder: Path
) -> list[str]:
    """Per fault: what the network server saw, and when the portal had caught up."""
    lines = [
        "| fault | at | service back after | accepted/s from 5 s before to 5 s after "
        "| failed answers | last failure | first 2xx once back | backlog of before it drained "
        "| workers that finished tasks after it |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    origin = sender.attempts[0].at if sender.attempts else 0.0
    for number, fault in enumerate(faults):
        window_start, window_end = fault.started - 5, fault.ended + 5
        # Failures until the service is back, and retries failing shortly after (up to
        # 30 s, and not into the next fault).
        until = fault.ended + 30
        if number + 1 < len(faults):
            until = min(until, faults[number + 1].started)
        failures = [a for a in sender.attempts if not a.ok and fault.started <= a.at < until]
        last = last_failure(sender.attempts, fault.started, until)
        lines.append(
            f"| {fault.name} ({fault.note}) | {fault.started - origin:.0f} s "
            f"| {fault.ended - fault.started:.1f} s "
            f"| {per_second(sender.attempts, window_start, window_end):.0f} | {len(failures)} "
            f"| {'none' if last is None else seconds_after(last, fault.started)} "
            f"| {seconds_after(first_ok_after(sender.attempts, fault.ended), fault.ended)} "
            f"| {seconds_after(drained_at(samples, fault), fault.ended)} "
            f"| {', '.join(kept_working(folder, fault)) or 'none'} |"
        )
    return lines


def timeline(sender: Sender, samples: list[Sample], bucket: float = 10.0) -> list[str]:
    """Accepted uplinks per second and backlog, in buckets of ten seconds."""
    if not sender.attempts:
        return []
    origin = sender.attempts[0].at
    last = max(a.at for a in sender.attempts)
    lines = [
        "| seconds | accepted/s | failed attempts | inbox pending (max) |",
        "|---|---|---|---|",
    ]
    start = origin
    while start <= last:
        end = start + bucket
        failed = sum(1 for a in sender.attempts if not a.ok and start <= a.at < end)
        pending = [s.pending for s in samples if start <= s.at < end and s.pending is not None]
        lines.append(
            f"| {start - origin:.0f} to {end - origin:.0f} "
            f"| {per_second(sender.attempts, start, end):.0f} | {failed} "
            f"| {max(pending) if pending else 'no answer'} |"
        )
        start = end
    return lines


def write_doc(text: str) -> None:
    if not DOC.exists():
        DOC.write_text(f"# Reliability\n\n{BEGIN}\n{END}\n")
    current = DOC.read_text()
    if BEGIN not in current or END not in current:
        current = current.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    head, rest = current.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


# --- The run -----------------------------------------------------------------------


def host_rows(services: Services, sender: Sender, database_url: str) -> list[str]:
    """The worker host: what ran there, its metrics over the link, how it came back."""
    host, watch = services.host, HOST_CUT
    published = sum(sender.mqtt_statuses.values())
    acked = sender.mqtt_statuses["PUBACK"]
    others = ", ".join(
        f"{k}: {v}" for k, v in sorted(sender.mqtt_statuses.items()) if k != "PUBACK"
    )
    rows = [
        "| worker host | value |",
        "|---|---|",
        f"| where | network namespace `{host.name}`, {host.address} on a veth link to "
        f"{host.gateway} (PostgreSQL, Redis and Mosquitto listen there too) |",
        f"| what runs there | {', '.join(services.host_workers)} "
        "(ingest worker, Celery worker, `manage.py mqtt_consume`) |",
        f"| MQTT (QoS 1, ChirpStack's JSON) | {published} publications of "
        f"{len(sender.mqtt)} uplinks, {acked} PUBACK{f' ({others})' if others else ''}; "
        f"{inbox_count(database_url, 'chirpstack')} in the inbox |",
    ]
    if not watch.restored:
        return [*rows, f"| metrics over the link | {describe(watch.before or scrape(services))} |"]
    watch.stop.set()
    if watch.follower is not None:
        watch.follower.join()
    look_at_probes(watch)
    resumed = consumer_resumed(database_url, watch.restored)
    probes = [watch.probe_before, watch.probe_during, *watch.probes_after]
    unanswered = sum(1 for probe in probes if watch.answered_at(probe) is None)
    rows += [
        f"| link cut | {watch.restored - watch.cut:.1f} s (`ip link set {host.outside} down`) |",
        f"| metrics over the link (`{services.metrics_url()}`) | before the cut: "
        f"{describe(watch.before)}; during: {describe(watch.during)}; after: "
        f"{describe(watch.first_scrape)}, "
        f"{seconds_after(watch.first_scrape and watch.first_scrape.at, watch.restored)} "
        "after the link was back |",
        "| its ingest worker stored records again | "
        f"{seconds_after(watch.ingest_stored, watch.restored)} after the link was back |",
        "| its MQTT consumer put an uplink in the inbox again | "
        f"{seconds_after(resumed, watch.restored)} after the link was back |",
        "| its Celery worker (probe tasks on a queue only it reads) | before the cut: "
        f"{'answered' if watch.answered_at(watch.probe_before) else 'no answer'}; "
        "the probe sent during the cut: answered "
        f"{seconds_after(watch.answered_at(watch.probe_during), watch.restored)} after the "
        "link was back; the first probe sent after it came back answered "
        f"{seconds_after(watch.celery_resumed(), watch.restored)} after; "
        f"{unanswered} of {len(probes)} probes never answered; 'Connection to broker "
        f"lost' in its log {seconds_after(watch.celery_lost, watch.restored)} after |",
    ]
    return rows


def describe(answer: Scrape | None) -> str:
    if answer is None:
        return "no answer"
    return (
        f"200, {answer.series} samples ({answer.records_stored:.0f} records stored, "
        f"{answer.mqtt_messages:.0f} MQTT messages taken)"
    )


def command_line(args: argparse.Namespace) -> str:
    words = [f"--seconds {args.seconds:.0f}", f"--rate {args.rate:.0f}"]
    if args.faults != list(FAULTS):
        words.append(f"--faults {','.join(args.faults)}")
    if args.devices != DEVICES:
        words.append(f"--devices {args.devices}")
    if args.mqtt_share != MQTT_SHARE:
        words.append(f"--mqtt-share {args.mqtt_share:g}")
    return f"`bench/soak.py {' '.join(words)}`"


def run(args: argparse.Namespace, services: Services) -> bool:
    load_before = os.getloadavg()[0]
    started = time.time()
    log(f"private services in {services.folder}")
    services.start_postgres()
    services.start_redis()
    if services.host:
        services.start_mosquitto()
    os.environ.update(services.env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from ingestion.services import ingest_token_create

    call_command("migrate_all", verbosity=0)
    wanted = int(args.rate * args.seconds)
    posts, days, devices = traffic(wanted, args.seed, args.devices)
    mqtt = mqtt_share(posts, args.mqtt_share, args.seed) if services.host else {}
    token = ingest_token_create(name="soak")
    from django.db import connections

    connections.close_all()  # this process reads through psycopg from here on
    log(f"{len(posts)} uplinks of {devices} devices over {days} simulated days")

    services.start_web(wait=False)  # the processes start side by side
    for _ in range(args.workers):
        services.start_worker()
    services.start_celery()
    services.start_beat()
    if services.host:
        services.start_worker_host()
        log(f"worker host {services.host.name}: {', '.join(services.host_workers)}")
    wait_for(services.web_answers, timeout=60, what="gunicorn")

    encounters_url = services.database_url("encounters")
    watcher = InboxWatcher(encounters_url)
    watcher.start()
    sender = Sender(services.url, token, args.rate, mqtt=mqtt, mqtt_port=services.mqtt_port)
    faults: list[Fault] = []
    injector = threading.Thread(
        target=inject_faults,
        args=(services, len(posts) / args.rate, faults, args.faults, args.cut_seconds),
        daemon=True,
    )
    log(
        f"sending at {args.rate:.0f} uplinks/s for {len(posts) / args.rate:.0f} s "
        f"({len(mqtt)} over MQTT)"
    )
    load_started = time.time()
    injector.start()
    sender.run(posts)
    injector.join()
    load_seconds = time.time() - load_started
    log(f"{len(sender.accepted)} uplinks accepted in {load_seconds:.0f} s; waiting for the inbox")

    spools = [services.folder / "data" / "spool", services.folder / "worker-host-data" / "spool"]
    mqtt_accepted = len(sender.accepted & set(mqtt))

    def drained():
        sample = watcher.sample()
        return (
            sample.pending == 0
            and not any(any(spool.glob("*.uplink.json")) for spool in spools)
            and (not mqtt or (inbox_count(encounters_url, "chirpstack") or 0) >= mqtt_accepted)
            and sample
        )

    wait_for(
        drained,
        timeout=max(DRAIN_MIN_SECONDS, len(posts) / DRAIN_UPLINKS_PER_SECOND),
        what="the inbox to drain",
        interval=1,
    )
    drained_seconds = time.time() - load_started
    watcher.stopping.set()
    watcher.join()

    expected = expected_records(posts, sender.accepted)
    rows, dead_letters = stored_records(encounters_url)
    stored = set(rows)
    duplicates = len(rows) - len({row[:3] for row in rows})
    lost = len(expected - stored)
    unexpected = len(stored - expected)
    health = requests.get(f"{services.url}/healthz", timeout=10)
    retries = sum(1 for a in sender.attempts if a.retry)
    answers = ", ".join(f"{k}: {v}" for k, v in sorted(sender.statuses.items(), key=str))
    host_table = host_rows(services, sender, encounters_url) if services.host else []
    mqtt_acked = sender.mqtt_statuses["PUBACK"]

    summary = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} CPUs, {platform.platform(terse=True)}; load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after: shared with other work), "
        f"{command_line(args)}, {time.time() - started:.0f} s in all.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| offered | {args.rate:.0f} uplinks/s ({len(posts)} uplinks of {devices} devices"
        f"{f', {len(mqtt)} of them over MQTT' if mqtt else ''}) |",
        f"| held | {len(sender.accepted) / load_seconds:.0f} uplinks/s accepted, "
        f"{len(sender.attempts) / load_seconds:.0f} requests/s over {load_seconds:.0f} s |",
        f"| answers | {answers} |",
        f"| retries by the sender | {retries} (gave up on {len(sender.given_up)} uplinks) |",
        f"| inbox drained | {drained_seconds:.0f} s after the load started "
        f"({len(posts) / drained_seconds:.0f} uplinks/s processed on average) |",
        f"| encounter records expected | {len(expected)} |",
        f"| stored | {len(rows)} |",
        f"| lost | {lost} |",
        f"| duplicates | {duplicates} |",
        f"| stored but never sent, or other content | {unexpected} |",
        f"| dead letters | {dead_letters} |",
        f"| /healthz afterwards | {health.status_code} |",
        "",
        *fault_rows(sender, watcher.samples, faults, services.folder),
        "",
        *([*host_table, ""] if host_table else []),
        *timeline(sender, watcher.samples),
    ]
    non_2xx = sum(count for status, count in sender.statuses.items() if status not in (200, 202))
    answers_row = next(n for n, line in enumerate(summary) if line.startswith("| answers |"))
    summary.insert(
        answers_row + 1,
        f"| answers other than 2xx (each a lost uplink for a real network server) | {non_2xx} |",
    )
    text = "\n".join(summary)
    print(text)
    cut_seen = "host-cut" not in args.faults or (
        HOST_CUT.before is not None
        and HOST_CUT.during is None
        and HOST_CUT.first_scrape is not None
    )
    passed = (
        non_2xx == 0
        and lost == 0
        and duplicates == 0
        and unexpected == 0
        and dead_letters == 0
        and health.status_code == 200
        and len(sender.accepted) == len(posts)
        and mqtt_acked >= len(mqtt)
        and len(faults) == len(args.faults)
        and all(kept_working(services.folder, f) == list(f.log_sizes) for f in faults)
        and cut_seen
    )
    text += f"\n\nResult: {'PASSED' if passed else 'FAILED'}."
    if args.write_doc:
        write_doc(text)
        log(f"written to {DOC.relative_to(ROOT)}")
    return passed


DEVICES = 2000
MQTT_SHARE = 0.1


def fault_list(text: str) -> list[str]:
    chosen = [word.strip() for word in text.split(",") if word.strip()]
    unknown = [word for word in chosen if word not in FAULTS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"{', '.join(unknown) or 'none'}: choose from {', '.join(FAULTS)}"
        )
    return [key for key in FAULTS if key in chosen]  # in the order they run


def minimum_seconds(faults: list[str], cut: float) -> float:
    """The load must hold the faults. Several: at least 90 s (120 with the cut), or a
    worker is killed before it could show it reconnected after the Redis restart; one
    alone: its outage and as long again to show the recovery under load."""
    if len(faults) > 1:
        return 120 if "host-cut" in faults else MIN_SECONDS
    down = cut if faults[0] == "host-cut" else FAULTS[faults[0]][2]
    return 2 * down


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120, help="length of the load")
    parser.add_argument("--rate", type=float, default=100, help="new uplinks per second")
    parser.add_argument("--workers", type=int, default=2, help="ingest worker processes")
    parser.add_argument(
        "--faults",
        type=fault_list,
        default=list(FAULTS),
        help=f"comma-separated, from {','.join(FAULTS)} (default: all)",
    )
    parser.add_argument(
        "--devices", type=int, default=DEVICES, help="simulated devices (default 2000)"
    )
    parser.add_argument(
        "--mqtt-share",
        type=float,
        default=MQTT_SHARE,
        help="share of uplinks published over MQTT to the worker host's consumer (0.1)",
    )
    parser.add_argument(
        "--cut-seconds", type=float, default=20, help="how long the worker host is cut off"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the folder (logs) afterwards")
    parser.add_argument(
        "--no-doc", dest="write_doc", action="store_false", help="do not update the doc"
    )
    args = parser.parse_args()
    explicit_faults = any(arg.startswith("--faults") for arg in sys.argv[1:])
    host = None
    why = WorkerHost.unavailable()
    if why is None:
        host = WorkerHost()
    elif explicit_faults and "host-cut" in args.faults:
        parser.error(f"no worker host for host-cut: {why}")
    else:
        log(f"no worker host (its namespace, MQTT and the host-cut fault skipped): {why}")
        args.faults = [key for key in args.faults if key != "host-cut"]
    minimum = minimum_seconds(args.faults, args.cut_seconds)
    if args.seconds < minimum:
        # The faults are spread over the load; packed closer, a worker is killed before it
        # could show it reconnected after the Redis restart, and the run cannot pass.
        parser.error(f"--seconds must be at least {minimum:.0f} for these faults")

    folder = Path(tempfile.mkdtemp(prefix="proximeter-soak-"))
    if host is not None:
        try:
            host.__enter__()
        except NetnsUnavailable as error:
            parser.error(str(error))
    services = Services(folder, host)

    def clean_up() -> None:
        services.shutdown()
        if host is not None:
            host.close()
        if args.keep:
            # The logs stay for a post-mortem; the databases go (but PostgreSQL's log).
            pg_log = folder / "pg" / "postgres.log"
            if pg_log.exists():
                shutil.copy(pg_log, folder / "postgres.log")
            shutil.rmtree(folder / "pg", ignore_errors=True)
            log(f"logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(clean_up)
    # SIGTERM (e.g. a CI timeout) unwinds through the finally below like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        passed = run(args, services)
    except Exception:
        log(f"failed; the logs are in {folder}")
        args.keep = True
        raise
    finally:
        clean_up()
        atexit.unregister(clean_up)
    log("PASSED" if passed else "FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
