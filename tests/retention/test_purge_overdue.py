"""The privacy office's "the purge has not run" alarm: after PURGE_OVERDUE_HOURS without a
purge, and on a fresh install only once that long has passed since the install (the first
migration applied to `default`), never merely because no purge was recorded yet."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from retention.models import PurgeRecord
from stats.selectors import purge_log

pytestmark = pytest.mark.django_db

HOURS = 36
BASE = datetime(2026, 3, 1, tzinfo=UTC)
MINUTES = st.integers(0, 6000)  # 100 hours around the 36 of the rule, minute by minute


def reference(install: datetime, purges: list[datetime], now: datetime) -> tuple[bool, object]:
    """The rule said plainly: the alarm rings when every moment that started the clock (each
    purge, or the install while there is none) lies more than 36 hours before now."""
    clocks = purges or [install]
    overdue = all(now - moment > timedelta(hours=HOURS) for moment in clocks)
    return overdue, (None if purges else install + timedelta(hours=HOURS))


def set_install(at: datetime) -> None:
    MigrationRecorder.Migration.objects.using("default").update(applied=at)


@hsettings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(install=MINUTES, purges=st.lists(MINUTES, max_size=4), now=MINUTES)
def test_the_alarm_agrees_with_the_reference(settings, install, purges, now):
    settings.PURGE_OVERDUE_HOURS = HOURS
    at = lambda minutes: BASE + timedelta(minutes=minutes)  # noqa: E731
    with transaction.atomic():
        set_install(at(install))
        PurgeRecord.objects.all().delete()
        for minutes in purges:
            PurgeRecord.objects.create(at=at(minutes), removed={})
        log = purge_log(now=at(now))
        transaction.set_rollback(True)
    overdue, due_by = reference(at(install), [at(m) for m in purges], at(now))
    assert log["overdue"] is overdue
    shown = log["first_purge_due_by"]
    assert (datetime.fromisoformat(shown) if shown else None) == due_by


def test_a_fresh_install_is_not_overdue_and_says_when_the_first_purge_is_due(
    client, privacy_officer
):
    client.force_login(privacy_officer)
    log = client.get(reverse("purge-log")).json()
    installed = MigrationRecorder.Migration.objects.order_by("applied").first().applied
    assert log["overdue"] is False and log["records"] == []
    assert datetime.fromisoformat(log["first_purge_due_by"]) == installed + timedelta(hours=36)


def test_no_purge_36_hours_after_the_install_is_overdue(client, privacy_officer):
    set_install(timezone.now() - timedelta(hours=37))
    client.force_login(privacy_officer)
    log = client.get(reverse("purge-log")).json()
    assert log["overdue"] is True
    assert datetime.fromisoformat(log["first_purge_due_by"]) < timezone.now()


def test_an_upgrade_does_not_restart_the_clock(client, privacy_officer):
    """A migration applied today (an upgrade) leaves the install where it was."""
    set_install(timezone.now() - timedelta(hours=40))
    latest = MigrationRecorder.Migration.objects.order_by("-id").first()
    MigrationRecorder.Migration.objects.filter(pk=latest.pk).update(applied=timezone.now())
    client.force_login(privacy_officer)
    assert client.get(reverse("purge-log")).json()["overdue"] is True


def test_once_a_purge_ran_the_clock_runs_from_it(client, privacy_officer):
    set_install(timezone.now() - timedelta(days=30))
    PurgeRecord.objects.create(at=timezone.now() - timedelta(hours=1), removed={})
    client.force_login(privacy_officer)
    log = client.get(reverse("purge-log")).json()
    assert log["overdue"] is False and log["first_purge_due_by"] is None
