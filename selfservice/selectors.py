"""MY DATA: everything the service keeps about the signed-in person — and nothing about anyone else.

Encounters are attributed through the person's own holdings exactly as a
trace does (tracing.selectors), and both directions of a meeting are merged
by the peer's tag on the server. The peer is never resolved to a device or a
person (no lookup, so no join to audit), and no peer tag, device or name
leaves this module: an encounter is a start, a duration and a flag.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from appointments.models import Booking
from audit.models import AuditEntry
from registration.models import Association, LostReport
from tracing.contacts import Window, merge, seconds_per_day
from tracing.selectors import encounters_while_held, held_tags


@dataclass(frozen=True)
class MyEncounter:
    start: datetime
    seconds: int
    close_contact_length: bool


def my_encounters(*, person_id: str, now: datetime | None = None) -> list[MyEncounter]:
    """The person's encounters in the retention window, both directions merged."""
    now = now or timezone.now()
    window = Window(now - timedelta(days=settings.ENCOUNTER_RETENTION_DAYS), now, "retention")
    by_peer_tag: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for seen in encounters_while_held(held_tags(person_id=person_id, window=window)):
        by_peer_tag[seen.peer_tag].append((seen.start, seen.end))
    threshold = timedelta(minutes=settings.TRACING_CLOSE_CONTACT_MINUTES)
    found = [
        MyEncounter(start, int((end - start).total_seconds()), end - start > threshold)
        for intervals in by_peer_tag.values()
        for start, end in merge(intervals)
    ]
    return sorted(found, key=lambda e: (e.start, e.seconds))


def encounters_by_day(encounters: list[MyEncounter]) -> list[dict]:
    """Days (newest first) with their encounters and the day's total (split at local midnight)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    days: dict[date, list[MyEncounter]] = defaultdict(list)
    totals: dict[date, int] = defaultdict(int)
    for encounter in encounters:
        days[timezone.localtime(encounter.start, zone).date()].append(encounter)
        span = [(encounter.start, encounter.start + timedelta(seconds=encounter.seconds))]
        for day, seconds in seconds_per_day(span, zone).items():
            totals[day] += seconds
    return [
        {
            "date": day.isoformat(),
            "total_seconds": totals[day],
            "encounters": [
                {
                    "start": timezone.localtime(e.start, zone).isoformat(),
                    "seconds": e.seconds,
                    "close_contact_length": e.close_contact_length,
                }
                for e in days[day]
            ],
        }
        for day in sorted(set(days) | set(totals), reverse=True)
    ]


def my_data(*, person, now: datetime | None = None) -> dict:
    """Everything MY DATA shows and exports, for one person."""
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
        "days": encounters_by_day(encounters),
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
    }
    if settings.MYDATA_SHOW_CONSULTATIONS:
        # Dates only: never by whom or why.
        dates = AuditEntry.objects.filter(
            target_person_id=person.person_id, action=AuditEntry.Action.TRACE
        ).values_list("at", flat=True)
        data["consulted_on"] = sorted({local(at).date().isoformat() for at in dates}, reverse=True)
    return data
