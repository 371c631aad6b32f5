"""The risk models' API: medical role only, the papers' models, 400s that name the field."""

import pytest
from django.urls import reverse

from core.roles import Role
from tests.personas import persona_for

pytestmark = pytest.mark.django_db


def post(client, name, body):
    return client.post(reverse(name), body, content_type="application/json")


@pytest.mark.parametrize("role", [None, Role.REGISTRATION, Role.PRIVACY])
def test_only_the_medical_role_uses_the_risk_models(client, role):
    client.force_login(persona_for(role))
    for name in ("risk-dp3t", "risk-rssi", "risk-aggregate"):
        assert post(client, name, {}).status_code == 403


def test_dp3t_buckets_give_the_score_and_the_decision(client, medic):
    client.force_login(medic)
    body = {
        "buckets": [
            {"day": "2026-11-20", "minutes": [10, 12, 40]},
            {"day": "2026-11-21", "minutes": [5, 4, 0]},
        ],
        "today": "2026-11-21",
    }
    answer = post(client, "risk-dp3t", body).json()
    # ES = 10 + 0.5 x 12 + 0 x min(40, 30) = 16 >= 15 -> notify; ES(21st) = 5 + 2 = 7
    assert [d["score_min"] for d in answer["days"]] == [16.0, 7.0]
    assert answer["notify"] is True and answer["parameters"]["lookback_days"] == 10


def test_dp3t_needs_beacons_or_buckets_but_not_both(client, medic):
    client.force_login(medic)
    response = post(client, "risk-dp3t", {})
    assert response.status_code == 400 and "either" in str(response.json())
    bad = post(client, "risk-dp3t", {"buckets": [{"day": "2026-11-20", "minutes": [1, 2]}]})
    assert bad.status_code == 400 and "minutes" in str(bad.json())


def test_rssi_samples_give_window_scores_and_theta_per_contact(client, medic):
    client.force_login(medic)
    near = [{"contact": "A", "time": t, "rssi": -62.0} for t in range(0, 600, 2)]  # ~1 m for 10 min
    far = [{"contact": "B", "time": t, "rssi": -95.0} for t in range(0, 600, 2)]  # far away
    answer = post(client, "risk-rssi", {"samples": near + far}).json()
    by_contact = {c["contact"]: c for c in answer["contacts"]}
    assert by_contact["A"]["mean"] > by_contact["B"]["mean"]
    assert by_contact["A"]["theta"]["duration_min"] >= 9 and len(by_contact["A"]["windows"]) >= 9
    assert by_contact["A"]["risk"] == "high" and by_contact["B"]["risk"] == "negligible"


def test_rssi_validation_names_the_field(client, medic):
    client.force_login(medic)
    response = post(client, "risk-rssi", {"samples": [{"contact": "A", "time": 0, "rssi": 40}]})
    assert response.status_code == 400 and "rssi" in str(response.json())


def test_aggregation_recomputes_the_papers_example(client, medic):
    client.force_login(medic)
    # seeds/003 eq. 56: scores summing to 32 score-minutes, r0 = 0.007 -> 1 - e^-0.224 = 0.2007
    answer = post(client, "risk-aggregate", {"scores": [12, 20]}).json()
    assert answer["probability"] == pytest.approx(0.2007, abs=1e-4)
    with_minutes = post(
        client, "risk-aggregate", {"scores": [0.5], "minutes": [60], "r0": 0.01}
    ).json()
    assert with_minutes["probability"] == pytest.approx(1 - 2.718281828**-0.3, abs=1e-6)
    assert post(client, "risk-aggregate", {"scores": [1, 2], "minutes": [1]}).status_code == 400


def test_numbers_too_large_to_be_real_are_refused_not_turned_into_infinity(client, medic):
    client.force_login(medic)
    huge = 1e308
    beacons = {"beacons": [{"time": huge, "attenuation": 50}]}
    samples = {"samples": [{"contact": "A", "time": 0, "rssi": -60}], "g_rx_db": huge}
    for name, body, field in (
        ("risk-dp3t", beacons, "time"),
        ("risk-dp3t", {"buckets": [{"day": "2026-11-20", "minutes": [huge, 0, 0]}]}, "minutes"),
        ("risk-rssi", samples, "g_rx_db"),
        ("risk-aggregate", {"scores": [huge, huge]}, "scores"),
    ):
        response = post(client, name, body)
        assert response.status_code == 400 and field in str(response.json()), (name, body)
