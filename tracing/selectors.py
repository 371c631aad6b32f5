"""The chain of a trace across the three databases, joined in memory.

    person ─(associations: holdings in the window)→ devices ─(assets)→ tags
    tags ─(encounters: either direction, started while held)→ peer tags
    peer tags ─(assets)→ peer devices ─(associations: holder at that time)→ peers

Only tracing/services.py calls this, for an audited purpose. MY DATA uses the
same chain without ever revealing the peer (selfservice).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Q, Value

from assets.models import Device
from registration.models import Association, Person
from tracing.contacts import Interval, Window
from tracing.models import Encounter
from tracing.payload import SLOT_SECONDS


@dataclass(frozen=True)
class HeldTag:
    device_id: str
    tag: int | None  # None: a device unknown to the assets database
    start: datetime
    end: datetime


@dataclass(frozen=True)
class SeenEncounter:
    """One encounter record, from the traced person's side."""

    own_device_id: str
    peer_tag: int
    start: datetime
    end: datetime
    recorded_by_peer: bool  # the peer's device recorded it (B→A)


def held_tags(*, person_id: str, window: Window) -> list[HeldTag]:
    """The tags the person carried in the window, with the exact holding intervals (clipped)."""
    holdings = Association.objects.filter(person_id=person_id, started_at__lt=window.end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=window.start)
    )
    periods = [
        (h.device_id, max(h.started_at, window.start), min(h.ended_at or window.end, window.end))
        for h in holdings
    ]
    tags = dict(
        Device.objects.filter(device_id__in={p[0] for p in periods}).values_list(
            "device_id", "tag_id"
        )
    )
    return [
        HeldTag(device_id, tags.get(device_id), start, end) for device_id, start, end in periods
    ]


def encounters_while_held(held: list[HeldTag]) -> list[SeenEncounter]:
    """Encounters of the person's tags, either direction, that started while they held them."""
    own_tags = {h.tag for h in held if h.tag is not None}
    seen = []
    for holding in held:
        if holding.tag is None:
            continue
        in_period = {"started_at__gte": holding.start, "started_at__lt": holding.end}
        recorded = (
            Encounter.objects.filter(my_tag=holding.tag, **in_period)
            .annotate(peer=F("ref_tag"), by_peer=Value(False))
            .values_list("peer", "started_at", "slots", "by_peer")
        )
        heard = (
            Encounter.objects.filter(ref_tag=holding.tag, **in_period)
            .annotate(peer=F("my_tag"), by_peer=Value(True))
            .values_list("peer", "started_at", "slots", "by_peer")
        )
        # Both directions in one round trip: on day partitions planning is a real share.
        for peer_tag, started_at, slots, by_peer in recorded.union(heard, all=True):
            if peer_tag in own_tags:
                continue  # the person's own other device
            seen.append(
                SeenEncounter(
                    holding.device_id,
                    peer_tag,
                    started_at,
                    started_at + timedelta(seconds=slots * SLOT_SECONDS),
                    by_peer,
                )
            )
    return seen


@dataclass(frozen=True)
class PeerKey:
    """Who the other side was: a person, or a device nobody held then, or an unknown tag."""

    kind: str  # "person", "no_holder", "unknown_tag"
    value: str


@dataclass
class PeerDirectory:
    """Resolve a peer tag at an instant to whoever held its device then."""

    device_of_tag: dict[int, str]
    state_of_device: dict[str, str]
    holdings: dict[str, list[tuple[datetime, datetime | None, str]]] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def key_at(self, tag: int, at: datetime) -> PeerKey:
        device_id = self.device_of_tag.get(tag)
        if device_id is None:
            return PeerKey("unknown_tag", str(tag))
        for start, end, person_id in self.holdings.get(device_id, ()):
            if start <= at and (end is None or at < end):
                return PeerKey("person", person_id)
        return PeerKey("no_holder", device_id)


def peer_directory(*, peer_tags: set[int], window: Window) -> PeerDirectory:
    devices = list(
        Device.objects.filter(tag_id__in=peer_tags).values_list("tag_id", "device_id", "state")
    )
    device_of_tag = {tag: device_id for tag, device_id, _ in devices}
    directory = PeerDirectory(device_of_tag, {device_id: state for _, device_id, state in devices})
    holdings = Association.objects.filter(
        device_id__in=device_of_tag.values(), started_at__lt=window.end
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=window.start))
    by_device = defaultdict(list)
    for device_id, start, end, person_id in holdings.values_list(
        "device_id", "started_at", "ended_at", "person_id"
    ):
        by_device[device_id].append((start, end, person_id))
    directory.holdings = dict(by_device)
    person_ids = {person_id for periods in by_device.values() for *_, person_id in periods}
    directory.people = {p.person_id: p for p in Person.objects.filter(person_id__in=person_ids)}
    return directory


def contact_intervals(
    seen: list[SeenEncounter], directory: PeerDirectory, *, exclude_person_id: str
) -> dict[PeerKey, list[Interval]]:
    """Every encounter attributed to whoever held the peer device at its start."""
    by_peer: dict[PeerKey, list[Interval]] = defaultdict(list)
    for encounter in seen:
        key = directory.key_at(encounter.peer_tag, encounter.start)
        if key == PeerKey("person", exclude_person_id):
            continue
        by_peer[key].append((encounter.start, encounter.end))
    return dict(by_peer)
