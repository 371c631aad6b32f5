"""The chain of a trace across the three databases, joined in memory.

    person ─(associations: holdings in the window)→ devices ─(assets)→ tags
    tags ─(encounters: either direction, overlapping a holding)→ peer tags
    peer tags ─(assets)→ peer devices ─(associations: holder at each instant)→ peers

The rule, on both sides: an encounter belongs to whoever held each of its two
tags *while it happened*. A record is cut to the part that lies inside the
window and inside the traced person's holding, then split wherever the peer's
device changed hands; each piece goes to the peer who held the device during
it (or to "nobody held it"). Times are counted to the second.

Only tracing/services.py (for an audited purpose) and MY DATA (which never
lets a peer out of the server) call this.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, Value

from assets.models import Device
from encounters.models import Encounter
from encounters.payload import SLOT_SECONDS
from registration.models import Association, Person
from tracing.contacts import Piece, Window


def to_second(moment: datetime) -> datetime:
    """Holdings are stamped to the microsecond; a trace counts whole seconds."""
    return moment.replace(microsecond=0)


@dataclass(frozen=True)
class HeldTag:
    device_id: str
    tag: int | None  # None: a device unknown to the assets database
    start: datetime
    end: datetime


@dataclass(frozen=True)
class SeenEncounter:
    """The part of one encounter record that lies in one of the person's holdings."""

    own_device_id: str
    peer_tag: int
    start: datetime
    end: datetime
    recorded_by_peer: bool  # the peer's device recorded it (B→A)
    cut_start: bool = False  # the record began earlier (before the window or the holding)
    cut_end: bool = False  # the record went on later


def held_tags(*, person_id: str, window: Window) -> list[HeldTag]:
    """The tags the person carried in the window, with the exact holding intervals (clipped)."""
    return held_tags_of(person_ids=[person_id], window=window).get(person_id, [])


def held_tags_of(*, person_ids, window: Window) -> dict[str, list[HeldTag]]:
    """`held_tags` for several people at once (two queries in all): person id -> holdings."""
    holdings = Association.objects.filter(
        person_id__in=list(person_ids), started_at__lt=window.end
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=window.start))
    periods = [
        (
            h.person_id,
            h.device_id,
            max(to_second(h.started_at), window.start),
            min(to_second(h.ended_at) if h.ended_at else window.end, window.end),
        )
        for h in holdings
    ]
    tags = dict(
        Device.objects.filter(device_id__in={p[1] for p in periods}).values_list(
            "device_id", "tag_id"
        )
    )
    found: dict[str, list[HeldTag]] = defaultdict(list)
    for person_id, device_id, start, end in periods:
        if start < end:
            found[person_id].append(HeldTag(device_id, tags.get(device_id), start, end))
    return dict(found)


def encounters_while_held(held: list[HeldTag]) -> list[SeenEncounter]:
    """Encounters of the person's tags, either direction, cut to the time they held them.

    A record counts with whatever part of it overlaps the holding (which is
    already cut to the window): one that began before counts from the
    holding's start, and says so (`cut_start`). Records last at most
    ENCOUNTER_MAX_MINUTES, which bounds how far back the query looks.
    """
    longest = timedelta(minutes=settings.ENCOUNTER_MAX_MINUTES)
    seen = []
    for holding in held:
        if holding.tag is None:
            continue
        overlapping = {"started_at__gt": holding.start - longest, "started_at__lt": holding.end}
        recorded = (
            Encounter.objects.filter(my_tag=holding.tag, **overlapping)
            .annotate(peer=F("ref_tag"), by_peer=Value(False))
            .values_list("peer", "started_at", "slots", "by_peer")
        )
        heard = (
            Encounter.objects.filter(ref_tag=holding.tag, **overlapping)
            .annotate(peer=F("my_tag"), by_peer=Value(True))
            .values_list("peer", "started_at", "slots", "by_peer")
        )
        # Both directions in one round trip: on day partitions planning is a real share.
        for peer_tag, started_at, slots, by_peer in recorded.union(heard, all=True):
            ended_at = started_at + timedelta(seconds=slots * SLOT_SECONDS)
            start, end = max(started_at, holding.start), min(ended_at, holding.end)
            if start >= end:
                continue
            seen.append(
                SeenEncounter(
                    holding.device_id,
                    peer_tag,
                    start,
                    end,
                    by_peer,
                    cut_start=start > started_at,
                    cut_end=end < ended_at,
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
    """Who held a peer tag's device, instant by instant."""

    device_of_tag: dict[int, str]
    state_of_device: dict[str, str]
    holdings: dict[str, list[tuple[datetime, datetime | None, str]]] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def split(
        self, tag: int, start: datetime, end: datetime
    ) -> list[tuple[PeerKey, datetime, datetime]]:
        """[start, end) cut wherever the tag's device changed hands: (peer, from, to) pieces."""
        device_id = self.device_of_tag.get(tag)
        if device_id is None:
            return [(PeerKey("unknown_tag", str(tag)), start, end)]
        pieces, cursor = [], start
        for held_from, held_to, person_id in self.holdings.get(device_id, ()):
            piece_start = max(cursor, held_from)
            piece_end = min(end, held_to) if held_to is not None else end
            if piece_start >= piece_end:
                continue
            if cursor < piece_start:
                pieces.append((PeerKey("no_holder", device_id), cursor, piece_start))
            pieces.append((PeerKey("person", person_id), piece_start, piece_end))
            cursor = piece_end
        if cursor < end:
            pieces.append((PeerKey("no_holder", device_id), cursor, end))
        return pieces


def peer_directory(*, peer_tags: set[int], window: Window) -> PeerDirectory:
    devices = list(
        Device.objects.filter(tag_id__in=peer_tags).values_list("tag_id", "device_id", "state")
    )
    device_of_tag = {tag: device_id for tag, device_id, _ in devices}
    directory = PeerDirectory(device_of_tag, {device_id: state for _, device_id, state in devices})
    holdings = (
        Association.objects.filter(device_id__in=device_of_tag.values(), started_at__lt=window.end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=window.start))
        .order_by("started_at")
    )
    by_device = defaultdict(list)
    for device_id, start, end, person_id in holdings.values_list(
        "device_id", "started_at", "ended_at", "person_id"
    ):
        by_device[device_id].append((to_second(start), end and to_second(end), person_id))
    directory.holdings = dict(by_device)
    person_ids = {person_id for periods in by_device.values() for *_, person_id in periods}
    directory.people = {p.person_id: p for p in Person.objects.filter(person_id__in=person_ids)}
    return directory


def contact_pieces(
    seen: list[SeenEncounter], directory: PeerDirectory, *, exclude_person_id: str
) -> dict[PeerKey, list[Piece]]:
    """Every part of every encounter, attributed to whoever held the peer device during it.

    A part during which the traced person held the peer device too (their own
    second device) is nobody's contact and is left out.
    """
    by_peer: dict[PeerKey, list[Piece]] = defaultdict(list)
    for encounter in seen:
        for key, start, end in directory.split(encounter.peer_tag, encounter.start, encounter.end):
            if key == PeerKey("person", exclude_person_id):
                continue
            by_peer[key].append(
                Piece(
                    start,
                    end,
                    cut_start=encounter.cut_start and start == encounter.start,
                    cut_end=encounter.cut_end and end == encounter.end,
                )
            )
    return dict(by_peer)


def contacts_of(*, person_id: str, window: Window) -> tuple[list[HeldTag], PeerDirectory, dict]:
    """The whole chain for one person and window: holdings, the peers' directory, pieces by peer."""
    held = held_tags(person_id=person_id, window=window)
    seen = encounters_while_held(held)
    directory = peer_directory(peer_tags={e.peer_tag for e in seen}, window=window)
    return held, directory, contact_pieces(seen, directory, exclude_person_id=person_id)
