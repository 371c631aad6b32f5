"""ChirpStack's MQTT integration: uplinks from a broker into the inbox, none lost.

    ChirpStack ──QoS 1──> broker ──QoS 1, persistent session──> mqtt_consume
        parse (as the webhook) → intake.delivery_take (the inbox, or this host's spool)
        → PUBACK

ChirpStack's HTTP integration tries once, for 5 s, and never again. Over MQTT the broker
keeps what the portal has not acknowledged: the session is persistent (clean_session
off, a fixed client id), so uplinks published while the consumer is stopped wait at the
broker, and a message is acknowledged only once the inbox (or the spool) took it, so one
in hand when the consumer dies is delivered again. A repeat is harmless: the inbox is
keyed by ChirpStack's deduplication ID.

- A malformed message is logged (without its topic, which names the device) and
  acknowledged: it will never become valid.
- When neither the inbox nor the spool can keep an uplink, it is not acknowledged; the
  consumer reconnects after a pause and the broker delivers it again.
- The spool is this host's (INGEST_SPOOL_DIR): run the ingest worker on the same host.
"""

import logging
import threading
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connections
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from prometheus_client import Counter

from ingestion import intake, metrics
from ingestion.models import Integration
from ingestion.parsers import BodyError, load_json_object, parse_chirpstack
from ingestion.spool import SpoolUnavailable

logger = logging.getLogger(__name__)

QOS = 1
# Before reconnecting to have unacknowledged messages delivered again.
RETRY_SECONDS = 5.0
# CONNACK reasons no retry will change: the consumer stops and says why.
_FATAL_CONNACK = {
    133: "the client identifier is not valid",
    134: "bad user name or password",
    135: "not authorised",
}
# Which deliveries came over MQTT (they are also in proximeter_ingest_deliveries_total).
MESSAGES = Counter(
    "proximeter_ingest_mqtt_messages_total",
    "Deliveries taken from the MQTT broker (each is also counted in "
    "proximeter_ingest_deliveries_total)",
)


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None
    ca_file: str | None
    client_id: str
    topic: str
    keepalive: int

    def __str__(self) -> str:  # for logs: never the credentials
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def broker_from_settings() -> Broker:
    """The broker of MQTT_URL (and MQTT_USERNAME, MQTT_PASSWORD, ...); ImproperlyConfigured
    says what is wrong."""
    url = settings.MQTT_URL
    if not url:
        raise ImproperlyConfigured(
            "MQTT_URL is not set: the broker ChirpStack publishes to, e.g. "
            "mqtt://user:password@broker.example.org:1883 (mqtts:// for TLS)."
        )
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("mqtt", "tcp"):
        tls, default_port = False, 1883
    elif scheme in ("mqtts", "ssl"):
        tls, default_port = True, 8883
    else:
        raise ImproperlyConfigured(
            f"MQTT_URL must start with mqtt:// or mqtts:// (TLS), not {scheme or 'nothing'}."
        )
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise ImproperlyConfigured("MQTT_URL: the port is not a number from 1 to 65535.") from exc
    if not parts.hostname:
        raise ImproperlyConfigured("MQTT_URL names no host.")
    if not settings.MQTT_CLIENT_ID:
        raise ImproperlyConfigured("MQTT_CLIENT_ID must not be empty: it names the session.")
    if not settings.MQTT_TOPIC:
        raise ImproperlyConfigured("MQTT_TOPIC must not be empty.")
    username = settings.MQTT_USERNAME or (unquote(parts.username) if parts.username else None)
    password = settings.MQTT_PASSWORD or (
        unquote(parts.password) if parts.password is not None else None
    )
    return Broker(
        host=parts.hostname,
        port=port,
        tls=tls,
        username=username,
        password=password,
        ca_file=settings.MQTT_CA_FILE or None,
        client_id=settings.MQTT_CLIENT_ID,
        topic=settings.MQTT_TOPIC,
        keepalive=settings.MQTT_KEEPALIVE,
    )


def event_from_topic(topic: str) -> str:
    """ChirpStack's event type: the level after `event` (`.../event/up`); `up` otherwise."""
    levels = topic.split("/")
    if len(levels) >= 2 and levels[-2] == "event" and levels[-1]:
        return levels[-1]
    return "up"


def take_message(topic: str, payload: bytes) -> str:
    """One message's outcome, as the deliveries metric names it (the webhook's labels).

    Raises SpoolUnavailable when the uplink could not be kept anywhere.
    """
    if len(payload) > settings.INGEST_MAX_BODY_BYTES:
        logger.warning(
            "MQTT message too large for one uplink: acknowledged and dropped",
            extra={"bytes": len(payload)},
        )
        return "rejected_size"
    try:
        delivery = parse_chirpstack(load_json_object(payload), event_from_topic(topic))
    except BodyError as error:
        # The parser's messages name fields, never values. Not the topic: it names the device.
        logger.warning(
            "malformed MQTT message acknowledged and dropped (ChirpStack must publish JSON: "
            "json=true in [integration.mqtt])",
            extra={"error": str(error)},
        )
        return "rejected_body"
    return intake.delivery_take(integration=Integration.CHIRPSTACK, delivery=delivery)


class Consumer:
    """Subscribes with QoS 1 in a persistent session and feeds the inbox until `stop` is set.

    paho's network thread calls on_message; this thread (run) waits for the stop, and
    reconnects when a message could not be kept, so that the broker delivers it again.
    """

    def __init__(self, broker: Broker, stop: threading.Event) -> None:
        self.broker = broker
        self.stop = stop
        self.fatal: str | None = None  # why the consumer gave up (bad credentials, ACL)
        self._redeliver = threading.Event()
        self._handling = threading.Lock()  # held while one message is taken and acknowledged
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=broker.client_id,
            clean_session=False,
            protocol=MQTTProtocolVersion.MQTTv311,
            manual_ack=True,
        )
        if broker.username is not None:
            self.client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            self.client.tls_set(ca_certs=broker.ca_file)  # verifies the certificate and host
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_connect_fail = self._on_connect_fail
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    # --- paho's network thread

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            why = _FATAL_CONNACK.get(reason_code.value)
            if why is not None:
                self._give_up(f"The MQTT broker {self.broker} refused the connection: {why}.")
            else:
                logger.warning(
                    "the MQTT broker refused the connection; trying again",
                    extra={"reason": str(reason_code)},
                )
            return
        logger.info(
            "connected to the MQTT broker",
            extra={"broker": str(self.broker), "session_present": flags.session_present},
        )
        client.subscribe(self.broker.topic, qos=QOS)

    def _on_connect_fail(self, client, userdata) -> None:
        logger.warning(
            "the MQTT broker does not answer; trying again", extra={"broker": str(self.broker)}
        )

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        granted = reason_codes[0]
        if granted.is_failure:
            self._give_up(
                f"The MQTT broker {self.broker} refused the subscription to "
                f"{self.broker.topic!r} (its access list?)."
            )
            return
        if granted.value < QOS:
            logger.warning(
                "the MQTT broker granted QoS 0: uplinks published while the consumer is away "
                "are lost",
                extra={"topic": self.broker.topic},
            )
        logger.info("subscribed", extra={"topic": self.broker.topic, "qos": granted.value})

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure and not self.stop.is_set():
            logger.warning(
                "disconnected from the MQTT broker; reconnecting",
                extra={"reason": str(reason_code)},
            )

    def _on_message(self, client, userdata, message) -> None:
        with self._handling:
            if self.stop.is_set() or self._redeliver.is_set():
                return  # not acknowledged: the broker delivers it again on the next connection
            if self._take(message):
                client.ack(message.mid, message.qos)
            else:
                self._redeliver.set()

    def _take(self, message) -> bool:
        """Take one message; True when it may be acknowledged (kept, or never to be kept)."""
        close_old_connections()  # as around a request: drop a connection an outage broke
        try:
            outcome = take_message(message.topic, message.payload)
        except SpoolUnavailable as error:
            outcome = "failed_spool"
            logger.error(
                "uplink not kept (the inbox's database does not answer and the spool cannot "
                "be written): not acknowledged, the broker will deliver it again",
                extra={"error": str(error)},
            )
        except Exception as exc:
            # The type only: a database error's detail may quote the row, DevEUI included.
            outcome = "failed_error"
            logger.error(
                "uplink not kept (unexpected error): not acknowledged, the broker will deliver "
                "it again",
                extra={"error": type(exc).__name__},
            )
        metrics.DELIVERIES.labels(integration=Integration.CHIRPSTACK, outcome=outcome).inc()
        MESSAGES.inc()
        if outcome.startswith("failed_"):
            connections.close_all()  # this thread's; the next message connects afresh
            return False
        close_old_connections()
        return True

    def _give_up(self, why: str) -> None:
        self.fatal = why
        logger.error(why)
        self.stop.set()

    # --- the command's thread

    def run(self) -> None:
        """Consume until `stop` is set (SIGTERM, SIGINT, or a fatal refusal)."""
        logger.info(
            "MQTT consumer starting",
            extra={"broker": str(self.broker), "topic": self.broker.topic},
        )
        self._connect()
        try:
            while not self.stop.wait(0.5):
                if self._redeliver.is_set():
                    if self.stop.wait(RETRY_SECONDS):
                        break
                    self._reconnect()
        finally:
            self._disconnect()
            logger.info("MQTT consumer stopped")

    def _connect(self) -> None:
        self.client.connect_async(self.broker.host, self.broker.port, self.broker.keepalive)
        self.client.loop_start()

    def _disconnect(self) -> None:
        with self._handling:  # the message in hand is finished and acknowledged first
            self.client.disconnect()
        self.client.loop_stop()

    def _reconnect(self) -> None:
        """A new connection to the same session: the broker sends what is unacknowledged."""
        logger.info("reconnecting to have unacknowledged uplinks delivered again")
        self._disconnect()
        self._redeliver.clear()
        self._connect()
