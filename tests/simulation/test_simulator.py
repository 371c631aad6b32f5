"""The device simulator (simulation/simulator.py) and the webhook bodies (simulation/bodies.py).

The calibration tests hold the simulation to the only figures the real
service published (seeds/000, "The statistics"): about 14,500 encounter
records and 550 close-contact pairs per working day at 2,000 active devices.
They read generated data only; the delivery tests go through the webhook.
"""

import random
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from assets.models import Device, DeviceState
from encounters.payload import ENCOUNTER_FPORT, EncounterRecord, decode, encode
from encounters.payload import MAX_RECORDS_DR0 as FOUR
from ingestion.models import InboxUplink, IngestToken
from ingestion.parsers import parse_chirpstack, parse_tts
from ingestion.services import active_token_hashes, ingest_token_create
from simulation import bodies, simulator
from simulation.management.commands.simulate_devices import parse_end

ZURICH = ZoneInfo(settings.TIME_ZONE)
# Wednesday 12 March 2025, a working day: the simulation of that day alone.
WEDNESDAY_END = datetime(2025, 3, 13, tzinfo=ZURICH)
# Monday 17 March 2025 00:00: the seven days before are Monday 10 to Sunday 16.
WEEK_END = datetime(2025, 3, 17, tzinfo=ZURICH)
PER_DEVICE_RECORDS = simulator.TARGET_RECORDS_PER_DAY / simulator.TARGET_DEVICES  # 7.25
PER_DEVICE_CLOSE = simulator.TARGET_CLOSE_CONTACTS_PER_DAY / simulator.TARGET_DEVICES  # 0.275
DEV_EUI = "70B3D57ED0051234"


def devices(count: int) -> list[simulator.SimDevice]:
    return [
        simulator.SimDevice(f"P-{n:05d}", 0x00A0_0000 + n, f"70B3D57ED005{n:04X}")
        for n in range(1, count + 1)
    ]


def a_token(name: str) -> str:
    """A new ingest token, valid at once (the webhook caches the active ones for seconds)."""
    token = ingest_token_create(name=name)
    active_token_hashes.forget()
    return token


def last_working_evening() -> datetime:
    """20:00 of the latest working day that is over: a run ending then has a full day in it."""
    now = timezone.localtime(timezone.now(), ZURICH)
    day = now.date()
    while True:
        evening = datetime.combine(day, datetime.min.time(), tzinfo=ZURICH) + timedelta(hours=20)
        if day.weekday() < 5 and evening <= now:
            return evening
        day -= timedelta(days=1)


@pytest.fixture(scope="module")
def a_week():
    """300 devices, Monday to Sunday, seed 7: the meetings and the uplinks."""
    fleet = devices(300)
    meetings = simulator.generate(fleet, days=7, end=WEEK_END, seed=7, tz=ZURICH)
    uplinks = simulator.uplinks_for(fleet, meetings, seed=7, end=WEEK_END)
    return fleet, meetings, uplinks


# --- Generation -------------------------------------------------------------------


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    fleet = devices(60)
    first = simulator.generate(fleet, days=2, end=WEDNESDAY_END, seed=3, tz=ZURICH)
    again = simulator.generate(fleet, days=2, end=WEDNESDAY_END, seed=3, tz=ZURICH)
    other = simulator.generate(fleet, days=2, end=WEDNESDAY_END, seed=4, tz=ZURICH)
    assert first and first == again and first != other
    posts = simulator.posts_for(simulator.uplinks_for(fleet, first, seed=3, end=WEDNESDAY_END))
    posts_again = simulator.posts_for(
        simulator.uplinks_for(fleet, again, seed=3, end=WEDNESDAY_END)
    )
    assert [p.body for p in posts] == [p.body for p in posts_again]  # byte for byte


def test_a_day_is_the_same_whatever_the_length_of_the_run_around_it():
    fleet = devices(60)
    one_day = simulator.generate(fleet, days=1, end=WEDNESDAY_END, seed=5, tz=ZURICH)
    three_days = simulator.generate(fleet, days=3, end=WEDNESDAY_END, seed=5, tz=ZURICH)
    wednesday_start = (WEDNESDAY_END - timedelta(days=1)).timestamp()
    assert one_day == [m for m in three_days if m.start >= wednesday_start]


def test_a_working_day_of_300_devices_matches_the_published_statistics_per_device():
    """14,500 records and 550 close-contact pairs per working day at 2,000 devices, scaled."""
    fleet = devices(300)
    meetings = simulator.generate(fleet, days=1, end=WEDNESDAY_END, seed=11, tz=ZURICH)
    (wednesday,) = simulator.daily_figures(meetings, tz=ZURICH)
    assert wednesday.day.isoformat() == "2025-03-12"
    assert wednesday.records / 300 == pytest.approx(PER_DEVICE_RECORDS, rel=0.20)
    assert wednesday.close_pairs / 300 == pytest.approx(PER_DEVICE_CLOSE, rel=0.30)
    # The records count both directions: about twice the distinct pairs met.
    assert 1.8 * wednesday.pairs < wednesday.records < 2.6 * wednesday.pairs


def test_encounters_happen_in_working_hours_and_last_as_their_kind_does(a_week):
    _fleet, meetings, _uplinks = a_week
    weekday = [m for m in meetings if datetime.fromtimestamp(m.start, ZURICH).weekday() < 5]
    hours = [datetime.fromtimestamp(m.start, ZURICH).hour for m in weekday]
    assert min(hours) >= 7 and max(hours) <= 19
    assert sum(8 <= hour < 18 for hour in hours) / len(hours) > 0.9
    limits = {
        "corridor": (30, 180),
        "coffee": (30, 15 * 60),
        "lunch": (60, 35 * 60),
        "desk": (10 * 60, 60 * 60),
    }
    for meeting in meetings:
        low, high = limits.get(meeting.kind, (60, 90 * 60))
        assert low <= meeting.seconds <= high, meeting
    kinds = {m.kind for m in meetings}
    assert kinds == {"meeting", "desk", "lunch", "coffee", "corridor"}
    close_kinds = {m.kind for m in meetings if m.is_close}
    assert {"meeting", "desk", "lunch"} <= close_kinds and "corridor" not in close_kinds


def test_weekends_are_quiet(a_week):
    _fleet, meetings, _uplinks = a_week
    figures = simulator.daily_figures(meetings, tz=ZURICH)
    assert [day.day.weekday() for day in figures] == [0, 1, 2, 3, 4, 5, 6]
    weekday_records = sum(d.records for d in figures if not d.is_weekend) / 5
    for day in (d for d in figures if d.is_weekend):
        assert 0 < day.records < 0.10 * weekday_records  # a few percent


def test_both_devices_record_at_least_95_percent_of_meetings_with_small_differences(a_week):
    _fleet, meetings, _uplinks = a_week
    both = [m for m in meetings if m.seen_by_a and m.seen_by_b]
    assert len(both) >= 0.95 * len(meetings)
    assert len(both) < len(meetings)  # some are seen by one device only
    for meeting in both:
        assert meeting.seen_by_a.ref_tag == meeting.b and meeting.seen_by_b.ref_tag == meeting.a
        assert abs(meeting.seen_by_a.start - meeting.seen_by_b.start) <= 30
        assert abs(meeting.seen_by_a.slots - meeting.seen_by_b.slots) <= 1
    assert any(m.seen_by_a.start != m.seen_by_b.start for m in both)


def test_no_device_reports_the_same_peer_and_start_twice(a_week):
    _fleet, meetings, _uplinks = a_week
    keys = [(tag, r.ref_tag, r.start) for m in meetings for tag, r in m.records()]
    assert len(keys) == len(set(keys))


# --- Uplinks ----------------------------------------------------------------------


def test_every_uplink_decodes_fits_51_bytes_and_carries_every_record_once(a_week):
    fleet, meetings, uplinks = a_week
    carried = []
    for uplink in uplinks:
        assert len(uplink.payload) <= 51
        decoded = decode(uplink.payload)
        assert decoded.my_tag == uplink.device.tag_id
        assert 1 <= len(decoded.records) <= FOUR
        carried += [(decoded.my_tag, record) for record in decoded.records]
    generated = [(tag, record) for m in meetings for tag, record in m.records()]
    assert sorted(carried, key=repr) == sorted(generated, key=repr)
    assert {u.device for u in uplinks} <= set(fleet)


def test_uplinks_arrive_after_their_encounters_ended_and_never_after_the_run(a_week):
    _fleet, _meetings, uplinks = a_week
    for uplink in uplinks:
        received = uplink.received_at.timestamp()
        assert received <= WEEK_END.timestamp()
        ends = [record.start + record.seconds for record in uplink.records]
        assert max(ends) <= received <= min(ends) + 15 * 60 + 24 * 60 * 60
        # 1 to 15 minutes after the oldest record ended, for the first of a batch.
        assert received - min(ends) >= 60 or received == WEEK_END.timestamp()


def test_each_device_counts_its_frames_up_by_one_in_the_order_they_arrive(a_week):
    _fleet, _meetings, uplinks = a_week
    by_device: dict[int, list] = {}
    for uplink in uplinks:
        by_device.setdefault(uplink.device.tag_id, []).append(uplink)
    for frames in by_device.values():
        frames.sort(key=lambda u: u.f_cnt)
        counters = [u.f_cnt for u in frames]
        assert counters == list(range(counters[0], counters[0] + len(counters)))
        arrivals = [u.received_at for u in frames]
        assert arrivals == sorted(arrivals)
    assert any(frames[0].f_cnt == 0 for frames in by_device.values())  # a first uplink


def test_a_schedule_repeats_and_delays_exactly_the_shares_asked(a_week):
    _fleet, _meetings, uplinks = a_week
    posts = simulator.posts_for(uplinks[:400])
    ordered, repeated, late = simulator.schedule(
        posts, duplicates=0.05, late=0.02, rng=random.Random(1)
    )
    assert (repeated, late) == (20, 8) and len(ordered) == 420
    firsts, seen, twice = [], set(), 0
    for post in ordered:
        if id(post) in seen:
            twice += 1
        else:
            seen.add(id(post))
            firsts.append(post)
    assert twice == 20 and len(firsts) == 400
    late_ones = {id(post) for post in firsts[-8:]}
    # The others keep the network server's order; the late ones come after all of them.
    assert firsts[:-8] == [post for post in posts if id(post) not in late_ones]
    assert firsts[-8:] != posts[-8:]


# --- Bodies and parsers -----------------------------------------------------------


def an_uplink_payload() -> bytes:
    return encode(0x00A0_1234, [EncounterRecord(0x00A0_5678, 1_741_772_400, 31)])


@pytest.mark.parametrize("gateways", [1, 3])
def test_a_tts_uplink_parses_to_its_payload_port_eui_and_reception_time(gateways):
    received_at = datetime(2025, 3, 12, 9, 41, 7, 123456, tzinfo=ZURICH)
    body = bodies.tts_uplink(
        dev_eui=DEV_EUI,
        device_id="eui-70b3d57ed0051234",
        payload=an_uplink_payload(),
        f_cnt=42,
        received_at=received_at,
        gateways=gateways,
    )
    delivery = parse_tts(body)
    assert delivery.is_uplink and not delivery.simulated
    assert (delivery.payload, delivery.fport, delivery.dev_eui) == (
        an_uplink_payload(),
        ENCOUNTER_FPORT,
        DEV_EUI,
    )
    assert delivery.received_at == received_at
    assert delivery.delivery_key.startswith("as:up:") and len(delivery.delivery_key) == 6 + 26
    metadata = body["uplink_message"]["rx_metadata"]
    assert len(metadata) == gateways and all("location" in gateway for gateway in metadata)
    assert body["uplink_message"]["consumed_airtime"].endswith("s")


def test_tts_leaves_out_a_zero_port_and_counter_and_the_eui_of_an_abp_device():
    body = bodies.tts_uplink(
        dev_eui=None,
        device_id="abp-device",
        payload=b"",
        f_port=None,
        f_cnt=None,
        received_at=timezone.now(),
    )
    message = body["uplink_message"]
    assert "f_port" not in message and "f_cnt" not in message
    assert "dev_eui" not in body["end_device_ids"] and "dev_addr" in body["end_device_ids"]
    delivery = parse_tts(body)
    assert (delivery.fport, delivery.dev_eui, delivery.payload) == (None, None, b"")
    first = bodies.tts_uplink(
        dev_eui=DEV_EUI,
        device_id="d",
        payload=an_uplink_payload(),
        f_cnt=0,
        received_at=timezone.now(),
    )
    assert "f_cnt" not in first["uplink_message"]
    assert parse_tts(first).fport == ENCOUNTER_FPORT


def test_the_same_correlation_id_gives_the_same_body_and_delivery_key():
    arguments = {
        "dev_eui": DEV_EUI,
        "device_id": "d",
        "payload": an_uplink_payload(),
        "f_cnt": 3,
        "received_at": timezone.now(),
        "gateways": 2,
    }
    fresh_a, fresh_b = bodies.tts_uplink(**arguments), bodies.tts_uplink(**arguments)
    assert parse_tts(fresh_a).delivery_key != parse_tts(fresh_b).delivery_key
    given = "as:up:01JP5X6D1Q8W7Z3K2M9N4R5T6V"
    repeated = [bodies.tts_uplink(**arguments, correlation_id=given) for _ in range(2)]
    assert repeated[0] == repeated[1] and parse_tts(repeated[0]).delivery_key == given


def test_a_simulated_tts_uplink_says_so():
    body = bodies.tts_uplink(
        dev_eui=DEV_EUI,
        device_id="d",
        payload=an_uplink_payload(),
        f_cnt=None,
        received_at=timezone.now(),
        simulated=True,
    )
    assert body["simulated"] is True and parse_tts(body).simulated


@pytest.mark.parametrize("kind", bodies.TTS_EVENTS)
def test_other_tts_messages_parse_as_what_they_are(kind):
    body = bodies.tts_event(kind, device_id="d", dev_eui=DEV_EUI)
    assert kind in body
    assert parse_tts(body).event == kind


def test_a_chirpstack_v4_uplink_parses_to_its_payload_port_eui_and_time():
    moment = datetime(2025, 3, 12, 9, 41, 7, 654321, tzinfo=ZURICH)
    body = bodies.chirpstack_v4_up(
        dev_eui=DEV_EUI, payload=an_uplink_payload(), f_cnt=7, time=moment, gateways=2
    )
    assert body["deviceInfo"]["devEui"] == DEV_EUI.lower()
    assert {"tenantName", "applicationName"} <= set(body["deviceInfo"])
    assert len(body["rxInfo"]) == 2 and all("location" in rx for rx in body["rxInfo"])
    delivery = parse_chirpstack(body, "up")
    assert (delivery.payload, delivery.fport, delivery.dev_eui) == (
        an_uplink_payload(),
        ENCOUNTER_FPORT,
        DEV_EUI,
    )
    assert delivery.received_at == moment
    assert delivery.delivery_key == body["deduplicationId"]


def test_chirpstack_v4_0_leaves_out_zero_port_counter_and_empty_data():
    body = bodies.chirpstack_v4_up(
        dev_eui=DEV_EUI, payload=b"", f_port=None, f_cnt=None, time=timezone.now()
    )
    assert not {"fPort", "fCnt", "data"} & set(body)
    delivery = parse_chirpstack(body, "up")
    assert (delivery.fport, delivery.payload, delivery.dev_eui) == (None, b"", DEV_EUI)
    first = bodies.chirpstack_v4_up(
        dev_eui=DEV_EUI, payload=an_uplink_payload(), f_cnt=0, time=timezone.now()
    )
    assert "fCnt" not in first and parse_chirpstack(first, "up").fport == ENCOUNTER_FPORT


@pytest.mark.parametrize("event", bodies.CHIRPSTACK_V4_EVENTS)
def test_other_chirpstack_v4_events_parse_as_what_they_are(event):
    body = bodies.chirpstack_v4_event(event, dev_eui=DEV_EUI)
    assert parse_chirpstack(body, event).event == event


def test_a_chirpstack_v3_uplink_with_base64_ids_parses_to_its_payload_port_and_eui():
    uplink_id = "8e1321f0-6aba-4403-8285-229b8bcdd11d"
    body = bodies.chirpstack_v3_up(
        dev_eui=DEV_EUI, payload=an_uplink_payload(), f_port=10, f_cnt=9, uplink_id=uplink_id
    )
    delivery = parse_chirpstack(body, "up")
    assert (delivery.payload, delivery.fport, delivery.dev_eui) == (
        an_uplink_payload(),
        ENCOUNTER_FPORT,
        DEV_EUI,
    )
    assert delivery.delivery_key == "jhMh8Gq6RAOChSKbi83RHQ=="  # the UUID's bytes in base64
    assert delivery.received_at is None  # v3 states no network-server time


@pytest.mark.parametrize("fmt", simulator.FORMATS)
def test_the_simulators_bodies_parse_back_to_its_uplinks(a_week, fmt):
    _fleet, _meetings, uplinks = a_week
    parse = parse_tts if fmt == "tts" else (lambda body: parse_chirpstack(body, "up"))
    for uplink in uplinks[:50]:
        delivery = parse(simulator.body_for(uplink, fmt=fmt))
        assert (delivery.payload, delivery.fport, delivery.dev_eui) == (
            uplink.payload,
            ENCOUNTER_FPORT,
            uplink.device.dev_eui,
        )
        if fmt != "chirpstack-v3":
            assert delivery.received_at == uplink.received_at


def test_lora_airtime_matches_the_semtech_calculator():
    # 51-byte payload = 64-byte frame: 118.0 ms at SF7, 2.79 s at SF12 (125 kHz, CR 4/5).
    assert bodies.lora_airtime(51, 7) == pytest.approx(0.118, abs=0.001)
    assert bodies.lora_airtime(51, 12) == pytest.approx(2.7935, abs=0.001)


# --- Delivery through the webhook -------------------------------------------------


@pytest.mark.django_db(databases="__all__")
@pytest.mark.parametrize("fmt", ["tts", "chirpstack"])
def test_an_in_process_run_is_accepted_once_per_uplink_even_with_duplicates(fmt):
    end = last_working_evening()
    report = simulator.simulate(
        devices(20), days=1, end=end, seed=2, fmt=fmt, duplicates=0.1, late=0.05
    )
    assert report.uplinks > 20
    assert report.duplicates_sent == round(report.uplinks * 0.1) > 0
    assert report.uplinks_sent == report.uplinks + report.duplicates_sent
    # Every first delivery is accepted (202), every repeat recognised (200): only 2xx.
    assert report.by_status == {202: report.uplinks, 200: report.duplicates_sent}
    assert InboxUplink.objects.count() == report.uplinks
    assert report.distinct_records == report.records > 0 and report.expired_records == 0
    assert not IngestToken.objects.exists()  # the run's own token is gone with it


@pytest.mark.django_db(databases="__all__")
def test_the_inbox_keeps_the_payload_eui_and_time_and_nothing_of_the_gateways():
    fleet = devices(20)
    end = last_working_evening()
    meetings = simulator.generate(fleet, days=1, end=end, seed=9)
    uplinks = simulator.uplinks_for(fleet, meetings, seed=9, end=end)[:30]
    report = simulator.deliver(simulator.posts_for(uplinks), token=a_token("t"))
    assert report.by_status == {202: 30}
    rows = {bytes(row.payload): row for row in InboxUplink.objects.all()}
    for uplink in uplinks:
        row = rows[uplink.payload]
        assert (row.fport, row.dev_eui, row.received_at) == (
            ENCOUNTER_FPORT,
            uplink.device.dev_eui,
            uplink.received_at,
        )
    stored = repr([vars(row) for row in rows.values()])
    for gateway_id, eui, latitude, _longitude, _altitude in bodies.GATEWAYS:
        assert gateway_id not in stored and eui not in stored and str(latitude) not in stored


@pytest.mark.django_db(databases="__all__")
def test_every_other_event_of_a_network_server_is_answered_200_and_not_kept():
    token = a_token("events")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}
    for kind in bodies.TTS_EVENTS:
        body = bodies.to_json(bodies.tts_event(kind, device_id="d", dev_eui=DEV_EUI))
        assert client.post("/api/ingest/tts", body, **auth).status_code == 200
    for event in bodies.CHIRPSTACK_V4_EVENTS:
        body = bodies.to_json(bodies.chirpstack_v4_event(event, dev_eui=DEV_EUI))
        path = f"/api/ingest/chirpstack?event={event}"
        assert client.post(path, body, **auth).status_code == 200
    assert not InboxUplink.objects.exists()


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_a_run_over_http_reaches_a_live_portal(live_server, monkeypatch):
    token = a_token("http")
    report = simulator.simulate(
        devices(20),
        days=1,
        end=last_working_evening(),
        seed=4,
        url=live_server.url,
        token=token,
        duplicates=0.05,
        late=0.05,
        concurrency=4,
    )
    assert report.delivery.failed == 0
    assert report.by_status == {202: report.uplinks, 200: report.duplicates_sent}
    assert InboxUplink.objects.count() == report.uplinks


# --- Devices and the command ------------------------------------------------------


@pytest.mark.django_db(databases="__all__")
def test_too_few_devices_stop_the_run_unless_the_missing_ones_may_be_created():
    Device.objects.create(device_id="P-1", tag_id=11, dev_eui="70B3D57ED0050001")
    Device.objects.create(
        device_id="P-2", tag_id=12, dev_eui="70B3D57ED0050002", state=DeviceState.ASSIGNED
    )
    Device.objects.create(device_id="P-3", tag_id=13)  # no DevEUI: cannot be simulated
    with pytest.raises(simulator.NotEnoughDevices, match="has 2 devices with a DevEUI"):
        simulator.devices_from_assets(4)
    chosen = simulator.devices_from_assets(4, create_missing=True)
    assert [d.device_id for d in chosen] == ["P-2", "P-1", "SIM-00001", "SIM-00002"]
    created = Device.objects.get(device_id="SIM-00002")
    assert (created.tag_id, created.dev_eui, created.state) == (
        0x5100_0002,
        "70B3D57E50000002",
        DeviceState.IN_STOCK,
    )
    assert created.events.get().to_state == DeviceState.IN_STOCK
    simulator.devices_from_assets(5, create_missing=True)
    assert Device.objects.filter(device_id="SIM-00003").exists()  # numbering continues


@pytest.mark.django_db(databases="__all__")
def test_the_command_refuses_too_few_devices_and_reports_a_run():
    with pytest.raises(CommandError, match="--create-devices"):
        call_command("simulate_devices", "--devices", "12", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    end = last_working_evening()
    call_command(
        "simulate_devices",
        "--devices=12",
        "--days=1",
        f"--end={end.isoformat()}",
        "--create-devices",
        "--format=chirpstack",
        stdout=out,
        stderr=StringIO(),
    )
    text = out.getvalue()
    assert "answers: 200:" in text and "202:" in text
    assert "expected distinct encounter records once processed:" in text
    assert f"{end:%a %Y-%m-%d}" in text
    assert InboxUplink.objects.exists()


def test_an_end_date_means_up_to_the_midnight_after_it_and_never_beyond_now():
    now = datetime(2025, 3, 14, 10, 30, tzinfo=ZURICH)
    assert parse_end("2025-03-12", now=now) == datetime(2025, 3, 13, tzinfo=ZURICH)
    assert parse_end("2025-03-14", now=now) == now
    assert parse_end("2025-03-12T18:00", now=now) == datetime(2025, 3, 12, 18, tzinfo=ZURICH)
    assert parse_end(None, now=now) == now
    for future in ("2025-03-15", "2025-03-14T11:00"):
        with pytest.raises(CommandError, match="future"):
            parse_end(future, now=now)


def test_the_command_refuses_an_end_in_the_future_and_a_url_without_token():
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    with pytest.raises(CommandError, match="future"):
        call_command("simulate_devices", f"--end={later}", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="--token"):
        call_command(
            "simulate_devices", "--url=http://127.0.0.1:1", stdout=StringIO(), stderr=StringIO()
        )
