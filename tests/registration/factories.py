"""Factories for devices and people (one place, used by every registration test)."""

import itertools

from assets.models import Device
from registration.models import Person

_tags = itertools.count(10_000)


def make_device(device_id: str, **fields) -> Device:
    fields.setdefault("tag_id", next(_tags))
    return Device.objects.create(device_id=device_id, **fields)


def make_person(
    person_id: str, given_name: str = "Pat", family_name: str = "Doe", **fields
) -> Person:
    return Person.objects.create(
        person_id=person_id, given_name=given_name, family_name=family_name, **fields
    )


def people_holding_devices(people, *, since) -> None:
    """(person ID, given, family, department, tag) each: the person, with the device P-0<tag>
    held since `since`, and the e-mail given.family@example.org."""
    from registration.models import Association

    for person_id, given, family, department, tag in people:
        make_person(
            person_id,
            given,
            family,
            department=department,
            email=f"{given.lower()}.{family.lower()}@example.org",
        )
        make_device(f"P-0{tag}", tag_id=tag)
        Association.objects.create(
            person_id=person_id, device_id=f"P-0{tag}", started_at=since, started_by="t"
        )
