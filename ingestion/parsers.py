"""Reading network servers' webhook bodies: what was delivered, and only what we keep.

Each parser returns a `Delivery`: the event type, and for an uplink the
network server's delivery ID, FPort, raw payload, DevEUI and receive time.
Everything else in the body (gateways, positions, signal strength, decoded
fields) is read past and never copied anywhere.

Shapes handled (see the network servers' documentation):
- The Things Stack v3 webhooks: one JSON object per message, the message
  type is the key present (`uplink_message`, `join_accept`, `downlink_ack`, ...).
  Fields at their zero value are left out (no `f_port` for a MAC-only frame,
  no `f_cnt` on a first uplink); ABP devices have no `dev_eui`; a body
  filtered by a field mask may lack `end_device_ids`; Console-simulated
  uplinks say `"simulated": true`.
- ChirpStack v4 HTTP integration (`?event=up|join|status|ack|txack|log|location|integration`,
  JSON marshaler): hex IDs, `deduplicationId`; v4.0 leaves out default
  fields (no `fPort` when 0, no `data` when empty).
- ChirpStack v3 (JSON marshaler): IDs in base64 (`devEUI`), no
  deduplication ID (the first gateway's `uplinkID` serves), no receive time.
"""

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from assets.imports import normalise_dev_eui

TTS_EVENT_KEYS = (
    "uplink_message",
    "join_accept",
    "downlink_ack",
    "downlink_nack",
    "downlink_sent",
    "downlink_failed",
    "downlink_queued",
    "downlink_queue_invalidated",
    "location_solved",
    "service_data",
    "uplink_normalized",
)
CHIRPSTACK_EVENTS = (
    "up",
    "join",
    "status",
    "ack",
    "txack",
    "log",
    "location",
    "integration",
    "error",
)


class BodyError(ValueError):
    """The body is not a webhook of this network server; the message says why (400)."""


@dataclass(frozen=True)
class Delivery:
    event: str  # "uplink" or the network server's event name
    delivery_key: str = ""
    fport: int | None = None
    payload: bytes = b""
    dev_eui: str | None = None
    received_at: datetime | None = None
    simulated: bool = False

    @property
    def is_uplink(self) -> bool:
        return self.event == "uplink"


def load_json_object(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BodyError(
            _("The body is not valid JSON (%(error)s).") % {"error": type(exc).__name__}
        ) from exc
    if not isinstance(data, dict):
        raise BodyError(_("The body must be a JSON object."))
    return data


def _b64(value, field: str) -> bytes:
    if value in (None, ""):
        return b""
    if not isinstance(value, str):
        raise BodyError(_("%(field)s must be a base64 string.") % {"field": field})
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BodyError(_("%(field)s is not valid base64.") % {"field": field}) from exc


def _fport(value, field: str) -> int | None:
    if value is None:
        return None  # left out: zero, a MAC-only frame
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
        raise BodyError(_("%(field)s must be a whole number from 0 to 255.") % {"field": field})
    return value


def _time(value, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = None
    if isinstance(value, str):
        # Nanoseconds (TTS, ChirpStack) are more than Python keeps: cut to microseconds.
        text = value.strip()
        if "." in text:
            head, __, tail = text.partition(".")
            digits = len(tail) - len(tail.lstrip("0123456789"))
            text = f"{head}.{tail[: min(digits, 6)]}{tail[digits:]}"
        try:
            parsed = parse_datetime(text.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise BodyError(_("%(field)s is not a date and time with a time zone.") % {"field": field})
    return parsed


def dev_eui_from(value, field: str, *, base64_encoded: bool = False) -> str | None:
    """Upper-case hex, whatever the network server sent (hex in either case, or base64)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise BodyError(_("%(field)s must be a string.") % {"field": field})
    if base64_encoded:
        raw = _b64(value, field)
        if len(raw) != 8:
            raise BodyError(_("%(field)s is not an 8-byte EUI.") % {"field": field})
        return raw.hex().upper()
    normalised = normalise_dev_eui(value)
    if normalised is None:
        raise BodyError(_("%(field)s is not a 16-digit hexadecimal EUI.") % {"field": field})
    return normalised


def _dict(data, field: str) -> dict:
    value = data.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BodyError(_("%(field)s must be an object.") % {"field": field})
    return value


def _fallback_key(*parts) -> str:
    """A stable ID for a delivery whose network server gave none (same uplink → same key)."""
    return (
        "sha256:"
        + hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:40]
    )


def parse_tts(data: dict) -> Delivery:
    events = [key for key in TTS_EVENT_KEYS if key in data]
    if not events:
        raise BodyError(
            _("Not a The Things Stack webhook message: expected one of %(events)s, ...")
            % {"events": ", ".join(TTS_EVENT_KEYS[:4])}
        )
    event = events[0]
    if event != "uplink_message":
        return Delivery(event=event)
    uplink = _dict(data, "uplink_message")
    ids = _dict(data, "end_device_ids")
    correlation = data.get("correlation_ids") or []
    if not isinstance(correlation, list):
        raise BodyError(_("correlation_ids must be a list."))
    key = next((c for c in correlation if isinstance(c, str) and c.startswith("as:up:")), None)
    payload = _b64(uplink.get("frm_payload"), "uplink_message.frm_payload")
    received_at = _time(uplink.get("received_at"), "uplink_message.received_at") or _time(
        data.get("received_at"), "received_at"
    )
    dev_eui = dev_eui_from(ids.get("dev_eui"), "end_device_ids.dev_eui")
    if key is None:
        key = _fallback_key(
            ids.get("device_id"), dev_eui, uplink.get("f_cnt"), payload.hex(), received_at
        )
    return Delivery(
        event="uplink",
        delivery_key=key[:100],
        fport=_fport(uplink.get("f_port"), "uplink_message.f_port"),
        payload=payload,
        dev_eui=dev_eui,
        received_at=received_at,
        simulated=data.get("simulated") is True or uplink.get("simulated") is True,
    )


def parse_chirpstack(data: dict, event: str | None) -> Delivery:
    if not event:
        raise BodyError(_("ChirpStack names the event in the URL: add ?event=up (and so on)."))
    if event not in CHIRPSTACK_EVENTS:
        raise BodyError(_("Unknown ChirpStack event %(event)s.") % {"event": repr(event)})
    if event != "up":
        return Delivery(event=event)
    if "deviceInfo" in data:  # v4
        device = _dict(data, "deviceInfo")
        dev_eui = dev_eui_from(device.get("devEui"), "deviceInfo.devEui")
        key = data.get("deduplicationId")
        received_at = _time(data.get("time"), "time")
        fport_field, data_field = "fPort", "data"
    elif "devEUI" in data:  # v3, JSON (protobuf) marshaler
        dev_eui = dev_eui_from(data.get("devEUI"), "devEUI", base64_encoded=True)
        rx_info = data.get("rxInfo") if isinstance(data.get("rxInfo"), list) else []
        first = rx_info[0] if rx_info and isinstance(rx_info[0], dict) else {}
        key = first.get("uplinkID")
        received_at = None  # v3 states no network-server time; the portal's arrival time serves
        fport_field, data_field = "fPort", "data"
    else:
        raise BodyError(
            _("Not a ChirpStack uplink: it has neither deviceInfo (v4) nor devEUI (v3).")
        )
    payload = _b64(data.get(data_field), data_field)
    if not isinstance(key, str) or not key:
        key = _fallback_key(dev_eui, data.get("fCnt"), payload.hex(), data.get("time"))
    return Delivery(
        event="uplink",
        delivery_key=key[:100],
        fport=_fport(data.get(fport_field), fport_field),
        payload=payload,
        dev_eui=dev_eui,
        received_at=received_at,
    )
