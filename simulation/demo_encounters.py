"""Demo encounters: simulated traffic of the assigned demo devices, through the webhook."""

from django.conf import settings
from django.utils import timezone

from encounters.aggregates import days_close
from encounters.models import Encounter
from ingestion.services import inbox_drain
from simulation.simulator import devices_from_assets, simulate


def load_demo_encounters(stdout=None) -> int:
    """Deliver a simulated week in process, then process the inbox right away, in batches
    (nothing is queued: the portal shows encounters the moment it starts)."""
    days = settings.DEMO_ENCOUNTER_DAYS
    if days == 0 or Encounter.objects.exists():
        return 0
    from assets.models import Device

    devices = devices_from_assets(
        Device.objects.filter(state="assigned", dev_eui__isnull=False).count()
    )
    report = simulate(devices, days=days, end=timezone.now(), seed=2021)
    inbox_drain()
    days_close()  # the statistics' counts of the days over, as the beat would keep them
    if stdout is not None:
        stdout.write(
            f"Demo encounters: {report.uplinks_sent} uplinks from {len(devices)} devices over "
            f"{days} days, {Encounter.objects.count()} encounters stored."
        )
    return report.uplinks_sent
