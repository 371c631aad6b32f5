"""Medics at the same moment on PostgreSQL, each a real process (tests/processes.py).

Starting processes together does not make them meet: one may be done before the
other has read anything. So each test below holds a lock from the test itself
(a row the medics will lock, or the table they will insert into) until every
process is blocked behind it, then lets them all go: the collision the code must
survive happens on every run, not now and then.
"""

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_verify
from cases import services
from cases.models import Case, Exposure, FollowUp, FollowUpEvent, Notification
from encounters.models import Encounter
from registration.models import Association
from tests.processes import at_once
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


# --- Making them meet --------------------------------------------------------------------------


class Held:
    waiters = 0
    released_at = None  # what the clock said as the lock was let go


def _blocked_behind(cursor, holder: int) -> int:
    """How many sessions of this database wait, directly or through another, for `holder`."""
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(
        "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    waiting = dict(cursor.fetchall())
    behind, grew = {holder}, True
    while grew:
        more = {pid for pid, blockers in waiting.items() if set(blockers) & behind} - behind
        behind |= more
        grew = bool(more)
    return len(behind) - 1


@contextmanager
def held_until_blocked(
    sql: str, params: list, *, waiters: int, timeout: float = 90, using: str = "default"
):
    """Take a lock (`sql`) in a connection of its own; release it once `waiters` sessions
    are blocked behind it (or the block is over). `Held.waiters`: how many were."""
    locked, done, seen = threading.Event(), threading.Event(), Held()

    def hold():
        try:
            with transaction.atomic(using=using), connections[using].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                holder = cursor.fetchone()[0]
                cursor.execute(sql, params)
                locked.set()
                deadline = time.monotonic() + timeout
                while not done.is_set() and time.monotonic() < deadline:
                    seen.waiters = max(seen.waiters, _blocked_behind(cursor, holder))
                    if seen.waiters >= waiters:
                        time.sleep(0.2)  # let a process that would not wait show it
                        break
                    time.sleep(0.01)
                seen.released_at = timezone.now()
        finally:
            locked.set()
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    locked.wait(timeout)
    try:
        yield seen
    finally:
        done.set()
        thread.join(timeout)


def outcome_lines(outputs: list[str]) -> list[str]:
    """The last line each process printed (Django's log lines come before it)."""
    return [out.strip().splitlines()[-1] for out in outputs]


def a_follow_up(person_id: str = "2", **fields) -> FollowUp:
    now = timezone.now()
    case = Case.objects.filter(person_id="1").first() or Case.objects.create(
        reference="C-T-1", person_id="1", created_at=now, created_by="medic"
    )
    return FollowUp.objects.create(
        person_id=person_id,
        case=case,
        last_exposure=now - timedelta(days=1),
        end_date=timezone.localdate() + timedelta(days=9),
        assigned_to="medic",
        created_at=now,
        changed_at=now,
        changed_by="medic",
        **fields,
    )


# --- (a) Two medics change one follow-up, both from the same screen ----------------------------

SET_STATUS = """
from django.contrib.auth import get_user_model
from cases import services
from core.errors import DomainError
user = get_user_model()(username=sys.argv[3])
try:
    services.followup_set_status(
        follow_up_id=int(sys.argv[4]), status=sys.argv[5], version=int(sys.argv[6]),
        acting_user=user,
    )
    print("ok", sys.argv[3])
except DomainError as refused:
    print("refused", refused.status_code, refused.code, sys.argv[3])
"""


def test_two_medics_changing_one_follow_up_from_the_same_version_one_wins(tmp_path):
    follow_up = a_follow_up()
    seen_version = str(follow_up.version)
    wanted = {"medic-1": "in_quarantine", "medic-2": "lost"}
    with held_until_blocked(
        "SELECT 1 FROM cases_followup WHERE id = %s FOR UPDATE", [follow_up.pk], waiters=2
    ) as held:
        outputs = at_once(
            SET_STATUS,
            [[medic, str(follow_up.pk), status, seen_version] for medic, status in wanted.items()],
            tmp_path,
        )
    assert held.waiters == 2  # both had read nothing yet when the first went on
    said = outcome_lines(outputs)
    assert sorted(line.split()[0] for line in said) == ["ok", "refused"], said
    winner = next(line.split()[1] for line in said if line.startswith("ok"))
    assert any(line.startswith("refused 409 changed") for line in said), said
    follow_up.refresh_from_db()
    assert follow_up.version == int(seen_version) + 1  # bumped once
    assert (follow_up.status, follow_up.changed_by) == (wanted[winner], winner)
    [event] = FollowUpEvent.objects.filter(follow_up=follow_up, kind="status")
    assert (event.actor, event.from_status, event.to_status) == (
        winner,
        "to_contact",
        wanted[winner],
    )
    # The change happened once it had the follow-up: after the lock let go, not before it waited.
    assert event.at >= held.released_at and follow_up.changed_at >= held.released_at


# --- (b) Two cases' traces find the same contact at the same moment ---------------------------

TRACE_CASE = """
from django.conf import settings
from django.contrib.auth import get_user_model
from cases import reveals, services
from cases.models import Case
# A confirmed case's own trace is named without a second person here, so that both
# processes reach the follow-ups at once (tests/cases/test_reveals.py tests approvals).
settings.REVEAL_OWN_CASE_WITHOUT_APPROVAL = True
user = get_user_model()(username=sys.argv[3])
case = Case.objects.get(reference=sys.argv[4])
trace, link = services.case_trace(case=case, reason="positive PCR", acting_user=user)
reveal, result, touched = reveals.reveal_ask(
    trace=trace, scope="close", reason="to tell them", urgent=False, acting_user=user
)
assert reveal.status == "not_needed", reveal.because
print("traced", sys.argv[4], *sorted(f.person_id for f in touched))
"""


def test_two_traces_finding_the_same_contact_at_once_give_one_follow_up(medic, tmp_path, settings):
    """Ines (tag 100) and Ian (tag 600), each a case, both met Bob (tag 200), a day apart."""
    start = timezone.now() - timedelta(days=12)
    for person_id, given, tag in (
        ("710243", "Ines", 100),
        ("720001", "Ian", 600),
        ("2", "Bob", 200),
    ):
        make_person(person_id, given, "Test", email=f"p{person_id}@example.org")
        make_device(f"P-{tag}", tag_id=tag)
        Association.objects.create(
            person_id=person_id, device_id=f"P-{tag}", started_at=start, started_by="t"
        )
    met = timezone.now().replace(microsecond=0) - timedelta(days=2)
    Encounter.objects.create(my_tag=100, ref_tag=200, started_at=met, slots=40)
    Encounter.objects.create(my_tag=200, ref_tag=600, started_at=met + timedelta(days=1), slots=40)
    references = []
    for person_id in ("710243", "720001"):
        case = services.case_open(
            person_id=person_id, positive_test=timezone.localdate(), acting_user=medic
        )
        references.append(case.reference)
    with held_until_blocked("LOCK TABLE cases_followup IN SHARE MODE", [], waiters=2) as held:
        # Both have looked for Bob's open follow-up and found none; both insert one.
        outputs = at_once(
            TRACE_CASE, [[f"medic-{n}", ref] for n, ref in enumerate(references)], tmp_path
        )
    assert held.waiters == 2
    assert sorted(outcome_lines(outputs)) == sorted(f"traced {ref} 2" for ref in references)
    [bob] = FollowUp.objects.filter(person_id="2")  # one, open
    assert bob.is_open
    later = met + timedelta(days=1, minutes=20)
    assert bob.last_exposure == later
    zone = timezone.get_current_timezone()
    assert bob.end_date == (later - timedelta(seconds=1)).astimezone(zone).date() + timedelta(
        days=settings.CONTACT_FOLLOW_UP_DAYS
    )
    exposures = Exposure.objects.filter(follow_up=bob).select_related("case_trace__case")
    assert sorted(e.case_trace.case.reference for e in exposures) == sorted(references)
    # In the order of their times: Ines's trace first: opened, then moved by Ian's; Ian's
    # first: Ines's finds nothing later. (The loser's change once read "re_exposed" before
    # "opened": its time was taken before it waited.)
    kinds = list(bob.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds in (["opened", "re_exposed"], ["opened"]), kinds
    assert bob.changed_at >= bob.created_at
    # The loser's move (when its exposure was the later one) is timed once it had the
    # follow-up: after the lock let go, not before it waited.
    by_pk = list(bob.events.order_by("pk"))
    assert [e.at for e in by_pk] == sorted(e.at for e in by_pk)
    assert all(e.at >= held.released_at for e in by_pk if e.kind == "re_exposed")
    assert audit_verify().intact


def test_two_traces_finding_two_contacts_in_opposite_order_do_not_deadlock(
    medic, tmp_path, settings
):
    """Ines met Xia longer than Yan, Ian met Yan longer than Xia: each trace lists its
    contacts the other way round. Both must finish, one follow-up each for Xia and Yan."""
    start = timezone.now() - timedelta(days=12)
    for person_id, given, tag in (
        ("710243", "Ines", 100),
        ("720001", "Ian", 600),
        ("3", "Xia", 300),
        ("4", "Yan", 400),
    ):
        make_person(person_id, given, "Test", email=f"p{person_id}@example.org")
        make_device(f"P-{tag}", tag_id=tag)
        Association.objects.create(
            person_id=person_id, device_id=f"P-{tag}", started_at=start, started_by="t"
        )
    met = timezone.now().replace(microsecond=0) - timedelta(days=2)
    for mine, long_one, short_one in ((100, 300, 400), (600, 400, 300)):
        Encounter.objects.create(my_tag=mine, ref_tag=long_one, started_at=met, slots=80)
        Encounter.objects.create(
            my_tag=mine, ref_tag=short_one, started_at=met + timedelta(hours=2), slots=40
        )
    references = [
        services.case_open(
            person_id=person_id, positive_test=timezone.localdate(), acting_user=medic
        ).reference
        for person_id in ("710243", "720001")
    ]
    with held_until_blocked("LOCK TABLE cases_followup IN SHARE MODE", [], waiters=2) as held:
        outputs = at_once(
            TRACE_CASE, [[f"medic-{n}", ref] for n, ref in enumerate(references)], tmp_path
        )
    assert held.waiters == 2
    # In the trace's own order the two would lock Xia and Yan the other way round, and
    # PostgreSQL would end one of them as a deadlock (a 500, with the trace audited and lost).
    assert sorted(outcome_lines(outputs)) == sorted(f"traced {ref} 3 4" for ref in references)
    for person_id in ("3", "4"):
        [follow_up] = FollowUp.objects.filter(person_id=person_id)
        assert follow_up.exposures.count() == 2
    assert audit_verify().intact


# --- (c) Two medics open cases at the same moment -----------------------------------------------

OPEN_CASE = """
from django.contrib.auth import get_user_model
from cases import services
from core.errors import DomainError
user = get_user_model()(username=sys.argv[3])
try:
    case = services.case_open(person_id=sys.argv[4], acting_user=user)
    print("opened", case.reference)
except DomainError as refused:
    print("refused", refused.status_code, refused.code)
"""


def test_two_medics_opening_cases_at_once_get_the_next_two_references(tmp_path):
    make_person("11"), make_person("12")
    with held_until_blocked("LOCK TABLE cases_case IN SHARE MODE", [], waiters=2) as held:
        # Both have counted the cases of the year; both insert the same next number.
        outputs = at_once(OPEN_CASE, [["medic-1", "11"], ["medic-2", "12"]], tmp_path)
    assert held.waiters == 2
    year = timezone.localdate().year
    assert sorted(outcome_lines(outputs)) == [f"opened C-{year}-0001", f"opened C-{year}-0002"]
    assert sorted(Case.objects.values_list("reference", flat=True)) == [
        f"C-{year}-0001",
        f"C-{year}-0002",
    ]
    entries = AuditEntry.objects.filter(action="case_opened")
    assert sorted(entries.values_list("case_reference", flat=True)) == [
        f"C-{year}-0001",
        f"C-{year}-0002",
    ]
    report = audit_verify()
    assert report.intact, report.problem
    assert sorted(AuditEntry.objects.values_list("position", flat=True)) == [1, 2]  # no fork


def test_two_medics_opening_a_case_for_the_same_person_at_once_one_is_refused(tmp_path):
    make_person("11")
    with held_until_blocked("LOCK TABLE cases_case IN SHARE MODE", [], waiters=2) as held:
        outputs = at_once(OPEN_CASE, [["medic-1", "11"], ["medic-2", "11"]], tmp_path)
    assert held.waiters == 2
    said = sorted(outcome_lines(outputs))
    assert said == [f"opened C-{timezone.localdate().year}-0001", "refused 409 case_open"], said
    assert Case.objects.filter(person_id="11").count() == 1
    assert AuditEntry.objects.filter(action="case_opened").count() == 1
    assert audit_verify().intact


# --- (d) The same follow-up notified from two processes -----------------------------------------

NOTIFY = """
from django.contrib.auth import get_user_model
from cases import services
user = get_user_model()(username=sys.argv[3])
sent = services.notification_send(follow_up_id=int(sys.argv[4]), acting_user=user)
print("sent" if sent.sent else "failed", sys.argv[3])
"""


def test_one_follow_up_notified_from_two_processes_records_both(tmp_path):
    make_person("2", "Bob", "Brown", email="bob@example.org")
    follow_up = a_follow_up("2")
    with held_until_blocked(
        "SELECT 1 FROM cases_followup WHERE id = %s FOR UPDATE", [follow_up.pk], waiters=2
    ) as held:
        outputs = at_once(
            NOTIFY,
            [["medic-1", str(follow_up.pk)], ["medic-2", str(follow_up.pk)]],
            tmp_path,
            env={"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
        )
    assert held.waiters == 2
    assert sorted(outcome_lines(outputs)) == ["sent medic-1", "sent medic-2"]
    follow_up.refresh_from_db()
    assert follow_up.version == 3  # bumped twice: no change lost
    assert follow_up.status == "notified"
    notifications = Notification.objects.filter(follow_up=follow_up)
    assert sorted(notifications.values_list("sent_by", flat=True)) == ["medic-1", "medic-2"]
    assert all(n.sent and n.until == follow_up.end_date for n in notifications)
    # In the order of their times: the first sending made it "notified", once.
    kinds = list(follow_up.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == ["notified", "status", "notified"], kinds
    assert follow_up.changed_at == max(n.at for n in notifications)
    assert AuditEntry.objects.filter(action="contact_notified").count() == 2
    report = audit_verify()
    assert report.intact, report.problem
    assert sorted(AuditEntry.objects.values_list("position", flat=True)) == [1, 2]
