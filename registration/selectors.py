"""Reads of the `associations` database: people, and who held a device when.

The desk's views of a device or a person with its state (two databases) are in desk/selectors.py.
"""

from datetime import datetime

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from core.errors import DomainError
from registration.models import Association, Person


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
            _(
                "Your account is not linked to a person of the organisation's directory. "
                "Contact the registration service."
            ),
            code="no_person",
            status_code=403,
        )
    return person


def person_get(*, person_id: str) -> Person:
    person = Person.objects.filter(person_id=person_id).first()
    if person is None:
        raise DomainError(
            _("There is no person %(person)s.") % {"person": person_id},
            code="unknown_person",
            status_code=404,
        )
    return person
