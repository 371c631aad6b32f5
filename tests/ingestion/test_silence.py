"""Silence: a network server that usually sends and stops in working hours is reported in
/healthz (a warning, not a failure) and /metrics; checked against a simple reference."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.models import InboxUplink
from ingestion.selectors import integration_activity

pytestmark = pytest.mark.django_db(databases="__all__")
ZURICH = ZoneInfo("Europe/Zurich")


def reference_silent(now: datetime, accepted: list[datetime]) -> bool:
    """The rule in words: on a weekday between 07:00 and 19:00 in Zurich, nothing in the last
    15 minutes, after at least 12 an hour on average over the 24 hours before them."""
    local = now.astimezone(ZURICH)
    if local.weekday() >= 5 or not (7 <= local.hour < 19):
        return False
    quiet_from = now - timedelta(minutes=15)
    if any(quiet_from < at <= now for at in accepted):
        return False
    before = [at for at in accepted if quiet_from - timedelta(hours=24) <= at <= quiet_from]
    return len(before) / 24 >= 12


def accept(moments: list[datetime], integration: str = "tts") -> None:
    InboxUplink.objects.bulk_create(
        InboxUplink(
            integration=integration,
            delivery_key=f"k{n}",
            accepted_at=at,
            status="processed",
        )
        for n, at in enumerate(moments)
    )


# Around the borders: 15 minutes ago, 24 h 15 min ago, 07:00/19:00, midnight, weekends and
# the DST change (2026-10-25 in Zurich).
nows = st.sampled_from(
    [
        datetime(2026, 12, 2, 10, 0, tzinfo=UTC),  # Wednesday 11:00 local
        datetime(2026, 12, 2, 6, 0, tzinfo=UTC),  # 07:00 local: working hours begin
        datetime(2026, 12, 2, 17, 59, 59, tzinfo=UTC),  # 18:59:59 local
        datetime(2026, 12, 2, 18, 0, tzinfo=UTC),  # 19:00 local: over
        datetime(2026, 12, 5, 10, 0, tzinfo=UTC),  # Saturday
        datetime(2026, 10, 26, 7, 30, tzinfo=UTC),  # Monday after the DST change
        datetime(2026, 12, 7, 6, 10, tzinfo=UTC),  # Monday, the history reaches into Sunday
    ]
)
offsets = st.one_of(
    st.integers(min_value=0, max_value=25 * 3600),
    st.sampled_from([0, 899, 900, 901, 15 * 60 + 24 * 3600, 15 * 60 + 24 * 3600 + 1]),
)


@override_settings(
    INGEST_SILENCE_MINUTES=15, INGEST_SILENCE_USUAL_PER_HOUR=12, INGEST_WORKING_HOURS="07:00-19:00"
)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(now=nows, seconds_ago=st.lists(offsets, max_size=400), bulk=st.integers(0, 400))
def test_silence_agrees_with_the_reference(now, seconds_ago, bulk):
    InboxUplink.objects.all().delete()
    # `bulk` uplinks spread over the history make "usually sends" true about half the time.
    spread = [
        now - timedelta(minutes=16, seconds=(n * 86_000) // max(bulk, 1)) for n in range(bulk)
    ]
    moments = [now - timedelta(seconds=s) for s in seconds_ago] + spread
    accept(moments)
    [tts] = [a for a in integration_activity(now=now) if a.integration == "tts"]
    assert tts.silent == reference_silent(now, moments)
    assert tts.last_5_min == sum(now - timedelta(minutes=5) < at <= now for at in moments)


def test_a_silent_network_server_is_a_warning_in_healthz_and_a_metric(client, settings):
    settings.INGEST_WORKING_HOURS = "00:00-23:59"
    settings.INGEST_SILENCE_USUAL_PER_HOUR = 1
    now = datetime.now(UTC)
    accept([now - timedelta(hours=2, minutes=n) for n in range(60)], "tts")
    accept([now - timedelta(seconds=30)], "chirpstack")
    answer = client.get("/healthz")
    assert answer.status_code in (200,) or answer.json()["status"] == "ok"
    checks = answer.json()["checks"]
    if datetime.now(ZURICH).weekday() < 5:
        assert checks["ingest:tts"]["status"] == "warning"
        assert checks["ingest:tts"]["problem"] == "silent in working hours"
    assert checks["ingest:chirpstack"]["status"] == "ok"
    assert checks["ingest:chirpstack"]["uplinks_last_5_min"] == 1
    metrics = client.get("/metrics").content.decode()
    assert 'proximeter_ingest_uplinks_last_5m{integration="chirpstack"} 1.0' in metrics
    silent = int(datetime.now(ZURICH).weekday() < 5)
    assert f'proximeter_ingest_integration_silent{{integration="tts"}} {silent}.0' in metrics
