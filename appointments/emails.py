"""Appointment emails: confirmation, reminder and cancellation, with a calendar (.ics) entry.

Wording lives in templates (`appointments/email/<kind>_subject.txt` and
`_body.txt`), the sender in the setting APPOINTMENTS_FROM_EMAIL. Each message is
written in its recipient's language (`in_language_of(person)`), dates included.
"""

from datetime import UTC
from email.utils import parseaddr
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress

from appointments.models import Booking, Campaign, WaitlistEntry
from core.dates import format_day, format_time
from core.i18n import in_language_of
from registration.models import Person

CALENDAR_METHOD = {"confirmation": "REQUEST", "reminder": "REQUEST", "cancellation": "CANCEL"}


def booking_calendar(booking: Booking, *, method: str) -> bytes:
    """An RFC 5545 calendar entry; the UID stays the same when the booking moves or is cancelled."""
    calendar = Calendar()
    calendar.add("prodid", "-//Proximeter Portal//appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"booking-{booking.pk}@{settings.APPOINTMENTS_CALENDAR_DOMAIN}")
    event.add("summary", f"{booking.campaign.name}: {booking.slot.location.name}")
    event.add(
        "location", f"{booking.slot.location.name}, {booking.slot.location.address}".strip(", ")
    )
    event.add("dtstart", booking.slot.starts_at)
    event.add("dtend", booking.slot.ends_at)
    event.add("dtstamp", timezone.now())
    # Each change must outrank the last, or calendars ignore it (RFC 5545 3.8.7.4).
    event.add("sequence", booking.sequence)
    # RFC 5546 (iTIP): a REQUEST or CANCEL names its organizer and its attendee.
    event.add("organizer", _calendar_address(settings.APPOINTMENTS_FROM_EMAIL))
    if booking.person.email:
        event.add(
            "attendee", _calendar_address(booking.person.email, name=booking.person.full_name)
        )
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def calendar_links(booking: Booking) -> dict:
    """Links that add the booking to Google Calendar and Outlook.com (their documented
    "render" and "deeplink/compose" addresses), built from the booking, in UTC."""
    title = f"{booking.campaign.name}: {booking.slot.location.name}"
    where = f"{booking.slot.location.name}, {booking.slot.location.address}".strip(", ")
    details = _("Appointments: %(url)s") % {
        "url": f"{settings.PORTAL_URL}/appointments/?booking={booking.pk}"
    }
    start, end = booking.slot.starts_at.astimezone(UTC), booking.slot.ends_at.astimezone(UTC)
    google = urlencode(
        {
            "action": "TEMPLATE",
            "text": title,
            "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
            "location": where,
            "details": details,
        }
    )
    outlook = urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": title,
            "startdt": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "enddt": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "location": where,
            "body": details,
        }
    )
    return {
        "google": f"https://calendar.google.com/calendar/render?{google}",
        "outlook": f"https://outlook.live.com/calendar/0/deeplink/compose?{outlook}",
    }


def _calendar_address(address: str, *, name: str = "") -> vCalAddress:
    """`Name <a@b>` or `a@b` as a calendar user address (mailto:) with its common name."""
    display, email = parseaddr(address)
    calendar_address = vCalAddress(f"mailto:{email}")
    if name or display:
        calendar_address.params["cn"] = name or display
    return calendar_address


def _one_line(subject: str) -> str:
    """A subject is one header line: a line break in a name would fail every message."""
    return " ".join(subject.split())


def booking_email(booking: Booking, kind: str) -> EmailMessage | None:
    """The message for `kind`, or None when the person has no email address."""
    if not booking.person.email:
        return None
    starts_at = timezone.localtime(booking.slot.starts_at)
    with in_language_of(booking.person):
        context = {
            "booking": booking,
            "person": booking.person,
            "slot": booking.slot,
            "starts_at": starts_at,
            "day_text": format_day(starts_at),
            "time_text": format_time(starts_at),
            "zone": starts_at.tzname(),
            "location": booking.slot.location,
            "campaign": booking.campaign,
            "portal_url": settings.PORTAL_URL,
        }
        message = EmailMessage(
            subject=_one_line(render_to_string(f"appointments/email/{kind}_subject.txt", context)),
            body=render_to_string(f"appointments/email/{kind}_body.txt", context),
            from_email=settings.APPOINTMENTS_FROM_EMAIL,
            to=[booking.person.email],
        )
    message.attach(
        "appointment.ics",
        booking_calendar(booking, method=CALENDAR_METHOD[kind]),
        f"text/calendar; method={CALENDAR_METHOD[kind]}; charset=utf-8",
    )
    return message


def recall_invitation_email(campaign: Campaign, person: Person) -> EmailMessage | None:
    if not person.email:
        return None
    context = {"campaign": campaign, "person": person, "portal_url": settings.PORTAL_URL}
    with in_language_of(person):
        return EmailMessage(
            subject=_one_line(render_to_string("appointments/email/recall_subject.txt", context)),
            body=render_to_string("appointments/email/recall_body.txt", context),
            from_email=settings.APPOINTMENTS_FROM_EMAIL,
            to=[person.email],
        )


def waitlist_email(entry: WaitlistEntry) -> EmailMessage | None:
    """A time freed up on the day the person waits for."""
    if not entry.person.email:
        return None
    with in_language_of(entry.person):
        context = {
            "campaign": entry.campaign,
            "person": entry.person,
            "day": entry.day,
            "day_text": format_day(entry.day),
            "portal_url": settings.PORTAL_URL,
        }
        return EmailMessage(
            subject=_one_line(render_to_string("appointments/email/waitlist_subject.txt", context)),
            body=render_to_string("appointments/email/waitlist_body.txt", context),
            from_email=settings.APPOINTMENTS_FROM_EMAIL,
            to=[entry.person.email],
        )
