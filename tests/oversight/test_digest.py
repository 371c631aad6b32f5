"""The weekly digest to the privacy officers, and the gauge Prometheus reads."""

import io
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record
from core.roles import Role
from oversight import tasks
from proximeter.celery import app as celery_app
from tests.oversight.history import every_day, local, write

pytestmark = pytest.mark.django_db(databases="__all__")

MONDAY, SUNDAY = date(2026, 11, 16), date(2026, 11, 22)
PERSON_NUMBERS = ("619991", "619992", "619993")


@pytest.fixture
def week(medic, second_medic):
    """A week with a break-glass reveal, refusals and a busy day, about distinctive people."""
    write(
        every_day("medic", "trace", per_day=2, days=20, before=MONDAY)
        + every_day("medic-2", "trace", per_day=2, days=20, before=MONDAY),
        target_person_id=PERSON_NUMBERS[0],
    )
    write(
        [("medic", "trace", local(date(2026, 11, 18), 9, m)) for m in range(15)],
        target_person_id=PERSON_NUMBERS[0],
        details={"disclosed": [PERSON_NUMBERS[0], PERSON_NUMBERS[1]]},
    )
    write(
        [("medic-2", "break_glass", local(date(2026, 11, 19), 22, 5))],
        target_person_id=PERSON_NUMBERS[2],
        case_reference="C-2026-042",
        reason="patient unconscious, called by the hospital",
    )
    write(
        [("medic", "trace_refused", local(date(2026, 11, 20), 11, m)) for m in range(2)],
        details={"person_id": PERSON_NUMBERS[1], "limit_per_hour": 20},
    )


@pytest.fixture
def officers(make_user):
    make_user("dpo", Role.PRIVACY, email="dpo@example.org")
    make_user("dpo-2", Role.PRIVACY, email="deputy@example.org")
    make_user("dpo-away", Role.PRIVACY, email="away@example.org", is_active=False)
    make_user("dpo-no-mail", Role.PRIVACY)
    make_user("medic-mail", Role.MEDICAL, email="medic@example.org")


def send(until: date = SUNDAY) -> str:
    out = io.StringIO()
    call_command("send_privacy_digest", "--until", until.isoformat(), stdout=out)
    return out.getvalue()


def test_each_privacy_officer_gets_the_weeks_digest(week, officers, settings):
    settings.PRIVACY_DIGEST_EMAILS = ["office@example.org", "DPO@example.org"]
    assert send() == "Digest sent to 3 addresses.\n"
    assert sorted(m.to[0] for m in mail.outbox) == [
        "deputy@example.org",
        "dpo@example.org",
        "office@example.org",
    ]
    message = mail.outbox[0]
    assert message.from_email == settings.PRIVACY_DIGEST_FROM_EMAIL
    assert message.subject == (
        "Unusual activity, 16 Nov 2026 to 22 Nov 2026: 6 alerts, 1 break-glass"
    )
    body = message.body
    assert "Mon 16 Nov 2026 to Sun 22 Nov 2026 (Europe/Zurich)" in body
    for line in (
        "  many traces in a day: 1",
        "  many exports in a day: 0",
        "  traces or reveals at an unusual hour: 2",  # Wednesday 09:00, Thursday 22:00
        "  identities shown outside working hours: 1",
        "  break-glass reveal: 1",
        "  refused by the hourly limit: 1",
    ):
        assert line + "\n" in body
    # An audit entry without a request behind it (written here directly) waits for review.
    assert "  Thu 19 Nov 2026, 22:05  medic-2  case C-2026-042  not reviewed yet\n" in body
    assert "  - medic ran 15 traces on Wed 18 Nov 2026: their usual is 2 a day" in body
    assert "  - medic-2 named contacts urgently without approval (break-glass) 1 time" in body
    assert "/audit/?since=2026-11-16&until=2026-11-22" in body


def test_the_digest_names_no_traced_person_and_no_reason(week, officers):
    send()
    for message in mail.outbox:
        text = message.subject + message.body
        for number in PERSON_NUMBERS:
            assert number not in text
        assert "unconscious" not in text


def test_a_week_with_nothing_unusual_says_so(officers, medic):
    send()
    body = mail.outbox[0].body
    assert "Break-glass reveals (0), each to be reviewed on the Audit page\n  none\n" in body
    assert "Alerts, newest first\n  none\n" in body
    assert mail.outbox[0].subject.endswith(": 0 alerts, 0 break-glass")


def test_without_any_address_nothing_is_sent_and_the_command_says_why(week, settings):
    settings.PRIVACY_DIGEST_EMAILS = []
    err = io.StringIO()
    call_command("send_privacy_digest", stdout=io.StringIO(), stderr=err)
    assert mail.outbox == []
    assert "No digest sent" in err.getvalue()


@pytest.mark.parametrize("until", ["yesterday", "0001-01-01", "2026-02-30"])
def test_the_command_refuses_a_day_it_cannot_read(until):
    with pytest.raises(CommandError):
        call_command("send_privacy_digest", "--until", until)


def test_beat_sends_it_every_monday_through_a_thin_task(settings, officers):
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-digest"]
    assert entry["task"] == "oversight.digest_send" and entry["task"] in celery_app.tasks
    assert entry["schedule"].day_of_week == {1}
    assert tasks.digest_send() == 2  # last week, to the two officers with an address
    yesterday = timezone.localdate() - timedelta(days=1)
    since = yesterday - timedelta(days=6)
    assert f"/audit/?since={since.isoformat()}&until={yesterday.isoformat()}" in (
        mail.outbox[0].body
    )


# --- Prometheus ---------------------------------------------------------------------------


def test_the_gauge_counts_todays_alerts_per_rule_and_names_no_one(client, medic):
    audit_record(
        acting_user=medic,
        action=AuditEntry.Action.BREAK_GLASS,
        target_person_id="619994",
        case_reference="C-9",
        reason="urgent",
    )
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    lines = [line for line in text.splitlines() if line.startswith("proximeter_oversight_alerts")]
    assert 'proximeter_oversight_alerts{rule="break_glass"} 1.0' in lines
    assert len(lines) == 6  # one per rule, zeros included
    assert all(line.split("{")[1].startswith('rule="') for line in lines)
    # No label anywhere names the account or the person (a sample's value may hold the digits).
    labels = re.findall(r"\{([^}]*)\}", text)
    assert "medic" not in "\n".join(lines) and not any("619994" in label for label in labels)
