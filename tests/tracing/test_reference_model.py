"""The trace and MY DATA against an independent model of the rules, on generated worlds.

The model below is written from the definitions (docs/user-guide/tracking.md,
"How contacts are counted"), brute force over 5-second ticks, and shares no
code with tracing/ or selfservice/:

- a tick belongs to a contact of P when some encounter record covers it, P held
  one of its two tags at that tick, and the other tag's device was held at that
  tick by the contact (or by nobody: "no holder"; or the tag is no device);
- the tick must lie in the window [from, to);
- a contact's encounters are its runs of consecutive ticks (touching records
  continue one encounter; any gap separates two);
- `encounter` policy: a run longer than 15 minutes; `daily`: that, or 15
  minutes or more in one local calendar day (Europe/Zurich, DST included);
- a trace names nobody; naming its close contacts names them and nobody else;
  naming every contact names every person met (docs/four-eyes.md).

Hypothesis builds people, devices, holdings (re-assigned, swapped, lost, never
handed out), encounters in one or both directions with jitter, duplicates and
repeats, around DST changes, midnights, window borders and the retention
edge, then asks the real API (both policies) and MY DATA.

    make model                      thousands of examples (TRACING_MODEL_EXAMPLES=5000)
    TEST_EMBEDDED=1 pytest this     the same on the embedded default (SQLite)

CI runs a smaller, fixed sample on PostgreSQL and on SQLite.
"""

import os
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.models import Device
from encounters.models import Encounter
from registration.models import Association, Person
from tests import personas
from tracing.models import Trace
from tracing.services import trace_reveal

pytestmark = pytest.mark.django_db(databases="__all__")

EXAMPLES = int(os.environ.get("TRACING_MODEL_EXAMPLES", "120"))
ZONE = ZoneInfo("Europe/Zurich")
TICK = 5  # seconds: every time below is a multiple, so ticks count exactly
SLOT = 30
THRESHOLD = 15 * 60
RETENTION = timedelta(days=14)
HOUR = 3600 // TICK  # in ticks

# Where the action happens (UTC): the spring and autumn clock changes, a local
# midnight, an ordinary afternoon.
FOCI = [
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 02:00 CET -> 03:00 CEST
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),  # 03:00 CEST -> 02:00 CET
    datetime(2026, 6, 14, 22, 0, tzinfo=UTC),  # local midnight
    datetime(2026, 12, 2, 13, 7, 5, tzinfo=UTC),
]
PEOPLE = ["1", "2", "3", "4", "5"]  # "1" is the person traced
DEVICES = {f"D-{n}": 100 + n for n in range(1, 7)}
UNKNOWN_TAGS = [901, 902]  # tags no device has
TAGS = [*DEVICES.values(), *UNKNOWN_TAGS]


@dataclass(frozen=True)
class Holding:
    device_id: str
    person_id: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Record:
    my_tag: int
    ref_tag: int
    start: datetime
    slots: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.slots * SLOT)


@dataclass(frozen=True)
class World:
    now: datetime
    holdings: list[Holding]
    records: list[Record]
    window_from: datetime
    window_to: datetime | None


# --- The world ------------------------------------------------------------------


def _overlaps(a: Holding, b: Holding) -> bool:
    far = datetime.max.replace(tzinfo=UTC)
    return a.start < (b.end or far) and b.start < (a.end or far)


@st.composite
def worlds(draw) -> World:
    focus = draw(st.sampled_from(FOCI))
    at = lambda ticks: focus + timedelta(seconds=ticks * TICK)  # noqa: E731
    # Usually shortly after the action; sometimes 14 days on, so the retention cuts it.
    now = (
        at(4 * HOUR)
        + draw(st.sampled_from([timedelta(0), RETENTION - timedelta(hours=3)]))
        + timedelta(seconds=TICK * draw(st.integers(0, 2 * HOUR)))
    )

    # Holdings: the desk never lets two overlap for a device or for a person.
    holdings: list[Holding] = []
    if draw(st.integers(0, 4)):  # mostly, the person traced had a device all along
        until = draw(st.one_of(st.none(), st.integers(-2 * HOUR, 4 * HOUR).map(at)))
        holdings.append(Holding(draw(st.sampled_from(sorted(DEVICES))), "1", at(-5 * HOUR), until))
    for _ in range(draw(st.integers(1, 12))):
        start = draw(st.integers(-4 * HOUR, 3 * HOUR))
        length = draw(st.one_of(st.none(), st.integers(1, 8 * HOUR)))
        candidate = Holding(
            draw(st.sampled_from(sorted(DEVICES))),
            # The person traced holds more often than the others: more of their encounters count.
            draw(st.sampled_from(["1", *PEOPLE])),
            at(start),
            at(start + length) if length is not None else None,
        )
        if not any(
            (h.device_id == candidate.device_id or h.person_id == candidate.person_id)
            and _overlaps(h, candidate)
            for h in holdings
        ):
            holdings.append(candidate)

    window_from = at(draw(st.integers(-5 * HOUR, 2 * HOUR)))
    window_to = draw(
        st.one_of(
            st.none(),
            st.none(),
            st.integers(1, 8 * HOUR).map(lambda n: window_from + timedelta(seconds=n * TICK)),
        )
    )
    if window_to is not None and window_to > now:
        window_to = None

    # Encounters start anywhere, or close to where the rules have edges: a local
    # midnight, a window border, a hand-over, the retention edge.
    midnight = focus.astimezone(ZONE).replace(hour=0, minute=0, second=0).astimezone(UTC)
    edges = [
        focus,
        *[midnight, midnight + timedelta(days=1)] * 3,
        window_from,
        *([window_to] if window_to else []),
        now - RETENTION,
        *[h.start for h in holdings],
        *[h.end for h in holdings if h.end],
    ]
    anywhere = st.integers(-3 * HOUR, 3 * HOUR).map(at)
    near_an_edge = st.tuples(st.sampled_from(edges), st.integers(-HOUR // 4, HOUR // 12)).map(
        lambda e: e[0] + timedelta(seconds=e[1] * TICK)
    )
    # Short, around the threshold (15 min = 30 slots; 31 to 59 cross a midnight with two halves
    # under it), long.
    slots = st.one_of(st.integers(1, 40), st.integers(28, 60), st.integers(60, 200))
    traced_tags = [DEVICES[h.device_id] for h in holdings if h.person_id == "1"]
    records: list[Record] = []
    for _ in range(draw(st.integers(0, 14))):
        # Often a device the person traced held at some time, seen from either side.
        my_tag, ref_tag = draw(
            st.lists(
                st.one_of(st.sampled_from(TAGS), st.sampled_from(traced_tags or TAGS)),
                min_size=2,
                max_size=2,
                unique=True,
            )
        )
        record = Record(my_tag, ref_tag, draw(st.one_of(anywhere, near_an_edge)), draw(slots))
        records.append(record)
        if draw(st.booleans()):  # the other device saw it too, a little off
            jitter = draw(st.integers(-12, 12))
            records.append(
                Record(
                    ref_tag,
                    my_tag,
                    record.start + timedelta(seconds=jitter * TICK),
                    max(1, record.slots + draw(st.integers(-2, 2))),
                )
            )
        if draw(st.integers(0, 3)) == 0:  # the device sent the meeting on in a second record
            records.append(Record(my_tag, ref_tag, record.end, draw(slots)))
        if draw(st.integers(0, 3)) == 0 and traced_tags:
            # Over the threshold, but across a local midnight in two halves under it.
            records.append(
                Record(
                    draw(st.sampled_from(traced_tags)),
                    ref_tag if ref_tag not in traced_tags else my_tag,
                    draw(st.sampled_from(edges[1:3])) - timedelta(minutes=draw(st.integers(1, 14))),
                    draw(st.integers(31, 58)),
                )
            )
        if draw(st.integers(0, 9)) == 0:  # delivered again, possibly grown
            records.append(
                Record(my_tag, ref_tag, record.start, record.slots + draw(st.integers(0, 3)))
            )
    return World(now, holdings, records, window_from, window_to)


def store(world: World) -> None:
    Encounter.objects.all().delete()
    Association.objects.all().delete()
    Person.objects.all().delete()
    Device.objects.all().delete()
    Person.objects.bulk_create(
        Person(person_id=p, given_name=f"Given{p}", family_name=f"Family{p}", email=f"{p}@x.org")
        for p in PEOPLE
    )
    Device.objects.bulk_create(
        Device(device_id=device_id, tag_id=tag) for device_id, tag in DEVICES.items()
    )
    Association.objects.bulk_create(
        Association(
            person_id=h.person_id,
            device_id=h.device_id,
            started_at=h.start,
            ended_at=h.end,
            end_reason="relinquished" if h.end else "",
            started_by="model",
            ended_by="model" if h.end else "",
        )
        for h in world.holdings
    )
    # As ingestion stores them: a repeat keeps the larger number of slots.
    largest: dict[tuple, int] = {}
    for r in world.records:
        key = (r.my_tag, r.ref_tag, r.start)
        largest[key] = max(largest.get(key, 0), r.slots)
    Encounter.objects.bulk_create(
        Encounter(my_tag=m, ref_tag=f, started_at=s, slots=n) for (m, f, s), n in largest.items()
    )


# --- The model ------------------------------------------------------------------


def holder_at(world: World, tag: int, t: datetime) -> tuple[str, str]:
    device = next((d for d, g in DEVICES.items() if g == tag), None)
    if device is None:
        return ("unknown_tag", str(tag))
    for h in world.holdings:
        if h.device_id == device and h.start <= t and (h.end is None or t < h.end):
            return ("person", h.person_id)
    return ("no_holder", device)


def holding_of(world: World, person: str, tag: int, t: datetime) -> Holding | None:
    for h in world.holdings:
        if (
            h.person_id == person
            and DEVICES.get(h.device_id) == tag
            and h.start <= t
            and (h.end is None or t < h.end)
        ):
            return h
    return None


def model(world: World, person: str, start: datetime, end: datetime) -> dict:
    """{contact: {"ticks": set, "cut_start": set, "cut_end": set}} for `person` in [start, end)."""
    records: dict[tuple, Record] = {}
    for r in world.records:
        key = (r.my_tag, r.ref_tag, r.start)
        if key not in records or records[key].slots < r.slots:
            records[key] = r
    found: dict = defaultdict(lambda: {"ticks": set(), "cut_start": set(), "cut_end": set()})
    step = timedelta(seconds=TICK)
    for r in records.values():
        for own, other in ((r.my_tag, r.ref_tag), (r.ref_tag, r.my_tag)):
            t = r.start
            while t < r.end:
                holding = holding_of(world, person, own, t)
                contact = holder_at(world, other, t)
                if start <= t < end and holding and contact != ("person", person):
                    found[contact]["ticks"].add(t)
                    # Cut: the record runs past where the window or the holding stops counting.
                    if r.start < t and t == max(start, holding.start):
                        found[contact]["cut_start"].add(t)
                    stop = min(end, holding.end or end)
                    if t + step == stop and r.end > stop:
                        found[contact]["cut_end"].add(stop)
                t += step
    return found


def runs(ticks: set[datetime]) -> list[tuple[datetime, datetime]]:
    step = timedelta(seconds=TICK)
    out: list[list[datetime]] = []
    for t in sorted(ticks):
        if out and out[-1][1] == t:
            out[-1][1] = t + step
        else:
            out.append([t, t + step])
    return [(a, b) for a, b in out]


def seconds(a: datetime, b: datetime) -> int:
    return int((b - a).total_seconds())


def per_day(ticks: set[datetime]) -> dict[str, int]:
    days: dict[str, int] = defaultdict(int)
    for t in ticks:
        days[t.astimezone(ZONE).date().isoformat()] += TICK
    return dict(days)


def expected_trace(world: World, policy: str, *, revealed: str) -> list[tuple]:
    end = min(world.window_to or world.now, world.now)
    start = max(world.window_from, world.now - RETENTION)
    out = []
    for (kind, value), found in model(world, "1", start, end).items():
        encounters = runs(found["ticks"])
        longest = max(seconds(a, b) for a, b in encounters)
        days = per_day(found["ticks"])
        close = longest > THRESHOLD or (
            policy == "daily" and any(s >= THRESHOLD for s in days.values())
        )
        named = kind != "person" or revealed == "all" or (revealed == "close" and close)
        out.append(
            (
                kind,
                value if named else None,
                close,
                len(found["ticks"]) * TICK,
                longest,
                tuple(sorted(days.items())),
                tuple(
                    (a, seconds(a, b), a in found["cut_start"], b in found["cut_end"])
                    for a, b in encounters
                ),
            )
        )
    return sorted(out, key=repr)


def expected_my_data(world: World) -> list[dict]:
    found = model(world, "1", world.now - RETENTION, world.now)
    encounters = [(a, seconds(a, b)) for f in found.values() for a, b in runs(f["ticks"])]
    totals: dict[str, int] = defaultdict(int)
    for f in found.values():
        for day, s in per_day(f["ticks"]).items():
            totals[day] += s
    by_day: dict[str, list] = defaultdict(list)
    for a, s in sorted(encounters):
        by_day[a.astimezone(ZONE).date().isoformat()].append((a, s, s > THRESHOLD))
    return [
        {"date": day, "total_seconds": totals[day], "encounters": by_day[day]}
        for day in sorted(set(totals) | set(by_day), reverse=True)
    ]


# --- What the portal says --------------------------------------------------------


def as_seen(contact: dict) -> tuple:
    if contact["kind"] == "person":
        identity = contact["person_id"]
        if identity is None:  # not named: nothing that could name them
            assert (contact["name"], contact["email"], contact["department"]) == (None,) * 3
    elif contact["kind"] == "no_holder":
        identity = contact["device_id"]
    else:
        identity = re.search(r"\d+", contact["name"]).group()
    return (
        contact["kind"],
        identity,
        contact["close_contact"],
        contact["total_seconds"],
        contact["longest_seconds"],
        tuple(sorted(contact["seconds_per_day"].items())),
        tuple(
            (datetime.fromisoformat(e["start"]), e["seconds"], e["cut_start"], e["cut_end"])
            for e in contact["encounters"]
        ),
    )


def my_data_as_seen(days: list[dict]) -> list[dict]:
    return [
        {
            "date": d["date"],
            "total_seconds": d["total_seconds"],
            "encounters": [
                (datetime.fromisoformat(e["start"]), e["seconds"], e["close_contact_length"])
                for e in d["encounters"]
            ],
        }
        for d in days
    ]


@pytest.fixture
def users(medic, settings):
    settings.TRACING_MAX_TRACES_PER_HOUR = 10**9  # thousands of traces, one medic
    return medic, personas.wearer("1")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 500,  # CI: the same sample every run; `make model` explores
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds(), reveal=st.sampled_from([None, "close", "all"]))
def test_the_trace_and_my_data_agree_with_the_model(users, world, reveal):
    store(world)
    with mock.patch.object(timezone, "now", return_value=world.now):
        # Signed in on the world's clock, so that sessions do not expire between worlds.
        medic_client, wearer = Client(), Client()
        medic_client.force_login(users[0])
        wearer.force_login(users[1])
        for policy in ("encounter", "daily"):
            body = {
                "person_id": "1",
                "from": world.window_from.isoformat(),
                "policy": policy,
                "case_reference": "MODEL",
                "reason": "model check",
            }
            if world.window_to is not None:
                body["to"] = world.window_to.isoformat()
            response = medic_client.post("/api/tracing/traces", body, "application/json")
            if world.window_from >= world.now or (
                world.window_to is not None
                and world.window_to <= max(world.window_from, world.now - RETENTION)
            ):
                assert response.status_code == 400  # an empty window is refused, clearly
                continue
            assert response.status_code == 201, (response.content, world)
            result = response.json()
            assert sorted(map(as_seen, result["contacts"]), key=repr) == expected_trace(
                world, policy, revealed="none"
            )
            if reveal:
                # The naming step itself (the approval before it: tests/cases/test_reveals.py).
                named = trace_reveal(
                    trace=Trace.objects.get(pk=result["id"]),
                    scope=reveal,
                    reason="model check",
                    acting_user=users[0],
                )
                assert sorted(map(as_seen, named["contacts"]), key=repr) == (
                    expected_trace(world, policy, revealed=reveal)
                )
        mine = wearer.get("/api/selfservice/encounters")
    assert mine.status_code == 200
    assert my_data_as_seen(mine.json()["days"]) == expected_my_data(world)


# --- The model's own edges, named (each was a defect once) ---------------------------


def test_the_model_counts_a_tick_only_while_both_tags_are_held_at_that_tick():
    # P holds D-1, gives it back, gets D-2; D-1 goes to Q. P (D-2) meets Q (D-1).
    f = FOCI[3]
    world = World(
        now=f + timedelta(hours=5),
        holdings=[
            Holding("D-1", "1", f - timedelta(hours=3), f - timedelta(hours=2)),
            Holding("D-2", "1", f - timedelta(hours=2), None),
            Holding("D-1", "2", f - timedelta(hours=1), None),
        ],
        records=[Record(102, 101, f, 40)],
        window_from=f - timedelta(hours=4),
        window_to=None,
    )
    [(kind, who, close, total, *_)] = expected_trace(world, "encounter", revealed="close")
    assert (kind, who, close, total) == ("person", "2", True, 1200)
    assert date(2026, 12, 2).isoformat() in dict(
        expected_trace(world, "daily", revealed="close")[0][5]
    )


def test_it_runs_on_the_database_it_was_asked_for():
    from django.db import connections

    expected = "sqlite" if os.environ.get("TEST_EMBEDDED") == "1" else "postgresql"
    assert {connections[alias].vendor for alias in connections} == {expected}


def test_the_model_holds_on_the_embedded_default_too(tmp_path):
    """The same examples on SQLite: a fresh pytest on the embedded default settings."""
    env = {**os.environ, "TEST_EMBEDDED": "1", "PORTAL_DATA_DIR": str(tmp_path)}
    env.setdefault("TRACING_MODEL_EXAMPLES", str(EXAMPLES))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "not embedded_default",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    assert "3 passed" in run.stdout
