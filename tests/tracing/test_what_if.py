"""What-if: one of my traces under the other policy, as counts that name no one and are not
audited (tracing.services.trace_what_if, TraceWhatIfApi)."""

import json
from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from core.roles import Role
from tests.personas import persona_for
from tests.registration.factories import make_device, make_person
from tests.tracing.test_trace import holds, met
from tracing import services
from tracing.contacts import Policy, trace_window

pytestmark = pytest.mark.django_db(databases="__all__")

ZURICH = ZoneInfo("Europe/Zurich")
NOW = timezone.now().replace(microsecond=0)
DAY = timedelta(days=1)
MORNING = (NOW - 2 * DAY).astimezone(ZURICH).replace(hour=9, minute=0, second=0)
H = timedelta(hours=1)

# The traced person's peers: tag -> (person, encounters as (start, minutes)). Tag 999 is no
# registered device. None overlaps another of the same peer.
PEERS = {
    200: ("520002", [(MORNING, 20)]),  # close under both
    300: ("520003", [(MORNING, 6), (MORNING + H, 6), (MORNING + 2 * H, 6)]),  # 18 in a day
    400: ("520004", [(MORNING, 10)]),  # neither
    500: ("520005", [(MORNING + 3 * H, 15)]),  # exactly 15: daily only
    600: ("520006", [(MORNING, 8), (MORNING + DAY, 8)]),  # 16, but over two days: neither
    700: ("520007", [(MORNING + 4 * H, 16)]),  # close under both
    999: (None, [(MORNING + 5 * H, 30)]),  # an unknown tag: close under both
}


@pytest.fixture
def world():
    make_person("520001", "Ada", "Traced")
    make_device("D-100", tag_id=100)
    holds("520001", "D-100", NOW - 12 * DAY)
    for tag, (person_id, encounters) in PEERS.items():
        if person_id:
            make_person(person_id, f"Peer{tag}", "Contact")
            make_device(f"D-{tag}", tag_id=tag)
            holds(person_id, f"D-{tag}", NOW - 12 * DAY)
        for start, minutes in encounters:
            met(100, tag, start, minutes=minutes)


def run_trace(user, policy):
    window = trace_window(now=timezone.now(), retention=timedelta(days=14), start=NOW - 10 * DAY)
    return services.trace_run(
        person_id="520001",
        window=window,
        policy=policy,
        case_reference="C-WHAT-IF",
        reason="positive test",
        acting_user=user,
    )


def reference(policy: str) -> dict:
    """The rules spelled out plainly: more than 15 minutes in one encounter; or (daily) at
    least 15 minutes added up within one local day."""

    def close(encounters, rule):
        if any(minutes > 15 for _, minutes in encounters):
            return True
        if rule == Policy.DAILY:
            per_day = defaultdict(float)
            for start, minutes in encounters:
                per_day[start.astimezone(ZURICH).date()] += minutes
            return any(total >= 15 for total in per_day.values())
        return False

    other = Policy.DAILY if policy == Policy.ENCOUNTER else Policy.ENCOUNTER
    this = {tag for tag, (_, e) in PEERS.items() if close(e, policy)}
    that = {tag for tag, (_, e) in PEERS.items() if close(e, other)}
    return {
        "policy": policy,
        "other_policy": other,
        "close_under_both": len(this & that),
        "only_under_this": len(this - that),
        "only_under_other": len(that - this),
        "neither": len(set(PEERS) - this - that),
        "contacts": len(PEERS),
    }


@pytest.mark.parametrize("policy", Policy.ALL)
def test_the_counts_are_those_of_the_rules(world, medic, policy):
    trace = run_trace(medic, policy)
    expected = reference(policy)
    assert expected["only_under_this" if policy == Policy.DAILY else "only_under_other"] == 2
    assert services.trace_what_if(trace=trace, acting_user=medic) == expected


def test_the_answer_names_no_one_and_is_not_audited(client, medic, world):
    trace = run_trace(medic, Policy.ENCOUNTER)
    stored_refs = [c["ref"] for c in trace.plain_result["contacts"]]
    audited = AuditEntry.objects.count()
    client.force_login(medic)
    response = client.get(reverse("trace-what-if", args=[trace.pk]))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == reference(Policy.ENCOUNTER)
    text = json.dumps(body)
    for secret in [*stored_refs, "c-", "520", "Peer", "Ada", "D-", "person_id", "name"]:
        assert secret not in text
    assert AuditEntry.objects.count() == audited  # nothing disclosed, nothing recorded


def test_what_if_does_not_count_towards_the_hourly_limit(client, medic, world, settings):
    trace = run_trace(medic, Policy.ENCOUNTER)
    settings.TRACING_MAX_TRACES_PER_HOUR = 1  # reached by the trace itself
    client.force_login(medic)
    for _ in range(3):
        assert client.get(reverse("trace-what-if", args=[trace.pk])).status_code == 200


def test_another_medics_trace_does_not_exist_for_me(client, medic, second_medic, world):
    trace = run_trace(second_medic, Policy.ENCOUNTER)
    client.force_login(medic)
    assert client.get(reverse("trace-what-if", args=[trace.pk])).status_code == 404


@pytest.mark.parametrize("role", [None, Role.REGISTRATION, Role.ASSETS, Role.PRIVACY])
def test_only_the_medical_role_asks(client, medic, world, role):
    trace = run_trace(medic, Policy.ENCOUNTER)
    client.force_login(persona_for(role))
    assert client.get(reverse("trace-what-if", args=[trace.pk])).status_code == 403
