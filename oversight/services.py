"""Sending the weekly digest of unusual activity to the data-protection office."""

import logging
from datetime import date, timedelta

from django.core import mail
from django.utils import timezone

from core.i18n import in_language_of, language_of
from oversight import emails, selectors

logger = logging.getLogger(__name__)


def digest_send(*, until: date | None = None) -> int:
    """Send the digest of the seven local days ending `until` (default: yesterday) to every
    privacy officer; returns how many messages left. Nothing is written: sending twice
    sends the same digest twice."""
    until = until or timezone.localdate() - timedelta(days=1)
    since = until - timedelta(days=6)
    recipients = selectors.digest_recipients_with_accounts()
    if not recipients:
        logger.warning(
            "privacy digest not sent: no account of the privacy role has an e-mail address "
            "and PRIVACY_DIGEST_EMAILS is empty"
        )
        return 0
    break_glass = selectors.break_glass_list(since=since, until=until)
    # The alerts' sentences are words: computed once per language the recipients read.
    alerts_in: dict[str, list] = {}
    messages = []
    for address, account in recipients:
        language = language_of(account)
        if language not in alerts_in:
            with in_language_of(account):
                alerts_in[language] = selectors.anomalies_list(since=since, until=until)
        messages.append(
            emails.digest_email(
                since=since,
                until=until,
                alerts=alerts_in[language],
                break_glass=break_glass,
                to=address,
                recipient=account,
            )
        )
    alerts = next(iter(alerts_in.values()), [])
    with mail.get_connection() as connection:
        sent = connection.send_messages(messages) or 0
    logger.info(
        "privacy digest sent",
        extra={"messages": sent, "alerts": len(alerts), "break_glass": len(break_glass)},
    )
    return sent
