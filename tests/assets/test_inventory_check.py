"""Inventory checks: scans compared with the stock, trimmed and whatever the case, and kept."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.inventory import inventory_compare
from assets.models import DeviceState, InventoryCheck
from core.errors import DomainError
from core.roles import Role
from tests.personas import persona_for
from tests.processes import at_once
from tests.registration.factories import make_device

pytestmark = pytest.mark.django_db(databases="__all__")

URL = "/api/assets/inventory-checks"


def check(client, scanned):
    return client.post(URL, {"scanned": scanned}, content_type="application/json")


def test_it_lists_what_is_missing_and_what_should_not_be_there(client, asset_manager):
    make_device("S-1"), make_device("S-2"), make_device("S-3")
    make_device("H-1", state=DeviceState.ASSIGNED), make_device("L-1", state=DeviceState.LOST)
    make_device("R-1", state=DeviceState.RETIRED)
    client.force_login(asset_manager)
    answer = check(client, [" s-1", "S-1", "S-2 ", "h-1", "L-1", "r-1", "X-404"])
    assert answer.status_code == 201
    result = answer.json()
    assert result["missing"] == ["S-3"]
    assert result["unexpected"] == [
        {"device_id": "H-1", "reason": "assigned"},
        {"device_id": "L-1", "reason": "lost"},
        {"device_id": "R-1", "reason": "retired"},
        {"device_id": "X-404", "reason": "unknown"},
    ]
    assert (result["expected_count"], result["scanned_count"]) == (3, 6)
    kept = InventoryCheck.objects.get()
    assert kept.actor == asset_manager.username and kept.missing == ["S-3"]
    assert client.get(URL).json()[0]["id"] == kept.pk


def test_an_empty_shelf_is_a_check_too(client, asset_manager):
    make_device("S-1")
    client.force_login(asset_manager)
    assert check(client, []).json()["missing"] == ["S-1"]


def test_nothing_in_a_check_names_a_holder(client, asset_manager):
    from django.utils import timezone

    from registration.models import Association
    from tests.registration.factories import make_person

    person = make_person("812345", "Zelda", "Zebulon")
    make_device("H-1", state=DeviceState.ASSIGNED)
    Association.objects.create(
        person=person, device_id="H-1", started_at=timezone.now(), started_by="t"
    )
    client.force_login(asset_manager)
    text = check(client, ["H-1"]).content.decode() + client.get(URL).content.decode()
    assert "812345" not in text and "Zelda" not in text


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"scanned": "S-1"},
        {"scanned": [{"a": 1}]},
        {"scanned": [["S-1"]]},
        {"scanned": [None]},
        {"scanned": ["S 1"]},
        {"scanned": ["<script>"]},
        {"scanned": ["A" * 33]},
        {"scanned": ["A" * 100_000]},
        {"scanned": ["S-1"] * 20_001},
        [1, 2],
    ],
    ids=lambda body: str(body)[:30],
)
def test_hostile_input_is_a_clear_400_and_keeps_nothing(client, asset_manager, body):
    client.force_login(asset_manager)
    answer = client.post(URL, body, content_type="application/json")
    assert answer.status_code == 400, answer.content[:300]
    assert not InventoryCheck.objects.exists()


@pytest.mark.parametrize("role", [None, Role.REGISTRATION, Role.MEDICAL, Role.PRIVACY])
def test_other_roles_are_refused(client, role):
    client.force_login(persona_for(role))
    assert check(client, ["S-1"]).status_code == 403
    assert client.get(URL).status_code == 403


def test_a_superuser_without_the_role_is_refused(client, superuser):
    client.force_login(superuser)
    assert check(client, ["S-1"]).status_code == 403
    assert not InventoryCheck.objects.exists()


# --- The matching rule, against a simple model -------------------------------------------

ids = st.text(alphabet="abAB-1", min_size=1, max_size=4)
states = st.sampled_from(list(DeviceState.values))


def reference(devices: dict[str, str], scanned: list[str]):
    """The rule in words: trim; the exact ID, else the one ID equal ignoring case (several:
    refused); missing = in stock and never scanned."""
    seen, unknown = set(), {}
    for raw in scanned:
        typed = raw.strip()
        fits = [d for d in devices if d.upper() == typed.upper()]
        if typed in devices:
            seen.add(typed)
        elif len(fits) > 1:
            return "refused"
        elif fits:
            seen.add(fits[0])
        else:
            unknown.setdefault(typed.upper(), typed)
    missing = sorted(d for d, s in devices.items() if s == "in_stock" and d not in seen)
    unexpected = [(d, devices[d]) for d in seen if devices[d] != "in_stock"]
    unexpected += [(typed, "unknown") for typed in unknown.values()]
    return missing, sorted(unexpected), len(seen) + len(unknown)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # Two IDs that differ only by case may both be stored (an old import kept both).
    devices=st.dictionaries(ids, states, max_size=8),
    scanned=st.lists(
        st.tuples(ids, st.sampled_from(["", " ", "\t"]), st.booleans()).map(
            lambda t: t[1] + (t[0].swapcase() if t[2] else t[0]) + t[1]
        ),
        max_size=12,
    ),
)
def test_the_comparison_agrees_with_a_simple_model(devices, scanned):
    expected = reference(devices, scanned)
    if expected == "refused":
        with pytest.raises(DomainError, match="fits several devices"):
            inventory_compare(devices=devices.items(), scanned=scanned)
        return
    missing, unexpected, count = inventory_compare(devices=devices.items(), scanned=scanned)
    want_missing, want_unexpected, want_count = expected
    assert missing == want_missing and count == want_count
    assert sorted((u["device_id"], u["reason"]) for u in unexpected) == want_unexpected


# --- Two people checking at once -----------------------------------------------------------

CHECK = """
from django.contrib.auth import get_user_model
from assets.inventory import inventory_check_record
user = get_user_model()(username=sys.argv[3])
made = inventory_check_record(scanned=sys.argv[4:], acting_user=user)
print("ok", made.pk)
"""


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_two_checks_at_once_are_two_records_each_with_its_own_scans(tmp_path):
    for n in range(1, 5):
        make_device(f"S-{n}")
    outputs = at_once(CHECK, [["anna", "S-1", "S-2"], ["ben", "s-3", "X-9"]], tmp_path)
    assert all(out.strip().splitlines()[-1].startswith("ok") for out in outputs), outputs
    kept = {c.actor: c for c in InventoryCheck.objects.all()}
    assert set(kept) == {"anna", "ben"}
    assert kept["anna"].missing == ["S-3", "S-4"] and kept["anna"].unexpected == []
    assert kept["ben"].missing == ["S-1", "S-2", "S-4"]
    assert kept["ben"].unexpected == [{"device_id": "X-9", "reason": "unknown"}]
