"""The holding invariants under random sequences of desk operations, checked against reconcile."""

import itertools

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from assets.models import Device, DeviceEvent, DeviceState
from assets.services import device_retire
from core.errors import DomainError
from desk import services
from desk.reconcile import find_disagreements
from registration.models import Association, EndReason, LostReport, Person
from tests import personas
from tests.registration.factories import make_device, make_person

DEVICES = ["D-1", "D-2", "D-3", "D-4"]
PEOPLE = ["501", "502", "503"]


class DeskMachine(RuleBasedStateMachine):
    """Any order of operations: each either happens completely or is refused with a reason."""

    def __init__(self):
        super().__init__()
        for model in (LostReport, Association, Person, DeviceEvent, Device):
            model.objects.all().delete()
        for device_id in DEVICES:
            make_device(device_id)
        for person_id in PEOPLE:
            make_person(person_id)
        self.clerk = personas.clerk()  # the same account in every run of the machine
        self.refusals = 0

    def attempt(self, operation, **kwargs):
        try:
            operation(acting_user=self.clerk, **kwargs)
        except DomainError as refusal:
            assert refusal.message and refusal.status_code in (400, 404, 409)
            self.refusals += 1

    @rule(device_id=st.sampled_from(DEVICES), person_id=st.sampled_from(PEOPLE))
    def assign(self, device_id, person_id):
        self.attempt(services.device_assign, device_id=device_id, person_id=person_id)

    @rule(
        device_id=st.sampled_from(DEVICES),
        reason=st.sampled_from([EndReason.RELINQUISHED, EndReason.BROKEN, EndReason.PERSON_LEFT]),
    )
    def relinquish(self, device_id, reason):
        self.attempt(services.device_relinquish, device_id=device_id, reason=reason)

    @rule(
        old=st.sampled_from(DEVICES),
        new=st.sampled_from(DEVICES),
        reason=st.sampled_from([EndReason.SWAPPED, EndReason.BROKEN]),
    )
    def swap(self, old, new, reason):
        self.attempt(services.device_swap, old_device_id=old, new_device_id=new, reason=reason)

    @rule(device_id=st.sampled_from(DEVICES))
    def report_lost(self, device_id):
        self.attempt(services.device_report_lost, device_id=device_id)

    @rule(device_id=st.sampled_from(DEVICES))
    def mark_found(self, device_id):
        self.attempt(services.device_mark_found, device_id=device_id)

    @rule(device_id=st.sampled_from(DEVICES))
    def return_to_holder(self, device_id):
        self.attempt(services.device_return_to_holder, device_id=device_id)

    @rule(device_id=st.sampled_from(DEVICES))
    def restock(self, device_id):
        self.attempt(services.device_restock, device_id=device_id)

    @rule(device_id=st.sampled_from(DEVICES))
    def mark_broken(self, device_id):
        self.attempt(services.device_mark_broken, device_id=device_id)

    @rule(device_id=st.sampled_from(DEVICES))
    def retire(self, device_id):
        self.attempt(device_retire, device_id=device_id)

    @invariant()
    def reconcile_finds_nothing(self):
        assert find_disagreements() == []

    @invariant()
    def nobody_holds_two_devices_and_no_device_has_two_holders(self):
        holdings = list(Association.objects.order_by("started_at", "pk"))
        for key in ("device_id", "person_id"):
            periods: dict[str, list] = {}
            for holding in holdings:
                periods.setdefault(getattr(holding, key), []).append(holding)
            for same in periods.values():
                for earlier, later in itertools.pairwise(same):
                    assert earlier.ended_at is not None and earlier.ended_at <= later.started_at

    @invariant()
    def every_state_change_is_in_the_history(self):
        for device in Device.objects.all():
            last = device.events.order_by("at", "pk").last()
            assert (last.to_state if last else DeviceState.IN_STOCK) == device.state


@pytest.mark.django_db(databases="__all__")
def test_random_desk_operations_keep_holdings_and_states_in_agreement():
    run_state_machine_as_test(
        DeskMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


@pytest.mark.django_db(databases="__all__")
def test_reconcile_finds_and_repairs_a_half_done_operation(desk, capsys):
    make_device("P-1"), make_device("P-2"), make_person("1"), make_person("2")
    services.device_assign(device_id="P-2", person_id="2", acting_user=desk)
    # What a crash between the two commits leaves behind: a holding whose
    # device state was never written, and a device still "assigned" after
    # its holding ended with a loss.
    Association.objects.create(
        person_id="1",
        device_id="P-1",
        started_at=Device.objects.get(device_id="P-2").events.get().at,
        started_by="desk",
    )
    holding = Association.objects.get(device_id="P-2")
    holding.ended_at, holding.end_reason, holding.ended_by = (
        holding.started_at,
        EndReason.LOST,
        "desk",
    )
    holding.save()

    with pytest.raises(SystemExit) as failed:
        call_command("reconcile")
    assert failed.value.code == 1
    report = capsys.readouterr().out
    assert "P-1: is held by someone but in_stock -> set assigned" in report
    assert "P-2: is assigned but held by nobody -> set lost" in report

    call_command("reconcile", "--fix")
    states = dict(Device.objects.values_list("device_id", "state"))
    assert states == {"P-1": DeviceState.ASSIGNED, "P-2": DeviceState.LOST}
    assert Device.objects.get(device_id="P-1").events.last().note.startswith("reconcile:")
    assert find_disagreements() == []
    call_command("reconcile")  # agrees now: exits normally
    assert "agree" in capsys.readouterr().out
