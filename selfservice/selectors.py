"""MY DATA: everything the service keeps about the signed-in person — and nothing about anyone else.

Encounters are counted exactly as a trace counts them (tracing.selectors):
on both sides, by who held each device while the encounter happened, and
both directions of a meeting merged per peer. Finding the peer of each part
of an encounter joins the peers' holdings in memory, on the server; no peer
tag, device or name leaves this module (an encounter is a start, a duration
and a flag), so nothing is revealed and there is no join to audit.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from appointments.models import Booking
from audit.models import Disclosure
from cases.selectors import my_notifications
from core.replicas import replica_reads
from registration.models import Association, LostReport
from tracing.contacts import Piece, Window, merge, seconds_per_day
from tracing.selectors import contacts_of


@dataclass(frozen=True)
class MyEncounter:
    start: datetime
    seconds: int
    close_contact_length: bool


@replica_reads
def my_encounters(*, person_id: str, now: datetime | None = None) -> list[MyEncounter]:
    """The person's encounters in the retention window, both directions merged per peer."""
    now = now or timezone.now()
    window = Window(
        (now - timedelta(days=settings.ENCOUNTER_RETENTION_DAYS)).replace(microsecond=0),
        now.replace(microsecond=0),
        "retention",
    )
    _, _, by_peer = contacts_of(person_id=person_id, window=window)
    threshold = timedelta(minutes=settings.TRACING_CLOSE_CONTACT_MINUTES).total_seconds()
    found = [
        MyEncounter(piece.start, piece.seconds, piece.seconds > threshold)
        for pieces in by_peer.values()
        for piece in merge(pieces)
    ]
    return sorted(found, key=lambda e: (e.start, e.seconds))


def encounters_by_day(encounters: list[MyEncounter]) -> list[dict]:
    """Days (newest first) with their encounters and the day's total (split at local midnight)."""
    return list(iter_encounter_days(encounters))


def iter_encounter_days(encounters: list[MyEncounter]) -> Iterator[dict]:
    """The same days one at a time (an export streams them: a day's dicts, then the next)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    days: dict[date, list[MyEncounter]] = defaultdict(list)
    totals: dict[date, int] = defaultdict(int)
    for encounter in encounters:
        days[timezone.localtime(encounter.start, zone).date()].append(encounter)
        span = [Piece(encounter.start, encounter.start + timedelta(seconds=encounter.seconds))]
        for day, seconds in seconds_per_day(span, zone).items():
            totals[day] += seconds
    for day in sorted(set(days) | set(totals), reverse=True):
        yield {
            "date": day.isoformat(),
            "total_seconds": totals[day],
            "encounters": [
                {
                    "start": timezone.localtime(e.start, zone).isoformat(),
                    "seconds": e.seconds,
                    "close_contact_length": e.close_contact_length,
                }
                for e in days.pop(day, ())
            ],
        }


class _Days:
    """The days of a list of encounters, built afresh (one at a time) each time it is read."""

    def __init__(self, encounters: list[MyEncounter]) -> None:
        self.encounters = encounters

    def __iter__(self) -> Iterator[dict]:
        return iter_encounter_days(self.encounters)


def my_data(*, person, now: datetime | None = None, lazy: bool = False) -> dict:
    """Everything MY DATA shows and exports, for one person.

    `lazy`: "days" is built one day at a time each time it is read (the export).
    """
    now = now or timezone.now()
    encounters = my_encounters(person_id=person.person_id, now=now)
    local = timezone.localtime
    data = {
        "person": {
            "person_id": person.person_id,
            "name": person.full_name,
            "email": person.email,
            "department": person.department,
        },
        "retention_days": settings.ENCOUNTER_RETENTION_DAYS,
        "close_contact_minutes": settings.TRACING_CLOSE_CONTACT_MINUTES,
        "days": _Days(encounters) if lazy else encounters_by_day(encounters),
        "devices": [
            {
                "device_id": h.device_id,
                "from": local(h.started_at).isoformat(),
                "to": local(h.ended_at).isoformat() if h.ended_at else None,
                "end_reason": h.get_end_reason_display() if h.end_reason else "",
            }
            for h in Association.objects.filter(person_id=person.person_id).order_by("-started_at")
        ],
        "appointments": [
            {
                "campaign": b.campaign.name,
                "starts_at": local(b.slot.starts_at).isoformat(),
                "location": b.slot.location.name,
                "status": b.get_status_display(),
            }
            for b in Booking.objects.filter(person_id=person.person_id).select_related(
                "campaign", "slot__location"
            )
        ],
        "lost_reports": [
            {
                "device_id": r.device_id,
                "lost_at": local(r.lost_at).isoformat(),
                "reported_at": local(r.reported_at).isoformat(),
                "found_at": local(r.found_at).isoformat() if r.found_at else None,
            }
            for r in LostReport.objects.filter(holder_id=person.person_id)
        ],
        # The medical service's e-mails to me as a close contact: when, and until when.
        "notifications": [
            {"notified_at": local(n.at).isoformat(), "until": n.until.isoformat()}
            for n in my_notifications(person_id=person.person_id)
        ],
    }
    if settings.MYDATA_SHOW_CONSULTATIONS:
        # Dates only: never by whom or why.
        # As the person traced or as a contact whose identity a trace showed.
        dates = Disclosure.objects.filter(person_id=person.person_id).values_list(
            "entry__at", flat=True
        )
        data["consulted_on"] = sorted({local(at).date().isoformat() for at in dates}, reverse=True)
    return data
