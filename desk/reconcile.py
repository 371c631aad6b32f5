"""Find, and repair, disagreements between device states (assets) and holdings (associations).

Holdings are the truth: the desk's operations commit them first, so a crash
between the two commits leaves the device state behind. The repair sets the
state the holdings imply and records it in the device's history.
"""

from dataclasses import dataclass

from django.db import transaction

from assets.models import Device, DeviceState
from assets.services import device_correct_state
from core.databases import ASSETS
from desk.services import STATE_AFTER_HOLDING
from registration.models import Association


@dataclass(frozen=True)
class Disagreement:
    device_id: str
    problem: str
    expected_state: str | None  # None: cannot be repaired automatically

    def __str__(self) -> str:
        fix = f" -> set {self.expected_state}" if self.expected_state else " (repair by hand)"
        return f"{self.device_id}: {self.problem}{fix}"


def find_disagreements() -> list[Disagreement]:
    states = dict(Device.objects.values_list("device_id", "state"))
    open_holdings = set(
        Association.objects.filter(ended_at__isnull=True).values_list("device_id", flat=True)
    )
    last_end_reason: dict[str, str] = {}
    for device_id, reason in (
        Association.objects.filter(ended_at__isnull=False)
        .order_by("device_id", "ended_at")
        .values_list("device_id", "end_reason")
    ):
        last_end_reason[device_id] = reason  # ordered: the last one wins

    found = [
        Disagreement(device_id, "is held by someone but is not a known device", None)
        for device_id in sorted(open_holdings - states.keys())
    ]
    for device_id, state in sorted(states.items()):
        item = _judge(device_id, state, device_id in open_holdings, last_end_reason.get(device_id))
        if item is not None:
            found.append(item)
    return found


def _judge(device_id: str, state: str, held: bool, last_end_reason: str | None):
    if held and state != DeviceState.ASSIGNED:
        return Disagreement(device_id, f"is held by someone but {state}", DeviceState.ASSIGNED)
    if not held and state == DeviceState.ASSIGNED:
        expected = STATE_AFTER_HOLDING.get(last_end_reason, DeviceState.IN_STOCK)
        return Disagreement(device_id, "is assigned but held by nobody", expected)
    return None


def repair(disagreements: list[Disagreement], *, actor: str) -> int:
    """Apply the repairs that can be made; returns how many devices were corrected."""
    repaired = 0
    for item in disagreements:
        if item.expected_state is None:
            continue
        with transaction.atomic(using=ASSETS):
            device = Device.objects.select_for_update().get(device_id=item.device_id)
            # Judge again under the lock: a desk may have acted since the scan.
            holdings = Association.objects.filter(device_id=item.device_id)
            last = holdings.filter(ended_at__isnull=False).order_by("-ended_at").first()
            still = _judge(
                device.device_id,
                device.state,
                holdings.filter(ended_at__isnull=True).exists(),
                last.end_reason if last else None,
            )
            if still is None:
                continue
            device_correct_state(
                device=device,
                to_state=still.expected_state,
                actor=actor,
                note=f"reconcile: {still.problem}",
            )
        repaired += 1
    return repaired
