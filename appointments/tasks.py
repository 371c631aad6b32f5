"""Thin tasks: load by ID, call a service or send a message, retry on mail-server trouble."""

from smtplib import SMTPException

from celery import shared_task
from django.core.mail import BadHeaderError

from appointments import emails, services
from appointments.models import Booking, Campaign, WaitlistEntry
from registration.models import Person


@shared_task(
    name="appointments.booking_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def booking_email_send(booking_id: int, kind: str) -> bool:
    booking = (
        Booking.objects.select_related("slot__location", "campaign", "person")
        .filter(pk=booking_id)
        .first()
    )
    message = emails.booking_email(booking, kind) if booking else None
    if message is None:
        return False
    try:
        message.send()
    except (BadHeaderError, SMTPException, ValueError) as error:
        # Not the mail server's passing trouble (OSError, retried): the desk must know.
        services.booking_email_failed(booking=booking, problem=f"{kind} e-mail: {error}")
        return False
    if booking.email_problem:
        services.booking_email_failed(booking=booking, problem="")
    return True


@shared_task(
    name="appointments.recall_invitation_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def recall_invitation_email_send(campaign_id: int, person_id: str) -> bool:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    person = Person.objects.filter(person_id=person_id).first()
    message = emails.recall_invitation_email(campaign, person) if campaign and person else None
    if message is None:
        return False
    message.send()
    return True


@shared_task(name="appointments.reminders_send")
def reminders_send() -> int:
    """Daily (Celery beat): remind everyone booked for tomorrow."""
    return services.reminders_send()


@shared_task(name="appointments.waitlist_notify")
def waitlist_notify(slot_id: int) -> int:
    """A booking on the slot's day was cancelled: e-mail whoever waits for that day."""
    return len(services.waitlist_notify(slot_id=slot_id))


@shared_task(
    name="appointments.waitlist_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def waitlist_email_send(entry_id: int) -> bool:
    entry = WaitlistEntry.objects.select_related("campaign", "person").filter(pk=entry_id).first()
    message = emails.waitlist_email(entry) if entry else None
    if message is None:
        return False
    message.send()
    return True
