"""Outbreak signal: open cases linked by close contacts among themselves, shown pseudonymously.

    open cases ─(associations: holdings in the retention window)→ devices ─(assets)→ tags
    case tags ─(encounters: one query, tags only)→ encounters between two case tags
    each encounter ─(cut to the time *both* tags were held by the two cases' people)→ edges

An edge joins two open cases whose index people met, each carrying a device
they held at that moment, for one encounter longer than
TRACING_CLOSE_CONTACT_MINUTES, the trace's per-encounter rule (both directions
of one meeting merged, as a trace merges them). A device that changed hands
links only whoever held it during the encounter. The connected components of
two or more cases are the clusters.

The listing (`clusters_compute`, `Cluster.shown`) tells a cluster's size and
the first and last day of contact, under a key that is stable within a local
day and unlinkable to the next day's: no case reference, no person, no tag.
Who the cases are is `cluster_open`'s answer, a separate, audited step.
"""

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.services import audit_record
from cases import dates
from cases.models import Case
from core.errors import DomainError
from encounters.models import Encounter
from encounters.payload import SLOT_SECONDS
from registration.models import Person
from tracing import contacts
from tracing.selectors import held_tags_of

# --- Pseudonymous keys ----------------------------------------------------------------


def _day_key(day: date) -> bytes:
    """The key of one local day's cluster keys, derived from SECRET_KEY (never stored)."""
    return hmac.new(
        settings.SECRET_KEY.encode(),
        f"proximeter cluster keys {day.isoformat()}".encode(),
        hashlib.sha256,
    ).digest()


def cluster_key(case_ids, *, day: date) -> str:
    """The cluster's name for the day: an HMAC of its sorted case numbers (16 hex digits)."""
    message = ",".join(str(pk) for pk in sorted(case_ids)).encode()
    return hmac.new(_day_key(day), message, hashlib.sha256).hexdigest()[:16]


# --- Computing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """Two cases in close contact: their longest merged encounter (the case numbers kept in
    memory only; `cluster_open` shows them)."""

    case_a: int
    case_b: int
    first: datetime  # the start of their first close encounter
    last: datetime  # the end of their last close encounter
    longest: contacts.Piece


@dataclass(frozen=True)
class Cluster:
    key: str
    case_ids: tuple[int, ...]
    links: tuple[Link, ...]
    first_contact: date
    last_contact: date

    @property
    def size(self) -> int:
        return len(self.case_ids)

    def shown(self) -> dict:
        """What the listing shows: no case, no person, no tag."""
        return {
            "key": self.key,
            "size": self.size,
            "first_contact": self.first_contact,
            "last_contact": self.last_contact,
        }


def _retention_window(now: datetime) -> contacts.Window:
    now = now.astimezone(UTC).replace(microsecond=0)
    start = now - timedelta(days=settings.ENCOUNTER_RETENTION_DAYS)
    return contacts.Window(start=start, end=now, derived_from="explicit")


def _case_holdings(cases: list[Case], window: contacts.Window):
    """tag -> [(case pk, from, to)]: who among the open cases carried each tag, and when."""
    case_of_person = {case.person_id: case.pk for case in cases}
    by_tag = defaultdict(list)
    for person_id, held in held_tags_of(person_ids=case_of_person, window=window).items():
        for holding in held:
            if holding.tag is not None:
                by_tag[holding.tag].append((case_of_person[person_id], holding.start, holding.end))
    return dict(by_tag)


def _pieces_between_cases(by_tag: dict, window: contacts.Window) -> dict:
    """(case, case) -> pieces of encounters during which each tag was held by its case.

    One query to the encounters database, with the case tags only (both
    directions: either device may have recorded the meeting).
    """
    tags = list(by_tag)
    if len(tags) < 2:
        return {}
    longest = timedelta(minutes=settings.ENCOUNTER_MAX_MINUTES)
    records = Encounter.objects.filter(
        my_tag__in=tags,
        ref_tag__in=tags,
        started_at__gt=window.start - longest,
        started_at__lt=window.end,
    ).values_list("my_tag", "ref_tag", "started_at", "slots")
    pieces = defaultdict(list)
    for my_tag, ref_tag, started_at, slots in records:
        ended_at = started_at + timedelta(seconds=slots * SLOT_SECONDS)
        start, end = max(started_at, window.start), min(ended_at, window.end)
        for case_a, a_from, a_to in by_tag.get(my_tag, ()):
            for case_b, b_from, b_to in by_tag.get(ref_tag, ()):
                if case_a == case_b:
                    continue  # two devices of one person
                piece_start, piece_end = max(start, a_from, b_from), min(end, a_to, b_to)
                if piece_start < piece_end:
                    pair = (min(case_a, case_b), max(case_a, case_b))
                    pieces[pair].append(contacts.Piece(piece_start, piece_end))
    return pieces


def _links(pieces: dict) -> list[Link]:
    """The pairs with at least one encounter longer than TRACING_CLOSE_CONTACT_MINUTES: the
    trace's per-encounter rule (tracing.contacts.is_close_contact), so a link is a close contact."""
    threshold = timedelta(minutes=settings.TRACING_CLOSE_CONTACT_MINUTES).total_seconds()
    links = []
    for (case_a, case_b), found in pieces.items():
        close = [p for p in contacts.merge(found) if p.seconds > threshold]
        if close:
            links.append(
                Link(
                    case_a,
                    case_b,
                    first=min(p.start for p in close),
                    last=max(p.end for p in close),
                    longest=max(close, key=lambda p: (p.seconds, p.start)),
                )
            )
    return links


def _components(links: list[Link]) -> list[set[int]]:
    """Union-find over the cases the links join."""
    parent: dict[int, int] = {}

    def find(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for link in links:
        root_a, root_b = find(link.case_a), find(link.case_b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    groups = defaultdict(set)
    for node in parent:
        groups[find(node)].add(node)
    return [group for group in groups.values() if len(group) >= 2]


def clusters_compute(*, now: datetime | None = None) -> list[Cluster]:
    """The clusters among the open cases, largest and most recent first.

    Queries: open cases (default), holdings (associations), devices (assets),
    encounters (one, by tag): four, however many cases there are.
    """
    now = now or timezone.now()
    zone, window = dates.zone(), _retention_window(now)
    cases = list(Case.objects.filter(status=Case.Status.OPEN).only("pk", "person_id"))
    links = _links(_pieces_between_cases(_case_holdings(cases, window), window))
    today = timezone.localtime(now, zone).date()
    clusters = []
    for members in _components(links):
        inside = tuple(link for link in links if link.case_a in members)
        clusters.append(
            Cluster(
                key=cluster_key(members, day=today),
                case_ids=tuple(sorted(members)),
                links=inside,
                first_contact=min(link.first for link in inside).astimezone(zone).date(),
                last_contact=max(dates.exposure_day(link.last, zone) for link in inside),
            )
        )
    clusters.sort(key=lambda c: (-c.size, -c.last_contact.toordinal(), c.key))
    return clusters


def open_case_count() -> int:
    return Case.objects.filter(status=Case.Status.OPEN).count()


# --- Opening one (audited) ---------------------------------------------------------------


def cluster_open(*, key: str, reason: str, acting_user, now: datetime | None = None) -> dict:
    """Who the cases of a cluster are, and how they are linked: an identity-revealing step,
    with its reason, audited (CLUSTER_OPENED, the index people disclosed)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for opening this cluster."), code="reason")
    now = now or timezone.now()
    cluster = next((c for c in clusters_compute(now=now) if c.key == key), None)
    if cluster is None:
        raise DomainError(
            _(
                "There is no such cluster now: its cases changed, or the day did (keys last a "
                "day). Reload the list."
            ),
            code="not_found",
            status_code=404,
        )
    cases = {case.pk: case for case in Case.objects.filter(pk__in=cluster.case_ids)}
    if len(cases) != cluster.size:
        raise DomainError(
            _("A case of this cluster was just removed. Reload the list."),
            code="not_found",
            status_code=404,
        )
    people = {
        p.person_id: p
        for p in Person.objects.filter(person_id__in={c.person_id for c in cases.values()})
    }
    person_ids = sorted({case.person_id for case in cases.values()})
    audit_record(
        acting_user=acting_user,
        action=AuditEntry.Action.CLUSTER_OPENED,
        reason=reason,
        details={"cases": cluster.size},
        disclosed=person_ids,
    )
    zone = dates.zone()
    shown_cases = []
    for pk in cluster.case_ids:
        case = cases[pk]
        person = people.get(case.person_id)
        shown_cases.append(
            {
                "id": pk,
                "reference": case.reference,
                "person_id": case.person_id,
                "name": person.full_name if person else None,
            }
        )
    links = sorted(
        (
            {
                "case_a": cases[link.case_a].reference,
                "case_b": cases[link.case_b].reference,
                "day": link.longest.start.astimezone(zone).date(),
                "longest_minutes": contacts.minutes(link.longest.seconds),
            }
            for link in cluster.links
        ),
        key=lambda entry: (entry["day"], entry["case_a"], entry["case_b"]),
    )
    return {**cluster.shown(), "cases": shown_cases, "links": links}
