"""Webhook bodies as the network servers send them, built from their documented formats.

The simulator posts these to the portal, and the test suite feeds them to the
parsers, so both exercise the shapes the portal meets in production rather
than a convenient subset: The Things Stack v3 leaves out fields at their zero
value (no `f_port` on a MAC-only frame, no `f_cnt` on a first uplink, no
`dev_eui` for an ABP device); ChirpStack v4.0 did the same (no `fPort`,
`fCnt` or `data` when zero or empty); ChirpStack v3 writes its IDs in base64.

Every body carries what the network server knows beyond the payload, and
what the portal must never keep: gateway IDs and positions, signal strength,
per-gateway arrival times. They are filled with plausible values (gateways on
CERN's Meyrin and Prévessin sites, EU868 channels, the LoRa airtime of the
real frame size) so that a test proving "nothing of this is stored" means
something.

The extra values are drawn from a generator seeded with the body's own
identity (its correlation or deduplication ID), so the same uplink always
yields the same body: a network server retrying a delivery sends the same
bytes again, and a seeded simulation is reproducible byte for byte.
"""

import base64
import json
import math
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

# Crockford's base32, the alphabet of the ULIDs in The Things Stack's correlation IDs.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Gateways of a fictitious campus network on CERN's two main sites (id, EUI, lat, lon, alt).
GATEWAYS = (
    ("proximeter-gw-meyrin-01", "A84041FFFF1F3A01", 46.23391, 6.05521, 441),
    ("proximeter-gw-meyrin-02", "A84041FFFF1F3A02", 46.23102, 6.04876, 438),
    ("proximeter-gw-meyrin-03", "A84041FFFF1F3A03", 46.23588, 6.04634, 443),
    ("proximeter-gw-meyrin-04", "A84041FFFF1F3A04", 46.22957, 6.05712, 436),
    ("proximeter-gw-meyrin-05", "A84041FFFF1F3A05", 46.23240, 6.05230, 440),
    ("proximeter-gw-prevessin-01", "A84041FFFF1F3B01", 46.25817, 6.06975, 455),
    ("proximeter-gw-prevessin-02", "A84041FFFF1F3B02", 46.26034, 6.07411, 457),
    ("proximeter-gw-prevessin-03", "A84041FFFF1F3B03", 46.25652, 6.07704, 452),
)
# EU868: the three default channels, then the five most networks add (Hz).
EU868_CHANNELS = (
    868_100_000,
    868_300_000,
    868_500_000,
    867_100_000,
    867_300_000,
    867_500_000,
    867_700_000,
    867_900_000,
)
# Spreading factors as adaptive data rate leaves them on a dense campus network.
_SPREADING_FACTORS = (7, 7, 7, 7, 7, 7, 8, 8, 9, 10, 11, 12)

TTS_APPLICATION_ID = "proximeters"
TTS_JOIN_EUI = "70B3D57ED0000000"
TTS_NETWORK_IDS = {
    "net_id": "000013",
    "tenant_id": "ttn",
    "cluster_id": "eu1",
    "cluster_address": "eu1.cloud.thethings.network",
}
TTS_EVENTS = (
    "join_accept",
    "downlink_ack",
    "downlink_nack",
    "downlink_sent",
    "downlink_failed",
    "downlink_queued",
    "location_solved",
    "service_data",
)
CHIRPSTACK_V4_EVENTS = ("join", "status", "ack", "txack", "log", "location", "integration")
CHIRPSTACK_TENANT = ("5c9d3a4e-7f0b-4e1a-9c2d-1b7e6f3a8d40", "CERN")
CHIRPSTACK_APPLICATION = ("0e4f8a6b-2c3d-4b5e-8f70-9a1b2c3d4e5f", "proximeters")
CHIRPSTACK_DEVICE_PROFILE = ("7a1c2e3f-4b5d-4e6f-a7b8-c9d0e1f2a3b4", "Proximeter EU868 1.0.3")


# --- Small helpers ----------------------------------------------------------------


def ulid_like(moment: datetime, randomness: int) -> str:
    """A ULID (48-bit milliseconds, then 80 random bits, Crockford base32): 26 characters.

    The Things Stack names every step of an uplink with one; it is also the
    delivery ID the portal deduplicates on (`as:up:<ULID>`).
    """
    milliseconds = int(moment.timestamp() * 1000) & (2**48 - 1)
    value = (milliseconds << 80) | (randomness & (2**80 - 1))
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def rfc3339_nanos(moment: datetime, rng: random.Random) -> str:
    """`2023-06-14T08:44:25.734494512Z`: UTC with nanoseconds, as both network servers write.

    Python keeps microseconds; the three extra digits are noise, which a
    parser must cut, so the value read back is exactly `moment`.
    """
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond:06d}{rng.randrange(1000):03d}Z"


def _seeded(*parts: object) -> random.Random:
    """A generator that depends only on `parts` (str seeding is stable across runs)."""
    return random.Random("|".join(str(part) for part in parts))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def lora_airtime(payload_size: int, spreading_factor: int, bandwidth: int = 125_000) -> float:
    """Seconds on air of an uplink with this application payload (Semtech AN1200.13).

    The frame adds 13 bytes to the payload (MHDR, FHDR without FOpts, FPort,
    MIC); explicit header, CRC on, coding rate 4/5, 8 preamble symbols, low
    data rate optimisation at SF11 and SF12 on 125 kHz.
    """
    frame = 13 + payload_size
    symbol = (2**spreading_factor) / bandwidth
    low_rate = 1 if spreading_factor >= 11 and bandwidth == 125_000 else 0
    numerator = 8 * frame - 4 * spreading_factor + 28 + 16
    payload_symbols = 8 + max(
        math.ceil(numerator / (4 * (spreading_factor - 2 * low_rate))) * (1 + 4), 0
    )
    return (8 + 4.25) * symbol + payload_symbols * symbol


def _gateways(rng: random.Random, count: int) -> list[tuple[str, str, float, float, int]]:
    if count < 1:
        raise ValueError("an uplink is heard by at least one gateway")
    return rng.sample(GATEWAYS, min(count, len(GATEWAYS)))


def _signal(rng: random.Random) -> tuple[int, float]:
    """RSSI and SNR that go together: strong signals have a positive SNR."""
    rssi = rng.randint(-121, -42)
    snr = rng.uniform(5.0, 12.5) if rssi > -100 else rng.uniform(-14.0, 6.0)
    return rssi, round(snr, 1)


def _dev_addr(device_key: str) -> str:
    """A TTN-style device address (NetID 000013: 260Bxxxx), stable for a device."""
    return f"260B{_seeded('dev_addr', device_key).getrandbits(16):04X}"


# --- The Things Stack v3 ----------------------------------------------------------


def _tts_ids(device_id: str, dev_eui: str | None) -> dict[str, Any]:
    ids: dict[str, Any] = {
        "device_id": device_id,
        "application_ids": {"application_id": TTS_APPLICATION_ID},
    }
    if dev_eui is not None:  # an ABP device has neither
        ids["dev_eui"] = dev_eui.upper()
        ids["join_eui"] = TTS_JOIN_EUI
    ids["dev_addr"] = _dev_addr(device_id)
    return ids


def tts_uplink(
    *,
    dev_eui: str | None,
    device_id: str,
    payload: bytes,
    f_port: int | None = 10,
    f_cnt: int | None,
    received_at: datetime,
    correlation_id: str | None = None,
    simulated: bool = False,
    gateways: int = 1,
) -> dict[str, Any]:
    """An `uplink_message` webhook body of The Things Stack v3 (JSON format).

    `received_at` is when the network server received the uplink
    (`uplink_message.received_at`, the time the portal keeps); the
    application server's own time at the top is a little later, each
    gateway's a little earlier. `correlation_id` is the `as:up:<ULID>` the
    portal deduplicates on; None draws a fresh one. Zero values are left
    out as TTS leaves them out: `f_port` None or 0 (a MAC-only frame),
    `f_cnt` None or 0 (the first uplink of a session). `simulated` makes the
    body of an uplink simulated from the Console, which the portal ignores.
    """
    if received_at.tzinfo is None:
        raise ValueError("received_at must be an aware datetime")
    if correlation_id is None:
        correlation_id = f"as:up:{ulid_like(received_at, uuid.uuid4().int)}"
    rng = _seeded("tts", device_id, correlation_id, received_at.isoformat())

    def ulid(offset_ms: int) -> str:
        return ulid_like(received_at + timedelta(milliseconds=offset_ms), rng.getrandbits(80))

    message: dict[str, Any] = {"session_key_id": _b64(rng.randbytes(16))}
    if f_port:
        message["f_port"] = f_port
    if f_cnt:
        message["f_cnt"] = f_cnt
    message["frm_payload"] = _b64(payload)
    if simulated:
        correlation_ids = [
            correlation_id,
            f"rpc:/ttn.lorawan.v3.AppAs/SimulateUplink:{uuid.UUID(int=rng.getrandbits(128))}",
        ]
        message["rx_metadata"] = [
            {"gateway_ids": {"gateway_id": "test"}, "rssi": 42, "channel_rssi": 42, "snr": 4.2}
        ]
        message["settings"] = {"data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7}}}
    else:
        correlation_ids = [
            correlation_id,
            f"gs:conn:{ulid(-rng.randint(3_600_000, 86_400_000))}",
            f"gs:up:host:{ulid(-rng.randint(3_600_000, 86_400_000))}",
            f"gs:uplink:{ulid(-40)}",
            f"ns:uplink:{ulid(-39)}",
            f"rpc:/ttn.lorawan.v3.GsNs/HandleUplink:{ulid(-39)}",
            f"rpc:/ttn.lorawan.v3.NsAs/HandleUplink:{ulid(-2)}",
        ]
        spreading_factor = rng.choice(_SPREADING_FACTORS)
        channel = rng.randrange(len(EU868_CHANNELS))
        concentrator = rng.getrandbits(32)
        rx_metadata = []
        for gateway_id, eui, latitude, longitude, altitude in _gateways(rng, gateways):
            rssi, snr = _signal(rng)
            heard_at = received_at - timedelta(microseconds=rng.randint(10_000, 35_000))
            rx_metadata.append(
                {
                    "gateway_ids": {"gateway_id": gateway_id, "eui": eui},
                    "time": rfc3339_nanos(heard_at, rng),
                    "timestamp": rng.getrandbits(32),
                    "rssi": rssi,
                    "channel_rssi": rssi,
                    "snr": snr,
                    "location": {
                        "latitude": latitude,
                        "longitude": longitude,
                        "altitude": altitude,
                        "source": "SOURCE_REGISTRY",
                    },
                    "uplink_token": _b64(rng.randbytes(rng.randint(44, 60))),
                    "channel_index": channel,
                    "received_at": rfc3339_nanos(heard_at, rng),
                }
            )
        message["rx_metadata"] = rx_metadata
        message["settings"] = {
            "data_rate": {
                "lora": {
                    "bandwidth": 125000,
                    "spreading_factor": spreading_factor,
                    "coding_rate": "4/5",
                }
            },
            "frequency": str(EU868_CHANNELS[channel]),
            "timestamp": concentrator,
            "time": rx_metadata[0]["time"],
        }
        message["consumed_airtime"] = f"{lora_airtime(len(payload), spreading_factor):.6f}s"
        message["network_ids"] = dict(TTS_NETWORK_IDS)
    message["received_at"] = rfc3339_nanos(received_at, rng)
    body: dict[str, Any] = {
        "end_device_ids": _tts_ids(device_id, dev_eui),
        "correlation_ids": correlation_ids,
        "received_at": rfc3339_nanos(
            received_at + timedelta(microseconds=rng.randint(80_000, 400_000)), rng
        ),
        "uplink_message": message,
    }
    if simulated:
        body["simulated"] = True
    return body


def tts_event(kind: str, *, device_id: str, dev_eui: str | None) -> dict[str, Any]:
    """A webhook body of The Things Stack v3 that is not an uplink (the portal answers 200).

    `kind` is one of TTS_EVENTS. Shapes as in the TTS data-formats
    documentation: downlink events carry an application downlink,
    `downlink_failed` wraps one with an error, `location_solved` carries a
    position (which the portal must not keep either).
    """
    if kind not in TTS_EVENTS:
        raise ValueError(f"unknown The Things Stack event {kind!r}; one of {TTS_EVENTS}")
    now = datetime.now(UTC)
    rng = random.Random()
    downlink_id = f"as:downlink:{ulid_like(now - timedelta(seconds=30), rng.getrandbits(80))}"
    downlink = {
        "f_port": 15,
        "frm_payload": _b64(rng.randbytes(2)),
        "confirmed": True,
        "priority": "NORMAL",
        "correlation_ids": [downlink_id],
    }
    uplink_ids = [
        f"as:up:{ulid_like(now, rng.getrandbits(80))}",
        f"ns:uplink:{ulid_like(now, rng.getrandbits(80))}",
        f"rpc:/ttn.lorawan.v3.GsNs/HandleUplink:{ulid_like(now, rng.getrandbits(80))}",
    ]
    session_key_id = _b64(rng.randbytes(16))
    correlation_ids: list[str] = uplink_ids
    content: dict[str, Any]
    if kind == "join_accept":
        content = {"session_key_id": session_key_id, "received_at": rfc3339_nanos(now, rng)}
    elif kind == "downlink_failed":
        correlation_ids = [downlink_id]
        content = {
            "downlink": downlink,
            "error": {
                "namespace": "pkg/networkserver",
                "name": "application_downlink_too_long",
                "message_format": "application downlink payload is too long",
                "correlation_id": rng.randbytes(16).hex(),
                "code": 3,
            },
        }
    elif kind.startswith("downlink_"):
        correlation_ids = [downlink_id, *uplink_ids]
        content = {"session_key_id": session_key_id, "f_cnt": rng.randint(1, 50), **downlink}
    elif kind == "location_solved":
        latitude, longitude, altitude = GATEWAYS[0][2:]
        content = {
            "service": "lora-cloud-device-management-v1-wifi",
            "location": {
                "latitude": round(latitude + rng.uniform(-0.002, 0.002), 6),
                "longitude": round(longitude + rng.uniform(-0.002, 0.002), 6),
                "altitude": altitude,
                "accuracy": rng.randint(5, 40),
                "source": "SOURCE_WIFI_RSSI_GEOLOCATION",
            },
        }
    else:  # service_data
        content = {
            "service": "lora-cloud-device-management-v1",
            "data": {"battery": round(rng.uniform(3.0, 3.3), 2), "uptime": rng.randint(1, 9999)},
        }
    return {
        "end_device_ids": _tts_ids(device_id, dev_eui),
        "correlation_ids": correlation_ids,
        "received_at": rfc3339_nanos(now, rng),
        kind: content,
    }


# --- ChirpStack v4 ----------------------------------------------------------------


def _without_defaults(value: Any) -> Any:
    """Drop fields at their protobuf default (0, "", false, empty), as ChirpStack v4.0 did.

    v4.1.0 emits every field; a portal has to read both.
    """
    if isinstance(value, dict):
        kept = {key: _without_defaults(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in (None, 0, "", False, {}, [])}
    if isinstance(value, list):
        return [_without_defaults(item) for item in value]
    return value


def _device_info(dev_eui: str, device_name: str | None) -> dict[str, Any]:
    eui = dev_eui.lower()
    return {
        "tenantId": CHIRPSTACK_TENANT[0],
        "tenantName": CHIRPSTACK_TENANT[1],
        "applicationId": CHIRPSTACK_APPLICATION[0],
        "applicationName": CHIRPSTACK_APPLICATION[1],
        "deviceProfileId": CHIRPSTACK_DEVICE_PROFILE[0],
        "deviceProfileName": CHIRPSTACK_DEVICE_PROFILE[1],
        "deviceName": device_name or f"proximeter-{eui}",
        "devEui": eui,
        "tags": {"site": "cern"},
    }


def _chirpstack_time(moment: datetime, rng: random.Random) -> str:
    """`2022-07-18T09:34:15.775023242+00:00`: ChirpStack writes the offset, not Z."""
    return rfc3339_nanos(moment, rng)[:-1] + "+00:00"


def chirpstack_v4_up(
    *,
    dev_eui: str,
    payload: bytes,
    f_port: int | None = 10,
    f_cnt: int | None,
    time: datetime,
    deduplication_id: str | None = None,
    gateways: int = 1,
    device_name: str | None = None,
) -> dict[str, Any]:
    """An `up` event of ChirpStack v4's HTTP integration (JSON marshaler), as v4.0 wrote it.

    Post it to `...?event=up`. IDs are lower-case hex, `deduplicationId` (a
    UUID; None draws one) identifies the uplink across gateways and is what
    the portal deduplicates on. Fields at their default are left out, as
    v4.0 did: no `fPort` for port 0, no `fCnt` for 0, no `data` when empty.
    """
    if time.tzinfo is None:
        raise ValueError("time must be an aware datetime")
    if deduplication_id is None:
        deduplication_id = str(uuid.uuid4())
    rng = _seeded("chirpstack", dev_eui, deduplication_id, time.isoformat())
    spreading_factor = rng.choice(_SPREADING_FACTORS)
    channel = rng.randrange(len(EU868_CHANNELS))
    rx_info = []
    for _gateway_id, eui, latitude, longitude, altitude in _gateways(rng, gateways):
        rssi, snr = _signal(rng)
        rx_info.append(
            {
                "gatewayId": eui.lower(),
                "uplinkId": rng.getrandbits(32),
                "time": _chirpstack_time(time - timedelta(milliseconds=rng.randint(5, 30)), rng),
                "rssi": rssi,
                "snr": snr,
                "channel": channel,
                "rfChain": 0 if channel < 3 else 1,
                "location": {"latitude": latitude, "longitude": longitude, "altitude": altitude},
                "context": _b64(rng.randbytes(4)),
                "metadata": {"region_config_id": "eu868", "region_common_name": "EU868"},
                "crcStatus": "CRC_OK",
            }
        )
    body = {
        "deduplicationId": deduplication_id,
        "time": _chirpstack_time(time, rng),
        "deviceInfo": _device_info(dev_eui, device_name),
        "devAddr": _dev_addr(dev_eui).lower(),
        "adr": True,
        "dr": 12 - spreading_factor,
        "fCnt": f_cnt or 0,
        "fPort": f_port or 0,
        "confirmed": False,
        "data": _b64(payload) if payload else "",
        "rxInfo": rx_info,
        "txInfo": {
            "frequency": EU868_CHANNELS[channel],
            "modulation": {
                "lora": {
                    "bandwidth": 125000,
                    "spreadingFactor": spreading_factor,
                    "codeRate": "CR_4_5",
                }
            },
        },
    }
    return _without_defaults(body)


def chirpstack_v4_event(event: str, *, dev_eui: str) -> dict[str, Any]:
    """Another event of ChirpStack v4's HTTP integration (`?event=<event>`); not an uplink.

    `event` is one of CHIRPSTACK_V4_EVENTS. `txack` has a `downlinkId` and
    no `deduplicationId`, `log` keeps its ID under `context`, `location`
    carries a position: shapes as in the ChirpStack events documentation.
    """
    if event not in CHIRPSTACK_V4_EVENTS:
        raise ValueError(f"unknown ChirpStack v4 event {event!r}; one of {CHIRPSTACK_V4_EVENTS}")
    now = datetime.now(UTC)
    rng = random.Random()
    common: dict[str, Any] = {
        "deduplicationId": str(uuid.uuid4()),
        "time": _chirpstack_time(now, rng),
        "deviceInfo": _device_info(dev_eui, None),
    }
    if event == "join":
        extra: dict[str, Any] = {"devAddr": _dev_addr(dev_eui).lower()}
    elif event == "status":
        extra = {"margin": rng.randint(5, 25), "batteryLevel": round(rng.uniform(20, 100), 1)}
    elif event == "ack":
        extra = {"queueItemId": str(uuid.uuid4()), "acknowledged": True, "fCntDown": 3}
    elif event == "txack":
        del common["deduplicationId"]
        extra = {
            "downlinkId": rng.getrandbits(32),
            "queueItemId": str(uuid.uuid4()),
            "fCntDown": 2,
            "gatewayId": GATEWAYS[0][1].lower(),
            "txInfo": {
                "frequency": EU868_CHANNELS[0],
                "power": 14,
                "modulation": {
                    "lora": {
                        "bandwidth": 125000,
                        "spreadingFactor": 7,
                        "codeRate": "CR_4_5",
                        "polarizationInversion": True,
                    }
                },
                "timing": {"delay": {"delay": "1s"}},
                "context": _b64(rng.randbytes(4)),
            },
        }
    elif event == "log":
        context_id = common.pop("deduplicationId")
        extra = {
            "level": "ERROR",
            "code": "UPLINK_MIC",
            "description": "MIC of join-request is invalid, make sure keys are correct",
            "context": {"deduplication_id": context_id},
        }
    elif event == "location":
        latitude, longitude, altitude = GATEWAYS[5][2:]
        extra = {"location": {"latitude": latitude, "longitude": longitude, "altitude": altitude}}
    else:  # integration
        extra = {
            "integrationName": "loracloud",
            "eventType": "modem_UplinkResponse",
            "object": {"dnlink": None, "info_fields": {"voltage": {"value": 3.04}}},
        }
    return {**common, **extra}


# --- ChirpStack v3 ----------------------------------------------------------------


def chirpstack_v3_up(
    *,
    dev_eui: str,
    payload: bytes,
    f_port: int,
    f_cnt: int,
    uplink_id: str | None = None,
    time: datetime | None = None,
) -> dict[str, Any]:
    """An `up` event of the ChirpStack v3 application server (the "JSON" protobuf marshaler).

    IDs are base64: `devEUI`, each gateway's `gatewayID`, and `uplinkID`,
    the UUID the first gateway gave this uplink (`uplink_id`, as ChirpStack
    shows it; None draws one), which is the only delivery ID v3 offers. v3
    states no network-server time; `time` fills the gateway's own receive
    time, which the portal ignores like the rest of rxInfo.
    """
    rng = _seeded("chirpstack-v3", dev_eui, uplink_id, f_cnt)
    the_uplink = uuid.UUID(uplink_id) if uplink_id is not None else uuid.uuid4()
    spreading_factor = rng.choice(_SPREADING_FACTORS)
    channel = rng.randrange(len(EU868_CHANNELS))
    _gateway_id, eui, latitude, longitude, altitude = rng.choice(GATEWAYS)
    rssi, snr = _signal(rng)
    return {
        "applicationID": "7",
        "applicationName": CHIRPSTACK_APPLICATION[1],
        "deviceName": f"proximeter-{dev_eui.lower()}",
        "devEUI": _b64(bytes.fromhex(dev_eui)),
        "rxInfo": [
            {
                "gatewayID": _b64(bytes.fromhex(eui)),
                "time": rfc3339_nanos(time, rng) if time is not None else None,
                "timeSinceGPSEpoch": None,
                "rssi": rssi,
                "loRaSNR": snr,
                "channel": channel,
                "rfChain": 0 if channel < 3 else 1,
                "board": 0,
                "antenna": 0,
                "location": {"latitude": latitude, "longitude": longitude, "altitude": altitude},
                "fineTimestampType": "NONE",
                "context": _b64(rng.randbytes(4)),
                "uplinkID": _b64(the_uplink.bytes),
                "crcStatus": "CRC_OK",
            }
        ],
        "txInfo": {
            "frequency": EU868_CHANNELS[channel],
            "modulation": "LORA",
            "loRaModulationInfo": {
                "bandwidth": 125,
                "spreadingFactor": spreading_factor,
                "codeRate": "4/5",
                "polarizationInversion": False,
            },
        },
        "adr": True,
        "dr": 12 - spreading_factor,
        "fCnt": f_cnt,
        "fPort": f_port,
        "data": _b64(payload),
        "objectJSON": "",
        "tags": {},
        "confirmedUplink": False,
        "devAddr": _b64(bytes.fromhex(_dev_addr(dev_eui))),
    }


def to_json(body: dict[str, Any]) -> bytes:
    """The bytes a network server posts (compact JSON, UTF-8)."""
    return json.dumps(body, separators=(",", ":")).encode()
