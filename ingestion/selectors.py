"""What the ingestion path can tell about itself: uplinks per integration, and silence.

Counted per network server (integration), never per device: how many uplinks the inbox
accepted lately says nothing about any one person. Read from the inbox, which keeps
every accepted uplink's integration and acceptance time for INBOX_KEEP_PROCESSED_HOURS.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from ingestion.models import InboxUplink, Integration

WINDOW = timedelta(minutes=5)
HISTORY = timedelta(hours=24)


@dataclass(frozen=True)
class Activity:
    integration: str
    last_5_min: int
    usual_per_hour: float  # over the 24 hours before the silence window
    silent: bool  # usually sends, nothing for INGEST_SILENCE_MINUTES, within working hours

    @property
    def status(self) -> str:
        return "silent" if self.silent else "ok"


def working_hours(moment: datetime) -> bool:
    """Monday to Friday within INGEST_WORKING_HOURS ("07:00-19:00"), local time."""
    local = timezone.localtime(moment)
    start, end = (time.fromisoformat(part) for part in settings.INGEST_WORKING_HOURS.split("-"))
    return local.weekday() < 5 and start <= local.time() < end


def integration_activity(*, now: datetime | None = None) -> list[Activity]:
    """Each integration's uplinks in the last 5 minutes, its usual rate, and whether it is
    silent when it should not be (one query over the inbox's acceptance index)."""
    now = now or timezone.now()
    quiet = timedelta(minutes=settings.INGEST_SILENCE_MINUTES)
    since = now - quiet - HISTORY
    rows = InboxUplink.objects.filter(accepted_at__gte=since, accepted_at__lte=now)
    counted = rows.values("integration").annotate(
        recent=Count("pk", filter=Q(accepted_at__gt=now - WINDOW)),
        quiet=Count("pk", filter=Q(accepted_at__gt=now - quiet)),
        before=Count("pk", filter=Q(accepted_at__lte=now - quiet)),
    )
    by_integration = {row["integration"]: row for row in counted}
    within = working_hours(now)
    found = []
    for integration in Integration.values:
        row = by_integration.get(integration, {"recent": 0, "quiet": 0, "before": 0})
        usual = row["before"] / (HISTORY.total_seconds() / 3600)
        found.append(
            Activity(
                integration=integration,
                last_5_min=row["recent"],
                usual_per_hour=round(usual, 1),
                silent=within
                and row["quiet"] == 0
                and usual >= settings.INGEST_SILENCE_USUAL_PER_HOUR,
            )
        )
    return found
