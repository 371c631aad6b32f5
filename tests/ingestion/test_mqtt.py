"""ChirpStack over MQTT: `manage.py mqtt_consume` against the machine's Mosquitto.

The consumer runs as its own process on this test's databases. Each test has its own
client id (the broker's session) and topic prefix, so runs on one broker never meet.
"""

import base64
import json
import signal
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion

from encounters.payload import EncounterRecord, encode
from ingestion import mqtt
from ingestion.models import InboxUplink, Integration
from ingestion.spool import SpoolUnavailable
from simulation import bodies
from tests.conftest import ROOT, database_env_for_workers
from tests.ingestion.stack import wait_for
from tests.ingestion.test_webhooks import SHARED_FIXTURES

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

BROKER = ("127.0.0.1", 1883)
APPLICATION = bodies.CHIRPSTACK_APPLICATION[0]


def payload(n: int = 0) -> bytes:
    start = int((timezone.now() - timedelta(hours=1)).timestamp()) + n
    return encode(0xA000_0001, [EncounterRecord(0xA000_0002, start, 6)])


def dev_eui(n: int) -> str:
    return f"70B3D57ED005{n:04X}"


def up_event(n: int, **overrides) -> dict:
    return bodies.chirpstack_v4_up(
        **{
            "dev_eui": dev_eui(n).lower(),
            "payload": payload(n),
            "f_cnt": n + 1,
            "time": timezone.now(),
            **overrides,
        }
    )


class Broker:
    """This test's corner of the broker: a topic prefix and a session (client id)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.prefix = f"proximeter-test-{uuid.uuid4().hex[:10]}"
        self.client_id = f"{self.prefix}-portal"
        self.process = None
        self.starts = 0

    def topic(self, dev_eui_hex: str, event: str = "up") -> str:
        return f"{self.prefix}/application/{APPLICATION}/device/{dev_eui_hex.lower()}/event/{event}"

    # --- the consumer (manage.py mqtt_consume)
    def env(self) -> dict:
        return {
            **database_env_for_workers(),
            "MQTT_URL": f"mqtt://{BROKER[0]}:{BROKER[1]}",
            "MQTT_CLIENT_ID": self.client_id,
            "MQTT_TOPIC": f"{self.prefix}/application/+/device/+/event/up",
            "INGEST_SPOOL_DIR": str(self.folder / "spool"),
            "LOG_FORMAT": "text",
            "LOG_LEVEL": "INFO",
        }

    def log_path(self, start: int) -> Path:
        return self.folder / f"consumer-{start}.log"

    def log(self) -> str:
        return "".join(
            self.log_path(n).read_text(errors="replace")
            for n in range(1, self.starts + 1)
            if self.log_path(n).exists()
        )

    def start_consumer(self) -> None:
        self.starts += 1
        path = self.log_path(self.starts)
        log = open(path, "wb")  # noqa: SIM115  (closed with the process)
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "mqtt_consume"],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

        def subscribed():
            if self.process.poll() is not None:
                raise AssertionError("mqtt_consume exited:\n" + self.log())
            return "ingestion.mqtt: subscribed" in path.read_text(errors="replace")

        wait_for(subscribed, timeout=30, what="the consumer's subscription")

    def stop_consumer(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        # Leave no session behind at the broker: connect with a clean session once.
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=self.client_id)
        client.connect(*BROKER)
        client.disconnect()

    def unacknowledged(self, wait: float = 2.0) -> list[bytes]:
        """What the broker still holds for the consumer's session (resumed by a probe)."""
        received = []
        client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=self.client_id, clean_session=False
        )
        client.on_message = lambda _client, _userdata, message: received.append(message.payload)
        client.connect(*BROKER)
        client.loop_start()
        try:
            threading.Event().wait(wait)
        finally:
            client.disconnect()
            client.loop_stop()
        return received

    # --- ChirpStack's side
    def publish(self, messages: list[tuple[str, bytes]]) -> None:
        """Publish with QoS 1 and wait for the broker's PUBACK of each."""
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"{self.prefix}-chirpstack")
        client.connect(*BROKER)
        client.loop_start()
        try:
            infos = [client.publish(topic, body, qos=1) for topic, body in messages]
            for info in infos:
                info.wait_for_publish(timeout=10)
                assert info.is_published()
        finally:
            client.disconnect()
            client.loop_stop()


@pytest.fixture
def broker(tmp_path):
    corner = Broker(tmp_path)
    yield corner
    corner.close()


def rows():
    return InboxUplink.objects.filter(integration=Integration.CHIRPSTACK)


def wait_for_rows(count: int) -> None:
    wait_for(lambda: rows().count() >= count, timeout=30, what=f"{count} inbox rows")


def test_uplinks_published_with_qos_1_reach_the_inbox_once(broker):
    broker.start_consumer()
    events = [up_event(n) for n in range(5)]
    messages = [
        (broker.topic(event["deviceInfo"]["devEui"]), json.dumps(event).encode())
        for event in events
    ]
    broker.publish([*messages, messages[0]])  # ChirpStack repeats one
    wait_for_rows(5)
    assert broker.stop_consumer() == 0
    assert sorted(rows().values_list("delivery_key", flat=True)) == sorted(
        event["deduplicationId"] for event in events
    )
    row = rows().get(delivery_key=events[2]["deduplicationId"])
    sent = base64.b64decode(events[2]["data"])
    assert (row.fport, bytes(row.payload), row.dev_eui) == (10, sent, dev_eui(2))
    assert row.status == InboxUplink.Status.PENDING


def test_a_restarted_consumer_gets_what_was_published_while_it_was_stopped(broker):
    broker.start_consumer()  # the persistent session exists from here on
    assert broker.stop_consumer() == 0
    events = [up_event(n) for n in range(30)]
    broker.publish(
        [(broker.topic(e["deviceInfo"]["devEui"]), json.dumps(e).encode()) for e in events]
    )
    assert rows().count() == 0  # nobody took them: they wait at the broker
    broker.start_consumer()
    wait_for_rows(30)
    assert broker.stop_consumer() == 0
    keys = list(rows().values_list("delivery_key", flat=True))
    assert len(keys) == 30 and set(keys) == {e["deduplicationId"] for e in events}
    # Each was acknowledged: the session holds nothing more to deliver.
    assert broker.unacknowledged() == []


def test_a_consumer_killed_mid_stream_loses_nothing_and_stores_nothing_twice(broker):
    broker.start_consumer()
    events = [up_event(n) for n in range(200)]
    broker.publish(
        [(broker.topic(e["deviceInfo"]["devEui"]), json.dumps(e).encode()) for e in events]
    )
    wait_for(lambda: rows().exists(), timeout=30, what="the first rows")
    broker.process.send_signal(signal.SIGKILL)  # no goodbye, whatever it holds
    broker.process.wait(timeout=10)
    broker.start_consumer()
    wait_for_rows(200)
    assert broker.stop_consumer() == 0
    keys = list(rows().values_list("delivery_key", flat=True))
    assert len(keys) == 200 and set(keys) == {e["deduplicationId"] for e in events}
    assert broker.unacknowledged() == []


def test_malformed_messages_are_dropped_and_the_consumer_goes_on(broker):
    broker.start_consumer()
    wrong_eui = up_event(1)
    wrong_eui["deviceInfo"]["devEui"] = "not-an-eui"
    not_ours = up_event(2, f_port=2)
    good = up_event(3)
    broker.publish(
        [
            (broker.topic(dev_eui(9)), b"\x0a\x24protobuf, not JSON"),
            (broker.topic(dev_eui(9)), b"[1, 2, 3]"),
            (broker.topic(dev_eui(1)), json.dumps(wrong_eui).encode()),
            (broker.topic(dev_eui(2)), json.dumps(not_ours).encode()),
            (broker.topic(dev_eui(3)), json.dumps(good).encode()),
        ]
    )
    wait_for_rows(1)
    assert broker.process.poll() is None
    assert list(rows().values_list("delivery_key", flat=True)) == [good["deduplicationId"]]
    assert broker.stop_consumer() == 0
    log = broker.log()
    assert log.count("malformed MQTT message acknowledged and dropped") == 3
    # No DevEUI in the logs, in either case, nor the topics that carry them.
    for n in (1, 2, 3, 9):
        assert dev_eui(n).lower() not in log.lower()
    assert broker.prefix + "/application/" + APPLICATION not in log


def test_the_real_chirpstack_bodies_of_the_shared_fixtures_are_handled(broker):
    if SHARED_FIXTURES is None:
        pytest.fail(
            "The real network-server bodies (shared/fixtures/lorawan) were not found: set "
            "PROXIMETER_SHARED_DIR to the shared folder. This test does not skip."
        )
    broker.start_consumer()
    paths = sorted(SHARED_FIXTURES.glob("chirpstack_v4_up_*.json"))
    assert len(paths) >= 3
    messages = []
    for path in paths:
        eui = json.loads(path.read_bytes())["deviceInfo"]["devEui"]
        messages.append((broker.topic(eui), path.read_bytes()))
    broker.publish(messages)
    # Only the FPort-10 uplink is an encounter uplink (its payload is not ours: the ingest
    # worker will dead-letter it); the others are acknowledged and ignored.
    wait_for_rows(1)
    assert broker.stop_consumer() == 0
    encounter_ports = [p for p in paths if json.loads(p.read_bytes()).get("fPort") == 10]
    assert rows().count() == len(encounter_ports)
    assert rows().filter(fport=10).count() == len(encounter_ports)


# --- The consumer's rules, in process ---------------------------------------------


class FakeClient:
    """Records acknowledgements, and what the inbox held at each."""

    def __init__(self):
        self.acks = []

    def ack(self, mid, qos):
        self.acks.append((mid, qos, rows().count()))


def message(mid: int, body: bytes, topic: str = "x/application/a/device/d/event/up"):
    msg = paho.MQTTMessage(mid=mid, topic=topic.encode())
    msg.payload = body
    msg.qos = 1
    return msg


def consumer() -> mqtt.Consumer:
    broker = mqtt.Broker(
        host="127.0.0.1",
        port=1883,
        tls=False,
        username=None,
        password=None,
        ca_file=None,
        client_id="unused",
        topic="x/#",
        keepalive=60,
    )
    return mqtt.Consumer(broker, threading.Event())


def test_a_message_is_acknowledged_only_once_the_inbox_took_it():
    taker, client = consumer(), FakeClient()
    taker._on_message(client, None, message(1, json.dumps(up_event(1)).encode()))
    assert client.acks == [(1, 1, 1)]  # the row was there when the PUBACK went


def test_an_uplink_kept_nowhere_is_not_acknowledged_and_comes_again(monkeypatch):
    taker, client = consumer(), FakeClient()

    def unavailable(**_):
        raise SpoolUnavailable("disk full")

    monkeypatch.setattr("ingestion.services.uplink_accept", unavailable)
    taker._on_message(client, None, message(1, json.dumps(up_event(1)).encode()))
    taker._on_message(client, None, message(2, json.dumps(up_event(2)).encode()))
    assert client.acks == []
    assert taker._redeliver.is_set()  # run() reconnects: the broker sends both again
    monkeypatch.undo()
    taker._redeliver.clear()
    taker._on_message(client, None, message(1, json.dumps(up_event(1)).encode()))
    assert [mid for mid, _, _ in client.acks] == [1]


def test_a_malformed_message_is_acknowledged_without_a_row():
    taker, client = consumer(), FakeClient()
    taker._on_message(client, None, message(5, b"{"))
    taker._on_message(client, None, message(6, json.dumps(up_event(1, f_port=3)).encode()))
    assert client.acks == [(5, 1, 0), (6, 1, 0)]


def test_the_event_is_read_from_the_topic():
    assert mqtt.event_from_topic("application/a/device/d/event/up") == "up"
    assert mqtt.event_from_topic("application/a/device/d/event/join") == "join"
    assert mqtt.event_from_topic("my/own/topic") == "up"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://broker.example.org", ("broker.example.org", 1883, False, None, None)),
        ("mqtts://u%40x:p%3Aw@mq.example.org", ("mq.example.org", 8883, True, "u@x", "p:w")),
        ("mqtt://10.0.0.5:11883", ("10.0.0.5", 11883, False, None, None)),
    ],
)
def test_the_broker_url_is_read(settings, url, expected):
    settings.MQTT_URL = url
    settings.MQTT_USERNAME = settings.MQTT_PASSWORD = ""
    broker = mqtt.broker_from_settings()
    assert (broker.host, broker.port, broker.tls, broker.username, broker.password) == expected
    assert "@" not in str(broker) and "p:w" not in str(broker)


def test_separate_credentials_win_and_a_bad_url_is_refused(settings):
    settings.MQTT_URL = "mqtt://a:b@broker"
    settings.MQTT_USERNAME, settings.MQTT_PASSWORD = "portal", "secret"
    assert mqtt.broker_from_settings().username == "portal"
    assert mqtt.broker_from_settings().password == "secret"
    for wrong in ("", "http://broker", "mqtt://:1883", "mqtt://broker:99999"):
        settings.MQTT_URL = wrong
        with pytest.raises(ImproperlyConfigured):
            mqtt.broker_from_settings()
