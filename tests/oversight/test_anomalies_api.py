"""What the privacy officer sees of unusual activity (GET /api/oversight/anomalies).

Histories are a medic who runs 3 traces a day and a colleague who runs 4, at ten in
the morning on weekdays and weekends alike; the day looked at is Wednesday 18
November 2026. With the default settings, a day alerts above max(10, the account's
median + 3 x max(MAD, 1), the medical service's median + 3 x max(MAD, 1)).
"""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record
from oversight.rules import Rule
from tests.oversight.history import every_day, local, write

pytestmark = pytest.mark.django_db(databases="__all__")

URL = "/api/oversight/anomalies"
DAY = date(2026, 11, 18)  # a Wednesday
SATURDAY = date(2026, 11, 21)


@pytest.fixture
def officer(client, privacy_officer):
    client.force_login(privacy_officer)
    return client


@pytest.fixture
def usual(medic, second_medic):
    """20 days of history before DAY: medic 3 traces a day, medic-2 4, at 10:00."""
    write(
        every_day("medic", "trace", per_day=3, days=20, before=DAY)
        + every_day("medic-2", "trace", per_day=4, days=20, before=DAY)
    )


def on(day: date, actor: str, action: str, count: int, hour: int = 10):
    return [(actor, action, local(day, hour, minute)) for minute in range(count)]


def anomalies(client, since=DAY, until=DAY) -> dict:
    response = client.get(URL, {"since": since.isoformat(), "until": until.isoformat()})
    assert response.status_code == 200, response.content
    return response.json()


def summary(answer: dict) -> list[tuple]:
    return [(a["rule"], a["actor"], a["day"], a["hour"], a["observed"]) for a in answer["alerts"]]


def test_a_medic_far_above_her_usual_and_the_services_is_named_with_both(officer, usual):
    write(on(DAY, "medic", "trace", 20) + on(DAY, "medic-2", "trace", 4))
    answer = anomalies(officer)
    assert summary(answer) == [(Rule.TRACES_PER_DAY, "medic", "2026-11-18", None, 20)]
    alert = answer["alerts"][0]
    assert (alert["usual_user"], alert["limit_user"]) == (3, 6)  # 3 + 3 x max(0, 1)
    assert (alert["usual_role"], alert["limit_role"]) == (3.5, 6.5)  # 3.5 + 3 x max(0.5, 1)
    assert alert["sentence"] == (
        "medic ran 20 traces on Wed 18 Nov 2026: their usual is 3 a day (the median of the "
        "20 days they ran any in the previous 28; alert above 6); the medical service's usual "
        "is 3.5 a day per person (alert above 6.5); never an alert at 10 or fewer."
    )
    assert alert["label"] == "many traces in a day"
    counts = {row["rule"]: row["count"] for row in answer["per_rule"]}
    assert counts == {**dict.fromkeys(Rule.ALL, 0), Rule.TRACES_PER_DAY: 1}
    assert (answer["since"], answer["until"], answer["baseline_days"]) == (
        "2026-11-18",
        "2026-11-18",
        28,
    )
    assert answer["working_hours"] == "Mon, Tue, Wed, Thu, Fri, 07:00-19:00"


@pytest.mark.parametrize(("traces", "alerts"), [(10, False), (11, True)])
def test_the_floor_itself_never_alerts_one_more_does(officer, usual, traces, alerts):
    write(on(DAY, "medic", "trace", traces))
    assert bool(anomalies(officer)["alerts"]) is alerts


@pytest.mark.parametrize(("traces", "alerts"), [(6, False), (7, True)])
def test_with_a_low_floor_the_day_must_be_above_the_higher_of_both_limits(
    officer, medic, second_medic, settings, traces, alerts
):
    settings.OVERSIGHT_TRACES_PER_DAY_FLOOR = 1
    # medic: always 3 (limit 6); the service: 3s and 1s, median 2, MAD 1 (limit 5).
    write(
        every_day("medic", "trace", per_day=3, days=20, before=DAY)
        + every_day("medic-2", "trace", per_day=1, days=20, before=DAY)
        + on(DAY, "medic", "trace", traces)
    )
    found = anomalies(officer)["alerts"]
    assert bool(found) is alerts
    if alerts:
        assert (found[0]["limit_user"], found[0]["limit_role"]) == (6, 5)


@pytest.mark.parametrize(("traces", "alerts"), [(10, False), (11, True)])
def test_a_new_medic_is_held_against_the_service_and_the_floor(
    officer, usual, make_user, traces, alerts
):
    from core.roles import Role

    make_user("mia", Role.MEDICAL)
    write(on(DAY, "mia", "trace", traces))
    found = anomalies(officer)["alerts"]
    assert bool(found) is alerts
    if alerts:
        assert found[0]["actor"] == "mia"
        assert found[0]["usual_user"] is None and found[0]["usual_role"] == 3.5
        assert "they have no usual pattern yet (fewer than 5 days" in found[0]["sentence"]


def test_exports_above_the_usual_count_both_kinds_of_export(officer, medic, second_medic):
    write(
        every_day("medic", "trace_exported", per_day=1, days=10, before=DAY)
        + on(DAY, "medic", "trace_exported", 3)
        + on(DAY, "medic", "follow_ups_exported", 2, hour=11)
    )
    answer = anomalies(officer)
    assert summary(answer) == [(Rule.EXPORTS_PER_DAY, "medic", "2026-11-18", None, 5)]
    assert answer["alerts"][0]["limit_user"] == 4


def test_a_trace_at_an_hour_neither_she_nor_the_service_works_at(officer, usual):
    write(on(DAY, "medic", "trace", 1, hour=12) + on(DAY, "medic", "trace", 2, hour=10))
    alert = anomalies(officer)["alerts"]
    assert [(a["rule"], a["hour"], a["observed"]) for a in alert] == [(Rule.UNUSUAL_HOUR, 12, 1)]
    assert (alert[0]["usual_user"], alert[0]["usual_role"]) == (0, 0)
    assert alert[0]["sentence"] == (
        "medic traced or revealed 1 time on Wed 18 Nov 2026, 12:00 \u2013 13:00, an unusual "
        "hour: in "
        "the previous 28 days, 0 % of their 60 traces and reveals and 0 % of the medical "
        "service's fell in that hour (unusual: under 2 %)."
    )


def test_identities_shown_outside_working_hours_are_reported(officer, usual):
    write(
        on(SATURDAY, "medic", "trace_exported", 1, hour=10)
        + on(DAY, "medic-2", "trace_revealed", 2, hour=23)
    )
    answer = anomalies(officer, since=DAY, until=SATURDAY)
    assert summary(answer) == [
        (Rule.OUTSIDE_WORKING_HOURS, "medic", "2026-11-21", 10, 1),
        (Rule.UNUSUAL_HOUR, "medic-2", "2026-11-18", 23, 2),
        (Rule.OUTSIDE_WORKING_HOURS, "medic-2", "2026-11-18", 23, 2),
    ]
    # Before Saturday: the history's 6 weekend days at ten, x 3 by medic and x 4 by medic-2,
    # and medic-2's two on Wednesday night.
    saturday = answer["alerts"][0]
    assert (saturday["usual_user"], saturday["usual_role"]) == (18, 6 * 3 + 6 * 4 + 2)
    assert saturday["sentence"].startswith(
        "medic showed identities 1 time on Sat 21 Nov 2026, 10:00 \u2013 11:00, outside working "
        "hours "
        "(Mon, Tue, Wed, Thu, Fri, 07:00-19:00)"
    )


def test_a_break_glass_reveal_is_always_reported_and_never_names_whom(officer, medic):
    audit_record(
        acting_user=medic,
        action=AuditEntry.Action.BREAK_GLASS,
        target_person_id="619999",
        case_reference="C-7",
        reason="unconscious, no one to ask",
        disclosed=["618888"],
    )
    response = officer.get(URL)  # the last 7 days to today
    assert response.status_code == 200
    answer = response.json()
    today = timezone.localdate()
    assert (answer["since"], answer["until"]) == (
        (today - timedelta(days=6)).isoformat(),
        today.isoformat(),
    )
    rules = {a["rule"] for a in answer["alerts"] if a["actor"] == "medic"}
    assert Rule.BREAK_GLASS in rules
    text = response.content.decode()
    assert "619999" not in text and "618888" not in text and "unconscious" not in text
    assert "no-store" in response["Cache-Control"]


def test_every_refusal_by_the_hourly_limit_is_reported_per_hour(officer, medic):
    refusals = on(DAY, "medic", "trace_refused", 3, hour=14) + on(
        DAY, "medic", "trace_refused", 1, hour=15
    )
    write(refusals, details={"person_id": "617777", "limit_per_hour": 20})
    answer = anomalies(officer)
    assert summary(answer) == [
        (Rule.RATE_LIMIT, "medic", "2026-11-18", 15, 1),
        (Rule.RATE_LIMIT, "medic", "2026-11-18", 14, 3),
    ]
    assert answer["alerts"][1]["sentence"] == (
        "medic was refused 3 traces by the hourly limit on Wed 18 Nov 2026, 14:00 \u2013 15:00; "
        "in the "
        "previous 28 days: 0 refusals of them, 0 in the medical service."
    )
    assert "617777" not in json.dumps(answer)


def test_usual_working_days_have_no_alerts(officer, usual):
    write(on(DAY, "medic", "trace", 3) + on(DAY, "medic-2", "trace", 5))
    answer = anomalies(officer, since=DAY - timedelta(days=2), until=DAY)  # Monday to Wednesday
    assert answer["alerts"] == []
    assert all(row["count"] == 0 for row in answer["per_rule"])


# --- Who may ask ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["medic", "clerk", "asset_manager", "superuser", "person", "second_medic"]
)
def test_nobody_but_the_privacy_role_may_ask(client, persona):
    from tests import personas

    client.force_login(getattr(personas, persona)())
    assert client.get(URL).status_code == 403


def test_an_anonymous_visitor_may_not_ask(client, db):
    assert client.get(URL).status_code in (401, 403)


# --- An attacker's parameters: a 4xx that says why, never a 500 ----------------------


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "since=2026-02-30",
        "since=0001-01-01",
        "until=9999-12-31",
        "since=1969-12-31&until=1970-01-02",
        "since=2026-11-18&until=2026-11-17",  # backwards
        "since=2026-01-01&until=2026-12-31",  # longer than 92 days
        "until=%00",
        "since=2026-11-18T00:00:00",
        "since=%F0%9F%92%A5",
        "since=" + "9" * 5000,
    ],
)
def test_hostile_parameters_get_a_4xx_never_a_500(officer, query):
    response = officer.get(f"{URL}?{query}")
    assert response.status_code == 400, (query, response.content)
    assert response.json()


@pytest.mark.parametrize("query", ["since=", "until=&since=", "since[]=2026-11-18", "x=1"])
def test_empty_or_unknown_parameters_mean_the_last_seven_days(officer, query):
    response = officer.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert response.json()["until"] == timezone.localdate().isoformat()


def test_the_longest_period_allowed_is_92_days(officer):
    until = date(2026, 11, 30)
    ok = officer.get(URL, {"since": (until - timedelta(days=91)).isoformat(), "until": until})
    too_long = officer.get(URL, {"since": (until - timedelta(days=92)).isoformat(), "until": until})
    assert ok.status_code == 200
    assert too_long.status_code == 400
    assert too_long.json()["detail"] == "Ask for at most 92 days at a time."


def test_the_trail_is_counted_in_the_database_whatever_its_length(usual):
    """Two queries (the counts per account, action, day and hour; the role's accounts),
    however many entries: the entries themselves are never loaded."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from oversight.selectors import anomalies_list

    with CaptureQueriesContext(connection) as few:
        anomalies_list(since=DAY, until=DAY)
    write(every_day("medic", "trace", per_day=30, days=28, before=DAY, hour=9))
    with CaptureQueriesContext(connection) as many:
        anomalies_list(since=DAY - timedelta(days=30), until=DAY)
    assert len(few) == len(many) == 2
    assert "GROUP BY" in many.captured_queries[0]["sql"]
