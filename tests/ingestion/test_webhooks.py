"""The webhooks: who may post, which bodies are accepted, ignored or refused, and never a 500."""

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encounters.payload import EncounterRecord, encode
from ingestion.models import InboxUplink, IngestToken
from ingestion.services import ingest_token_create, ingest_token_revoke
from simulation import bodies

pytestmark = pytest.mark.django_db(databases="__all__")


def _shared_fixtures() -> Path | None:
    """The real bodies of ../shared/fixtures/lorawan, read where they are (never copied here):
    PROXIMETER_SHARED_DIR, else a `shared` folder beside the checkout or one of its parents,
    else the workplace's /work/shared."""
    checkout = Path(__file__).resolve().parents[2]
    given = os.environ.get("PROXIMETER_SHARED_DIR")
    candidates = [Path(given)] if given else []
    candidates += [parent / "shared" for parent in checkout.parents]
    candidates.append(Path("/work/shared"))
    for shared in candidates:
        if (shared / "fixtures" / "lorawan").is_dir():
            return shared / "fixtures" / "lorawan"
    return None


SHARED_FIXTURES = _shared_fixtures()
DEV_EUI = "70B3D57ED0051234"


def an_uplink_payload() -> bytes:
    start = int((timezone.now() - timedelta(hours=1)).timestamp())
    return encode(0xA000_0001, [EncounterRecord(0xA000_0002, start, 6)])


def tts(**overrides):
    return bodies.tts_uplink(
        **{
            "dev_eui": DEV_EUI,
            "device_id": "prox-1234",
            "payload": an_uplink_payload(),
            "f_cnt": 7,
            "received_at": timezone.now(),
            **overrides,
        }
    )


def test_without_a_valid_token_nothing_is_stored(post, token):
    assert post("/api/ingest/tts", tts(), auth="").status_code == 401
    assert post("/api/ingest/tts", tts(), auth="Bearer wrong").status_code == 401
    assert post("/api/ingest/tts", tts(), auth=f"Basic {token}").status_code == 401
    assert not InboxUplink.objects.exists()


def test_a_revoked_token_is_refused_and_another_active_one_still_works(post, token):
    second = ingest_token_create(name="tts-rotation")
    ingest_token_revoke(token=IngestToken.objects.get(name="tts-test"))
    assert post("/api/ingest/tts", tts(), auth=f"Bearer {token}").status_code == 401
    assert post("/api/ingest/tts", tts(), auth=f"Bearer {second}").status_code == 202


def test_a_tts_uplink_goes_to_the_inbox_once_with_nothing_but_what_is_needed(post):
    payload = an_uplink_payload()  # once: it holds the current second
    body = tts(gateways=3, payload=payload)
    first = post("/api/ingest/tts", body)
    assert first.status_code == 202 and first.json() == {"status": "accepted"}
    again = post("/api/ingest/tts", body)  # the network server retries
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    row = InboxUplink.objects.get()
    assert row.delivery_key.startswith("as:up:")
    assert (row.fport, bytes(row.payload), row.dev_eui) == (10, payload, DEV_EUI)
    assert row.received_at is not None


def test_an_abp_device_without_dev_eui_and_a_first_uplink_without_f_cnt_are_accepted(post):
    assert post("/api/ingest/tts", tts(dev_eui=None, f_cnt=None)).status_code == 202
    assert InboxUplink.objects.get().dev_eui is None


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"f_port": None}, "MAC-only"),
        ({"simulated": True}, "Simulated"),
        ({"f_port": 2}, "FPort 2"),
    ],
)
def test_mac_only_simulated_and_other_ports_are_acknowledged_not_stored(post, overrides, reason):
    response = post("/api/ingest/tts", tts(**overrides))
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert reason in response.json()["detail"]
    assert not InboxUplink.objects.exists()


@pytest.mark.parametrize("kind", bodies.TTS_EVENTS)
def test_every_other_tts_message_is_acknowledged_and_not_stored(post, kind):
    response = post("/api/ingest/tts", bodies.tts_event(kind, device_id="prox-1", dev_eui=DEV_EUI))
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert not InboxUplink.objects.exists()


def test_chirpstack_v4_up_is_accepted_once_even_through_two_integrations(post):
    body = bodies.chirpstack_v4_up(
        dev_eui=DEV_EUI.lower(), payload=an_uplink_payload(), f_cnt=3, time=timezone.now()
    )
    assert post("/api/ingest/chirpstack?event=up", body).status_code == 202
    assert post("/api/ingest/chirpstack?event=up", body).json()["status"] == "duplicate"
    row = InboxUplink.objects.get()
    assert row.dev_eui == DEV_EUI and row.delivery_key == body["deduplicationId"]


@pytest.mark.parametrize(
    "event", ["join", "status", "ack", "txack", "log", "location", "integration"]
)
def test_other_chirpstack_events_are_acknowledged(post, event):
    response = post(
        f"/api/ingest/chirpstack?event={event}",
        bodies.chirpstack_v4_event(event, dev_eui=DEV_EUI.lower()),
    )
    assert response.status_code == 200
    assert not InboxUplink.objects.exists()


def test_chirpstack_v3_base64_ids_are_read(post):
    body = bodies.chirpstack_v3_up(dev_eui=DEV_EUI, payload=an_uplink_payload(), f_port=10, f_cnt=9)
    assert post("/api/ingest/chirpstack?event=up", body).status_code == 202
    assert InboxUplink.objects.get().dev_eui == DEV_EUI


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/api/ingest/tts", b"{not json", 400, "not valid JSON"),
        ("/api/ingest/tts", b"[1, 2]", 400, "JSON object"),
        ("/api/ingest/tts", b'{"hello": "world"}', 400, "Not a The Things Stack webhook"),
        (
            "/api/ingest/tts",
            b'{"uplink_message": {"f_port": 10, "frm_payload": "***"}}',
            400,
            "base64",
        ),
        ("/api/ingest/tts", b'{"uplink_message": {"f_port": "ten"}}', 400, "f_port"),
        ("/api/ingest/chirpstack", b'{"deviceInfo": {}}', 400, "?event=up"),
        ("/api/ingest/chirpstack?event=dance", b"{}", 400, "Unknown ChirpStack event"),
        ("/api/ingest/chirpstack?event=up", b'{"foo": 1}', 400, "neither deviceInfo"),
        ("/api/ingest/tts", b"[" * 100_000 + b"]" * 100_000, 400, "not valid JSON"),
    ],
)
def test_bad_bodies_get_a_400_that_says_why(post, path, body, status, message):
    response = post(path, body)
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert not InboxUplink.objects.exists()


def test_wrong_content_type_and_oversized_bodies_are_refused(post):
    assert post("/api/ingest/tts", tts(), content_type="text/plain").status_code == 415
    huge = json.dumps({"uplink_message": {"padding": "x" * 300_000}})
    assert post("/api/ingest/tts", huge).status_code == 413


def test_the_webhooks_take_only_post(client):
    assert client.get("/api/ingest/tts").status_code == 405


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
webhook_like = st.fixed_dictionaries(
    {},
    optional={
        "uplink_message": st.dictionaries(
            st.sampled_from(["f_port", "frm_payload", "received_at", "f_cnt"]),
            json_values,
            max_size=4,
        ),
        "end_device_ids": st.dictionaries(st.sampled_from(["dev_eui", "device_id"]), json_values),
        "correlation_ids": json_values,
        "deviceInfo": st.dictionaries(st.sampled_from(["devEui"]), json_values),
        "devEUI": json_values,
        "deduplicationId": json_values,
        "fPort": json_values,
        "data": json_values,
        "time": json_values,
        "simulated": json_values,
        "join_accept": json_values,
    },
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=webhook_like | json_values)
def test_arbitrary_json_is_accepted_or_refused_with_a_reason_never_a_500(post, body):
    for path in ("/api/ingest/tts", "/api/ingest/chirpstack?event=up"):
        response = post(path, body)
        assert response.status_code in (200, 202, 400), response.content
        assert response.json()["status"] in ("accepted", "duplicate", "ignored", "rejected")


def test_every_real_body_of_the_shared_fixtures_is_handled(post):
    """Bodies real network servers sent (read, not copied): handled, never a 500."""
    if SHARED_FIXTURES is None:
        pytest.fail(
            "The real network-server bodies (shared/fixtures/lorawan) were not found: set "
            "PROXIMETER_SHARED_DIR to the shared folder. This test does not skip."
        )
    seen = 0
    for path in sorted(SHARED_FIXTURES.glob("*.json")):
        name = path.name
        if name.startswith("tts_"):
            url = "/api/ingest/tts"
        elif name.startswith("chirpstack_"):
            event = name.split("_")[2]
            url = f"/api/ingest/chirpstack?event={event}"
        else:
            continue  # Helium and ThingPark have no webhook here
        response = post(url, path.read_bytes())
        assert response.status_code in (200, 202, 400), (name, response.content)
        seen += 1
    assert seen >= 30
    # Only encounter uplinks (FPort 10) reach the inbox, and nothing of their gateways does.
    for row in InboxUplink.objects.all():
        assert row.fport == 10
