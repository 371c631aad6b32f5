"""The trace: the chain across three databases, both directions merged, policies, windows, audit."""

import csv
import io
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from audit.models import AuditEntry
from core.errors import DomainError
from encounters.models import Encounter
from registration.models import Association
from tests.personas import wearer
from tests.registration.factories import make_device, make_person
from tracing import contacts, services
from tracing.contacts import Policy, trace_window
from tracing.models import Trace

pytestmark = pytest.mark.django_db(databases="__all__")

ZURICH = ZoneInfo("Europe/Zurich")
NOW = timezone.now().replace(microsecond=0)
DAY = timedelta(days=1)


def holds(
    person_id: str,
    device_id: str,
    start: datetime,
    end: datetime | None = None,
    reason: str = "relinquished",
):
    Association.objects.create(
        person_id=person_id,
        device_id=device_id,
        started_at=start,
        ended_at=end,
        end_reason=reason if end else "",
        started_by="t",
        ended_by="t" if end else "",
    )


def met(my_tag: int, ref_tag: int, start: datetime, *, minutes: float):
    Encounter.objects.create(
        my_tag=my_tag, ref_tag=ref_tag, started_at=start, slots=round(minutes * 2)
    )


def trace(person_id="1", *, policy=Policy.ENCOUNTER, start=None, end=None, user=None) -> dict:
    """Trace, then name the close contacts (tracing's own step; cases.reveals puts a second
    person's approval before it, tests/cases/test_reveals.py)."""
    window = trace_window(
        now=timezone.now(), retention=timedelta(days=14), start=start or NOW - 10 * DAY, end=end
    )
    run = services.trace_run(
        person_id=person_id,
        window=window,
        policy=policy,
        case_reference="CASE-1",
        reason="positive test",
        acting_user=user,
    )
    assert run.plain_result["revealed"] == "none"
    assert not any(c["named"] for c in run.plain_result["contacts"])
    return services.trace_reveal(
        trace=run, scope=services.Reveal.CLOSE, reason="to tell them", acting_user=user
    )


@pytest.fixture
def world():
    """Alice (1) holds tag 100; Bob (2) tag 200; Carla (3) tag 300 — for ten days."""
    for person_id, name, tag in (("1", "Alice", 100), ("2", "Bob", 200), ("3", "Carla", 300)):
        make_person(person_id, name, "Tester", department="HSE")
        make_device(f"D-{tag}", tag_id=tag)
        holds(person_id, f"D-{tag}", NOW - 12 * DAY)


def by_name(result) -> dict:
    return {c["name"]: c for c in result["contacts"]}


def test_both_directions_of_one_meeting_count_once(world, medic):
    start = NOW - 2 * DAY
    met(100, 200, start, minutes=20)  # Alice's device recorded Bob
    met(200, 100, start + timedelta(seconds=30), minutes=20)  # Bob's recorded Alice, a little later
    met(300, 100, NOW - 3 * DAY, minutes=5)  # only Carla's device recorded this one
    result = trace(user=medic)
    bob = by_name(result)["Bob Tester"]
    assert bob["total_seconds"] == 20 * 60 + 30  # merged, not 40 minutes
    assert len(bob["encounters"]) == 1 and bob["close_contact"] is True
    [carla] = [c for c in result["contacts"] if not c["close_contact"]]  # close ones first
    assert carla["total_seconds"] == 300 and carla["name"] is None  # not a close contact
    assert [c["name"] for c in result["contacts"]] == ["Bob Tester", None]


def test_a_close_contact_lists_every_encounter_even_the_short_ones(world, medic):
    met(100, 200, NOW - 2 * DAY, minutes=0.5)
    met(100, 200, NOW - 1 * DAY, minutes=15.5)
    bob = by_name(trace(user=medic))["Bob Tester"]
    assert [e["seconds"] for e in bob["encounters"]] == [30, 930]
    assert bob["longest_seconds"] == 930 and bob["close_contact"]


@pytest.mark.parametrize(
    ("minutes", "policy", "close"),
    [
        (15, Policy.ENCOUNTER, False),  # "more than 15 minutes"
        (15.5, Policy.ENCOUNTER, True),
        (15, Policy.DAILY, True),  # "at least 15 minutes in a day"
        (14.5, Policy.DAILY, False),
    ],
)
def test_fifteen_minutes_exactly_and_fifteen_and_a_half_under_both_policies(
    world, medic, minutes, policy, close
):
    met(100, 200, NOW - 2 * DAY, minutes=minutes)
    [bob] = trace(policy=policy, user=medic)["contacts"]
    assert bob["close_contact"] is close and bob["named"] is close


def test_the_daily_policy_adds_up_short_encounters_of_one_day(world, medic):
    day = (NOW - 2 * DAY).astimezone(ZURICH).replace(hour=9, minute=0, second=0)
    for hour in range(3):
        met(100, 200, day + timedelta(hours=hour), minutes=5)
    met(100, 300, day, minutes=10)
    met(100, 300, day + DAY, minutes=10)  # 20 minutes, but over two days
    result = trace(policy=Policy.DAILY, user=medic)
    assert [(c["name"], c["close_contact"]) for c in result["contacts"]] == [
        ("Bob Tester", True),
        (None, False),  # Carla: 20 minutes, but over two days
    ]
    assert not any(
        c["close_contact"] for c in trace(policy=Policy.ENCOUNTER, user=medic)["contacts"]
    )


def test_a_peer_device_reassigned_mid_window_is_attributed_to_whoever_held_it_then(world, medic):
    make_person("4", "Dan", "Later")
    switch = NOW - 5 * DAY
    bob_holding = Association.objects.get(person_id="2")
    bob_holding.ended_at, bob_holding.end_reason, bob_holding.ended_by = switch, "relinquished", "t"
    bob_holding.save()
    holds("4", "D-200", switch)
    met(100, 200, switch - DAY, minutes=20)
    met(100, 200, switch + DAY, minutes=20)
    result = by_name(trace(user=medic))
    assert len(result["Bob Tester"]["encounters"]) == 1
    assert len(result["Dan Later"]["encounters"]) == 1


def test_the_traced_persons_own_device_counts_only_while_they_held_it(world, medic):
    make_person("4", "Dan", "Later")
    switch = NOW - 5 * DAY
    alice_holding = Association.objects.get(person_id="1")
    alice_holding.ended_at, alice_holding.end_reason, alice_holding.ended_by = switch, "lost", "t"
    alice_holding.save()
    met(100, 200, switch - DAY, minutes=20)  # Alice had it
    met(100, 300, switch + DAY, minutes=20)  # after her loss: not hers
    result = trace(user=medic)
    assert [c["name"] for c in result["contacts"]] == ["Bob Tester"]
    assert result["devices"] == [
        {
            "device_id": "D-100",
            "from": result["window"]["from"],
            "to": timezone.localtime(switch).isoformat(),
        }
    ]


def test_a_peer_device_nobody_held_is_reported_never_dropped_nor_given_to_its_later_holder(
    world, medic
):
    make_device("D-900", tag_id=900, state="in_stock")
    make_person("9", "Eve", "Future")
    holds("9", "D-900", NOW - 1 * DAY)  # handed out after the encounter
    met(100, 900, NOW - 3 * DAY, minutes=30)
    met(100, 4242, NOW - 3 * DAY, minutes=2)  # a tag no device has
    result = trace(user=medic)
    nobody = next(c for c in result["contacts"] if c["kind"] == "no_holder")
    assert nobody["device_id"] == "D-900" and nobody["person_id"] is None
    assert nobody["close_contact"] is True
    assert "Eve" not in str(result)
    unknown = next(c for c in result["contacts"] if c["kind"] == "unknown_tag")
    assert "4242" in unknown["name"]


def test_window_edges_start_inclusive_end_exclusive(world, medic):
    start, end = NOW - 4 * DAY, NOW - 2 * DAY
    met(100, 200, start, minutes=16)
    met(100, 300, end, minutes=16)
    result = trace(start=start, end=end, user=medic)
    assert [c["name"] for c in result["contacts"]] == ["Bob Tester"]


def test_derived_windows_and_the_retention_limit():
    now = datetime(2026, 11, 21, 12, tzinfo=ZURICH)
    retention = timedelta(days=14)
    onset = trace_window(now=now, retention=retention, symptom_onset=now - 2 * DAY)
    assert (
        onset.start == now - 5 * DAY and onset.end == now and onset.derived_from == "symptom_onset"
    )
    test = trace_window(now=now, retention=retention, positive_test=now - DAY)
    assert test.start == now - 8 * DAY
    old = trace_window(now=now, retention=retention, positive_test=now - 10 * DAY)
    assert old.start == now - 14 * DAY and old.clamped
    with pytest.raises(DomainError, match="exactly one"):
        trace_window(now=now, retention=retention)
    with pytest.raises(DomainError, match="empty"):
        trace_window(now=now, retention=retention, start=now - DAY, end=now - 2 * DAY)


def test_a_day_with_the_autumn_clock_change_has_twenty_five_hours():
    # 25 October 2026: Europe/Zurich goes from UTC+2 back to UTC+1 at 03:00.
    evening = datetime(2026, 10, 24, 23, 0, tzinfo=ZURICH)
    whole_long_day = [
        contacts.Piece(evening, (evening.astimezone(UTC) + timedelta(hours=27)).astimezone(ZURICH))
    ]
    per_day = contacts.seconds_per_day(whole_long_day, ZURICH)
    assert {d.isoformat(): s for d, s in per_day.items()} == {
        "2026-10-24": 3600,
        "2026-10-25": 25 * 3600,
        "2026-10-26": 3600,
    }
    # 14 minutes before midnight and 2 after: no day reaches 15, but one encounter of 16
    # minutes is a close contact under the daily rule too (it is never the narrower one).
    across = [
        contacts.Piece(
            datetime(2026, 10, 24, 23, 46, tzinfo=ZURICH),
            datetime(2026, 10, 25, 0, 2, tzinfo=ZURICH),
        )
    ]
    assert contacts.is_close_contact(
        across, policy=Policy.DAILY, threshold=timedelta(minutes=15), zone=ZURICH
    )
    assert contacts.is_close_contact(
        across, policy=Policy.ENCOUNTER, threshold=timedelta(minutes=15), zone=ZURICH
    )


def test_the_infection_probability_follows_the_papers_formula(world, medic):
    met(100, 200, NOW - 2 * DAY, minutes=100)
    bob = by_name(trace(user=medic))["Bob Tester"]
    assert bob["probability"] == pytest.approx(1 - 2.718281828 ** (-0.7), abs=1e-4)


def test_every_trace_is_audited_and_the_result_kept_encrypted_for_its_author(world, medic):
    met(100, 200, NOW - 2 * DAY, minutes=20)
    result = trace(user=medic)
    entry = AuditEntry.objects.get(action="trace")
    assert (entry.actor, entry.action, entry.target_person_id, entry.case_reference) == (
        "medic",
        "trace",
        "1",
        "CASE-1",
    )
    assert entry.details["contacts"] == 1 and entry.details["policy"] == "encounter"
    stored = Trace.objects.get()
    # Encrypted at rest: a Fernet token is URL-safe base64 only, so no JSON and no name in the
    # clear (a bare "Bob" can occur by chance inside base64; a quote or a brace cannot).
    assert re.fullmatch(rb"[A-Za-z0-9_=-]+", bytes(stored.result))
    reopened = services.trace_reopen(trace=stored, acting_user=medic)
    assert reopened["contacts"] == result["contacts"]
    assert AuditEntry.objects.filter(action="trace_reopened").count() == 1


def test_nothing_about_a_trace_reaches_the_application_logs(world, medic, caplog):
    met(100, 200, NOW - 2 * DAY, minutes=20)
    with caplog.at_level("DEBUG"):
        trace(user=medic)
    logged = caplog.text
    for secret in ("Bob", "Alice", "CASE-1", "positive test", " 2 "):
        assert secret not in logged


# --- Issue "Tracing tells the truth": one test per defect found ----------------------


def test_a_contact_is_found_when_the_persons_old_device_went_to_them(world, medic, client):
    """P gives D-100 back and gets D-500; D-100 goes to Q. P (on D-500) meets Q (on D-100)."""
    switch, handed_on = NOW - 6 * DAY, NOW - 5 * DAY
    make_person("5", "Quinn", "Later")
    make_device("D-500", tag_id=500)
    alice = Association.objects.get(person_id="1")
    alice.ended_at, alice.end_reason, alice.ended_by = switch, "swapped", "t"
    alice.save()
    holds("1", "D-500", switch)
    holds("5", "D-100", handed_on)
    met(500, 100, NOW - 2 * DAY, minutes=20)  # P's new device recorded P's old one
    for policy in Policy.ALL:
        [quinn] = [c for c in trace(policy=policy, user=medic)["contacts"] if c["close_contact"]]
        assert (quinn["person_id"], quinn["total_seconds"]) == ("5", 1200)
    # P's own MY DATA shows the meeting (it did not before).
    client.force_login(wearer("1"))
    days = client.get("/api/selfservice/encounters").json()["days"]
    # One meeting of 20 minutes; near local midnight MY DATA shows it split over two days.
    assert sum(e["seconds"] for day in days for e in day["encounters"]) == 1200


def test_one_encounter_over_the_threshold_across_midnight_is_close_under_both_policies(
    world, medic
):
    midnight = (NOW - 2 * DAY).astimezone(ZURICH).replace(hour=0, minute=0, second=0)
    met(100, 200, midnight - timedelta(minutes=10), minutes=20)  # 10 + 10 minutes
    for policy in Policy.ALL:
        [bob] = trace(policy=policy, user=medic)["contacts"]
        assert bob["close_contact"] and bob["name"] == "Bob Tester", policy
        assert sorted(bob["seconds_per_day"].values()) == [600, 600]


def test_an_encounter_that_began_before_the_window_counts_with_its_part_inside(world, medic):
    start = NOW - 4 * DAY
    met(100, 200, start - timedelta(seconds=30), minutes=20)
    result = trace(start=start, user=medic)
    [bob] = result["contacts"]
    assert bob["close_contact"] and bob["total_seconds"] == 20 * 60 - 30
    [encounter] = bob["encounters"]
    assert encounter["cut_start"] and not encounter["cut_end"]
    assert encounter["start"] == timezone.localtime(start).isoformat()
    assert result["window"]["counts"] == "overlap"


def test_a_window_across_the_autumn_clock_change_is_not_empty(world, medic):
    # 02:59:55 summer time comes before 02:00 winter time that night (both UTC+ offsets).
    window = trace_window(
        now=datetime(2026, 10, 26, 12, tzinfo=UTC),
        retention=timedelta(days=14),
        start=datetime(2026, 10, 25, 0, 59, 55, tzinfo=UTC).astimezone(ZURICH),
        end=datetime(2026, 10, 25, 1, 0, 0, tzinfo=UTC).astimezone(ZURICH),
    )
    assert window.end - window.start == timedelta(seconds=5)


def test_records_that_touch_are_one_encounter_and_a_gap_makes_two(world, medic):
    start = NOW - 3 * DAY
    met(100, 200, start, minutes=10)
    met(100, 200, start + timedelta(minutes=10), minutes=10)  # begins as the first ends
    met(100, 300, start, minutes=10)
    met(100, 300, start + timedelta(minutes=10, seconds=30), minutes=10)  # 30 s later
    bob, other = trace(user=medic)["contacts"]
    assert [e["seconds"] for e in bob["encounters"]] == [1200] and bob["close_contact"]
    assert [e["seconds"] for e in other["encounters"]] == [600, 600]
    assert not other["close_contact"] and other["name"] is None


def test_a_trace_names_nobody_and_each_reveal_is_its_own_audited_step(client, medic, second_medic):
    make_person("1", "Ida", "Index")
    make_device("D-1", tag_id=1)
    holds("1", "D-1", NOW - 12 * DAY)
    for n in range(2, 24):  # 22 people met, one of them long enough
        make_person(str(n), f"Peer{n}", "Secret", email=f"peer{n}@example.org", department="X")
        make_device(f"D-{n}", tag_id=n)
        holds(str(n), f"D-{n}", NOW - 12 * DAY)
        met(1, n, NOW - 2 * DAY + n * timedelta(minutes=30), minutes=16 if n == 2 else 5)
    client.force_login(medic)
    created = client.post(
        "/api/tracing/traces",
        {
            "person_id": "1",
            "from": (NOW - 10 * DAY).isoformat(),
            "case_reference": "C-1",
            "reason": "positive test",
        },
        content_type="application/json",
    )
    result = created.json()
    assert len(result["contacts"]) == 22 and result["revealed"] == "none"
    assert [c["close_contact"] for c in result["contacts"]].count(True) == 1
    text = (
        created.content.decode()
        + client.get(f"/api/tracing/traces/{result['id']}").content.decode()
        + client.get(f"/api/tracing/traces/{result['id']}/export.csv").content.decode()
    )
    for n in range(2, 24):
        for secret in (f"Peer{n}", f"peer{n}@example.org", f'"{n}"'):
            assert secret not in text
    assert AuditEntry.objects.get(action="trace").details["disclosed"] == ["1"]
    trace_row = Trace.objects.get(pk=result["id"])
    # Naming the close contacts: its own entry, naming only them ...
    close = services.trace_reveal(
        trace=trace_row, scope="close", reason="tell them", acting_user=medic
    )
    assert [c["person_id"] for c in close["contacts"] if c["named"]] == ["2"]
    # ... and naming every contact another, naming only the newly named.
    everyone = services.trace_reveal(
        trace=trace_row, scope="all", reason="outbreak on floor 3", acting_user=medic
    )
    assert sorted(int(c["person_id"]) for c in everyone["contacts"]) == list(range(2, 24))
    first, second = AuditEntry.objects.filter(action="trace_revealed").order_by("position")
    assert first.details["disclosed"] == ["1", "2"] and first.reason == "tell them"
    assert second.details["disclosed"] == sorted(["1", *map(str, range(3, 24))])
    # The references are those of the first result: the medic can tell who was who.
    refs = {c["ref"] for c in result["contacts"]}
    assert {c["ref"] for c in everyone["contacts"]} == refs
    # Naming less than is named changes nothing; nobody else can name this trace's contacts.
    again = services.trace_reveal(trace=trace_row, scope="close", reason="r", acting_user=medic)
    assert again["revealed"] == "all"
    with pytest.raises(DomainError) as refused:
        services.trace_reveal(
            trace=trace_row, scope="all", reason="curious", acting_user=second_medic
        )
    assert refused.value.status_code == 404
    assert AuditEntry.objects.filter(action="trace_revealed", actor="medic-2").count() == 0
    assert client.get(f"/api/tracing/traces/{result['id']}").json()["revealed"] == "all"


def test_people_named_as_contacts_see_the_date_in_my_data_never_by_whom(world, medic, client):
    met(100, 200, NOW - 2 * DAY, minutes=20)  # Bob: a close contact
    met(100, 300, NOW - 2 * DAY, minutes=2)  # Carla: not named
    trace(user=medic)
    today = timezone.localdate().isoformat()
    for person_id, consulted in (("1", [today]), ("2", [today]), ("3", [])):
        client.force_login(wearer(person_id))
        data = client.get("/api/selfservice/data").json()
        assert data["consulted_on"] == consulted, person_id
        assert "medic" not in str(data) and "CASE-1" not in str(data)


def test_the_page_the_print_and_the_csv_round_minutes_one_way(world, medic, client):
    start = NOW - 4 * DAY
    met(100, 200, start - timedelta(seconds=9), minutes=72)  # 71 min 51 s inside the window
    client.force_login(medic)
    [bob] = trace(start=start, user=medic)["contacts"]
    assert (bob["total_seconds"], bob["total_minutes"]) == (4311, 71.9)
    trace_id = Trace.objects.get().pk
    text = client.get(f"/api/tracing/traces/{trace_id}/export.csv").content.decode()
    header, row = list(csv.reader(io.StringIO(text)))[:2]
    assert row[header.index("total_minutes")] == row[header.index("encounter_minutes")] == "71.9"
    assert row[header.index("encounter_cut")] == "start"
    # The start as the screen writes it (the same minute, cut not rounded), its zone in the header.
    [encounter] = bob["encounters"]
    shown = timezone.localtime(datetime.fromisoformat(encounter["start"]))
    column = header.index(f"encounter_start ({settings.TIME_ZONE})")
    assert row[column] == f"{shown.day} {shown:%b %Y, %H:%M}"


def test_the_pages_round_minutes_exactly_as_the_server_does():
    """frontend/src/tracing/format.js against contacts.minutes, for every second of two days."""
    # Plain Node has no Vite to gather the catalogues: the test gives the page its English words.
    script = (
        "import {readFileSync} from 'node:fs';"
        "import {i18n} from './src/i18n.js';"
        "i18n.global.setLocaleMessage('en', "
        "{tracing: JSON.parse(readFileSync('src/locales/en/tracing.json', 'utf8'))});"
        "import {formatMinutes} from './src/tracing/format.js';"
        "const out = []; for (let s = 0; s <= 172800; s++) out.push(formatMinutes(s));"
        "process.stdout.write(out.join('\\n'))"
    )
    shown = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=Path(__file__).resolve().parents[2] / "frontend",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert [float(text.removesuffix(" min")) for text in shown] == [
        contacts.minutes(s) for s in range(172801)
    ]
