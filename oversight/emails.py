"""The weekly digest for the data-protection office (wording: templates/oversight/email/)."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from oversight.rules import Alert, Rule
from oversight.selectors import BreakGlass


@dataclass(frozen=True)
class RuleCount:
    rule: str
    label: str
    count: int


def digest_email(
    *, since: date, until: date, alerts: list[Alert], break_glass: list[BreakGlass], to: str
) -> EmailMessage:
    """One privacy officer's digest: counts per rule, the break-glass reveals, every alert.

    It names staff accounts and case references, never a person traced: alerts carry
    none, and break-glass entries are listed without their person or free-text reason.
    """
    context = {
        "since": since,
        "until": until,
        "time_zone": settings.TIME_ZONE,
        "alerts": alerts,
        "break_glass": break_glass,
        "per_rule": [
            RuleCount(rule, Rule.LABELS[rule], sum(1 for a in alerts if a.rule == rule))
            for rule in Rule.ALL
        ],
        "portal_url": settings.PORTAL_URL,
    }
    subject = render_to_string("oversight/email/digest_subject.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=render_to_string("oversight/email/digest_body.txt", context),
        from_email=settings.PRIVACY_DIGEST_FROM_EMAIL,
        to=[to],
    )
