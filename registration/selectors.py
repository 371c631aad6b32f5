"""Reads for the registration desk: people search, a device's or a person's status.

These join `assets` (the device) and `associations` (who held it) in memory.
They never touch encounters.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import OuterRef, Q, Subquery

from assets.models import Device, DeviceEvent
from core.errors import DomainError
from registration.models import Association, LostReport, Person
from registration.services import person_get


def person_search(*, query: str, limit: int = 10) -> list[Person]:
    """People whose names, person ID, email or department match every word typed.

    Active people first; each carries `current_device_id` (or None).
    """
    words = query.split()
    if not words:
        return []
    people = Person.objects.all()
    for word in words[:5]:
        people = people.filter(
            Q(family_name__icontains=word)
            | Q(given_name__icontains=word)
            | Q(person_id__startswith=word)
            | Q(email__istartswith=word)
            | Q(department__iexact=word)
        )
    open_holding = Association.objects.filter(
        person_id=OuterRef("person_id"), ended_at__isnull=True
    )
    people = people.annotate(
        current_device_id=Subquery(open_holding.values("device_id")[:1])
    ).order_by("-active", "family_name", "given_name", "person_id")
    return list(people[:limit])


def _device_or_404(device_id: str) -> Device:
    device = Device.objects.filter(device_id=device_id.strip()).first()
    if device is None:
        raise DomainError(
            f"There is no device {device_id}.", code="unknown_device", status_code=404
        )
    return device


@dataclass
class DeviceStatus:
    device: Device
    holding: Association | None  # the open one
    holdings: list[Association] = field(default_factory=list)
    events: list[DeviceEvent] = field(default_factory=list)
    lost_reports: list[LostReport] = field(default_factory=list)

    @property
    def last_holder(self) -> Person | None:
        """Whoever held the device most recently (now, or before it was lost)."""
        return self.holdings[0].person if self.holdings else None


def device_status(*, device_id: str) -> DeviceStatus:
    device = _device_or_404(device_id)
    holdings = list(Association.objects.filter(device_id=device.device_id).select_related("person"))
    return DeviceStatus(
        device=device,
        holding=next((h for h in holdings if h.ended_at is None), None),
        holdings=holdings,
        events=list(device.events.order_by("-at", "-pk")),
        lost_reports=list(
            LostReport.objects.filter(device_id=device.device_id).select_related("holder")
        ),
    )


@dataclass
class PersonStatus:
    person: Person
    holding: Association | None
    device: Device | None
    holdings: list[Association] = field(default_factory=list)
    lost_reports: list[LostReport] = field(default_factory=list)


def person_status(*, person_id: str) -> PersonStatus:
    person = person_get(person_id=person_id.strip())
    holdings = list(person.holdings.all())
    holding = next((h for h in holdings if h.ended_at is None), None)
    device = Device.objects.filter(device_id=holding.device_id).first() if holding else None
    return PersonStatus(
        person=person,
        holding=holding,
        device=device,
        holdings=holdings,
        lost_reports=list(person.lost_reports.all()),
    )


def holder_at(*, device_id: str, at: datetime) -> Person | None:
    """Who held the device at that instant, if anyone."""
    holding = (
        Association.objects.filter(device_id=device_id, started_at__lte=at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))
        .select_related("person")
        .first()
    )
    return holding.person if holding else None


def person_for_user(user) -> Person:
    """The directory entry of a signed-in person (the person ID comes from the provider)."""
    person = Person.objects.filter(person_id=user.person_id).first() if user.person_id else None
    if person is None or not person.active:
        raise DomainError(
            "Your account is not linked to a person of the organisation's directory. "
            "Contact the registration service.",
            code="no_person",
            status_code=403,
        )
    return person
