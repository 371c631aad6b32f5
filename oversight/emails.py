"""The weekly digest for the data-protection office (wording: templates/oversight/email/)."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.translation import pgettext

from core.dates import format_date, format_day, format_time
from core.i18n import in_language_of
from oversight.rules import Alert, Rule
from oversight.selectors import BreakGlass


@dataclass(frozen=True)
class RuleCount:
    rule: str
    label: str
    count: int


def review_words(review: str) -> str:
    """A break-glass reveal's review, as the digest writes it ("" while it waits)."""
    words = {
        "reviewed": pgettext("break-glass review", "reviewed"),
        "escalated": pgettext("break-glass review", "escalated"),
    }
    return words.get(review, review)


def digest_email(
    *,
    since: date,
    until: date,
    alerts: list[Alert],
    break_glass: list[BreakGlass],
    to: str,
    recipient=None,
) -> EmailMessage:
    """One privacy officer's digest: counts per rule, the break-glass reveals, every alert.

    It names staff accounts and case references, never a person traced: alerts carry
    none, and break-glass entries are listed without their person or free-text reason.

    Written in `recipient`'s language (an accounts.User; None: the portal's default). The
    alerts' sentences are words already: build them in that language too
    (oversight.services.digest_send does).
    """
    with in_language_of(recipient):
        context = {
            "since": since,
            "until": until,
            "since_day": format_day(since),
            "until_day": format_day(until),
            "since_date": format_date(since),
            "until_date": format_date(until),
            "time_zone": settings.TIME_ZONE,
            "alerts": alerts,
            "break_glass": [
                {
                    "at": f"{format_day(entry.at)}, {format_time(entry.at)}",
                    "actor": entry.actor,
                    "case_reference": entry.case_reference,
                    "review": review_words(entry.review),
                }
                for entry in break_glass
            ],
            "per_rule": [
                RuleCount(rule, str(Rule.LABELS[rule]), sum(1 for a in alerts if a.rule == rule))
                for rule in Rule.ALL
            ],
            "portal_url": settings.PORTAL_URL,
        }
        subject = render_to_string("oversight/email/digest_subject.txt", context)
        body = render_to_string("oversight/email/digest_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.PRIVACY_DIGEST_FROM_EMAIL,
        to=[to],
    )
