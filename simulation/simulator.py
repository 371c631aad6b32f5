"""A seeded simulation of proximeters on a campus, delivered through the real webhooks.

It serves three users: `make run` fills the demo with plausible encounters,
the test suite and benchmarks get realistic traffic with exact expectations,
and an operator can load a running portal over HTTP. Four steps, each usable
on its own:

    generate(devices, days=, end=, seed=) -> [Meeting]  who met whom; what each device recorded
    uplinks_for(devices, meetings, ...)   -> [Uplink]   how each device batched its records
    posts_for(uplinks, fmt=)              -> [Post]     the network server's webhook requests
    deliver(posts, token=, url=, ...)     -> DeliveryReport: posted in process or over HTTP

`simulate(...)` runs all four and returns a `SimulationReport`.

The model is calibrated on the only figures the real service published
(seeds/000, "The statistics"): with about 2,000 active devices, about 14,500
encounter records per working day (A→B and B→A are two records) and about
550 close contacts (pairs with an encounter over 15 minutes) per working
day; weekends far quieter. People come in teams of 5 to 12 that share
buildings; close contacts come from meetings (15 to 90 minutes, neighbours
at the table), team mates working side by side, and lunch groups (coffee
groups, 5 to 15 minutes, rarely last long enough); most short records come
from corridor crossings (30 seconds to 3 minutes). Every figure is a
per-person rate, so the calibration holds for any number of devices.

Each meeting is recorded by both devices with the differences real devices
show (start ±30 s, ±1 slot), and a few only by one of them. Each device sends
its records in FPort-10 uplinks of at most 51 bytes (4 records), a few
minutes after the encounter ended, with its own frame counter.

All randomness comes from `random.Random` seeded with the run's seed and
the day (or device) it concerns, so a seed reproduces a run exactly, and a
given day looks the same whatever the length of the run around it.
"""

import json
import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as clock
from itertools import combinations
from random import Random

from django.conf import settings
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from encounters.payload import (
    ENCOUNTER_FPORT,
    SLOT_SECONDS,
    EncounterRecord,
    decode,
    split_into_uplinks,
)
from simulation import bodies

logger = logging.getLogger(__name__)

CLOSE_CONTACT_SECONDS = 15 * 60  # "encounters with more than 15 minutes" (seeds/000)
MAX_PAYLOAD_BYTES = 51  # EU868 DR0-2: the 4 records every data rate can carry
FORMATS = ("tts", "chirpstack", "chirpstack-v3")
PATHS = {
    "tts": "/api/ingest/tts",
    "chirpstack": "/api/ingest/chirpstack?event=up",
    "chirpstack-v3": "/api/ingest/chirpstack?event=up",
}
# What the real service saw (seeds/000): the calibration targets, per active device.
TARGET_DEVICES = 2000
TARGET_RECORDS_PER_DAY = 14_500
TARGET_CLOSE_CONTACTS_PER_DAY = 550

# Simulated devices (--create-devices): a range of tags and DevEUIs of their own.
SIM_DEVICE_PREFIX = "SIM-"
SIM_TAG_BASE = 0x5100_0000
SIM_DEV_EUI_PREFIX = "70B3D57E5"  # + 7 hex digits


# --- What is simulated ------------------------------------------------------------


@dataclass(frozen=True)
class SimDevice:
    """A proximeter as the simulation needs it: its printed ID, its tag, its LoRaWAN EUI."""

    device_id: str
    tag_id: int
    dev_eui: str | None = None


@dataclass(frozen=True)
class Behaviour:
    """The rates of the campus model. The defaults are the calibration (see the module doc).

    Rates are per person (or per team) and per working day; weekends scale
    presence and activity down.
    """

    weekday_presence: float = 0.9
    weekend_presence: float = 0.08
    weekend_activity: float = 0.6
    team_size: tuple[int, int] = (5, 12)
    teams_per_building: tuple[int, int] = (4, 10)
    # Team meetings: how many per team and day (Poisson mean), their length in minutes
    # (with weights), at most how many team members, how many guests from the building,
    # and how often two neighbours at the table sit within 2 m (distancing rules).
    meetings_per_team: float = 0.3
    meeting_minutes: tuple[tuple[int, int], ...] = ((15, 3), (30, 4), (45, 2), (60, 3), (90, 1))
    meeting_size: tuple[int, int] = (3, 8)
    meeting_guest_share: float = 0.3
    meeting_near_share: float = 0.6
    # Working together at a desk, bench or in a lab: pairs of team mates, per person and day.
    desk_work_per_person: float = 0.1
    desk_work_minutes: tuple[float, float] = (10.0, 60.0)
    # Lunch and coffee groups: the share of people who start one, its sizes and minutes.
    lunch_share: float = 0.085
    lunch_size: tuple[int, ...] = (2, 2, 3, 3, 4)
    lunch_minutes: tuple[float, float] = (10.0, 35.0)
    coffee_share: float = 0.14
    coffee_size: tuple[int, ...] = (2, 2, 3)
    coffee_minutes: tuple[float, float] = (5.0, 15.0)
    # Corridor crossings: per person and day, and how long (seconds, mostly short).
    corridor_per_person: float = 3.7
    corridor_seconds: tuple[int, int] = (30, 180)
    corridor_mean_extra_seconds: float = 40.0
    # Of the partners met by chance: same team, else same building, else anyone on site.
    corridor_team_share: float = 0.4
    corridor_building_share: float = 0.4
    # How far the two devices' records of one meeting differ, and how often one misses it.
    start_jitter_seconds: int = 30
    one_sided_share: float = 0.03


DEFAULT_BEHAVIOUR = Behaviour()


@dataclass(frozen=True)
class Meeting:
    """Two people within 2 m: the true encounter, and what each of their devices recorded.

    `seen_by_a` is device a's record (its ref_tag is b), `seen_by_b` the
    other direction; either is None when that device missed it.
    """

    kind: str  # "meeting", "desk", "lunch", "coffee", "corridor"
    a: int
    b: int
    start: int  # Unix seconds
    seconds: int
    seen_by_a: EncounterRecord | None
    seen_by_b: EncounterRecord | None

    def records(self) -> Iterator[tuple[int, EncounterRecord]]:
        """(my_tag, record) for each direction that was recorded."""
        if self.seen_by_a is not None:
            yield self.a, self.seen_by_a
        if self.seen_by_b is not None:
            yield self.b, self.seen_by_b

    @property
    def end(self) -> int:
        """When the last of it ended, true or recorded (Unix seconds)."""
        ends = [self.start + self.seconds]
        ends += [record.start + record.seconds for _tag, record in self.records()]
        return max(ends)

    @property
    def is_close(self) -> bool:
        """A close contact as the portal will see it: a record over 15 minutes."""
        return any(record.seconds > CLOSE_CONTACT_SECONDS for _tag, record in self.records())


@dataclass(frozen=True)
class DayFigures:
    """One local day of a simulation, in the terms of the published statistics."""

    day: date
    records: int  # encounter records the devices made (both directions count)
    pairs: int  # distinct pairs of devices that met
    close_pairs: int  # pairs with an encounter over 15 minutes
    active_devices: int  # devices with at least one record

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5


# --- Generating the encounters ----------------------------------------------------


@dataclass(frozen=True)
class _Organisation:
    teams: tuple[tuple[int, ...], ...]
    team_of: dict[int, int]
    building_of: dict[int, int]  # tag -> building


def _organise(tags: Sequence[int], rng: Random, behaviour: Behaviour) -> _Organisation:
    """Cut the people into teams, and the teams into buildings (stable for the whole run)."""
    shuffled = list(tags)
    rng.shuffle(shuffled)
    teams: list[list[int]] = []
    position = 0
    while position < len(shuffled):
        size = rng.randint(*behaviour.team_size)
        teams.append(shuffled[position : position + size])
        position += size
    if len(teams) > 1 and len(teams[-1]) < behaviour.team_size[0]:
        teams[-2].extend(teams.pop())
    team_of, building_of = {}, {}
    building, left_in_building = 0, rng.randint(*behaviour.teams_per_building)
    for index, team in enumerate(teams):
        if left_in_building == 0:
            building, left_in_building = building + 1, rng.randint(*behaviour.teams_per_building)
        left_in_building -= 1
        for tag in team:
            team_of[tag] = index
            building_of[tag] = building
    return _Organisation(tuple(tuple(team) for team in teams), team_of, building_of)


def _poisson(rng: Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: the means here are small)."""
    if mean <= 0:
        return 0
    limit, product, count = pow(2.718281828459045, -mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


class _Day:
    """One day on the campus: who is on site when, who is busy when, what they met."""

    def __init__(
        self, organisation: _Organisation, day: date, tz: tzinfo, rng: Random, behaviour: Behaviour
    ) -> None:
        self.organisation, self.rng, self.behaviour = organisation, rng, behaviour
        self.weekday = day.weekday() < 5
        self.midnight = datetime.combine(day, clock(0), tzinfo=tz)
        self.windows: dict[int, tuple[int, int]] = {}
        self.busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.meetings: list[Meeting] = []
        self.by_team: dict[int, list[int]] = defaultdict(list)
        self.by_building: dict[int, list[int]] = defaultdict(list)

    def at(self, hours: float) -> int:
        """Unix seconds of a local wall-clock time of this day (DST-aware)."""
        return int((self.midnight + timedelta(hours=hours)).timestamp())

    def arrive(self, tags: Iterable[int]) -> None:
        """Who comes in today, from when to when (working hours about 08:00-18:00)."""
        rng, behaviour = self.rng, self.behaviour
        presence = behaviour.weekday_presence if self.weekday else behaviour.weekend_presence
        for tag in tags:
            if rng.random() >= presence:
                continue
            if self.weekday:
                arrival = rng.uniform(7.5, 9.5)
                leaving = min(arrival + rng.uniform(7.5, 9.5), 19.5)
            else:
                arrival = rng.uniform(8.5, 14.0)
                leaving = arrival + rng.uniform(1.5, 5.0)
            self.windows[tag] = (self.at(arrival), self.at(leaving))
            self.by_team[self.organisation.team_of[tag]].append(tag)
            self.by_building[self.organisation.building_of[tag]].append(tag)

    def free(self, tag: int, start: int, end: int) -> bool:
        window = self.windows.get(tag)
        if window is None or start < window[0] or end > window[1]:
            return False
        return all(
            end <= busy_start or start >= busy_end for busy_start, busy_end in self.busy[tag]
        )

    def pool(self, tag: int, *, team_share: float, building_share: float) -> list[int]:
        """Colleagues on site to meet: the team, the building, or anyone (widening if empty)."""
        draw = self.rng.random()
        pools = [
            self.by_team[self.organisation.team_of[tag]],
            self.by_building[self.organisation.building_of[tag]],
            list(self.windows),
        ]
        level = 0 if draw < team_share else 1 if draw < team_share + building_share else 2
        for candidates in pools[level:]:
            if len(candidates) > 1:
                return candidates
        return []

    def record(self, kind: str, a: int, b: int, start: int, seconds: int) -> None:
        """What the two devices of a true encounter recorded (see Behaviour for the noise)."""
        rng, behaviour = self.rng, self.behaviour
        seconds = max(SLOT_SECONDS, seconds)  # a device records encounters of 30 s or more
        slots = max(1, round(seconds / SLOT_SECONDS))
        jitter = behaviour.start_jitter_seconds
        seen_by_a: EncounterRecord | None = EncounterRecord(ref_tag=b, start=start, slots=slots)
        seen_by_b: EncounterRecord | None = EncounterRecord(
            ref_tag=a,
            start=start + rng.randint(-jitter, jitter),
            slots=max(1, slots + rng.choice((-1, 0, 0, 1))),
        )
        if rng.random() < behaviour.one_sided_share:
            if rng.random() < 0.5:
                seen_by_a = None
            else:
                seen_by_b = None
        self.meetings.append(Meeting(kind, a, b, start, seconds, seen_by_a, seen_by_b))

    def team_meetings(self) -> None:
        """Team meetings: neighbours at the table are within 2 m for most of it."""
        rng, behaviour = self.rng, self.behaviour
        rate = behaviour.meetings_per_team * (1.0 if self.weekday else behaviour.weekend_activity)
        lengths = [minutes for minutes, _weight in behaviour.meeting_minutes]
        weights = [weight for _minutes, weight in behaviour.meeting_minutes]
        for index, team in enumerate(self.organisation.teams):
            if len(self.by_team[index]) < 2:
                continue
            for _ in range(_poisson(rng, rate)):
                minutes = rng.choices(lengths, weights)[0]
                # Meetings start on the hour or the half hour, 08:30 to 17:00.
                latest = int((17.5 - minutes / 60) * 2)
                start = self.at(rng.randint(17, max(17, latest)) / 2)
                end = start + minutes * 60
                members = [tag for tag in team if self.free(tag, start, end)]
                if len(members) < 2:
                    continue
                smallest, largest = behaviour.meeting_size
                size = rng.randint(min(smallest, len(members)), min(largest, len(members)))
                people = rng.sample(members, size)
                if rng.random() < behaviour.meeting_guest_share:
                    building = self.by_building[self.organisation.building_of[team[0]]]
                    guests = [t for t in building if t not in team and self.free(t, start, end)]
                    people += rng.sample(guests, min(len(guests), rng.randint(1, 2)))
                rng.shuffle(people)  # the seating
                for tag in people:
                    self.busy[tag].append((start, end))
                if len(people) == 2:
                    pairs = [(people[0], people[1])]
                elif len(people) == 3:
                    pairs = list(combinations(people, 2))
                else:  # around a table, each person sits next to two others
                    pairs = [(people[i], people[(i + 1) % len(people)]) for i in range(len(people))]
                for a, b in pairs:
                    if rng.random() >= behaviour.meeting_near_share:
                        continue
                    settled = start + rng.randint(0, 240)
                    self.record(
                        "meeting", a, b, settled, int((end - settled) * rng.uniform(0.7, 1.0))
                    )

    def groups(
        self,
        kind: str,
        *,
        share: float,
        sizes: Sequence[int],
        minutes: tuple[float, float],
        hours: Sequence[tuple[float, float]],
    ) -> None:
        """Lunch or coffee: small groups, everyone within 2 m of everyone."""
        rng = self.rng
        if not self.weekday:
            share *= self.behaviour.weekend_activity
        present = list(self.windows)
        rng.shuffle(present)
        taken: set[int] = set()
        for tag in present:
            if tag in taken or rng.random() >= share:
                continue
            earliest, latest = rng.choice(hours)
            start = self.at(rng.uniform(earliest, latest))
            end = start + int(rng.uniform(*minutes) * 60)
            if not self.free(tag, start, end):
                continue
            candidates = [
                other
                for other in self.pool(tag, team_share=0.7, building_share=0.3)
                if other != tag and other not in taken and self.free(other, start, end)
            ]
            if not candidates:
                continue
            group = [tag, *rng.sample(candidates, min(len(candidates), rng.choice(sizes) - 1))]
            for member in group:
                taken.add(member)
                self.busy[member].append((start, end))
            for a, b in combinations(group, 2):
                joined = start + rng.randint(0, 120)
                self.record(kind, a, b, joined, int((end - joined) * rng.uniform(0.85, 1.0)))

    def desk_work(self) -> None:
        """Two team mates working side by side for a while: close contacts one pair at a time."""
        rng, behaviour = self.rng, self.behaviour
        rate = behaviour.desk_work_per_person * (
            1.0 if self.weekday else behaviour.weekend_activity
        )
        for tag in list(self.windows):
            for _ in range(_poisson(rng, rate)):
                mates = [t for t in self.by_team[self.organisation.team_of[tag]] if t != tag]
                if not mates:
                    continue
                peer = rng.choice(mates)
                seconds = int(rng.uniform(*behaviour.desk_work_minutes) * 60)
                earliest = max(self.windows[tag][0], self.windows[peer][0])
                latest = min(self.windows[tag][1], self.windows[peer][1]) - seconds
                for _attempt in range(3):
                    if latest <= earliest:
                        break
                    start = rng.randint(earliest, latest)
                    end = start + seconds
                    if self.free(tag, start, end) and self.free(peer, start, end):
                        self.busy[tag].append((start, end))
                        self.busy[peer].append((start, end))
                        self.record("desk", tag, peer, start, seconds)
                        break

    def corridors(self) -> None:
        """Crossing colleagues in corridors, queues, doorways: many short encounters."""
        rng, behaviour = self.rng, self.behaviour
        rate = behaviour.corridor_per_person * (1.0 if self.weekday else behaviour.weekend_activity)
        shortest, longest = behaviour.corridor_seconds
        for tag in list(self.windows):
            for _ in range(_poisson(rng, rate)):
                candidates = self.pool(
                    tag,
                    team_share=behaviour.corridor_team_share,
                    building_share=behaviour.corridor_building_share,
                )
                if not candidates:
                    continue
                peer = rng.choice(candidates)
                if peer == tag:
                    continue
                extra = rng.expovariate(1 / behaviour.corridor_mean_extra_seconds)
                seconds = min(longest, shortest + int(extra))
                earliest = max(self.windows[tag][0], self.windows[peer][0])
                latest = min(self.windows[tag][1], self.windows[peer][1]) - seconds
                for _attempt in range(3):
                    if latest <= earliest:
                        break
                    start = rng.randint(earliest, latest)
                    if self.free(tag, start, start + seconds) and self.free(
                        peer, start, start + seconds
                    ):
                        self.record("corridor", tag, peer, start, seconds)
                        break


def _day_meetings(
    organisation: _Organisation,
    tags: Sequence[int],
    day: date,
    tz: tzinfo,
    rng: Random,
    behaviour: Behaviour,
) -> list[Meeting]:
    campus = _Day(organisation, day, tz, rng, behaviour)
    campus.arrive(tags)
    campus.team_meetings()
    campus.groups(
        "lunch",
        share=behaviour.lunch_share,
        sizes=behaviour.lunch_size,
        minutes=behaviour.lunch_minutes,
        hours=[(11.75, 13.25)],
    )
    campus.groups(
        "coffee",
        share=behaviour.coffee_share,
        sizes=behaviour.coffee_size,
        minutes=behaviour.coffee_minutes,
        hours=[(9.5, 10.5), (15.0, 16.0)],
    )
    campus.desk_work()
    campus.corridors()
    return campus.meetings


def _unique_per_device(meetings: list[Meeting]) -> list[Meeting]:
    """No device reports two records with the same peer and start (the encounters' key)."""
    seen: set[tuple[int, int, int]] = set()
    unique = []
    for meeting in meetings:
        records = {}
        for side, tag in (("seen_by_a", meeting.a), ("seen_by_b", meeting.b)):
            record = getattr(meeting, side)
            if record is not None:
                while (tag, record.ref_tag, record.start) in seen:
                    record = replace(record, start=record.start + 1)
                seen.add((tag, record.ref_tag, record.start))
            records[side] = record
        unique.append(replace(meeting, **records))
    return unique


def _require_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def generate(
    devices: Sequence[SimDevice],
    *,
    days: int,
    end: datetime,
    seed: int,
    tz: tzinfo | None = None,
    behaviour: Behaviour = DEFAULT_BEHAVIOUR,
) -> list[Meeting]:
    """The encounters of `devices` over the `days` x 24 h before `end`, sorted by start.

    Only encounters that started in the window and ended (as recorded by
    both devices) by `end` are kept: a device reports an encounter once it
    is over. `tz` is the campus's time zone (default: the TIME_ZONE setting),
    which places working hours and weekends.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    _require_aware("end", end)
    tags = [device.tag_id for device in devices]
    if len(set(tags)) != len(tags):
        raise ValueError("the devices' tags must be unique")
    tz = tz or timezone.get_default_timezone()
    organisation = _organise(tags, Random(f"{seed}:organisation"), behaviour)
    first = end - timedelta(days=days)
    first_second, last_second = first.timestamp(), end.timestamp()
    meetings: list[Meeting] = []
    day = first.astimezone(tz).date()
    while day <= end.astimezone(tz).date():
        rng = Random(f"{seed}:day:{day.isoformat()}")
        for meeting in _day_meetings(organisation, tags, day, tz, rng, behaviour):
            if meeting.start >= first_second and meeting.end <= last_second:
                meetings.append(meeting)
        day += timedelta(days=1)
    meetings.sort(key=lambda m: (m.start, m.a, m.b))
    return _unique_per_device(meetings)


def daily_figures(meetings: Iterable[Meeting], *, tz: tzinfo | None = None) -> list[DayFigures]:
    """Per local day: records, distinct pairs, close-contact pairs, active devices."""
    tz = tz or timezone.get_default_timezone()
    records: dict[date, int] = defaultdict(int)
    pairs: dict[date, set[tuple[int, int]]] = defaultdict(set)
    close: dict[date, set[tuple[int, int]]] = defaultdict(set)
    active: dict[date, set[int]] = defaultdict(set)
    for meeting in meetings:
        day = datetime.fromtimestamp(meeting.start, tz).date()
        pair = (min(meeting.a, meeting.b), max(meeting.a, meeting.b))
        for tag, _record in meeting.records():
            records[day] += 1
            active[day].add(tag)
        pairs[day].add(pair)
        if meeting.is_close:
            close[day].add(pair)
    return [
        DayFigures(day, records[day], len(pairs[day]), len(close[day]), len(active[day]))
        for day in sorted(pairs)
    ]


# --- Batching records into uplinks ------------------------------------------------


@dataclass(frozen=True)
class Uplink:
    """One FPort-10 uplink as the network server received it.

    `nonce` (128 random bits) stands for the network server's own identity
    of this uplink: the correlation ID of The Things Stack, the
    deduplication ID of ChirpStack. A retried delivery repeats it.
    """

    device: SimDevice
    f_cnt: int
    payload: bytes
    received_at: datetime
    nonce: int

    @property
    def records(self) -> tuple[EncounterRecord, ...]:
        return decode(self.payload).records


def uplinks_for(
    devices: Sequence[SimDevice],
    meetings: Iterable[Meeting],
    *,
    seed: int,
    end: datetime,
    max_payload_bytes: int = MAX_PAYLOAD_BYTES,
) -> list[Uplink]:
    """Each device's records as the uplinks it sent, sorted by reception time.

    A device queues a record when the encounter ends and sends its queue
    1 to 15 minutes after the oldest record in it ended, as full uplinks
    (`split_into_uplinks`, 4 records in 51 bytes) a minute or so apart, each
    with the next frame counter. Nothing is received after `end`, the run's
    present.
    """
    _require_aware("end", end)
    last_second = int(end.timestamp())
    queues: dict[int, list[EncounterRecord]] = defaultdict(list)
    for meeting in meetings:
        for tag, record in meeting.records():
            queues[tag].append(record)
    uplinks = []
    for device in devices:
        queue = sorted(queues.get(device.tag_id, ()), key=lambda r: (r.start + r.seconds, r.start))
        if not queue:
            continue
        rng = Random(f"{seed}:uplinks:{device.tag_id}")
        f_cnt = 0 if rng.random() < 0.1 else rng.randint(1, 20_000)  # 0: just joined
        position, radio_free_at = 0, 0
        while position < len(queue):
            send_at = queue[position].start + queue[position].seconds + rng.randint(60, 900)
            send_at = max(send_at, radio_free_at)  # frames go out in the order they are counted
            batch = []
            while (
                position < len(queue) and queue[position].start + queue[position].seconds <= send_at
            ):
                batch.append(queue[position])
                position += 1
            batch.sort(key=lambda r: (r.start, r.ref_tag))
            for payload in split_into_uplinks(
                device.tag_id, batch, max_payload_bytes=max_payload_bytes
            ):
                second = min(send_at, last_second)
                received_at = datetime.fromtimestamp(second, UTC) + timedelta(
                    microseconds=rng.randrange(1_000_000) if second < last_second else 0
                )
                uplinks.append(Uplink(device, f_cnt, payload, received_at, rng.getrandbits(128)))
                f_cnt += 1
                send_at += rng.randint(20, 120)
            radio_free_at = send_at
    uplinks.sort(key=lambda u: (u.received_at, u.device.tag_id, u.f_cnt))
    return uplinks


# --- Webhook requests -------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """One webhook request: where the network server posts it, and the exact bytes."""

    path: str
    body: bytes
    uplink: Uplink


def body_for(uplink: Uplink, *, fmt: str) -> dict:
    """The network server's webhook body for an uplink, in the format `fmt` (see FORMATS)."""
    device = uplink.device
    gateways = 1 + uplink.nonce % 3
    if fmt == "tts":
        tts_id = f"eui-{device.dev_eui.lower()}" if device.dev_eui else device.device_id.lower()
        return bodies.tts_uplink(
            dev_eui=device.dev_eui,
            device_id=tts_id,
            payload=uplink.payload,
            f_port=ENCOUNTER_FPORT,
            f_cnt=uplink.f_cnt,
            received_at=uplink.received_at,
            correlation_id=f"as:up:{bodies.ulid_like(uplink.received_at, uplink.nonce)}",
            gateways=gateways,
        )
    if device.dev_eui is None:
        raise ValueError(f"ChirpStack needs a DevEUI; device {device.device_id} has none")
    the_uplink = str(uuid.UUID(int=uplink.nonce, version=4))
    if fmt == "chirpstack":
        return bodies.chirpstack_v4_up(
            dev_eui=device.dev_eui,
            payload=uplink.payload,
            f_port=ENCOUNTER_FPORT,
            f_cnt=uplink.f_cnt,
            time=uplink.received_at,
            deduplication_id=the_uplink,
            gateways=gateways,
        )
    if fmt == "chirpstack-v3":
        return bodies.chirpstack_v3_up(
            dev_eui=device.dev_eui,
            payload=uplink.payload,
            f_port=ENCOUNTER_FPORT,
            f_cnt=uplink.f_cnt,
            uplink_id=the_uplink,
            time=uplink.received_at,
        )
    raise ValueError(f"unknown format {fmt!r}; one of {FORMATS}")


def posts_for(uplinks: Iterable[Uplink], *, fmt: str = "tts") -> list[Post]:
    """The webhook requests that deliver these uplinks, in the same order."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {FORMATS}")
    return [Post(PATHS[fmt], bodies.to_json(body_for(u, fmt=fmt)), u) for u in uplinks]


# --- Delivery ---------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What the portal answered. `failed`: requests that got no answer, even after retries."""

    sent: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    duplicates_sent: int = 0
    late_sent: int = 0
    failed: int = 0
    seconds: float = 0.0

    def count(self, status: int | None) -> None:
        self.sent += 1
        if status is None:
            self.failed += 1
        else:
            self.by_status[status] = self.by_status.get(status, 0) + 1


def schedule(
    posts: Sequence[Post], *, duplicates: float, late: float, rng: Random
) -> tuple[list[Post], int, int]:
    """The order a network server delivers in: a share twice, a share at the very end.

    A duplicate is the same request again a little later (a retry after a
    lost answer); a late uplink comes after all others (a device out of
    coverage, a queue drained after an outage). Returns the requests, and
    how many were duplicates and late.
    """
    for name, share in (("duplicates", duplicates), ("late", late)):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{name} must be a share from 0 to 1, got {share}")
    count = len(posts)
    late_ones = set(rng.sample(range(count), round(count * late)))
    repeated = set(rng.sample(range(count), round(count * duplicates)))
    keyed: list[tuple[float, int, Post]] = []
    late_rank = {
        index: rank for rank, index in enumerate(rng.sample(sorted(late_ones), len(late_ones)))
    }
    for index, post in enumerate(posts):
        key = float(count + late_rank[index]) if index in late_ones else float(index)
        keyed.append((key, 0, post))
        if index in repeated:
            keyed.append((key + rng.randint(1, 20) + 0.5, 1, post))
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [post for _key, _order, post in keyed], len(repeated), len(late_ones)


def _allowed_host() -> str:
    """A Host header the portal accepts (the Django test client says "testserver")."""
    for host in settings.ALLOWED_HOSTS:
        if host and "*" not in host:
            return host.lstrip(".")
    return "localhost"


def _deliver_in_process(
    requests_: Sequence[Post],
    token: str,
    report: DeliveryReport,
    progress: Callable[[int, int], None] | None,
) -> None:
    from django.test import Client

    client = Client(raise_request_exception=False)
    host = _allowed_host()
    for done, post in enumerate(requests_, start=1):
        response = client.post(
            post.path,
            post.body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_HOST=host,
        )
        report.count(response.status_code)
        if progress is not None:
            progress(done, len(requests_))


def _deliver_over_http(
    requests_: Sequence[Post],
    token: str,
    url: str,
    report: DeliveryReport,
    concurrency: int,
    progress: Callable[[int, int], None] | None,
    retries: int = 3,
) -> None:
    import requests

    local = threading.local()
    lock = threading.Lock()
    done = 0
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "User-Agent": "proximeter-simulator (webhook like TheThingsStack/ChirpStack)",
    }

    def send(post: Post) -> None:
        nonlocal done
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        status = None
        for attempt in range(retries + 1):
            try:
                status = session.post(
                    url.rstrip("/") + post.path, data=post.body, headers=headers, timeout=10
                ).status_code
                break
            except requests.ConnectionError:
                # Safe to repeat: the portal recognises a delivery it accepted before.
                if attempt < retries:
                    time.sleep(0.2 * 2**attempt)
            except requests.Timeout:
                break
        with lock:
            report.count(status)
            done += 1
            if progress is not None:
                progress(done, len(requests_))

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for _ in pool.map(send, requests_):
            pass


def deliver(
    posts: Sequence[Post],
    *,
    token: str,
    url: str | None = None,
    duplicates: float = 0.0,
    late: float = 0.0,
    seed: int = 0,
    concurrency: int = 8,
    progress: Callable[[int, int], None] | None = None,
) -> DeliveryReport:
    """Post the requests as a network server would; returns the answers by status code.

    With `url` (e.g. http://127.0.0.1:8000) over HTTP: a keep-alive session
    per thread of a small pool, 10 s timeout, a few retries on connection
    errors. Without, in this process through Django's test client (the
    whole middleware stack and view, no server needed: `make run` fills the
    demo before the server starts).
    """
    ordered, duplicates_sent, late_sent = schedule(
        posts, duplicates=duplicates, late=late, rng=Random(f"{seed}:delivery")
    )
    report = DeliveryReport(duplicates_sent=duplicates_sent, late_sent=late_sent)
    started = time.monotonic()
    if url:
        _deliver_over_http(ordered, token, url, report, concurrency, progress)
    else:
        _deliver_in_process(ordered, token, report, progress)
    report.seconds = time.monotonic() - started
    return report


# --- The whole run ----------------------------------------------------------------


@dataclass(frozen=True)
class SimulationReport:
    """What a run generated and what the portal answered, for a person or a test to check.

    `distinct_records` is what the encounters database should hold once the
    workers are through (one row per device, peer and start), less
    `expired_records`, which lie beyond the retention window already.
    """

    devices: int
    days: int
    meetings: int
    records: int
    distinct_records: int
    expired_records: int
    uplinks: int
    delivery: DeliveryReport
    daily: list[DayFigures]

    @property
    def uplinks_sent(self) -> int:
        return self.delivery.sent

    @property
    def by_status(self) -> dict[int, int]:
        return self.delivery.by_status

    @property
    def duplicates_sent(self) -> int:
        return self.delivery.duplicates_sent


def _temporary_token() -> tuple[str, str]:
    """An ingest token for this run only (in process: it is never shown to anyone)."""
    from ingestion.models import IngestToken
    from ingestion.services import active_token_hashes, ingest_token_create

    name, number = "simulator", 1
    while IngestToken.objects.filter(name=name).exists():
        number += 1
        name = f"simulator-{number}"
    token = ingest_token_create(name=name)
    active_token_hashes.forget()  # valid at once, not after the cache's next refresh
    return token, name


def simulate(
    devices: Sequence[SimDevice],
    *,
    days: int,
    end: datetime,
    seed: int,
    fmt: str = "tts",
    url: str | None = None,
    token: str | None = None,
    duplicates: float = 0.05,
    late: float = 0.02,
    concurrency: int = 8,
    behaviour: Behaviour = DEFAULT_BEHAVIOUR,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationReport:
    """Generate, batch, and deliver through the webhook; the figures to check it by.

    Without `token`, in process only, a token is created for the run and
    deleted after it.
    """
    meetings = generate(devices, days=days, end=end, seed=seed, behaviour=behaviour)
    uplinks = uplinks_for(devices, meetings, seed=seed, end=end)
    posts = posts_for(uplinks, fmt=fmt)
    keys = {
        (u.device.tag_id, record.ref_tag, record.start) for u in uplinks for record in u.records
    }
    cutoff = (timezone.now() - timedelta(days=settings.ENCOUNTER_RETENTION_DAYS)).timestamp()
    expired = sum(1 for _tag, _ref, start in keys if start < cutoff)
    temporary = None
    if token is None:
        if url:
            raise ValueError("posting to a running portal needs its ingest token")
        token, temporary = _temporary_token()
    try:
        delivery = deliver(
            posts,
            token=token,
            url=url,
            duplicates=duplicates,
            late=late,
            seed=seed,
            concurrency=concurrency,
            progress=progress,
        )
    finally:
        if temporary is not None:
            from ingestion.models import IngestToken
            from ingestion.services import active_token_hashes

            IngestToken.objects.filter(name=temporary).delete()
            active_token_hashes.forget()
    return SimulationReport(
        devices=len(devices),
        days=days,
        meetings=len(meetings),
        records=sum(1 for m in meetings for _ in m.records()),
        distinct_records=len(keys) - expired,
        expired_records=expired,
        uplinks=len(uplinks),
        delivery=delivery,
        daily=daily_figures(meetings),
    )


# --- Devices from the asset database ----------------------------------------------


class NotEnoughDevices(Exception):
    """The asset database holds fewer devices with a DevEUI than the run asks for."""

    def __init__(self, *, found: int, wanted: int) -> None:
        super().__init__(
            f"The asset database has {found} devices with a DevEUI; the simulation asks for "
            f"{wanted}. Import devices (manage.py import_devices), ask for fewer, or let the "
            "simulator create the missing ones (--create-devices)."
        )
        self.found, self.wanted = found, wanted


def _devices_with_eui(count: int) -> list[SimDevice]:
    from assets.models import Device, DeviceState

    rows = (
        Device.objects.exclude(dev_eui__isnull=True)
        .exclude(dev_eui="")
        .annotate(
            preference=Case(
                When(state=DeviceState.ASSIGNED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("preference", "device_id")
        .values_list("device_id", "tag_id", "dev_eui")[:count]
    )
    return [SimDevice(device_id, tag_id, dev_eui) for device_id, tag_id, dev_eui in rows]


def sim_device(n: int, *, device_id: str | None = None) -> SimDevice:
    """Simulated device number n: tag 0x51000000 + n and DevEUI 70B3D57E5 + n (see below)."""
    return SimDevice(
        device_id or f"{SIM_DEVICE_PREFIX}{n:05d}",
        SIM_TAG_BASE + n,
        f"{SIM_DEV_EUI_PREFIX}{n:07X}",
    )


def create_sim_devices(count: int) -> int:
    """Add `count` devices SIM-nnnnn (in stock, with their history event), as an import would.

    Tags from 0x51000000 + n and DevEUIs 70B3D57E5 + n keep them apart from
    real devices; numbering continues after the highest SIM device.
    """
    from assets.imports import import_devices
    from assets.models import Device

    numbers = [
        int(device_id[len(SIM_DEVICE_PREFIX) :])
        for device_id in Device.objects.filter(device_id__startswith=SIM_DEVICE_PREFIX).values_list(
            "device_id", flat=True
        )
        if device_id[len(SIM_DEVICE_PREFIX) :].isdigit()
    ]
    first = max(numbers, default=0) + 1
    rows = [
        (
            line,
            {
                "device_id": f"{SIM_DEVICE_PREFIX}{n:05d}",
                "tag_id": str(SIM_TAG_BASE + n),
                "dev_eui": f"{SIM_DEV_EUI_PREFIX}{n:07X}",
                "firmware": "1.5.0",
                "batch": "SIMULATED",
            },
        )
        for line, n in enumerate(range(first, first + count), start=1)
    ]
    report = import_devices(rows=rows, actor="simulator")
    if report.errors:
        _line, message = report.errors[0]
        raise ValueError(
            f"Could not create {len(report.errors)} of the simulated devices (first: {message})."
        )
    return report.created


def devices_from_assets(count: int, *, create_missing: bool = False) -> list[SimDevice]:
    """`count` devices with a DevEUI from the asset database, assigned ones first.

    Too few: NotEnoughDevices, or with `create_missing` the missing ones are
    created (in stock) first.
    """
    if count < 1:
        raise ValueError("the simulation needs at least one device")
    devices = _devices_with_eui(count)
    if len(devices) < count:
        if not create_missing:
            raise NotEnoughDevices(found=len(devices), wanted=count)
        create_sim_devices(count - len(devices))
        devices = _devices_with_eui(count)
    return devices


def report_lines(report: SimulationReport) -> list[str]:
    """The summary a person reads after a run (the management command prints it)."""
    delivery = report.delivery
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(delivery.by_status.items()))
    lines = [
        f"devices: {report.devices}, days: {report.days}, encounters: {report.meetings}, "
        f"encounter records: {report.records}",
        f"uplinks: {report.uplinks}; requests sent: {delivery.sent} "
        f"(duplicates: {delivery.duplicates_sent}, late: {delivery.late_sent}) "
        f"in {delivery.seconds:.1f} s",
        f"answers: {statuses or 'none'}"
        + (f"; no answer: {delivery.failed}" if delivery.failed else ""),
        f"expected distinct encounter records once processed: {report.distinct_records}"
        + (f" (and {report.expired_records} past the retention)" if report.expired_records else ""),
        "",
        "per day (target at 2,000 active devices: 14,500 records, 550 close-contact pairs "
        "per working day):",
        f"{'day':<14}{'records':>9}{'pairs':>8}{'close':>7}{'active':>8}"
        f"{'records/2000':>14}{'close/2000':>12}",
    ]
    for day in report.daily:
        scale = TARGET_DEVICES / report.devices
        lines.append(
            f"{day.day:%a %Y-%m-%d}{day.records:>9}{day.pairs:>8}{day.close_pairs:>7}"
            f"{day.active_devices:>8}{day.records * scale:>14.0f}{day.close_pairs * scale:>12.0f}"
        )
    return lines


def as_json(report: SimulationReport) -> str:
    """The report for a script (benchmarks read it)."""
    delivery = report.delivery
    return json.dumps(
        {
            "devices": report.devices,
            "days": report.days,
            "meetings": report.meetings,
            "records": report.records,
            "distinct_records": report.distinct_records,
            "expired_records": report.expired_records,
            "uplinks": report.uplinks,
            "sent": delivery.sent,
            "by_status": {str(k): v for k, v in sorted(delivery.by_status.items())},
            "duplicates_sent": delivery.duplicates_sent,
            "late_sent": delivery.late_sent,
            "failed": delivery.failed,
            "seconds": round(delivery.seconds, 3),
            "daily": [
                {
                    "day": day.day.isoformat(),
                    "records": day.records,
                    "pairs": day.pairs,
                    "close_pairs": day.close_pairs,
                    "active_devices": day.active_devices,
                }
                for day in report.daily
            ],
        }
    )
