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
