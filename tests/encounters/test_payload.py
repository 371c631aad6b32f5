"""The encounter uplink codec (encounters/payload.py) and its JavaScript twin for network servers.

Expected bytes are written out from the format table, not taken from the
encoder, so a symmetric mistake in encode and decode cannot pass unnoticed.
No database: these are plain functions.
"""

import json
import random
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encounters.payload import (
    ENCOUNTER_FPORT,
    HEADER_SIZE,
    MAX_RECORDS,
    MAX_RECORDS_DR0,
    PAYLOAD_ERROR_REASONS,
    RECORD_SIZE,
    SLOT_SECONDS,
    UINT32_MAX,
    DecodedUplink,
    EncounterRecord,
    PayloadError,
    classify,
    decode,
    encode,
    records_per_uplink,
    split_into_uplinks,
    to_dict,
)

ROOT = Path(__file__).resolve().parents[2]
FORMATTER = ROOT / "encounters" / "payload_formatter.js"
RUNNER = Path(__file__).resolve().parent / "formatter_runner.js"

MAY_1_NOON = 1714564800  # 2024-05-01T12:00:00Z = 0x66322EC0

# One record: device 1001 met device 1002 at noon on 1 May 2024 for 5 slots.
ONE_RECORD_HEX = (
    "01"  # version
    "000003e9"  # my_tag 1001
    "000003ea"  # ref_tag 1002
    "66322ec0"  # start 1714564800
    "0005"  # slots 5
)
ONE_RECORD = DecodedUplink(my_tag=1001, records=(EncounterRecord(1002, MAY_1_NOON, 5),))

# Four records, the most a DR0-2 uplink holds, with every field at an edge somewhere.
# fmt: off
FOUR_RECORDS_HEX = (
    "01"  # version
    "80000001"  # my_tag 2147483649: the top bit set, unsigned
    # ref_tag  start     slots
    "00000001" "00000000" "0001"  # ref_tag 1, start 0 (the epoch), 1 slot
    "ffffffff" "ffffffff" "ffff"  # ref_tag, start and slots at their maximum
    "000003ea" "66322f92" "0002"  # ref_tag 1002, 2024-05-01T12:03:30Z, 2 slots
    "7fffffff" "66323cd0" "0100"  # ref_tag 2^31-1, 2024-05-01T13:00:00Z, 256 slots
)
# fmt: on
FOUR_RECORDS = DecodedUplink(
    my_tag=0x8000_0001,
    records=(
        EncounterRecord(1, 0, 1),
        EncounterRecord(UINT32_MAX, UINT32_MAX, 0xFFFF),
        EncounterRecord(1002, MAY_1_NOON + 210, 2),
        EncounterRecord(0x7FFF_FFFF, MAY_1_NOON + 3600, 256),
    ),
)

# The worked example of docs/payload-format.md.
DOCS_EXAMPLE_HEX = "01000003e9000003ea66322ec000050000126766322f920003"


def records(count: int, *, first_tag: int = 2000) -> list[EncounterRecord]:
    return [EncounterRecord(first_tag + i, MAY_1_NOON + 60 * i, 1 + i) for i in range(count)]


def reason_of(payload: bytes) -> str:
    with pytest.raises(PayloadError) as caught:
        decode(payload)
    return caught.value.reason


# --- Bytes on the wire ---------------------------------------------------------


def test_one_record_encodes_to_the_bytes_of_the_format_table():
    assert encode(1001, ONE_RECORD.records).hex() == ONE_RECORD_HEX
    assert len(bytes.fromhex(ONE_RECORD_HEX)) == HEADER_SIZE + RECORD_SIZE


def test_one_record_decodes_from_the_bytes_of_the_format_table():
    assert decode(bytes.fromhex(ONE_RECORD_HEX)) == ONE_RECORD


def test_four_records_encode_and_decode_as_the_format_table_says():
    payload = bytes.fromhex(FOUR_RECORDS_HEX)
    assert len(payload) == 45
    assert encode(FOUR_RECORDS.my_tag, FOUR_RECORDS.records) == payload
    assert decode(payload) == FOUR_RECORDS


def test_the_worked_example_of_the_documentation_decodes_as_documented():
    assert decode(bytes.fromhex(DOCS_EXAMPLE_HEX)) == DecodedUplink(
        my_tag=1001,
        records=(
            EncounterRecord(ref_tag=1002, start=MAY_1_NOON, slots=5),
            EncounterRecord(ref_tag=4711, start=MAY_1_NOON + 210, slots=3),
        ),
    )
    assert to_dict(decode(bytes.fromhex(DOCS_EXAMPLE_HEX)))["encounters"][1] == {
        "ref_tag": 4711,
        "start": 1714565010,
        "start_iso": "2024-05-01T12:03:30Z",
        "slots": 3,
        "seconds": 90,
    }


def test_a_record_knows_its_start_as_utc_and_its_duration_in_seconds():
    record = EncounterRecord(ref_tag=1002, start=MAY_1_NOON, slots=5)
    assert record.started_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert record.seconds == 5 * SLOT_SECONDS == 150


def test_uint32_and_uint16_extremes_survive_the_round_trip():
    edges = [
        EncounterRecord(ref_tag=0, start=0, slots=0xFFFF),
        EncounterRecord(ref_tag=UINT32_MAX, start=UINT32_MAX, slots=1),
    ]
    for my_tag in (0, UINT32_MAX):
        assert decode(encode(my_tag, edges)) == DecodedUplink(my_tag, tuple(edges))
    assert EncounterRecord(1, UINT32_MAX, 1).started_at == datetime(
        2106, 2, 7, 6, 28, 15, tzinfo=UTC
    )


def test_decode_accepts_bytearray_and_memoryview_but_not_text():
    payload = bytes.fromhex(ONE_RECORD_HEX)
    assert decode(bytearray(payload)) == decode(memoryview(payload)) == ONE_RECORD
    with pytest.raises(TypeError):
        decode(ONE_RECORD_HEX)  # type: ignore[arg-type]


# --- Capacity ------------------------------------------------------------------


def test_four_records_fit_the_51_bytes_of_dr0_and_a_fifth_does_not():
    assert len(encode(1, records(MAX_RECORDS_DR0))) == 45 <= 51
    assert HEADER_SIZE + RECORD_SIZE * (MAX_RECORDS_DR0 + 1) == 55 > 51


def test_twenty_three_records_fit_the_242_bytes_of_the_fastest_data_rates():
    payload = encode(1, records(MAX_RECORDS))
    assert len(payload) == 235 <= 242
    assert HEADER_SIZE + RECORD_SIZE * (MAX_RECORDS + 1) == 245 > 242
    assert len(decode(payload).records) == MAX_RECORDS


def test_records_per_uplink_follows_the_eu868_table_of_the_documentation():
    assert records_per_uplink(51) == 4  # DR0-2
    assert records_per_uplink(115) == 11  # DR3
    assert records_per_uplink(242) == 23  # DR4-7
    assert records_per_uplink(250) == 23  # capped: the decoder refuses more
    assert records_per_uplink(15) == 1
    with pytest.raises(ValueError, match="at least 15"):
        records_per_uplink(14)


def test_a_queue_of_ten_records_leaves_in_three_uplinks_of_four_four_and_two():
    queue = records(10)
    uplinks = split_into_uplinks(1001, queue, max_payload_bytes=51)
    assert [len(decode(uplink).records) for uplink in uplinks] == [4, 4, 2]
    assert [len(uplink) for uplink in uplinks] == [45, 45, 25]
    assert all(len(uplink) <= 51 for uplink in uplinks)
    assert [record for uplink in uplinks for record in decode(uplink).records] == queue
    assert {decode(uplink).my_tag for uplink in uplinks} == {1001}


def test_splitting_at_the_fastest_data_rates_fills_uplinks_of_twenty_three():
    assert len(split_into_uplinks(1, records(10), max_payload_bytes=242)) == 1
    uplinks = split_into_uplinks(1, records(24), max_payload_bytes=242)
    assert [len(decode(uplink).records) for uplink in uplinks] == [23, 1]
    assert split_into_uplinks(1, [], max_payload_bytes=51) == []


# --- Malformed payloads ----------------------------------------------------------


def test_every_malformed_payload_names_its_reason():
    cases = {
        "empty": b"",
        "unknown_version": bytes.fromhex("02" + ONE_RECORD_HEX[2:]),
        "bad_length": bytes.fromhex(ONE_RECORD_HEX + "00"),
        "no_records": bytes.fromhex("01000003e9"),
        "too_many_records": encode(1, records(MAX_RECORDS)) + bytes(RECORD_SIZE),
    }
    assert set(cases) == set(PAYLOAD_ERROR_REASONS)
    for reason, payload in cases.items():
        assert reason_of(payload) == reason


def test_a_payload_error_is_a_value_error_with_a_message_for_people():
    with pytest.raises(ValueError, match=r"payload of 16 bytes; the length must be 5 \+ 10\*N"):
        decode(bytes.fromhex(ONE_RECORD_HEX + "00"))


@pytest.mark.parametrize(
    ("hex_payload", "reason"),
    [
        ("00", "unknown_version"),
        ("ff000003e9000003ea66322ec00005", "unknown_version"),
        ("01", "bad_length"),
        ("01000003", "bad_length"),
        ("01000003e900", "bad_length"),
        (ONE_RECORD_HEX[:-2], "bad_length"),
        ("01000003e9", "no_records"),
    ],
)
def test_short_and_odd_payloads_are_refused_with_the_right_reason(hex_payload, reason):
    assert reason_of(bytes.fromhex(hex_payload)) == reason


def test_the_version_is_judged_before_the_length():
    """A later version may be laid out differently, so its length says nothing."""
    assert reason_of(b"\x02") == "unknown_version"
    assert reason_of(b"\x02" + bytes(300)) == "unknown_version"


def test_a_misaligned_oversized_payload_is_a_bad_length_not_too_many_records():
    assert reason_of(encode(1, records(MAX_RECORDS)) + bytes(RECORD_SIZE + 1)) == "bad_length"


@given(st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(lambda b: b"\x01" + b)))
def test_decode_of_any_bytes_returns_an_uplink_or_raises_a_payload_error(payload):
    try:
        decoded = decode(payload)
    except PayloadError as error:
        assert error.reason in PAYLOAD_ERROR_REASONS
    else:
        assert isinstance(decoded, DecodedUplink)
        assert 1 <= len(decoded.records) <= MAX_RECORDS


uint32 = st.integers(min_value=0, max_value=UINT32_MAX)
encounter_records = st.builds(
    EncounterRecord, ref_tag=uint32, start=uint32, slots=st.integers(0, 0xFFFF)
)


@given(uint32, st.lists(encounter_records, min_size=1, max_size=MAX_RECORDS))
def test_any_encodable_uplink_decodes_to_what_was_encoded(my_tag, queue):
    payload = encode(my_tag, queue)
    assert len(payload) == HEADER_SIZE + RECORD_SIZE * len(queue)
    assert decode(payload) == DecodedUplink(my_tag, tuple(queue))


# --- What encode refuses -------------------------------------------------------


@pytest.mark.parametrize(
    ("my_tag", "queue", "message"),
    [
        (-1, records(1), "my_tag must be an integer from 0 to 4294967295"),
        (UINT32_MAX + 1, records(1), "my_tag must be"),
        (True, records(1), "my_tag must be"),
        ("1001", records(1), "my_tag must be"),
        (1, [EncounterRecord(UINT32_MAX + 1, 0, 1)], r"records\[0\]\.ref_tag must be"),
        (1, [*records(1), EncounterRecord(2, -1, 1)], r"records\[1\]\.start must be"),
        (1, [EncounterRecord(2, 0, 0x10000)], r"records\[0\]\.slots must be .* 65535"),
        (1, [], "at least one encounter record"),
        (1, records(MAX_RECORDS + 1), "at most 23"),
    ],
)
def test_encode_refuses_what_the_wire_cannot_carry(my_tag, queue, message):
    with pytest.raises(ValueError, match=message):
        encode(my_tag, queue)


def test_encode_carries_records_the_portal_will_refuse_so_tests_can_send_them():
    payload = encode(7, [EncounterRecord(ref_tag=7, start=0, slots=0)])
    assert decode(payload).records == (EncounterRecord(7, 0, 0),)


# --- Judging records -----------------------------------------------------------

RECEIVED = datetime(2024, 5, 1, 12, 10, tzinfo=UTC)
NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
FOURTEEN_DAYS = timedelta(days=14)


def verdict(record: EncounterRecord, *, my_tag: int = 1001, received_at=RECEIVED, now=None):
    return classify(
        record,
        my_tag=my_tag,
        received_at=received_at,
        now=now or received_at,
        retention=FOURTEEN_DAYS,
    )


def test_a_plain_record_is_valid():
    assert verdict(EncounterRecord(1002, MAY_1_NOON, 5)) is None


def test_a_record_of_zero_slots_is_invalid():
    assert verdict(EncounterRecord(1002, MAY_1_NOON, 0)) == "zero_slots"


def test_a_device_meeting_itself_is_invalid():
    assert verdict(EncounterRecord(1001, MAY_1_NOON, 5)) == "self_encounter"


def test_a_start_exactly_at_the_clock_tolerance_is_allowed_and_one_second_more_is_not():
    edge = int((RECEIVED + timedelta(minutes=5)).timestamp())  # 12:15:00
    assert verdict(EncounterRecord(1002, edge, 1)) is None
    assert verdict(EncounterRecord(1002, edge + 1, 1)) == "start_in_future"


def test_the_clock_tolerance_can_be_chosen():
    record = EncounterRecord(1002, int(RECEIVED.timestamp()) + 60, 1)
    common = {"my_tag": 1001, "received_at": RECEIVED, "now": RECEIVED}
    assert classify(record, **common, retention=FOURTEEN_DAYS) is None
    assert (
        classify(record, **common, retention=FOURTEEN_DAYS, clock_tolerance=timedelta(0))
        == "start_in_future"
    )


def test_a_start_exactly_at_the_retention_edge_is_kept_and_one_second_older_expires():
    edge = int((NOW - FOURTEEN_DAYS).timestamp())
    assert edge == MAY_1_NOON
    assert verdict(EncounterRecord(1002, edge, 1), received_at=NOW) is None
    assert verdict(EncounterRecord(1002, edge - 1, 1), received_at=NOW) == "expired"


def test_expiry_is_measured_from_now_not_from_the_uplink():
    """An uplink that waited in the inbox is judged by today's retention window."""
    record = EncounterRecord(1002, MAY_1_NOON, 1)
    assert verdict(record, received_at=RECEIVED, now=NOW) is None
    assert verdict(record, received_at=RECEIVED, now=NOW + timedelta(seconds=1)) == "expired"


def test_an_invalid_record_stays_invalid_when_it_is_also_old():
    old = MAY_1_NOON - 86400 * 30
    assert verdict(EncounterRecord(1002, old, 0), now=NOW) == "zero_slots"
    assert verdict(EncounterRecord(1001, old, 1), now=NOW) == "self_encounter"
    assert verdict(EncounterRecord(1001, old, 0), now=NOW) == "zero_slots"


def test_classify_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="received_at must be an aware datetime"):
        verdict(EncounterRecord(1002, MAY_1_NOON, 1), received_at=datetime(2024, 5, 1))  # noqa: DTZ001


# --- The JavaScript formatter against the Python codec ----------------------------

NO_RECEIVED_TIME = datetime(9000, 1, 1, tzinfo=UTC)  # nothing is "in the future" then
EVERYTHING_KEPT = timedelta(days=100 * 365)  # the formatter does not judge retention
WARNING = re.compile(r"^encounters\[(\d+)\]: (\w+) ")


def hand_written_vectors() -> list[dict]:
    received = "2024-05-01T12:10:00Z"
    valid = [
        ONE_RECORD_HEX,
        FOUR_RECORDS_HEX,
        DOCS_EXAMPLE_HEX,
        encode(0, [EncounterRecord(UINT32_MAX, 0, 0xFFFF)]).hex(),
        encode(UINT32_MAX, [EncounterRecord(0, UINT32_MAX, 1)]).hex(),
        encode(1, records(MAX_RECORDS)).hex(),
        encode(1001, [EncounterRecord(1002, MAY_1_NOON, 0)]).hex(),  # zero slots
        encode(1001, [EncounterRecord(1001, MAY_1_NOON, 3)]).hex(),  # itself
        encode(1001, [EncounterRecord(1002, MAY_1_NOON + 900, 3)]).hex(),  # 12:15:00, the edge
        encode(1001, [EncounterRecord(1002, MAY_1_NOON + 901, 3)]).hex(),  # one second beyond
    ]
    vectors = [{"hex": h, "fPort": ENCOUNTER_FPORT, "recvTime": received} for h in valid]
    vectors += [{"hex": h, "fPort": ENCOUNTER_FPORT, "recvTime": None} for h in valid[-3:]]
    return vectors


def random_valid_vectors(count: int, rng: random.Random) -> list[dict]:
    vectors = []
    for _ in range(count):
        my_tag = rng.choice([0, UINT32_MAX, rng.getrandbits(32), rng.getrandbits(16)])
        queue = []
        for _ in range(rng.randint(1, MAX_RECORDS)):
            ref_tag = my_tag if rng.random() < 0.05 else rng.getrandbits(32)
            start = rng.choice([rng.getrandbits(32), MAY_1_NOON + rng.randint(-(10**6), 10**4)])
            slots = rng.choice([0, 1, 0xFFFF, rng.getrandbits(16)])
            queue.append(EncounterRecord(ref_tag, start, slots))
        received = datetime.fromtimestamp(MAY_1_NOON + rng.randint(0, 3600), tz=UTC)
        recv_time = rng.choice([None, received.strftime("%Y-%m-%dT%H:%M:%SZ")])
        vectors.append({"hex": encode(my_tag, queue).hex(), "fPort": 10, "recvTime": recv_time})
    return vectors


def malformed_vectors(rng: random.Random) -> list[dict]:
    payloads = [
        "",
        "00",
        "02" + ONE_RECORD_HEX[2:],
        "ff" + FOUR_RECORDS_HEX[2:],
        "01",
        "01000003",
        "01000003e9",
        "01000003e900",
        ONE_RECORD_HEX[:-2],
        ONE_RECORD_HEX + "00",
        encode(1, records(MAX_RECORDS)).hex() + "00" * RECORD_SIZE,
        encode(1, records(MAX_RECORDS)).hex() + "00" * (RECORD_SIZE + 1),
    ]
    for _ in range(6):
        length = rng.choice([1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 16, 249, 255])
        payloads.append("01" + bytes(rng.getrandbits(8) for _ in range(length - 1)).hex())
    return [{"hex": h, "fPort": 10, "recvTime": None} for h in payloads]


def other_fport_vectors() -> list[dict]:
    return [
        {"hex": ONE_RECORD_HEX, "fPort": 2, "recvTime": None},
        {"hex": "", "fPort": 11, "recvTime": None},
        {"hex": "deadbeef", "fPort": 224, "recvTime": None},
    ]


def expected_warnings(vector: dict, decoded: DecodedUplink) -> list[tuple[int, str]]:
    """What classify says of each record, bar expiry (the formatter knows no retention)."""
    received_at = (
        datetime.fromisoformat(vector["recvTime"]) if vector["recvTime"] else NO_RECEIVED_TIME
    )
    reasons = [
        classify(
            record,
            my_tag=decoded.my_tag,
            received_at=received_at,
            now=NOW,
            retention=EVERYTHING_KEPT,
        )
        for record in decoded.records
    ]
    return [(index, reason) for index, reason in enumerate(reasons) if reason]


@pytest.fixture(scope="module")
def formatter_runs() -> list[tuple[dict, dict]]:
    """Every vector with what Node's run of payload_formatter.js returned for it."""
    node = shutil.which("node")
    assert node, "Node.js is needed to test encounters/payload_formatter.js"
    rng = random.Random(20240501)
    vectors = (
        hand_written_vectors()
        + random_valid_vectors(30, rng)
        + malformed_vectors(rng)
        + other_fport_vectors()
    )
    completed = subprocess.run(
        [node, str(RUNNER)],
        input=json.dumps(vectors),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = json.loads(completed.stdout)
    assert len(results) == len(vectors) >= 50
    return list(zip(vectors, results, strict=True))


def encounter_runs(runs: list[tuple[dict, dict]]) -> list[tuple[dict, dict, bytes]]:
    return [(v, r, bytes.fromhex(v["hex"])) for v, r in runs if v["fPort"] == ENCOUNTER_FPORT]


def test_the_formatter_decodes_every_well_formed_payload_exactly_as_python_does(formatter_runs):
    compared = 0
    for vector, result, payload in encounter_runs(formatter_runs):
        try:
            decoded = decode(payload)
        except PayloadError:
            continue
        assert result["uplink"]["data"] == to_dict(decoded), vector
        assert result["uplink"]["errors"] == [], vector
        assert result["legacy"] == to_dict(decoded), vector
        compared += 1
    assert compared >= 40


def test_the_formatter_refuses_every_malformed_payload_with_pythons_reason_and_message(
    formatter_runs,
):
    refused = set()
    for vector, result, payload in encounter_runs(formatter_runs):
        try:
            decode(payload)
        except PayloadError as error:
            expected = f"{error.reason}: {error}"
            assert result["uplink"] == {"errors": [expected]}, vector
            assert result["legacy"] == {"error": expected}, vector
            refused.add(error.reason)
    assert refused == set(PAYLOAD_ERROR_REASONS)


def test_the_formatter_warns_of_the_records_classify_refuses(formatter_runs):
    warned = set()
    for vector, result, payload in encounter_runs(formatter_runs):
        try:
            decoded = decode(payload)
        except PayloadError:
            continue
        warnings = result["uplink"]["warnings"]
        parsed = [WARNING.match(warning) for warning in warnings]
        assert all(parsed), warnings
        actual = [(int(match[1]), match[2]) for match in parsed]
        assert actual == expected_warnings(vector, decoded), vector
        warned.update(reason for _, reason in actual)
    assert warned == {"zero_slots", "self_encounter", "start_in_future"}


def test_the_formatter_leaves_other_fports_alone(formatter_runs):
    for vector, result in formatter_runs:
        if vector["fPort"] != ENCOUNTER_FPORT:
            assert result["uplink"] == {
                "data": {},
                "warnings": [f"not an encounter uplink (FPort {vector['fPort']})"],
            }
            assert result["legacy"] == {}


def test_the_formatter_runs_as_a_bare_script_the_way_network_servers_load_it(formatter_runs):
    for _vector, result in formatter_runs:
        assert result["sandboxed"] == result["uplink"]


def test_the_formatter_is_written_in_ecmascript_5():
    """The Things Stack runs payload formatters in an ECMAScript 5.1 engine."""
    source = FORMATTER.read_text(encoding="utf-8")
    code = re.sub(r"//[^\n]*", "", source)
    assert not re.search(r"\b(const|let|class|import|export)\b|=>|`", code)
    assert len(source.encode()) < 40_960  # the Console's limit for a formatter
