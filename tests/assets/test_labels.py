"""Barcode labels: the SVG drawn for a device decodes back to its Device ID (Code 128)."""

import re

import pytest
from barcode.charsets.code128 import CODES
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.labels import QUIET_ZONE, code128_svg
from assets.models import Device, DeviceEvent, DeviceState
from core.roles import Role
from tests.personas import persona_for
from tests.registration.factories import make_device

# The 107 bar/space patterns of Code 128 are the standard's table (ISO/IEC 15417, table 1);
# the library's copy is used as data. Everything else is decoded here, independently.
PATTERNS = {pattern: value for value, pattern in enumerate(CODES)}
STOP = "1100011101011"
START = {103: "A", 104: "B", 105: "C"}


def modules_of(svg: str) -> str:
    """The rendered bars back to modules: "1" under a black bar, "0" elsewhere."""
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg)[1])
    modules = ["0"] * width
    bars = re.search(r'<g fill="#000">(.*)</g>', svg)[1]
    for x, w in re.findall(r'<rect x="(\d+)" y="0" width="(\d+)"', bars):
        for i in range(int(x), int(x) + int(w)):
            modules[i] = "1"
    drawn = "".join(modules)
    assert drawn[:QUIET_ZONE] == drawn[-QUIET_ZONE:] == "0" * QUIET_ZONE  # quiet zones
    return drawn[QUIET_ZONE:-QUIET_ZONE]


def decode(modules: str) -> str:
    """A small Code 128 reader: start, data in code sets A/B/C, checksum, stop."""
    assert modules.endswith(STOP), "no stop pattern"
    body = modules[: -len(STOP)]
    assert len(body) % 11 == 0
    values = [PATTERNS[body[i : i + 11]] for i in range(0, len(body), 11)]
    *symbols, check = values
    assert check == (symbols[0] + sum(i * v for i, v in enumerate(symbols[1:], 1))) % 103
    code, text = START[symbols[0]], []
    for value in symbols[1:]:
        if value in (99, 100, 101) and not (code == "C" and value == 99):
            code = {99: "C", 100: "B", 101: "A"}[value]
        elif code == "C":
            text.append(f"{value:02d}")
        elif code == "B":
            text.append(chr(value + 32))
        else:
            text.append(chr(value + 32) if value < 64 else chr(value - 64))
    return "".join(text)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[A-Za-z0-9-]{1,32}", fullmatch=True))
def test_every_device_id_decodes_back_from_its_label(device_id):
    assert decode(modules_of(code128_svg(device_id))) == device_id


@pytest.mark.parametrize(
    "device_id",
    ["P-0001", "0000", "12345678901234567890123456789012", "a", "99", "9999", "99-1", "990012"],
)
def test_edges_decode_back(device_id):
    assert decode(modules_of(code128_svg(device_id))) == device_id


def test_the_svg_escapes_what_it_prints():
    assert "<script>" not in code128_svg("<script>")


# --- The admin's print page ----------------------------------------------------------------

pytestmark_db = pytest.mark.django_db(databases="__all__")


def print_labels(client, *device_ids: str):
    pks = Device.objects.filter(device_id__in=device_ids).values_list("pk", flat=True)
    return client.post(
        "/admin/assets/device/",
        {"action": "print_labels", "_selected_action": [str(pk) for pk in pks]},
        follow=True,
    )


@pytestmark_db
def test_the_asset_team_prints_a_sheet_for_a_batch(client, asset_manager):
    make_device("B-2", batch="2026-A"), make_device("B-1", batch="2026-A")
    make_device("C-1", batch="2026-B")
    client.force_login(asset_manager)
    # The change list filtered by batch, everything selected: the batch's sheet.
    response = client.post(
        "/admin/assets/device/?batch=2026-A",
        {"action": "print_labels", "select_across": "1", "_selected_action": ["0"]},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Labels for 2 devices" in page
    svgs = re.findall(r"<svg .*?</svg>", page)
    assert [decode(modules_of(svg)) for svg in svgs] == ["B-1", "B-2"]
    assert "C-1" not in page
    assert not DeviceEvent.objects.exists()  # printing changes nothing
    assert Device.objects.filter(state=DeviceState.IN_STOCK).count() == 3


@pytestmark_db
@pytest.mark.parametrize("role", [None, Role.REGISTRATION, Role.MEDICAL, Role.PRIVACY])
def test_other_roles_get_no_labels(client, role):
    make_device("B-1")
    client.force_login(persona_for(role))
    response = print_labels(client, "B-1")
    assert response.status_code in (403, 404, 200)
    assert 'class="barcode"' not in response.content.decode()


@pytestmark_db
def test_too_many_labels_at_once_are_refused_with_a_reason(client, asset_manager, monkeypatch):
    from assets.admin import DeviceAdmin

    monkeypatch.setattr(DeviceAdmin, "MAX_LABELS", 1)
    make_device("B-1"), make_device("B-2")
    client.force_login(asset_manager)
    page = print_labels(client, "B-1", "B-2").content.decode()
    assert "print at most 1 labels at a time" in page and 'class="barcode"' not in page
