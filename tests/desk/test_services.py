"""The desk's operations: assign, relinquish, swap, lost and found, broken, retire."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assets.models import Device, DeviceState
from assets.services import device_retire
from core.errors import DomainError
from desk import selectors, services
from registration.models import Association, EndReason, LostReport
from registration.selectors import holder_at, person_search
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def clerk(desk):
    return desk


def state(device_id: str) -> str:
    return Device.objects.get(device_id=device_id).state


def test_assigning_hands_the_device_to_the_person_and_records_it(clerk):
    make_device("P-1"), make_person("810001", "Alice", "Adams")
    holding = services.device_assign(device_id="P-1", person_id="810001", acting_user=clerk)
    assert holding.ended_at is None
    assert state("P-1") == DeviceState.ASSIGNED
    event = Device.objects.get(device_id="P-1").events.get()
    assert (event.from_state, event.to_state, event.actor) == ("in_stock", "assigned", "desk")
    assert "810001" not in event.note and "Alice" not in event.note  # assets never names a person


def test_a_device_cannot_go_to_two_people(clerk):
    make_device("P-1"), make_person("1"), make_person("2")
    services.device_assign(device_id="P-1", person_id="1", acting_user=clerk)
    with pytest.raises(
        DomainError, match=r"P-1 is held by .* \(1\) since \d+ \w+: take it back first"
    ):
        services.device_assign(device_id="P-1", person_id="2", acting_user=clerk)
    assert Association.objects.count() == 1


def test_a_person_cannot_hold_two_devices(clerk):
    make_device("P-1"), make_device("P-2"), make_person("1", "Alice", "Adams")
    services.device_assign(device_id="P-1", person_id="1", acting_user=clerk)
    with pytest.raises(
        DomainError,
        match=r"Alice Adams \(1\) has held device P-1 since \d+ \w+: take it back first",
    ):
        services.device_assign(device_id="P-2", person_id="1", acting_user=clerk)
    assert state("P-2") == DeviceState.IN_STOCK  # nothing half-done


def test_unknown_device_or_person_and_people_who_left_are_refused(clerk):
    make_device("P-1"), make_person("1", active=False)
    with pytest.raises(DomainError, match="There is no device P-9") as unknown:
        services.device_assign(device_id="P-9", person_id="1", acting_user=clerk)
    assert unknown.value.status_code == 404
    with pytest.raises(DomainError, match="There is no person 7"):
        services.device_assign(device_id="P-1", person_id="7", acting_user=clerk)
    with pytest.raises(DomainError, match="no longer in the organisation's directory"):
        services.device_assign(device_id="P-1", person_id="1", acting_user=clerk)
    assert state("P-1") == DeviceState.IN_STOCK


def test_relinquishing_ends_the_holding_and_restocks_or_marks_broken(clerk):
    make_device("P-1"), make_device("P-2"), make_person("1"), make_person("2")
    services.device_assign(device_id="P-1", person_id="1", acting_user=clerk)
    services.device_assign(device_id="P-2", person_id="2", acting_user=clerk)
    services.device_relinquish(device_id="P-1", acting_user=clerk)
    services.device_relinquish(device_id="P-2", reason=EndReason.BROKEN, acting_user=clerk)
    assert (state("P-1"), state("P-2")) == (DeviceState.IN_STOCK, DeviceState.BROKEN)
    assert not Association.objects.filter(ended_at__isnull=True).exists()
    with pytest.raises(DomainError, match="not held by anyone"):
        services.device_relinquish(device_id="P-1", acting_user=clerk)


def test_a_swap_returns_one_device_and_hands_over_another_in_one_step(clerk):
    make_device("OLD"), make_device("NEW"), make_person("1")
    services.device_assign(device_id="OLD", person_id="1", acting_user=clerk)
    new = services.device_swap(old_device_id="OLD", new_device_id="NEW", acting_user=clerk)
    old = Association.objects.get(device_id="OLD")
    assert old.end_reason == EndReason.SWAPPED and old.ended_at == new.started_at
    assert (state("OLD"), state("NEW")) == (DeviceState.IN_STOCK, DeviceState.ASSIGNED)


def test_a_failed_swap_changes_nothing(clerk):
    make_device("OLD"), make_device("LOST"), make_person("1")
    services.device_assign(device_id="OLD", person_id="1", acting_user=clerk)
    services.device_report_lost(device_id="LOST", acting_user=clerk)
    with pytest.raises(
        DomainError,
        match=r"LOST has been lost since \d+ \w+: it cannot be assigned\. .*mark it found",
    ):
        services.device_swap(old_device_id="OLD", new_device_id="LOST", acting_user=clerk)
    assert state("OLD") == DeviceState.ASSIGNED
    assert Association.objects.get(device_id="OLD").ended_at is None


def test_a_loss_ends_the_holding_at_the_time_of_the_loss(clerk):
    make_device("P-1"), make_person("1")
    start = timezone.now() - timedelta(days=3)
    services.device_assign(device_id="P-1", person_id="1", acting_user=clerk, at=start)
    lost_at = timezone.now() - timedelta(days=1)
    report = services.device_report_lost(device_id="P-1", lost_at=lost_at, acting_user=clerk)
    holding = Association.objects.get()
    assert holding.ended_at == lost_at and holding.end_reason == EndReason.LOST
    assert report.holder_id == "1" and state("P-1") == DeviceState.LOST
    # After the loss nobody holds it: encounters then are not the person's.
    assert holder_at(device_id="P-1", at=lost_at + timedelta(minutes=1)) is None
    assert holder_at(device_id="P-1", at=lost_at - timedelta(minutes=1)).person_id == "1"


def test_a_loss_before_the_holding_began_is_refused(clerk):
    make_device("P-1"), make_person("1")
    services.device_assign(device_id="P-1", person_id="1", acting_user=clerk)
    with pytest.raises(DomainError, match="after the time given"):
        services.device_report_lost(
            device_id="P-1", lost_at=timezone.now() - timedelta(days=1), acting_user=clerk
        )
    assert state("P-1") == DeviceState.ASSIGNED
    assert not LostReport.objects.exists()


def test_a_found_device_goes_back_to_its_last_holder(clerk):
    make_device("P-1"), make_person("1", "Alice", "Adams")
    services.device_assign(device_id="P-1", person_id="1", acting_user=clerk)
    services.device_report_lost(device_id="P-1", acting_user=clerk)
    found = services.device_mark_found(device_id="P-1", acting_user=clerk)
    assert found.holder.full_name == "Alice Adams" and state("P-1") == DeviceState.FOUND
    assert selectors.device_status(device_id="P-1").last_holder.person_id == "1"
    services.device_return_to_holder(device_id="P-1", acting_user=clerk)
    assert state("P-1") == DeviceState.ASSIGNED
    assert LostReport.objects.get().outcome == LostReport.Outcome.RETURNED
    assert Association.objects.filter(person_id="1").count() == 2


def test_a_found_device_can_go_back_to_stock_instead(clerk):
    make_device("P-1"), make_person("1")
    services.device_assign(device_id="P-1", person_id="1", acting_user=clerk)
    services.device_report_lost(device_id="P-1", acting_user=clerk)
    services.device_mark_found(device_id="P-1", acting_user=clerk)
    services.device_restock(device_id="P-1", acting_user=clerk)
    assert state("P-1") == DeviceState.IN_STOCK
    assert LostReport.objects.get().outcome == LostReport.Outcome.RESTOCKED


def test_a_device_lost_from_stock_has_no_holder_to_return_to(clerk):
    make_device("P-1")
    services.device_report_lost(device_id="P-1", acting_user=clerk)
    services.device_mark_found(device_id="P-1", acting_user=clerk)
    with pytest.raises(DomainError, match="Nobody held device P-1"):
        services.device_return_to_holder(device_id="P-1", acting_user=clerk)


def test_broken_and_retired_devices(clerk):
    make_device("P-1"), make_person("1")
    services.device_assign(device_id="P-1", person_id="1", acting_user=clerk)
    services.device_mark_broken(device_id="P-1", note="strap torn", acting_user=clerk)
    assert Association.objects.get().end_reason == EndReason.BROKEN
    device_retire(device_id="P-1", acting_user=clerk)
    with pytest.raises(
        DomainError, match=r"P-1 has been retired since \d+ \w+: it cannot be put back in stock"
    ):
        services.device_restock(device_id="P-1", acting_user=clerk)


def test_a_person_search_matches_every_word_and_shows_the_current_device(clerk):
    make_person("1", "Alice", "Adams", department="HSE")
    make_person("2", "Albert", "Adams", department="IT")
    make_person("3", "Bob", "Brown")
    make_device("P-1")
    services.device_assign(device_id="P-1", person_id="2", acting_user=clerk)
    found = person_search(query="adams")
    assert [(p.person_id, p.current_device_id) for p in found] == [("2", "P-1"), ("1", None)]
    assert [p.person_id for p in person_search(query="al ada HSE")] == ["1"]
    assert [p.person_id for p in person_search(query="3")] == ["3"]
    assert person_search(query="  ") == []


def test_taking_back_a_device_refuses_a_scan_of_someone_elses_device(clerk):
    make_device("P-1"), make_person("1"), make_person("2")
    services.device_assign(device_id="P-1", person_id="1", acting_user=clerk)
    with pytest.raises(DomainError, match=r"held by .* \(1\) since \d+ \w+, not by person 2"):
        services.device_relinquish(device_id="P-1", expected_person_id="2", acting_user=clerk)
    assert state("P-1") == DeviceState.ASSIGNED
    services.device_relinquish(device_id="P-1", expected_person_id="1", acting_user=clerk)
    assert state("P-1") == DeviceState.IN_STOCK
