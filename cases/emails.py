"""The e-mail that tells a close contact what to do and until when.

It never names the case, the place or anyone's encounter times: only the
recipient, the end date and whom to call (templates `cases/email/notify_*`).
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from cases.models import FollowUp
from core.dates import format_date_long
from core.i18n import in_language_of
from registration.models import Person


def notification_context(follow_up: FollowUp, person: Person | None) -> dict:
    return {
        "given_name": person.given_name if person else "",
        "until": follow_up.end_date,
        # A contact of a contact is not told that a positive person met them.
        "degree": follow_up.degree,
        "days": settings.CONTACT_FOLLOW_UP_DAYS,
        "contact": settings.MEDICAL_SERVICE_CONTACT,
        "portal_url": settings.PORTAL_URL,
    }


def notification_text(follow_up: FollowUp, person: Person | None) -> tuple[str, str]:
    """(subject, body), as the preview shows and the e-mail says: in the recipient's language."""
    with in_language_of(person):
        context = {
            **notification_context(follow_up, person),
            # 4 December 2026 (4 décembre 2026, 1er décembre): a day in running text.
            "until_words": format_date_long(follow_up.end_date),
        }
        subject = " ".join(render_to_string("cases/email/notify_subject.txt", context).split())
        return subject, render_to_string("cases/email/notify_body.txt", context)


def notification_email(follow_up: FollowUp, person: Person | None) -> EmailMessage | None:
    """The message, or None when the person has no e-mail address."""
    if person is None or not person.email:
        return None
    subject, body = notification_text(follow_up, person)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.CONTACT_NOTIFY_FROM_EMAIL,
        to=[person.email],
    )
