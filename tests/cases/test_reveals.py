"""Four eyes: naming a trace's contacts, as the medic, the approver and the privacy officer see it.

Every path: waiting for approval and approved, refused, named without approval when the
setting allows it (and each case where it still does not), break-glass and its review;
then an independent model of when approval is needed, compared on generated cases.
Several processes at once and hostile senders: test_reveal_concurrency.py, test_reveal_attacks.py.
"""

import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from audit.models import AuditEntry
from cases import reveals
from cases.models import Case, CaseTrace, FollowUp, Reveal
from tests.cases.test_follow_up import open_case, world  # noqa: F401 (a fixture)
from tests.reveals import name_contacts

pytestmark = pytest.mark.django_db(databases="__all__")

ZONE = ZoneInfo("Europe/Zurich")


@pytest.fixture
def people(medic, second_medic, privacy_officer):
    for user, address in ((medic, "mira@example.org"), (second_medic, "max@example.org")):
        user.email = address
        user.save()
    return medic, second_medic, privacy_officer


def run_trace(client, case_id) -> dict:
    response = client.post(
        reverse("case-trace", args=[case_id]),
        {"reason": "positive PCR"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def ask(client, trace_id, scope="close", reason="to tell them", urgent=False):
    return client.post(
        reverse("trace-reveal", args=[trace_id]),
        {"scope": scope, "reason": reason, "urgent": urgent},
        content_type="application/json",
    )


def names(result) -> set:
    return {c["person_id"] for c in result["contacts"] if c["named"]}


@pytest.mark.usefixtures("world")
def test_a_request_waits_for_a_second_medic_who_sees_no_name_then_the_requester_does(
    client, people, django_capture_on_commit_callbacks
):
    medic, second, _privacy = people
    client.force_login(medic)
    case = open_case(client)
    run = run_trace(client, case["id"])
    assert names(run) == set() and run["revealed"] == "none" and run["follow_ups"] == []
    state = client.get(reverse("trace-reveal", args=[run["id"]])).json()
    assert state["needs_approval"] == {"close": True, "all": True} and state["latest"] is None

    with django_capture_on_commit_callbacks(execute=True):  # the e-mails go once committed
        asked = ask(client, run["id"], reason="tell them to stay home")
    assert asked.status_code == 202, asked.content
    assert asked.json()["result"] is None and asked.json()["reveal"]["status"] == "waiting"
    [to_approvers] = mail.outbox
    assert to_approvers.to == ["max@example.org"]  # not the requester
    assert "Bob" not in to_approvers.body and f"?id={asked.json()['reveal']['id']}" in (
        to_approvers.body
    )
    # Still nobody named for the requester; the request is not theirs to approve.
    assert names(client.get(reverse("trace-detail", args=[run["id"]])).json()) == set()
    assert client.get(reverse("reveals")).json() == []

    client.force_login(second)
    [waiting] = client.get(reverse("reveals")).json()
    assert waiting["may_decide"] and waiting["reason"] == "tell them to stay home"
    detail = client.get(reverse("reveal", args=[waiting["id"]]))
    assert detail.status_code == 200
    assert detail.json()["case"]["name"] == "Ines Adams"  # the case is the approver's to see
    assert sum(c["close_contact"] for c in detail.json()["pseudonymous"]["contacts"]) == 2
    for secret in ("Bob", "Brown", "Cleo", "p2@example.org", '"2"', "P-200"):
        assert secret not in detail.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(
            reverse("reveal-decide", args=[waiting["id"]]),
            {"approve": True, "comment": "positive PCR: go ahead"},
            content_type="application/json",
        )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert "Bob" not in decided.content.decode()
    assert "approved" in mail.outbox[-1].subject and mail.outbox[-1].to == ["mira@example.org"]

    client.force_login(medic)
    reopened = client.get(reverse("trace-detail", args=[run["id"]])).json()
    assert names(reopened) == {"2", "3"} and reopened["revealed"] == "close"
    assert set(FollowUp.objects.values_list("person_id", flat=True)) == {"2", "3"}
    assert [
        (e.action, e.actor)
        for e in AuditEntry.objects.filter(position__gt=2).order_by("position")
        if e.action != "trace_reopened"
    ] == [
        ("reveal_requested", "medic"),
        ("reveal_approved", "medic-2"),
        ("trace_revealed", "medic"),  # whoever sees the names is the one recorded
    ]
    revealed = AuditEntry.objects.get(action="trace_revealed")
    assert revealed.details["disclosed"] == ["2", "3", "710243"]
    assert revealed.details["approved_by"] == "medic-2"


@pytest.mark.usefixtures("world")
def test_a_refusal_names_nobody_says_why_and_the_medic_may_ask_again(
    client, people, django_capture_on_commit_callbacks
):
    medic, second, _privacy = people
    client.force_login(medic)
    run = run_trace(client, open_case(client)["id"])
    reveal_id = ask(client, run["id"]).json()["reveal"]["id"]
    assert ask(client, run["id"]).status_code == 409  # one waiting request per trace
    client.force_login(second)
    url = reverse("reveal-decide", args=[reveal_id])
    silent = client.post(url, {"approve": False}, content_type="application/json")
    assert silent.status_code == 400 and Reveal.objects.get().status == "waiting"
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(
            url,
            {"approve": False, "comment": "no test result yet"},
            content_type="application/json",
        )
    assert refused.json()["status"] == "refused"
    assert "refused" in mail.outbox[-1].subject and "no test result yet" in mail.outbox[-1].body
    client.force_login(medic)
    state = client.get(reverse("trace-reveal", args=[run["id"]])).json()
    assert state["revealed"] == "none" and state["latest"]["comment"] == "no test result yet"
    assert not FollowUp.objects.exists()
    assert ask(client, run["id"], reason="the PCR came back positive").status_code == 202


@pytest.mark.usefixtures("world")
def test_no_one_approves_their_own_request(client, people):
    medic, _second, _privacy = people
    client.force_login(medic)
    run = run_trace(client, open_case(client)["id"])
    reveal_id = ask(client, run["id"]).json()["reveal"]["id"]
    own = client.post(
        reverse("reveal-decide", args=[reveal_id]),
        {"approve": True, "comment": "me"},
        content_type="application/json",
    )
    assert own.status_code == 403 and own.json()["code"] == "own_request"
    assert Reveal.objects.get().status == "waiting" and not FollowUp.objects.exists()


@pytest.mark.usefixtures("world")
def test_with_the_setting_a_confirmed_cases_own_trace_is_named_at_once(client, people, settings):
    settings.REVEAL_OWN_CASE_WITHOUT_APPROVAL = True
    medic, _second, _privacy = people
    client.force_login(medic)
    run = run_trace(client, open_case(client)["id"])
    state = client.get(reverse("trace-reveal", args=[run["id"]])).json()
    assert state["needs_approval"] == {"close": False, "all": True}
    assert state["because"]["all"] == ["It names contacts who are not close contacts."]
    named = ask(client, run["id"])
    assert named.status_code == 200, named.content
    assert names(named.json()["result"]) == {"2", "3"}
    assert {f["person_id"] for f in named.json()["follow_ups"]} == {"2", "3"}
    assert Reveal.objects.get().status == "not_needed"
    # Every contact still waits; so does the same person traced again within days.
    assert ask(client, run["id"], scope="all").status_code == 202
    again = run_trace(client, Case.objects.get().pk)
    assert ask(client, again["id"]).status_code == 202
    assert Reveal.objects.filter(status="waiting").count() == 2


@pytest.mark.usefixtures("world")
def test_with_the_setting_the_rest_still_waits(client, people, settings):
    """An unconfirmed case, a window wider than the infectious period, a second degree."""
    settings.REVEAL_OWN_CASE_WITHOUT_APPROVAL = True
    medic, _second, _privacy = people
    client.force_login(medic)
    unconfirmed = open_case(
        client, positive_test=None, symptom_onset=timezone.localdate().isoformat()
    )
    run = run_trace(client, unconfirmed["id"])
    why = client.get(reverse("trace-reveal", args=[run["id"]])).json()["because"]["close"]
    assert why == [f"Case {unconfirmed['reference']} is not confirmed by a positive test."]
    Case.objects.filter(pk=unconfirmed["id"]).update(positive_test=timezone.localdate())
    wide = client.post(
        reverse("traces"),
        {
            "person_id": "710243",
            "case_reference": unconfirmed["reference"],
            "reason": "r",
            "from": (timezone.now() - timedelta(days=13)).isoformat(),
        },
        content_type="application/json",
    ).json()
    why = client.get(reverse("trace-reveal", args=[wide["id"]])).json()["because"]["close"]
    assert why == ["The period traced goes beyond the case's infectious period."]
    # Bob's contacts (second degree): named with approval only.
    _result, touched = name_contacts(CaseTrace.objects.get(trace_id=run["id"]).trace, medic)
    bob = next(f for f in touched if f.person_id == "2")
    second_degree = client.post(
        reverse("follow-up-trace", args=[bob.pk]), {"reason": "fever"}, "application/json"
    ).json()
    why = client.get(reverse("trace-reveal", args=[second_degree["id"]])).json()["because"]
    assert "It is a second-degree trace: the contacts of a contact." in why["close"]


@pytest.mark.usefixtures("world")
def test_break_glass_names_at_once_and_waits_for_the_privacy_officers_review(client, people):
    medic, _second, privacy = people
    client.force_login(medic)
    run = run_trace(client, open_case(client)["id"])
    short = ask(client, run["id"], reason="urgent", urgent=True)
    assert short.status_code == 400 and "at least 20 characters" in short.json()["detail"]
    assert not Reveal.objects.exists()
    urgent = ask(client, run["id"], reason="ICU patient, night shift: no approver", urgent=True)
    assert urgent.status_code == 200 and names(urgent.json()["result"]) == {"2", "3"}
    assert AuditEntry.objects.filter(action="break_glass").count() == 1
    assert client.get(reverse("transparency")).json()["break_glass_unreviewed"] == 1
    # Only the data-protection office reviews it, once.
    url = reverse("reveal-review", args=[urgent.json()["reveal"]["id"]])
    body = {"outcome": "escalated", "comment": "ask the head of service"}
    assert client.post(url, body, content_type="application/json").status_code == 403
    client.force_login(privacy)
    [listed] = client.get(reverse("reveals-break-glass")).json()
    assert listed["urgent"] and listed["review"] is None
    reviewed = client.post(url, body, content_type="application/json")
    assert reviewed.status_code == 200 and reviewed.json()["review"]["outcome"] == "escalated"
    assert client.post(url, body, content_type="application/json").status_code == 409
    assert client.get(reverse("transparency")).json()["break_glass_unreviewed"] == 0
    assert AuditEntry.objects.get(action="break_glass_reviewed").details["outcome"] == "escalated"


@pytest.mark.usefixtures("world")
def test_the_privacy_role_approves_when_the_setting_says_so(client, people, settings):
    settings.REVEAL_APPROVER_ROLE = "privacy"
    medic, second, privacy = people
    client.force_login(medic)
    run = run_trace(client, open_case(client)["id"])
    reveal_id = ask(client, run["id"]).json()["reveal"]["id"]
    body = {"approve": True, "comment": "ok"}
    client.force_login(second)
    url = reverse("reveal-decide", args=[reveal_id])
    assert client.post(url, body, content_type="application/json").status_code == 403
    client.force_login(privacy)
    assert client.post(url, body, content_type="application/json").status_code == 200
    assert Reveal.objects.get().decided_by == privacy.username


# --- An independent model of when a second person must approve ----------------------------

RETENTION = timedelta(days=14)
SLACK = timedelta(minutes=5)


def midnight_days_before(day: date, days: int) -> datetime:
    """Local midnight of the day `days` before `day`, in UTC."""
    return datetime.combine(day - timedelta(days=days), time(0), tzinfo=ZONE).astimezone(UTC)


def needs_approval(
    *, setting, scope, degree, is_open, onset, test, traced_at, w_from, w_to, earlier
) -> bool:
    """Written from docs/four-eyes.md, sharing no code with cases/reveals.py."""
    if not setting:
        return True
    if scope == "all" or degree > 1 or not is_open or test is None:
        return True
    if degree == 1:
        start = (
            midnight_days_before(onset, 3) if onset is not None else midnight_days_before(test, 7)
        )
        start = max(start, traced_at - RETENTION)
        if w_from < start - SLACK or w_to > traced_at + SLACK:
            return True
    return any(ago <= timedelta(days=7) and status in NAMED for ago, status in earlier)


NAMED = {"approved", "not_needed", "break_glass"}
# Around both clock changes of 2026 in Zurich, and an ordinary day.
MOMENTS = [datetime(2026, 3, 29, 1, 30, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]
MOMENTS.append(datetime(2026, 12, 4, 23, 10, tzinfo=UTC))


def mostly(value, other):
    """`value` four times in five: the cases where every other rule lets the trace through
    are the ones whose edges matter."""
    return st.sampled_from([value, value, value, value, other])


EDGE = [-301, -300, -299, -1, 0, 1, 299, 300, 301]  # seconds around the 5-minute slack
WEEK = timedelta(days=7)


@st.composite
def situations(draw):
    traced_at = draw(st.sampled_from(MOMENTS)) + timedelta(minutes=draw(st.integers(-900, 900)))
    today = traced_at.astimezone(ZONE).date()
    days_ago = st.integers(0, 20).map(lambda d: today - timedelta(days=d))
    test = draw(st.one_of(st.none(), days_ago) if draw(st.booleans()) else days_ago)
    onset = draw(st.one_of(st.none(), days_ago))
    if onset is None and test is None:
        onset = today
    if draw(st.booleans()):  # around the infectious period's own start (or the retention's)
        day = onset if onset is not None else test
        own = midnight_days_before(day, 3 if onset is not None else 7)
        own = max(own, traced_at - RETENTION)
        w_from = own + timedelta(seconds=draw(st.sampled_from(EDGE)))
    else:
        w_from = traced_at - RETENTION + timedelta(minutes=draw(st.integers(0, 14 * 24 * 60)))
    w_to = traced_at + timedelta(seconds=draw(st.sampled_from([0, -3600, *EDGE[4:]])))
    ago = st.one_of(
        st.sampled_from([WEEK - timedelta(seconds=1), WEEK, WEEK + timedelta(seconds=1)]),
        st.integers(0, 10 * 24 * 60).map(lambda m: timedelta(minutes=m)),
    )
    earlier = draw(
        st.lists(
            st.tuples(
                ago,
                st.sampled_from(Reveal.Status.values),
                st.booleans(),  # the same person traced (else someone else)
            ),
            max_size=2,
        )
    )
    return {
        "setting": draw(mostly(True, False)),
        "scope": draw(mostly("close", "all")),
        "degree": draw(mostly(1, 2)),
        "is_open": draw(mostly(True, False)),
        "onset": onset,
        "test": test,
        "traced_at": traced_at,
        "w_from": min(w_from, w_to - timedelta(minutes=1)),
        "w_to": w_to,
        "earlier": earlier,
        "asked_after": timedelta(minutes=draw(st.integers(0, 60))),
    }


@hsettings(
    max_examples=int(os.environ.get("REVEAL_MODEL_EXAMPLES", "400")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(s=situations())
def test_when_approval_is_needed_agrees_with_the_model(settings, s):
    settings.REVEAL_OWN_CASE_WITHOUT_APPROVAL = s["setting"]
    settings.REVEAL_RETRACE_DAYS = 7
    asked = s["traced_at"] + s["asked_after"]
    with transaction.atomic():
        case = Case.objects.create(
            reference="C-MODEL",
            person_id="1",
            symptom_onset=s["onset"],
            positive_test=s["test"],
            status="open" if s["is_open"] else "closed",
            created_at=s["traced_at"],
            created_by="medic",
        )
        link = _link(case, "1", s["degree"], s["traced_at"], s["w_from"], s["w_to"])
        for n, (ago, status, same) in enumerate(s["earlier"]):
            other = _link(case, "1" if same else "9", 1, s["traced_at"], s["w_from"], s["w_to"])
            Reveal.objects.create(
                case_trace=other,
                scope="close",
                reason=f"earlier {n}",
                status=status if status != "waiting" else "refused",
                requested_by="medic",
                requested_at=asked - ago,
            )
        found = bool(reveals.approval_reasons(link, s["scope"], now=asked))
        transaction.set_rollback(True)
    earlier = [
        (ago, status if status != "waiting" else "refused")
        for ago, status, same in s["earlier"]
        if same
    ]
    expected = needs_approval(**{**_model_args(s), "earlier": earlier})
    assert found == expected, s


def _model_args(s) -> dict:
    keep = ("setting", "scope", "degree", "is_open", "onset", "test", "traced_at", "w_from")
    return {**{k: s[k] for k in keep}, "w_to": s["w_to"]}


def _link(case, person_id, degree, at, w_from, w_to) -> CaseTrace:
    return CaseTrace.objects.create(
        case=case,
        degree=degree,
        traced_person_id=person_id,
        created_at=at,
        author="medic",
        policy="encounter",
        window_from=w_from,
        window_to=w_to,
        close_contacts=0,
    )


def test_the_model_sees_the_edges_it_is_about():
    """The model's own edges, by hand: the slack, the retrace days, the clock change."""
    at = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    common = {
        "setting": True,
        "scope": "close",
        "degree": 1,
        "is_open": True,
        "onset": None,
        "test": date(2026, 3, 30),
        "traced_at": at,
        "earlier": [],
    }
    own_start = datetime(2026, 3, 22, 23, 0, tzinfo=UTC)  # 23 March 00:00, winter time
    assert not needs_approval(**common, w_from=own_start - SLACK, w_to=at + SLACK)
    assert needs_approval(**common, w_from=own_start - SLACK - timedelta(seconds=1), w_to=at)
    assert needs_approval(**common, w_from=own_start, w_to=at + SLACK + timedelta(seconds=1))
    week = {**common, "earlier": [(timedelta(days=7), "approved")]}
    assert needs_approval(**week, w_from=own_start, w_to=at)
    older = {**common, "earlier": [(timedelta(days=7, seconds=1), "approved")]}
    assert not needs_approval(**older, w_from=own_start, w_to=at)
    refused = {**common, "earlier": [(timedelta(days=1), "refused")]}
    assert not needs_approval(**refused, w_from=own_start, w_to=at)


@pytest.mark.usefixtures("world")
def test_a_request_whose_requester_left_cannot_be_approved_only_refused(client, people):
    medic, second, _privacy = people
    client.force_login(medic)
    run = run_trace(client, open_case(client)["id"])
    reveal_id = ask(client, run["id"]).json()["reveal"]["id"]
    medic.is_active = False
    medic.save()
    client.force_login(second)
    url = reverse("reveal-decide", args=[reveal_id])
    approved = client.post(url, {"approve": True}, content_type="application/json")
    assert approved.status_code == 409 and approved.json()["code"] == "requester_gone"
    assert Reveal.objects.get().status == "waiting" and not FollowUp.objects.exists()
    refused = client.post(
        url, {"approve": False, "comment": "left the service"}, content_type="application/json"
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
