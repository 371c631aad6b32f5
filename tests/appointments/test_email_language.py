"""Each appointment e-mail goes out in its recipient's language (registration.Person.language):
English by default, French for a person who chose French, dates included."""

from datetime import time

import pytest
from django.utils import timezone, translation

from appointments import emails, services
from appointments.models import Campaign, WaitlistEntry
from core import dates
from tests.appointments.factories import make_campaign, make_location
from tests.registration.factories import make_person

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def english_afterwards():
    """A French request leaves French active in the thread: the next test starts in English."""
    yield
    translation.activate("en")


# Subject, then body, of each kind, in each language (the words, not the names and dates).
WORDS = {
    "confirmation": {
        "en": ("Your appointment: Hand-out, ", ["Hello Pat,", "your appointment is booked:"]),
        "fr": (
            "Votre rendez-vous : Hand-out, ",
            [
                "Bonjour Pat,",
                "Votre rendez-vous est réservé :",
                "Vous y recevrez votre appareil de proximité. Veuillez apporter votre badge.",
                "Pour le déplacer : http",
                "Service d’enregistrement",
            ],
        ),
    },
    "reminder": {
        "en": ("Reminder: Hand-out tomorrow at ", ["this is a reminder of your appointment"]),
        "fr": (
            "Rappel : Hand-out demain à ",
            [
                "Bonjour Pat,",
                "Nous vous rappelons votre rendez-vous de demain :",
                "Pour l’annuler :",
            ],
        ),
    },
    "cancellation": {
        "en": ("Cancelled: Hand-out, ", ["is cancelled.", "You can book another time at"]),
        "fr": (
            "Annulé : Hand-out, ",
            ["Votre rendez-vous du ", " est annulé.", "Vous pouvez réserver un autre créneau sur"],
        ),
    },
}


def _booking(language: str):
    campaign = make_campaign([make_location("Main desk", address="Building 33")], name="Hand-out")
    slot = campaign.slots.order_by("starts_at").first()
    person = make_person("1", email="pat@example.org", language=language)
    return services.booking_create(person=person, slot_id=slot.pk)


def _dates_in(language: str, moment) -> tuple[str, str]:
    """The day and time as core.dates writes them in `language` (English until it follows it)."""
    with translation.override(language):
        return dates.format_day(moment), dates.format_time(moment)


@pytest.mark.parametrize("kind", ["confirmation", "reminder", "cancellation"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_booking_email_is_written_in_the_persons_language(kind, language):
    booking = _booking("" if language == "en" else language)
    with translation.override("en" if language == "fr" else "fr"):  # the sender's is not theirs
        message = emails.booking_email(booking, kind)
    subject, body_words = WORDS[kind][language]
    assert message.subject.startswith(subject), message.subject
    for words in body_words:
        assert words in message.body, (words, message.body)
    day, at = _dates_in(language, booking.slot.starts_at)
    assert at in message.subject
    if kind != "reminder":
        assert f"{day}, {at}" in message.subject
    assert f"{day}, {at} {timezone.localtime(booking.slot.starts_at).tzname()}" in message.body
    if language == "fr":
        assert "Hello" not in message.body and "Registration service" not in message.body


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_recall_invitation_is_written_in_the_persons_language(language):
    campaign = make_campaign(
        [make_location("Main desk")], kind=Campaign.Kind.RECALL, name="Recall 1.4.2"
    )
    person = make_person("1", email="pat@example.org", language=language)
    message = emails.recall_invitation_email(campaign, person)
    if language == "fr":
        assert message.subject == (
            "Veuillez réserver un créneau pour échanger votre appareil de proximité (Recall 1.4.2)"
        )
        assert "L’appareil de proximité que vous portez fait l’objet d’un rappel" in message.body
        assert message.body.startswith("Bonjour Pat,")
    else:
        assert message.subject == "Please book a time to swap your proximeter (Recall 1.4.2)"
        assert "the proximeter you wear is part of a recall (Recall 1.4.2)" in message.body


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_waitlist_email_is_written_in_the_persons_language(language):
    campaign = make_campaign(
        [make_location("Main desk", hours=[(time(9), time(10))])], days=1, name="Hand-out"
    )
    day = campaign.starts_on
    entry = WaitlistEntry.objects.create(
        campaign=campaign,
        person=make_person("1", email="pat@example.org", language=language),
        day=day,
        created_at=timezone.now(),
    )
    message = emails.waitlist_email(entry)
    with translation.override(language):
        written_day = dates.format_day(day)
    if language == "fr":
        assert message.subject == f"Un créneau est libre le {written_day} (Hand-out)"
        assert f"Un créneau s’est libéré le {written_day} (Hand-out)" in message.body
        assert "réservez-le rapidement sur" in message.body
    else:
        assert message.subject == f"A time is free on {written_day} (Hand-out)"
        assert "Others may have been told too" in message.body


def test_the_language_is_the_recipients_even_inside_a_french_request():
    """A French clerk's action e-mails an English-speaking person in English."""
    booking = _booking("en")
    with translation.override("fr"):
        message = emails.booking_email(booking, "confirmation")
        assert translation.get_language() == "fr"  # given back afterwards
    assert message.subject.startswith("Your appointment: ")
