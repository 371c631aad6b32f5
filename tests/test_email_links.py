"""Every link in every e-mail the portal sends starts with PORTAL_URL, whatever host the request
that caused it came in by: each kind is rendered through the code that sends it, and a new
e-mail template without a renderer here fails the test (so that no kind is forgotten)."""

import importlib
import re
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import override_settings
from django.urls import clear_url_caches, include, path
from django.utils import timezone

from appointments import emails as appointment_emails
from appointments import services as appointments
from appointments.models import Campaign, WaitlistEntry
from cases import reveals
from cases.emails import notification_email
from oversight.emails import digest_email
from simulation.demo_accounts import load_demo_accounts
from tests.appointments.factories import make_campaign, make_location
from tests.registration.factories import make_person

pytestmark = pytest.mark.django_db(databases="__all__")

PORTAL = "https://portal.example.org"
LINK = re.compile(r"[a-z][a-z0-9+.-]*://[^\s<>\"']+", re.IGNORECASE)
# Written as people type them: an apostrophe, an ampersand, angle brackets.
NAME, PLACE = "Zoë O'Brien", "Recall of B&B <2>"


def appointment_mails() -> dict[str, list]:
    person = make_person("1", "Zoë O'Brien", "Doe", email="zoe@example.org")
    campaign = make_campaign([make_location("Main desk")], name=PLACE, kind=Campaign.Kind.RECALL)
    campaign.invitations.create(person=person, device_id="P-1", invited_at=timezone.now())
    slot = campaign.slots.order_by("starts_at").first()
    booking = appointments.booking_create(person=person, slot_id=slot.pk)
    entry = WaitlistEntry.objects.create(
        campaign=campaign, person=person, day=slot.starts_at.date(), created_at=timezone.now()
    )
    return {
        "appointments/email/confirmation": [
            appointment_emails.booking_email(booking, "confirmation")
        ],
        "appointments/email/reminder": [appointment_emails.booking_email(booking, "reminder")],
        "appointments/email/cancellation": [
            appointment_emails.booking_email(booking, "cancellation")
        ],
        "appointments/email/recall": [appointment_emails.recall_invitation_email(campaign, person)],
        "appointments/email/waitlist": [appointment_emails.waitlist_email(entry)],
    }


def case_mails() -> dict[str, list]:
    person = make_person("2", NAME, "Doe", email="contact@example.org")
    follow_up = SimpleNamespace(end_date=date(2026, 3, 10), degree=1)
    case = SimpleNamespace(reference="C-2026-7")
    asked = SimpleNamespace(
        pk=7,
        requested_by="medic",
        get_scope_display="the close contacts",
        reason="Positive PCR",
        because=["The case is not confirmed."],
    )
    sent = {}
    for template, reveal in [
        ("reveal_waiting", asked),
        (
            "reveal_decided",
            SimpleNamespace(
                **vars(asked),
                decided_by="medic-2",
                status="approved",
                get_status_display="approved",
                comment="",
            ),
        ),
        (
            "reveal_decided",
            SimpleNamespace(
                **vars(asked),
                decided_by="medic-2",
                status="refused",
                get_status_display="refused",
                comment="No.",
            ),
        ),
    ]:
        mail.outbox.clear()
        reveals._send(["medic@example.org"], template, {"reveal": reveal, "case": case})
        sent.setdefault(f"cases/email/{template}", []).extend(mail.outbox)
    sent["cases/email/notify"] = [notification_email(follow_up, person)]
    return sent


def digest_mails() -> dict[str, list]:
    until = timezone.localdate()
    mail = digest_email(
        since=until - timedelta(days=6), until=until, alerts=[], break_glass=[], to="p@x.org"
    )
    return {"oversight/email/digest": [mail]}


# allauth's URLs are fixed when its module is imported: with SOCIALACCOUNT_ONLY (every test
# but a few) there is no password reset. The demo's set, for one test, then back.
urlpatterns = [path("accounts/", include("allauth.urls"))]


def _reload_allauth_urls() -> None:
    importlib.reload(importlib.import_module("allauth.account.urls"))
    importlib.reload(importlib.import_module("allauth.urls"))
    clear_url_caches()


@pytest.fixture
def demo_mode_urls():
    with override_settings(
        DEMO_MODE=True, SOCIALACCOUNT_ONLY=False, ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"]
    ):
        _reload_allauth_urls()
        yield
    _reload_allauth_urls()


def account_mails(client) -> dict[str, list]:
    """allauth's (demo mode only: local accounts), asked for on another host name."""
    load_demo_accounts()
    sent = {}
    for template, address in [
        ("account/email/password_reset_key", "desk@example.org"),
        ("account/email/unknown_account", "nobody@example.org"),
    ]:
        mail.outbox.clear()
        response = client.post(
            "/accounts/password/reset/", {"email": address}, HTTP_HOST="internal-name:8000"
        )
        assert response.status_code == 302, template
        sent[template] = list(mail.outbox)
    return sent


def templates_of_the_portal() -> set[str]:
    """Every e-mail kind of the portal's apps: `<app>/templates/<app>/email/<kind>_body.txt`."""
    root = Path(django_settings.BASE_DIR)
    return {
        str(path.relative_to(path.parents[2])).removesuffix("_body.txt")
        for path in root.glob("*/templates/*/email/*_body.txt")
    }


def texts(message) -> list[str]:
    """What a reader sees: subject, body, and every text part or attachment (the calendar)."""
    parts = [message.subject, message.body]
    parts += [content for content, _type in getattr(message, "alternatives", [])]
    for attachment in message.attachments:
        content = attachment[1] if isinstance(attachment, tuple) else attachment.get_payload()
        parts.append(content.decode() if isinstance(content, bytes) else str(content))
    return parts


def test_every_link_of_every_email_starts_with_the_portal_url(client, settings, demo_mode_urls):
    settings.PORTAL_URL = PORTAL
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = {**appointment_mails(), **case_mails(), **digest_mails()}
    assert set(sent) == templates_of_the_portal()  # a new kind needs its renderer above
    sent |= account_mails(client)
    for kind, messages in sent.items():
        assert messages and all(m is not None for m in messages), kind
        links = [link for m in messages for text in texts(m) for link in LINK.findall(text)]
        assert links, f"{kind}: no link found"
        outside = [link for link in links if not link.startswith(f"{PORTAL}/")]
        # A calendar entry's addresses are mail addresses (mailto:), never links to follow.
        assert [link for link in outside if not link.startswith("mailto:")] == [], kind


def test_names_and_places_read_as_written_in_every_email(settings):
    """Plain-text e-mails are not HTML: nothing is escaped (O'Brien, not O&#x27;Brien)."""
    settings.PORTAL_URL = PORTAL
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = {**appointment_mails(), **case_mails()}
    for kind, messages in sent.items():
        for message in messages:
            text = message.subject + message.body
            assert "&#" not in text and "&amp;" not in text and "&lt;" not in text, kind
            if kind not in {"cases/email/reveal_waiting", "cases/email/reveal_decided"}:
                assert "Zoë" in message.body, kind
        if kind.startswith("appointments/"):
            assert PLACE in messages[0].subject + messages[0].body, kind
