"""Processing inbox rows: decode, validate, quarantine, store idempotently; and the purge."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from assets.models import Device
from encounters.models import Encounter
from encounters.payload import EncounterRecord, encode
from ingestion import services
from ingestion.models import DeadLetter, InboxUplink
from retention.services import purge_expired
from tests.registration.factories import make_device

pytestmark = pytest.mark.django_db(databases="__all__")


def epoch(moment) -> int:
    return int(moment.timestamp())


SENDER = "70B3D57ED0000007"  # the DevEUI registered for tag 7 (the `sender` fixture)


@pytest.fixture
def sender():
    """The device whose uplinks most tests process: registered, as every real device is."""
    return make_device("P-7", tag_id=7, dev_eui=SENDER)


def inbox_row(
    payload: bytes, *, key: str, dev_eui: str | None = SENDER, received_at=None
) -> InboxUplink:
    now = timezone.now()
    return InboxUplink.objects.create(
        integration="tts",
        delivery_key=key,
        fport=10,
        payload=payload,
        dev_eui=dev_eui,
        received_at=received_at or now,
        accepted_at=now,
    )


@pytest.fixture
def an_hour_ago(sender):
    return timezone.now().replace(microsecond=0) - timedelta(hours=1)


def test_valid_records_are_stored_and_the_row_keeps_only_its_delivery_id(an_hour_ago):
    payload = encode(
        7, [EncounterRecord(8, epoch(an_hour_ago), 4), EncounterRecord(9, epoch(an_hour_ago), 31)]
    )
    row = inbox_row(payload, key="as:up:1")
    assert services.inbox_process(inbox_ids=[row.pk]) == 1
    stored = sorted(Encounter.objects.values_list("my_tag", "ref_tag", "started_at", "slots"))
    assert stored == [(7, 8, an_hour_ago, 4), (7, 9, an_hour_ago, 31)]
    row.refresh_from_db()
    assert (row.status, row.payload, row.dev_eui, row.received_at, row.fport) == (
        "processed",
        None,
        None,
        None,
        None,
    )


def test_processing_twice_changes_nothing(an_hour_ago):
    row = inbox_row(encode(7, [EncounterRecord(8, epoch(an_hour_ago), 4)]), key="as:up:1")
    services.inbox_process(inbox_ids=[row.pk])
    assert services.inbox_process(inbox_ids=[row.pk, row.pk]) == 0  # a redelivered task
    assert Encounter.objects.count() == 1


def test_the_same_record_again_keeps_the_larger_slot_count(an_hour_ago):
    start = epoch(an_hour_ago)
    first = inbox_row(encode(7, [EncounterRecord(8, start, 10)]), key="as:up:1")
    longer = inbox_row(encode(7, [EncounterRecord(8, start, 12)]), key="as:up:2")
    shorter = inbox_row(encode(7, [EncounterRecord(8, start, 3)]), key="as:up:3")
    services.inbox_process(inbox_ids=[first.pk, longer.pk, shorter.pk])
    assert list(Encounter.objects.values_list("slots", flat=True)) == [12]


def test_invalid_records_are_dead_lettered_and_the_valid_ones_stored(an_hour_ago):
    start = epoch(an_hour_ago)
    future = epoch(timezone.now() + timedelta(hours=2))
    payload = encode(
        7,
        [
            EncounterRecord(8, start, 4),
            EncounterRecord(8, start + 60, 0),
            EncounterRecord(7, start, 2),
            EncounterRecord(9, future, 2),
        ],
    )
    services.inbox_process(inbox_ids=[inbox_row(payload, key="as:up:1").pk])
    assert list(Encounter.objects.values_list("ref_tag", flat=True)) == [8]
    letter = DeadLetter.objects.get()
    assert letter.reason == "invalid_records"
    assert "1 x self_encounter" in letter.detail and "1 x start_in_future" in letter.detail
    assert "1 x zero_slots" in letter.detail
    assert bytes(letter.payload) == payload  # kept, to process again


def test_records_older_than_the_retention_are_dropped_not_stored(an_hour_ago):
    old = epoch(timezone.now() - timedelta(days=15))
    payload = encode(7, [EncounterRecord(8, old, 4), EncounterRecord(9, epoch(an_hour_ago), 4)])
    services.inbox_process(inbox_ids=[inbox_row(payload, key="as:up:1").pk])
    assert list(Encounter.objects.values_list("ref_tag", flat=True)) == [9]
    assert not DeadLetter.objects.exists()


def test_a_malformed_payload_is_dead_lettered_with_its_reason():
    services.inbox_process(inbox_ids=[inbox_row(b"\x01\x00\x00\x00\x07\x00\x00", key="as:up:1").pk])
    letter = DeadLetter.objects.get()
    assert letter.reason == "bad_length"
    assert not Encounter.objects.exists()


def test_a_devEUI_registered_for_another_tag_is_quarantined_and_reprocessed_once_fixed(an_hour_ago):
    device = make_device("P-1", tag_id=1234, dev_eui="70B3D57ED0000001")
    device7 = Device.objects.get(tag_id=7)
    payload = encode(7, [EncounterRecord(8, epoch(an_hour_ago), 4)])
    services.inbox_process(
        inbox_ids=[inbox_row(payload, key="as:up:1", dev_eui="70B3D57ED0000001").pk]
    )
    letter = DeadLetter.objects.get()
    assert letter.reason == "quarantined" and "tag 1234" in letter.detail
    assert not Encounter.objects.exists()
    device7.delete()  # the asset team corrects the registration: P-1 is tag 7
    device.tag_id = 7
    device.save()
    outcome = services.dead_letter_reprocess(dead_letter=letter)
    assert outcome.stored == 1 and Encounter.objects.count() == 1
    assert services.dead_letter_reprocess(dead_letter=letter).stored == 0  # once


@pytest.mark.parametrize(
    ("dev_eui", "reason"),
    [
        (None, "no_dev_eui"),  # a body that names no device
        ("70B3D57ED00000FF", "unregistered_device"),  # a DevEUI no device has
        ("70B3D57ED0000001", "quarantined"),  # another device's DevEUI
    ],
)
def test_only_the_device_registered_for_a_tag_can_report_its_encounters(
    an_hour_ago, dev_eui, reason
):
    """A network-server token alone must not make any two people close contacts."""
    make_device("P-1", tag_id=1, dev_eui="70B3D57ED0000001")
    payload = encode(7, [EncounterRecord(8, epoch(an_hour_ago), 40)])  # "tag 7 met tag 8"
    services.inbox_process(inbox_ids=[inbox_row(payload, key="as:up:1", dev_eui=dev_eui).pk])
    assert not Encounter.objects.exists()
    assert DeadLetter.objects.get().reason == reason


def test_the_clock_is_the_portals_a_body_may_only_move_it_earlier(an_hour_ago):
    now = timezone.now()
    payload = encode(
        7,
        [
            EncounterRecord(8, epoch(an_hour_ago), 4),
            EncounterRecord(9, epoch(now + timedelta(minutes=30)), 4),
            EncounterRecord(10, epoch(now.replace(year=2099)), 4),
        ],
    )
    # The body claims it was received in 2099: the portal's own receive time decides.
    row = inbox_row(payload, key="as:up:1", received_at=now.replace(year=2099))
    services.inbox_process(inbox_ids=[row.pk])
    assert list(Encounter.objects.values_list("ref_tag", flat=True)) == [8]
    assert "2 x start_in_future" in DeadLetter.objects.get().detail
    # A body time earlier than the portal's is believed: it only narrows what is accepted.
    early = inbox_row(
        encode(7, [EncounterRecord(11, epoch(now - timedelta(minutes=10)), 4)]),
        key="as:up:2",
        received_at=now - timedelta(hours=2),
    )
    services.inbox_process(inbox_ids=[early.pk])
    assert not Encounter.objects.filter(ref_tag=11).exists()


def test_a_record_longer_than_the_cap_is_not_an_encounter(an_hour_ago, settings):
    start = epoch(an_hour_ago - timedelta(days=1))
    payload = encode(
        7,
        [
            EncounterRecord(8, start, 65535),
            EncounterRecord(9, start, 2 * settings.ENCOUNTER_MAX_MINUTES),
        ],
    )
    services.inbox_process(inbox_ids=[inbox_row(payload, key="as:up:1").pk])
    assert list(Encounter.objects.values_list("ref_tag", flat=True)) == [9]  # exactly the cap
    assert "1 x too_long" in DeadLetter.objects.get().detail


def test_the_purge_removes_what_is_older_than_the_retention_and_reports_it(capsys):
    now = timezone.now()
    Encounter.objects.create(my_tag=1, ref_tag=2, started_at=now - timedelta(days=15), slots=1)
    Encounter.objects.create(my_tag=1, ref_tag=2, started_at=now - timedelta(days=13), slots=1)
    InboxUplink.objects.create(
        integration="tts",
        delivery_key="old",
        accepted_at=now - timedelta(days=2),
        status="processed",
    )
    InboxUplink.objects.create(
        integration="tts", delivery_key="new", accepted_at=now, status="processed"
    )
    DeadLetter.objects.create(
        integration="tts",
        delivery_key="x",
        payload=b"",
        reason="r",
        detail="d",
        created_at=now - timedelta(days=20),
    )
    call_command("purge_expired")
    report = capsys.readouterr().out
    assert "encounters: 1 rows removed" in report
    assert "inbox_processed: 1 rows removed" in report
    assert "dead_letters: 1 rows removed" in report
    assert Encounter.objects.count() == 1
    assert list(InboxUplink.objects.values_list("delivery_key", flat=True)) == ["new"]


def test_a_dead_letter_keeps_what_processing_again_needs_and_no_arrival_time(an_hour_ago, settings):
    payload = encode(7, [EncounterRecord(7, epoch(an_hour_ago), 4)])  # a self-encounter
    row = inbox_row(payload, key="as:up:1", received_at=timezone.now() - timedelta(minutes=1))
    services.inbox_process(inbox_ids=[row.pk])
    letter = DeadLetter.objects.get()
    assert not hasattr(letter, "received_at")
    assert (letter.created_at.minute, letter.created_at.second) == (0, 0)  # to the hour
    assert letter.created_at >= row.accepted_at  # never earlier than the arrival
    assert (bytes(letter.payload), letter.dev_eui) == (payload, SENDER)
    # Gone after DEAD_LETTER_RETENTION_HOURS, not after the 14 days of the encounters.
    later = letter.created_at + timedelta(hours=settings.DEAD_LETTER_RETENTION_HOURS, seconds=1)
    assert purge_expired(now=later)["dead_letters"] == 1
