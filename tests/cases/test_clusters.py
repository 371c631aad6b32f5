"""Outbreak signal: clusters of open cases, found across the three databases, shown without
anyone in them, opened with an audited reason (cases/clusters.py, cases/cluster_apis.py)."""

import json
import os
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from audit.models import AuditEntry, Disclosure
from cases.clusters import cluster_key, cluster_open, clusters_compute
from cases.models import Case
from core.databases import ENCOUNTERS
from core.errors import DomainError
from core.roles import Role
from encounters.models import Encounter
from registration.models import Association
from tests.personas import persona_for
from tests.registration.factories import make_device, make_person
from tests.tracing.test_trace import holds, met

pytestmark = pytest.mark.django_db(databases="__all__")

ZURICH = ZoneInfo("Europe/Zurich")
NOW = timezone.now().replace(microsecond=0)
DAY = timedelta(days=1)
# Two days ago at noon, local time: far from midnight and from the window's edges.
NOON = (NOW - 2 * DAY).astimezone(ZURICH).replace(hour=12, minute=0, second=0)

# Distinctive values, so that finding one in an answer cannot be a coincidence.
PEOPLE = {"610001": 7_770_001, "610002": 7_770_002, "610003": 7_770_003, "610004": 7_770_004}


def a_case(person_id: str, reference: str, status=Case.Status.OPEN) -> Case:
    return Case.objects.create(
        reference=reference,
        person_id=person_id,
        status=status,
        positive_test=NOW.date(),
        created_at=NOW,
        created_by="medic",
    )


@pytest.fixture
def people():
    """Four people, each holding the device of their tag for twelve days."""
    for person_id, tag in PEOPLE.items():
        make_person(person_id, f"Given{person_id}", "Tester")
        make_device(f"D-{tag}", tag_id=tag)
        holds(person_id, f"D-{tag}", NOW - 12 * DAY)


@pytest.fixture
def chain(people):
    """Cases A - B - C linked by two close contacts (recorded by either side); D is a case
    met only briefly; the person without a case met A at length."""
    cases = {
        "A": a_case("610001", "REF-ALPHA"),
        "B": a_case("610002", "REF-BRAVO"),
        "C": a_case("610003", "REF-CHARLIE"),
    }
    met(7_770_001, 7_770_002, NOON, minutes=20)  # A's device recorded B
    met(7_770_002, 7_770_001, NOON + timedelta(seconds=30), minutes=20)  # and B's recorded A
    met(7_770_003, 7_770_002, NOON - DAY, minutes=25)  # only C's device recorded B
    return cases


def ids(cluster) -> set[int]:
    return set(cluster.case_ids)


# --- Computing -----------------------------------------------------------------------------


def test_a_chain_of_three_cases_is_one_cluster(chain):
    make_person("610005", "No", "Case")
    make_device("D-9", tag_id=7_770_009)
    holds("610005", "D-9", NOW - 12 * DAY)
    met(7_770_001, 7_770_009, NOON, minutes=60)  # a long contact, but no case: no node
    lonely = a_case("610004", "REF-DELTA")  # a case that met no other case
    [cluster] = clusters_compute()
    assert ids(cluster) == {chain["A"].pk, chain["B"].pk, chain["C"].pk}
    assert lonely.pk not in ids(cluster) and cluster.size == 3
    assert cluster.first_contact == (NOON - DAY).date()
    assert cluster.last_contact == NOON.date()
    assert cluster.key == cluster_key(ids(cluster), day=timezone.localdate())


def test_closed_cases_are_no_nodes(chain):
    chain["B"].status = Case.Status.CLOSED
    chain["B"].save()
    assert clusters_compute() == []  # A and C met only through B


def test_a_device_that_changed_hands_links_whoever_held_it_during_the_encounter(people):
    make_person("610006", "Later", "Holder")
    a_case("610001", "REF-ALPHA")
    first = a_case("610002", "REF-BRAVO")
    later = a_case("610006", "REF-LATER")
    switch = NOON
    holding = Association.objects.get(person_id="610002")
    holding.ended_at, holding.end_reason, holding.ended_by = switch, "relinquished", "t"
    holding.save()
    holds("610006", "D-7770002", switch)
    # 10 minutes with the first holder, then 20 with the next one: one record across the switch.
    met(7_770_001, 7_770_002, switch - timedelta(minutes=10), minutes=30)
    [cluster] = clusters_compute()
    assert later.pk in ids(cluster) and first.pk not in ids(cluster)
    assert cluster.size == 2


def test_a_device_handed_on_does_not_link_its_new_holder_to_its_old_encounters(people):
    make_person("610006", "Later", "Holder")
    a_case("610001", "REF-ALPHA")
    a_case("610006", "REF-LATER")
    holding = Association.objects.get(person_id="610002")  # 610002 is no case
    holding.ended_at, holding.end_reason, holding.ended_by = NOON, "relinquished", "t"
    holding.save()
    holds("610006", "D-7770002", NOON + timedelta(hours=1))
    met(7_770_001, 7_770_002, NOON - timedelta(hours=1), minutes=40)
    assert clusters_compute() == []


@pytest.mark.parametrize(
    ("encounters", "linked"),
    [
        ([(0, 14.5)], False),
        ([(0, 15)], False),  # the trace's rule: longer than the threshold
        ([(0, 15.5)], True),
        ([(0, 10), (60, 10)], False),  # per encounter: two short ones do not add up
        ([(0, 10), (10, 10)], True),  # a record that ends as the next begins continues it
    ],
)
def test_only_an_encounter_of_the_threshold_links(people, encounters, linked):
    a_case("610001", "REF-ALPHA")
    a_case("610002", "REF-BRAVO")
    for offset, minutes in encounters:
        met(7_770_001, 7_770_002, NOON + timedelta(minutes=offset), minutes=minutes)
    assert bool(clusters_compute()) is linked


def test_both_directions_of_a_short_meeting_do_not_add_up(people):
    a_case("610001", "REF-ALPHA")
    a_case("610002", "REF-BRAVO")
    met(7_770_001, 7_770_002, NOON, minutes=14)
    met(7_770_002, 7_770_001, NOON + timedelta(seconds=30), minutes=14)
    assert clusters_compute() == []


def test_encounters_beyond_the_retention_are_left_out(people, settings):
    a_case("610001", "REF-ALPHA")
    a_case("610002", "REF-BRAVO")
    met(7_770_001, 7_770_002, NOW - 11 * DAY, minutes=30)
    assert len(clusters_compute()) == 1
    settings.ENCOUNTER_RETENTION_DAYS = 10
    assert clusters_compute() == []


def test_the_encounters_database_is_asked_once_with_tags_only(chain):
    with CaptureQueriesContext(connections[ENCOUNTERS]) as asked:
        clusters_compute()
    [query] = asked.captured_queries
    for person_id in PEOPLE:
        assert person_id not in query["sql"]


def test_the_key_is_stable_within_a_day_and_changes_the_next(chain):
    [today] = clusters_compute()
    [again] = clusters_compute()
    [tomorrow] = clusters_compute(now=NOW + DAY)
    assert today.key == again.key and len(today.key) == 16
    assert ids(tomorrow) == ids(today) and tomorrow.key != today.key


# --- Opening ---------------------------------------------------------------------------------


def test_opening_a_cluster_names_its_cases_and_is_audited(chain, medic):
    [cluster] = clusters_compute()
    opened = cluster_open(key=cluster.key, reason="outbreak on floor 2", acting_user=medic)
    assert [c["reference"] for c in opened["cases"]] == ["REF-ALPHA", "REF-BRAVO", "REF-CHARLIE"]
    assert {c["person_id"] for c in opened["cases"]} == {"610001", "610002", "610003"}
    assert opened["cases"][0]["name"] == "Given610001 Tester"
    assert [(link["case_a"], link["case_b"], link["day"]) for link in opened["links"]] == [
        ("REF-BRAVO", "REF-CHARLIE", (NOON - DAY).date()),
        ("REF-ALPHA", "REF-BRAVO", NOON.date()),
    ]
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEntry.Action.CLUSTER_OPENED and entry.actor == "medic"
    assert entry.reason == "outbreak on floor 2"
    assert entry.details["cases"] == 3
    assert set(entry.details["disclosed"]) == {"610001", "610002", "610003"}
    assert set(Disclosure.objects.values_list("person_id", flat=True)) == {
        "610001",
        "610002",
        "610003",
    }


def test_opening_needs_a_reason_and_a_cluster_that_still_exists(chain, medic):
    [cluster] = clusters_compute()
    with pytest.raises(DomainError) as no_reason:
        cluster_open(key=cluster.key, reason="  ", acting_user=medic)
    assert no_reason.value.code == "reason"
    with pytest.raises(DomainError) as gone:
        cluster_open(key="0" * 16, reason="check", acting_user=medic)
    assert gone.value.status_code == 404
    assert not AuditEntry.objects.exists()


# --- The API ---------------------------------------------------------------------------------


def test_the_listing_shows_no_case_no_person_and_no_tag(client, medic, chain):
    client.force_login(medic)
    response = client.get(reverse("case-clusters"))
    assert response.status_code == 200, response.content
    body = response.json()
    [cluster] = body["clusters"]
    assert set(cluster) == {"key", "size", "first_contact", "last_contact"}
    # Exact: the medical service sees its cases anyway; the names are the audited step.
    assert cluster["size"] == 3
    assert body["open_cases"] == 3
    assert cluster["last_contact"] == NOON.date().isoformat()
    text = json.dumps(body)
    for secret in ["REF-", *PEOPLE, *(str(tag) for tag in PEOPLE.values()), "Given", "D-"]:
        assert secret not in text
    for pk in (case.pk for case in chain.values()):
        assert f'"{pk}"' not in text and f": {pk}," not in text
    assert not AuditEntry.objects.exists()  # nothing was disclosed


def test_the_listing_shows_sizes_from_the_minimum_count(client, medic, chain, settings):
    settings.STATS_MIN_COUNT = 3
    client.force_login(medic)
    body = client.get(reverse("case-clusters")).json()
    assert body["clusters"][0]["size"] == 3 and body["open_cases"] == 3


def test_opening_through_the_api_needs_a_reason_and_is_audited(client, medic, chain):
    client.force_login(medic)
    [listed] = client.get(reverse("case-clusters")).json()["clusters"]
    url = reverse("case-cluster-open", args=[listed["key"]])
    refused = client.post(url, {"reason": ""}, content_type="application/json")
    assert refused.status_code == 400 and "reason" in refused.json()
    assert not AuditEntry.objects.exists()
    opened = client.post(
        url, {"reason": "three cases on one floor"}, content_type="application/json"
    )
    assert opened.status_code == 200, opened.content
    body = opened.json()
    assert body["size"] == 3 and {c["reference"] for c in body["cases"]} == {
        "REF-ALPHA",
        "REF-BRAVO",
        "REF-CHARLIE",
    }
    assert set(body["links"][0]) == {"case_a", "case_b", "day", "longest_minutes"}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CLUSTER_OPENED)
    assert set(entry.details["disclosed"]) == {"610001", "610002", "610003"}
    gone = client.post(
        reverse("case-cluster-open", args=["f" * 16]),
        {"reason": "x"},
        content_type="application/json",
    )
    assert gone.status_code == 404 and gone.json()["code"] == "not_found"


@pytest.mark.parametrize("role", [None, Role.REGISTRATION, Role.ASSETS, Role.PRIVACY])
def test_only_the_medical_role_sees_clusters(client, chain, role):
    [cluster] = clusters_compute()
    client.force_login(persona_for(role))
    assert client.get(reverse("case-clusters")).status_code == 403
    opened = client.post(
        reverse("case-cluster-open", args=[cluster.key]),
        {"reason": "curious"},
        content_type="application/json",
    )
    assert opened.status_code == 403
    assert not AuditEntry.objects.exists()


# --- The rule against an independent model ---------------------------------------------------

CLUSTER_EXAMPLES = int(os.environ.get("CASES_CLUSTER_MODEL_EXAMPLES", "60"))
SLOT = 30  # seconds: an encounter record counts whole slots


def model_clusters(records, threshold_seconds: int) -> set[frozenset[str]]:
    """Deliberately plain: for each pair of people, every record between them (either
    direction) as [start, end) in seconds; overlapping or touching records are one meeting;
    a meeting longer than the threshold links the pair; groups of two or more linked people
    (by repeated widening until nothing changes) are the clusters."""
    meetings = {}
    for a, b, start, slots in records:
        meetings.setdefault(frozenset((a, b)), []).append((start, start + slots * SLOT))
    linked = set()
    for pair, spans in meetings.items():
        spans.sort()
        current_start, current_end = spans[0]
        longest = 0
        for start, end in spans[1:]:
            if start <= current_end:
                current_end = max(current_end, end)
            else:
                longest = max(longest, current_end - current_start)
                current_start, current_end = start, end
        longest = max(longest, current_end - current_start)
        if longest > threshold_seconds:
            linked.add(pair)
    groups = [{p} for p in {person for pair in linked for person in pair}]
    changed = True
    while changed:
        changed = False
        for pair in linked:
            a, b = tuple(pair)
            group_a = next(g for g in groups if a in g)
            group_b = next(g for g in groups if b in g)
            if group_a is not group_b:
                group_a |= group_b
                groups.remove(group_b)
                changed = True
    return {frozenset(g) for g in groups if len(g) >= 2}


records_strategy = st.lists(
    st.tuples(
        st.sampled_from(sorted(PEOPLE)),
        st.sampled_from(sorted(PEOPLE)),
        st.integers(0, 6 * 3600 // SLOT).map(lambda n: n * SLOT),  # start, on a slot
        st.integers(1, 45),  # slots: 30 s to 22.5 min, around the 15-minute threshold
    ).filter(lambda r: r[0] != r[1]),  # a device never records itself
    max_size=8,
    unique_by=lambda r: r[:3],  # one record per device, peer and start (the table's key)
)


@pytest.mark.django_db(databases="__all__")
@hypothesis_settings(
    max_examples=CLUSTER_EXAMPLES,
    deadline=None,
    derandomize=CLUSTER_EXAMPLES <= 200,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=records_strategy)
def test_the_clusters_are_the_models_connected_groups(people, settings, records):
    """Four people, each a case holding one device: clusters_compute against the model."""
    Encounter.objects.all().delete()
    Case.objects.all().delete()
    cases = {person_id: a_case(person_id, f"REF-{person_id}") for person_id in PEOPLE}
    for a, b, start, slots in records:
        Encounter.objects.create(
            my_tag=PEOPLE[a],
            ref_tag=PEOPLE[b],
            started_at=NOON + timedelta(seconds=start),
            slots=slots,
        )
    person_of_case = {case.pk: person_id for person_id, case in cases.items()}
    found = {frozenset(person_of_case[pk] for pk in ids(c)) for c in clusters_compute()}
    threshold = settings.TRACING_CLOSE_CONTACT_MINUTES * 60
    assert found == model_clusters(records, threshold), records
