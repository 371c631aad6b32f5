"""Four eyes at the same moment on PostgreSQL, each person a real process (tests/processes.py).

Two approvers press "approve" (or one "approve", the other "refuse") on the same
waiting request; the requester clicks "ask" twice. As in test_concurrency.py, the
test itself holds the lock the processes will need (the request's row, or the table
they insert into) until both are blocked behind it, then lets them go: they meet
on every run, not now and then.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import CHAIN_LOCK, audit_verify
from cases import reveals, services
from cases.models import Case, FollowUp, Reveal
from core.roles import Role
from encounters.models import Encounter
from registration.models import Association
from tests import personas
from tests.cases.test_concurrency import held_until_blocked, outcome_lines
from tests.processes import at_once
from tests.registration.factories import make_device, make_person
from tracing import services as tracing

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

# The e-mails to the requester and the approvers stay in the process.
LOCAL_MAIL = {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
CLOSE_CONTACTS = ["820002", "830003"]


@pytest.fixture
def traced(medic):
    """Ines (the case) met Bart and Cleo long: the medic's trace of her case names nobody."""
    start = timezone.now() - timedelta(days=12)
    for person_id, given, tag in (
        ("710243", "Ines", 100),
        ("820002", "Bart", 200),
        ("830003", "Cleo", 300),
    ):
        make_person(person_id, given, "Test", email=f"p{person_id}@example.org")
        make_device(f"P-{tag}", tag_id=tag)
        Association.objects.create(
            person_id=person_id, device_id=f"P-{tag}", started_at=start, started_by="t"
        )
    met = timezone.now().replace(microsecond=0) - timedelta(days=2)
    Encounter.objects.create(my_tag=100, ref_tag=200, started_at=met, slots=40)
    Encounter.objects.create(my_tag=300, ref_tag=100, started_at=met, slots=60)
    case = services.case_open(
        person_id="710243", positive_test=timezone.localdate(), acting_user=medic
    )
    trace, _link = services.case_trace(case=case, reason="positive PCR", acting_user=medic)
    assert tracing.revealed(trace) == "none"
    return trace


@pytest.fixture
def waiting(traced, medic):
    """The medic's request to name the close contacts, waiting for a second person."""
    reveal, result, _ = reveals.reveal_ask(
        trace=traced, scope="close", reason="to tell them", urgent=False, acting_user=medic
    )
    assert result is None and reveal.status == Reveal.Status.WAITING
    return reveal


@pytest.fixture
def approvers(second_medic):
    """Two medics who may approve, neither the requester."""
    return [second_medic.username, personas.make_user("medic-3", Role.MEDICAL).username]


def actions(name: str) -> int:
    return AuditEntry.objects.filter(action=name).count()


# --- Two approvers decide one request ---------------------------------------------------------

DECIDE = """
from django.contrib.auth import get_user_model
from cases import reveals
from core.errors import DomainError
user = get_user_model().objects.get(username=sys.argv[3])
try:
    reveal, _result, touched = reveals.reveal_decide(
        reveal_id=int(sys.argv[4]), approve=sys.argv[5] == "approve", comment=sys.argv[6],
        acting_user=user,
    )
    print("ok", sys.argv[3], reveal.status, len(touched))
except DomainError as refused:
    print("refused", refused.status_code, refused.code, sys.argv[3])
"""

LOCK_REVEAL = "SELECT 1 FROM cases_reveal WHERE id = %s FOR UPDATE"


def test_two_approvers_approving_at_once_name_the_contacts_once(
    waiting, traced, approvers, tmp_path
):
    """One approval goes through, the other is told it was already decided; one reveal,
    one follow-up per close contact, an intact audit chain."""
    with held_until_blocked(LOCK_REVEAL, [waiting.pk], waiters=2) as held:
        outputs = at_once(
            DECIDE,
            [[name, str(waiting.pk), "approve", "fine"] for name in approvers],
            tmp_path,
            env=LOCAL_MAIL,
        )
    assert held.waiters == 2  # both were inside reveal_decide when the first went on
    said = outcome_lines(outputs)
    assert sorted(line.split()[0] for line in said) == ["ok", "refused"], said
    [won] = [line.split() for line in said if line.startswith("ok")]
    [lost] = [line.split() for line in said if line.startswith("refused")]
    assert won[2:] == ["approved", "2"], said  # the close contacts' follow-ups, opened
    assert lost[1:3] == ["409", "decided"], said
    winner = won[1]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decided_by) == (Reveal.Status.APPROVED, winner)
    assert waiting.decided_at >= held.released_at
    assert actions("reveal_approved") == 1
    assert actions("trace_revealed") == 1
    assert AuditEntry.objects.get(action="reveal_approved").actor == winner
    # The reveal is the requester's, approved by the winner.
    named = AuditEntry.objects.get(action="trace_revealed")
    assert named.actor == "medic" and named.details["approved_by"] == winner
    assert sorted(FollowUp.objects.values_list("person_id", flat=True)) == CLOSE_CONTACTS
    traced.refresh_from_db()
    assert tracing.revealed(traced) == "close"
    report = audit_verify()
    assert report.intact, report.problem


@pytest.mark.parametrize("first", ["approve", "refuse"])
def test_one_approving_while_another_refuses_one_outcome_wins_everywhere(
    waiting, traced, medic, approvers, tmp_path, first
):
    """Whoever had the request first decided it: its status, the audit trail, the names and
    the follow-ups all say the same; the other is told it was already decided."""
    other = "refuse" if first == "approve" else "approve"
    wanted = dict(zip(approvers, [first, other], strict=True))
    with held_until_blocked(LOCK_REVEAL, [waiting.pk], waiters=2) as held:
        outputs = at_once(
            DECIDE,
            [[name, str(waiting.pk), choice, f"{choice}d"] for name, choice in wanted.items()],
            tmp_path,
            env=LOCAL_MAIL,
        )
    assert held.waiters == 2
    said = outcome_lines(outputs)
    assert sorted(line.split()[0] for line in said) == ["ok", "refused"], said
    [won] = [line.split() for line in said if line.startswith("ok")]
    assert any(line.startswith("refused 409 decided") for line in said), said
    winner = won[1]
    approved = wanted[winner] == "approve"
    waiting.refresh_from_db()
    assert waiting.status == ("approved" if approved else "refused"), said
    assert (waiting.decided_by, waiting.comment) == (winner, f"{wanted[winner]}d")
    decisions = AuditEntry.objects.filter(action__in=["reveal_approved", "reveal_refused"])
    assert [(e.action, e.actor) for e in decisions] == [(f"reveal_{waiting.status}", winner)]
    traced.refresh_from_db()
    if approved:
        assert actions("trace_revealed") == 1
        assert tracing.revealed(traced) == "close"
        assert sorted(FollowUp.objects.values_list("person_id", flat=True)) == CLOSE_CONTACTS
    else:
        assert actions("trace_revealed") == 0
        assert tracing.revealed(traced) == "none"
        assert not FollowUp.objects.exists()
        reopened = tracing.trace_reopen(trace=traced, acting_user=medic)
        assert not any(c["named"] for c in reopened["contacts"])
    report = audit_verify()
    assert report.intact, report.problem


# --- The requester clicks "ask" twice ---------------------------------------------------------

ASK = """
from django.contrib.auth import get_user_model
from cases import reveals
from core.errors import DomainError
from tracing.models import Trace
user = get_user_model().objects.get(username=sys.argv[3])
trace = Trace.objects.get(pk=int(sys.argv[4]))
try:
    reveal, result, _touched = reveals.reveal_ask(
        trace=trace, scope=sys.argv[5], reason="to tell them", urgent=False, acting_user=user
    )
    print("asked", reveal.status, result is None)
except DomainError as refused:
    print("refused", refused.status_code, refused.code)
"""


@pytest.mark.parametrize("scopes", [("close", "close"), ("close", "all")])
def test_asking_twice_at_once_makes_one_waiting_request(traced, medic, tmp_path, scopes):
    """Two clicks (or two tabs) at the same moment: one request waits, the other click is told
    one already waits (409), never a server error or a second request."""
    # Both have checked the limit and the approval rules; both insert their request.
    with held_until_blocked("LOCK TABLE cases_reveal IN SHARE MODE", [], waiters=2) as held:
        outputs = at_once(
            ASK,
            [["medic", str(traced.pk), scope] for scope in scopes],
            tmp_path,
            env=LOCAL_MAIL,
        )
    assert held.waiters == 2
    said = sorted(outcome_lines(outputs))
    assert said == ["asked waiting True", "refused 409 waiting"], said
    [reveal] = Reveal.objects.all()
    assert reveal.status == Reveal.Status.WAITING and reveal.scope in scopes
    assert actions("reveal_requested") == 1
    assert AuditEntry.objects.get(action="reveal_requested").details["reveal"] == reveal.pk
    assert actions("trace_revealed") == 0 and not FollowUp.objects.exists()
    traced.refresh_from_db()
    assert tracing.revealed(traced) == "none"
    assert Case.objects.count() == 1
    report = audit_verify()
    assert report.intact, report.problem


# --- The requester breaks the glass while the approver approves ---------------------------------

BREAK_GLASS = """
from django.contrib.auth import get_user_model
from cases import reveals
from tracing.models import Trace
user = get_user_model().objects.get(username=sys.argv[3])
reveal, result, touched = reveals.reveal_ask(
    trace=Trace.objects.get(pk=int(sys.argv[4])), scope="close",
    reason="Bart is on the ward tonight: tell him now", urgent=True, acting_user=user,
)
print("ok", sys.argv[3], reveal.status, len(touched))
"""


# Either snippet, by its first argument ("decide" or "break").
EITHER = f"""
mode = sys.argv.pop(3)
exec({DECIDE!r} if mode == "decide" else {BREAK_GLASS!r})
"""


@pytest.mark.parametrize("other", ["an approval", "a second click"])
def test_breaking_the_glass_while_it_is_named_otherwise_follows_each_contact_up_once(
    waiting, traced, approvers, tmp_path, other
):
    """Tired of waiting, the requester names the close contacts urgently as a medic approves
    the request (or clicks "urgent" twice): both name them, but each close contact is an
    exposure of this trace once, not one per click (its follow-up lists the case twice)."""
    second = (
        ["decide", approvers[0], str(waiting.pk), "approve", "fine"]
        if other == "an approval"
        else ["break", "medic", str(traced.pk)]
    )
    # Both have read the trace's case link; both wait for the audit chain to name the contacts.
    with held_until_blocked("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK], waiters=2) as held:
        outputs = at_once(
            EITHER, [["break", "medic", str(traced.pk)], second], tmp_path, env=LOCAL_MAIL
        )
    assert held.waiters == 2
    said = outcome_lines(outputs)
    assert all(line.startswith("ok") for line in said), said
    assert sorted(FollowUp.objects.values_list("person_id", flat=True)) == CLOSE_CONTACTS
    per_contact = {
        f.person_id: f.exposures.filter(case_trace__trace=traced).count()
        for f in FollowUp.objects.all()
    }
    assert per_contact == {person_id: 1 for person_id in CLOSE_CONTACTS}
    report = audit_verify()
    assert report.intact, report.problem
