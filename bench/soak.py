"""Sustained webhook load while Redis, an ingest worker and PostgreSQL fail under it.

`make soak` (or `.venv/bin/python bench/soak.py --seconds 120 --rate 100`):

1. starts a private PostgreSQL cluster, a private Redis, gunicorn (the flags of
   scripts/serve.sh), two ingest workers, a Celery worker and Celery beat, all on free
   ports in a temporary folder, so the machine's own services are never touched;
2. registers simulated devices and posts the simulator's uplinks over HTTP at a
   steady rate, like a network server; a real one never retries, so the run passes only
   with no answer but 2xx (this sender retries anyway, to count what would be lost);
3. during the load: Redis stopped and started, an ingest worker killed with SIGKILL (a
   new one started, as a supervisor would), PostgreSQL stopped for 30 s and started;
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
import shutil
import signal
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


class Services:
    """PostgreSQL, Redis, gunicorn, workers and beat of this run, in one temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pg_data = folder / "pg"
        self.pg_port, self.redis_port, self.web_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.workers: list[str] = []
        self.pg_started = False
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

    def database_url(self, alias: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/soak_{alias}"

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        output = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
        )
        self.processes[name] = process
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
        self.pg_ctl("start")
        self.pg_started = True
        with psycopg.connect(self.admin_url(), autocommit=True) as connection:
            for alias in ALIASES.values():
                connection.execute(f'CREATE DATABASE "soak_{alias}"')

    def as_pg_owner(self, args: list) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True)

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -k {self.pg_data}"
        log_file = self.pg_data / "postgres.log"
        command = [PG_BIN / "pg_ctl", "-D", self.pg_data, "-o", options, "-l", log_file]
        self.as_pg_owner([*command, "-w", "-t", "60", *args])

    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/postgres"

    # Redis
    def start_redis(self) -> None:
        # No persistence, as a cache-sized Redis often runs: a restart loses the queue.
        self.spawn("redis", redis_command(self.redis_port))
        wait_for(lambda: redis_answers(self.redis_port), timeout=10, what="redis")

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    # The portal
    def start_web(self) -> None:
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
        wait_for(self.web_answers, timeout=60, what="gunicorn")

    def web_answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503)
        except requests.RequestException:
            return False

    def start_worker(self) -> str:
        """An ingest worker (manage.py ingest_worker): the inbox in batches, and the spool."""
        name = f"ingest{len(self.workers) + 1}"
        self.workers.append(name)
        self.spawn(name, [sys.executable, "manage.py", "ingest_worker"])
        return name

    def start_celery(self) -> None:
        name = "celery"
        self.spawn(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "proximeter",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"soak-{name}@%h",
            ],
        )

    def start_beat(self) -> None:
        # The beat schedule re-drives inbox rows nobody processed (settings.CELERY_BEAT_SCHEDULE).
        schedule = self.folder / "beat-schedule"
        args = ["-A", "proximeter", "beat", "--loglevel", "INFO", "--schedule", str(schedule)]
        self.spawn("beat", [str(BIN / "celery"), *args])

    def shutdown(self) -> None:
        for name in list(self.processes):
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
    """Posts at `rate` per second; anything not 2xx is retried with back-off until it is."""

    url: str
    token: str
    rate: float
    attempts: list[Attempt] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    accepted: set = field(default_factory=set)  # indexes of the posts
    given_up: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, posts: list) -> None:
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
                    self.statuses[status] += 1
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

        threads = [threading.Thread(target=sender_thread) for _ in range(SENDER_THREADS)]
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


def inject_faults(services: Services, seconds: float, faults: list[Fault]) -> None:
    plan = [
        (0.2, "Redis stopped and started", restart_redis, 10),
        (0.4, "ingest worker SIGKILL", kill_worker, 3),
        (0.6, "PostgreSQL stopped", stop_postgres, 30),
    ]
    started = time.time()
    for share, name, action, down_seconds in plan:
        time.sleep(max(0.0, started + share * seconds - time.time()))
        fault = Fault(name, started=time.time())
        log(f"fault: {name}")
        action(services, fault, down_seconds)
        fault.ended = time.time()
        # The workers running once it is over (each must still run at the end).
        fault.log_sizes = {
            name: services.processes[name].pid
            for name in services.workers
            if name in services.processes
        }
        faults.append(fault)
        log(f"  back after {fault.ended - fault.started:.1f} s ({fault.note})")


# --- Simulated traffic and what it should leave behind -----------------------------


def traffic(uplinks_wanted: int, seed: int):
    """Enough simulated uplinks (devices registered first), and the records they carry."""
    from django.utils import timezone

    from simulation.simulator import devices_from_assets, generate, posts_for, uplinks_for

    devices = devices_from_assets(2000, create_missing=True)
    end = timezone.now() - timedelta(hours=1)
    # A working day of 2,000 devices is about 9,000 uplinks; stay well inside the retention.
    days = min(10, max(1, uplinks_wanted // 6000 + 1))
    meetings = generate(devices, days=days, end=end, seed=seed)
    uplinks = uplinks_for(devices, meetings, seed=seed, end=end)[-uplinks_wanted:]
    return posts_for(uplinks), days, len(devices)


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


def run(args: argparse.Namespace, services: Services) -> bool:
    load_before = os.getloadavg()[0]
    log(f"private services in {services.folder}")
    services.start_postgres()
    services.start_redis()
    os.environ.update(services.env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from ingestion.services import ingest_token_create

    call_command("migrate_all", verbosity=0)
    wanted = int(args.rate * args.seconds)
    posts, days, devices = traffic(wanted, args.seed)
    token = ingest_token_create(name="soak")
    from django.db import connections

    connections.close_all()  # this process reads through psycopg from here on
    log(f"{len(posts)} uplinks of {devices} devices over {days} simulated days")

    services.start_web()
    for _ in range(args.workers):
        services.start_worker()
    services.start_celery()
    services.start_beat()

    encounters_url = services.database_url("encounters")
    watcher = InboxWatcher(encounters_url)
    watcher.start()
    sender = Sender(services.url, token, args.rate)
    faults: list[Fault] = []
    injector = threading.Thread(
        target=inject_faults, args=(services, len(posts) / args.rate, faults), daemon=True
    )
    log(f"sending at {args.rate:.0f} uplinks/s for {len(posts) / args.rate:.0f} s")
    load_started = time.time()
    injector.start()
    sender.run(posts)
    injector.join()
    load_seconds = time.time() - load_started
    log(f"{len(sender.accepted)} uplinks accepted in {load_seconds:.0f} s; waiting for the inbox")

    spool = services.folder / "data" / "spool"
    wait_for(
        lambda: (
            (s := watcher.sample()).pending == 0 and not list(spool.glob("*.uplink.json")) and s
        ),
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

    summary = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} CPUs, {platform.platform(terse=True)}; load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after: shared with other work), "
        f"`bench/soak.py --seconds {args.seconds:.0f} --rate {args.rate:.0f}`.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| offered | {args.rate:.0f} uplinks/s ({len(posts)} uplinks of {devices} devices) |",
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
    passed = (
        non_2xx == 0
        and lost == 0
        and duplicates == 0
        and unexpected == 0
        and dead_letters == 0
        and health.status_code == 200
        and len(sender.accepted) == len(posts)
        and len(faults) == 3
        and all(kept_working(services.folder, f) == list(f.log_sizes) for f in faults)
    )
    text += f"\n\nResult: {'PASSED' if passed else 'FAILED'}."
    if args.write_doc:
        write_doc(text)
        log(f"written to {DOC.relative_to(ROOT)}")
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120, help="length of the load")
    parser.add_argument("--rate", type=float, default=100, help="new uplinks per second")
    parser.add_argument("--workers", type=int, default=2, help="ingest worker processes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the folder (logs) afterwards")
    parser.add_argument(
        "--no-doc", dest="write_doc", action="store_false", help="do not update the doc"
    )
    args = parser.parse_args()
    if args.seconds < MIN_SECONDS:
        # The faults are spread over the load; packed closer, a worker is killed before it
        # could show it reconnected after the Redis restart, and the run cannot pass.
        parser.error(f"--seconds must be at least {MIN_SECONDS:.0f}: the faults need room")

    folder = Path(tempfile.mkdtemp(prefix="proximeter-soak-"))
    services = Services(folder)

    def clean_up() -> None:
        services.shutdown()
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
