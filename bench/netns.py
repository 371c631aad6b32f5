"""A worker host of its own on this machine: a network namespace joined by a veth pair.

    this machine (10.231.N.1, pxh<pid>) ──veth── (pxn<pid>, 10.231.N.2) proxsoak<pid>

Processes started with `run` see only the namespace's loopback and the link, so they
reach PostgreSQL, Redis and the broker over it as a worker on another host would.
`cut` takes the link down (the host side), `restore` brings it back: what is in flight
is neither refused nor answered, as when a switch or a cable fails.

Needs root (CAP_NET_ADMIN and `ip netns`); `WorkerHost.unavailable()` says why not.
Everything is removed on the way out, also on Ctrl-C and at exit.
"""

import atexit
import os
import shutil
import subprocess
from pathlib import Path

SUBNET = "10.231.{}.0/24"


class NetnsUnavailable(RuntimeError):
    """`ip netns` cannot be used here (not root, no iproute2, a container without the right)."""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def _used_subnets() -> set[int]:
    used = set()
    for line in _ip("-4", "-o", "addr", "show").stdout.splitlines():
        for word in line.split():
            if word.startswith("10.231."):
                used.add(int(word.split(".")[2]))
    return used


class WorkerHost:
    """`with WorkerHost() as host:` a namespace with `host.address` (inside) and
    `host.gateway` (this machine's side), both /24 on a free 10.231.N.0."""

    def __init__(self, tag: int | None = None) -> None:
        self.tag = os.getpid() if tag is None else tag
        self.name = f"proxsoak{self.tag}"
        self.outside = f"pxh{self.tag}"[:15]  # interface names: 15 characters at most
        self.inside = f"pxn{self.tag}"[:15]
        self.number: int | None = None
        self.created = False
        self.is_cut = False

    @property
    def gateway(self) -> str:
        """This machine's address on the link: where the worker host finds its services."""
        return f"10.231.{self.number}.1"

    @property
    def network(self) -> str:
        return SUBNET.format(self.number)

    @property
    def address(self) -> str:
        """The worker host's address: where its metrics are scraped."""
        return f"10.231.{self.number}.2"

    @staticmethod
    def unavailable() -> str | None:
        """Why a namespace cannot be made here, or None when it can."""
        if shutil.which("ip") is None:
            return "no `ip` command (iproute2)"
        if os.geteuid() != 0:
            return "`ip netns` needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)"
        probe = f"proxprobe{os.getpid()}"
        result = _ip("netns", "add", probe, check=False)
        if result.returncode != 0:
            return f"`ip netns add` is not allowed here: {result.stderr.strip()}"
        _ip("netns", "del", probe, check=False)
        return None

    def __enter__(self) -> "WorkerHost":
        why = self.unavailable()
        if why:
            raise NetnsUnavailable(why)
        used = _used_subnets()
        self.number = next(
            n for n in [*range(self.tag % 200 + 1, 255), *range(1, 255)] if n not in used
        )
        atexit.register(self.close)
        self.created = True
        try:
            _ip("netns", "add", self.name)
            _ip("link", "add", self.outside, "type", "veth", "peer", "name", self.inside)
            _ip("link", "set", self.inside, "netns", self.name)
            _ip("addr", "add", f"{self.gateway}/24", "dev", self.outside)
            _ip("link", "set", self.outside, "up")
            # While the link is down its route goes: without this one, packets for the
            # worker host would take the default route out of the machine.
            _ip("route", "add", "blackhole", self.network, "metric", "4096")
            self.exec_ip("addr", "add", f"{self.address}/24", "dev", self.inside)
            self.exec_ip("link", "set", self.inside, "up")
            self.exec_ip("link", "set", "lo", "up")
        except subprocess.CalledProcessError as error:
            self.close()
            raise NetnsUnavailable(
                f"could not set up {self.name}: {error.stderr.strip()}"
            ) from error
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def exec_ip(self, *args: str) -> None:
        subprocess.run(
            ["ip", "netns", "exec", self.name, "ip", *args], check=True, capture_output=True
        )

    def run(self, args: list[str], *, env: dict, cwd: Path, log: Path) -> subprocess.Popen:
        """Start `args` inside the namespace (its PID is the command's: `ip netns exec` execs)."""
        output = open(log, "ab")  # noqa: SIM115  (closed with the process)
        return subprocess.Popen(
            ["ip", "netns", "exec", self.name, *map(str, args)],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )

    def cut(self) -> None:
        """The link goes dead: nothing passes either way, nothing is refused."""
        _ip("link", "set", self.outside, "down")
        self.is_cut = True

    def restore(self) -> None:
        _ip("link", "set", self.outside, "up")
        self.is_cut = False

    def close(self) -> None:
        """Remove the link and the namespace (stop the processes inside first)."""
        if not self.created:
            return
        self.created = False
        atexit.unregister(self.close)
        _ip("link", "del", self.outside, check=False)  # its peer goes with it
        _ip("route", "del", "blackhole", self.network, "metric", "4096", check=False)
        _ip("netns", "del", self.name, check=False)
