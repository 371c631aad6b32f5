"""What the desk looks up: a device or a person, with holdings, history and lost reports.

Each joins the `assets` and `associations` databases (never `encounters`).
"""

from dataclasses import dataclass, field

from assets.models import Device, DeviceEvent
from assets.services import device_get
from registration.models import Association, LostReport, Person
from registration.selectors import person_get


def _device_or_404(device_id: str) -> Device:
    return device_get(device_id=device_id)  # trimmed, any case (core.device_ids)


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
