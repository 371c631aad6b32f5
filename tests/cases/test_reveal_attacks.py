"""Four eyes under attack: every reveal URL, from every role, with hostile bodies.

The requester cannot approve their own request; nobody without the approving (or
the privacy) role reads or decides anything; the approver sees the case, never a
contact; hostile bodies are a clear 4xx that change nothing; a refused request
names nobody, and the hourly limit holds for asking too.
"""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from cases import reveal_urls
from cases.models import CaseTrace, FollowUp, Reveal
from core.roles import Role
from encounters.models import Encounter
from registration.models import Association
from tests import personas
from tests.registration.factories import make_device, make_person
from tracing.models import Trace

pytestmark = pytest.mark.django_db(databases="__all__")

HUGE = 2**63
BIG_TEXT = "x" * 10_000
NESTED = {"$gt": "", "a": {"b": ["c"]}}
MALFORMED = b'{"scope": "close", "reason": '  # not JSON

INDEX = {"person_id": "710243", "given": "Ines", "family": "Adams", "device": "IDX-DEV-7731"}
# (person number, given, family, device, tag, slots of 30 s): two close contacts, one brief.
CONTACTS = [
    ("820002", "Bartholomew", "Quillfeather", "DEV-QUILL-8202", 8202, 40),
    ("830003", "Cleopatra", "Vantablack", "DEV-VANTA-8303", 8303, 60),
    ("840004", "Dashiell", "Ombudsgaard", "DEV-OMBUD-8404", 8404, 4),
]
CLOSE = ["820002", "830003"]
BREAK_GLASS_REASON = "Bart is on the ward tonight: tell him now"


def email_of(given: str, family: str) -> str:
    return f"{given.lower()}.{family.lower()}@example.org"


def leaks(text: str) -> list[str]:
    """Whatever in `text` names a contact: a name, an e-mail, a person number, a device."""
    found = []
    for person_id, given, family, device, _tag, _slots in CONTACTS:
        for secret in (given, family, email_of(given, family), device):
            if secret.lower() in text.lower():
                found.append(secret)
        # A person number on its own (not the microseconds of a timestamp).
        if re.search(rf"(?<![\w.]){person_id}(?!\w)", text):
            found.append(person_id)
    return found


def client_of(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def post(client: Client, url: str, body) -> object:
    if isinstance(body, bytes):
        return client.generic("POST", url, body, content_type="application/json")
    return client.post(url, json.dumps(body), content_type="application/json")


def run_trace(client: Client, case_id: int) -> int:
    traced = client.post(
        reverse("case-trace", args=[case_id]), {"reason": "r"}, content_type="application/json"
    )
    assert traced.status_code == 201, traced.content
    return traced.json()["id"]


@pytest.fixture
def world(medic, second_medic, privacy_officer):
    """Ines (the case) met Bartholomew and Cleopatra long, Dashiell briefly. The medic traced
    her case and asks to name the close contacts: the request waits for a second person."""
    medic.email = "medic@example.org"
    medic.save(update_fields=["email"])
    start = timezone.now() - timedelta(days=12)
    make_person(INDEX["person_id"], INDEX["given"], INDEX["family"], email="ines@example.org")
    make_device(INDEX["device"], tag_id=7731)
    Association.objects.create(
        person_id=INDEX["person_id"], device_id=INDEX["device"], started_at=start, started_by="t"
    )
    met = timezone.now().replace(microsecond=0) - timedelta(days=2)
    for person_id, given, family, device, tag, slots in CONTACTS:
        make_person(person_id, given, family, email=email_of(given, family), department="Lab")
        make_device(device, tag_id=tag)
        Association.objects.create(
            person_id=person_id, device_id=device, started_at=start, started_by="t"
        )
        Encounter.objects.create(my_tag=7731, ref_tag=tag, started_at=met, slots=slots)
    requester = client_of(medic)
    case = requester.post(
        reverse("cases"),
        {"person_id": INDEX["person_id"], "positive_test": timezone.localdate().isoformat()},
        content_type="application/json",
    ).json()
    trace_id = run_trace(requester, case["id"])
    asked = post(
        requester,
        f"/api/tracing/traces/{trace_id}/reveal",
        {"scope": "close", "reason": "to tell them"},
    )
    assert asked.status_code == 202, asked.content
    assert asked.json()["result"] is None
    return {
        "case": case["id"],
        "trace": trace_id,
        "reveal": asked.json()["reveal"]["id"],
        "requester": requester,
        "approver": client_of(second_medic),
        "privacy": client_of(privacy_officer),
    }


@pytest.fixture
def break_glass(world):
    """The medic traced the case again and named its close contacts urgently (break-glass)."""
    trace_id = run_trace(world["requester"], world["case"])
    named = post(
        world["requester"],
        f"/api/tracing/traces/{trace_id}/reveal",
        {"scope": "close", "reason": BREAK_GLASS_REASON, "urgent": True},
    )
    assert named.status_code == 200, named.content
    assert named.json()["reveal"]["status"] == "break_glass"
    return named.json()["reveal"]["id"]


def state() -> tuple:
    """Everything a reveal URL could change."""
    return (
        list(Reveal.objects.order_by("pk").values_list()),
        AuditEntry.objects.count(),
        [(t.pk, bytes(t.result)) for t in Trace.objects.order_by("pk")],
        list(FollowUp.objects.order_by("pk").values_list()),
        list(CaseTrace.objects.order_by("pk").values_list()),
        len(mail.outbox),
    )


def status_of(reveal_id: int) -> str:
    return Reveal.objects.get(pk=reveal_id).status


def revealed(client: Client, trace_id: int) -> dict:
    """The trace as its author reopens it."""
    reopened = client.get(f"/api/tracing/traces/{trace_id}")
    assert reopened.status_code == 200, reopened.content
    return reopened.json()


def says_why(response) -> bool:
    body = response.json()
    return isinstance(body, dict) and bool(body)  # "detail", or the fields and their errors


# --- The requester approving their own request ------------------------------------------------


def test_the_requester_cannot_approve_or_refuse_their_own_request(world):
    """403 "own_request": nothing is named, no follow-up is opened, the request still waits."""
    before = state()
    for body in ({"approve": True, "comment": "me"}, {"approve": False, "comment": "me"}):
        own = post(world["requester"], f"/api/reveals/{world['reveal']}/decide", body)
        assert own.status_code == 403, own.content
        assert own.json()["code"] == "own_request"
    assert state() == before
    assert status_of(world["reveal"]) == "waiting"
    assert not FollowUp.objects.exists()
    assert not AuditEntry.objects.filter(action="trace_revealed").exists()
    shown = revealed(world["requester"], world["trace"])
    assert shown["revealed"] == "none" and not leaks(json.dumps(shown))


# --- Roles -----------------------------------------------------------------------------------


def every_reveal_url(w: dict, break_glass_id: int) -> list[tuple[str, str, dict]]:
    """(name, url, a body the right person could send) for every reveal URL."""
    reveal = w["reveal"]
    found = [
        (
            "trace-reveal",
            f"/api/tracing/traces/{w['trace']}/reveal",
            {"scope": "all", "reason": "curious about who it was", "urgent": True},
        ),
        ("reveals", "/api/reveals", {"approve": True}),
        ("reveals-mine", "/api/reveals/mine", {}),
        ("reveals-break-glass", "/api/reveals/break-glass", {}),
        ("reveal", f"/api/reveals/{reveal}", {}),
        ("reveal-decide", f"/api/reveals/{reveal}/decide", {"approve": True, "comment": "ok"}),
        (
            "reveal-review",
            f"/api/reveals/{break_glass_id}/review",
            {"outcome": "reviewed", "comment": "ok"},
        ),
    ]
    # The test follows cases/reveal_urls.py: a new URL there must be added here.
    assert {p.name for p in reveal_urls.urlpatterns} <= {name for name, _, _ in found}
    return found


@pytest.mark.parametrize("outsider", ["clerk", "asset_manager", "person", "superuser", None])
def test_no_one_without_the_medical_or_privacy_role_reads_or_changes_a_reveal(
    world, break_glass, outsider
):
    """A clerk, an asset manager, a person, a superuser and an anonymous visitor are refused
    on every reveal URL (GET and POST), and change nothing."""
    client = client_of(personas.make_persona(outsider) if outsider else None)
    before, wrong = state(), []
    for name, url, body in every_reveal_url(world, break_glass):
        for method in ("GET", "POST"):
            response = client.get(url) if method == "GET" else post(client, url, body)
            if response.status_code not in (401, 403):
                wrong.append(f"{outsider}: {method} {name} {url}: {response.status_code}")
            elif "detail" not in response.json():
                wrong.append(f"{outsider}: {method} {name}: no detail")
    assert not wrong, "\n".join(wrong)
    assert state() == before
    assert status_of(world["reveal"]) == "waiting"
    assert not Reveal.objects.get(pk=break_glass).review
    if outsider:
        assert not AuditEntry.objects.filter(actor=personas.PERSONAS[outsider][0]).exists()


def test_the_privacy_officer_may_look_at_waiting_requests_but_not_decide_them(world, break_glass):
    """With the default approver role (medical): the privacy officer lists and reads, 403 on
    deciding; asking and "my requests" are the medical service's."""
    dpo, reveal = world["privacy"], world["reveal"]
    listed = dpo.get("/api/reveals")
    assert listed.status_code == 200, listed.content
    assert [r["id"] for r in listed.json()] == [reveal]
    assert not listed.json()[0]["may_decide"]
    one = dpo.get(f"/api/reveals/{reveal}")
    assert one.status_code == 200, one.content
    assert one.json()["status"] == "waiting" and not one.json()["may_decide"]
    assert dpo.get("/api/reveals/break-glass").status_code == 200
    before = state()
    for body in ({"approve": True, "comment": "fine"}, {"approve": False, "comment": "no"}):
        decided = post(dpo, f"/api/reveals/{reveal}/decide", body)
        assert decided.status_code == 403, decided.content
    trace_url = f"/api/tracing/traces/{world['trace']}/reveal"
    assert dpo.get(trace_url).status_code == 403
    assert post(dpo, trace_url, {"scope": "close", "reason": "r"}).status_code == 403
    assert dpo.get("/api/reveals/mine").status_code == 403
    assert state() == before
    assert status_of(reveal) == "waiting"


def test_with_privacy_as_approver_role_the_privacy_officer_approves_and_a_medic_may_not(
    world, settings
):
    """REVEAL_APPROVER_ROLE="privacy": the privacy officer approves (the requester then sees
    the names); another medic may not decide, list, or even find the request (404)."""
    settings.REVEAL_APPROVER_ROLE = "privacy"
    reveal, other_medic = world["reveal"], world["approver"]
    before = state()
    assert other_medic.get("/api/reveals").status_code == 403
    hidden = other_medic.get(f"/api/reveals/{reveal}")
    assert hidden.status_code == 404, hidden.content
    assert not leaks(hidden.content.decode())
    refused = post(other_medic, f"/api/reveals/{reveal}/decide", {"approve": True})
    assert refused.status_code == 403, refused.content
    assert state() == before and status_of(reveal) == "waiting"
    # The requester still sees their own request.
    assert world["requester"].get(f"/api/reveals/{reveal}").status_code == 200
    shown = world["privacy"].get(f"/api/reveals/{reveal}")
    assert shown.status_code == 200 and shown.json()["may_decide"] is True
    approved = post(world["privacy"], f"/api/reveals/{reveal}/decide", {"approve": True})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "dpo"
    assert not leaks(approved.content.decode())
    assert revealed(world["requester"], world["trace"])["revealed"] == "close"
    assert sorted(FollowUp.objects.values_list("person_id", flat=True)) == CLOSE


def test_with_privacy_as_approver_role_the_requester_medic_still_cannot_approve(world, settings):
    """The requester is refused (403) whichever role approves."""
    settings.REVEAL_APPROVER_ROLE = "privacy"
    before = state()
    own = post(world["requester"], f"/api/reveals/{world['reveal']}/decide", {"approve": True})
    assert own.status_code == 403, own.content
    assert state() == before


# --- Another medic ---------------------------------------------------------------------------


def test_another_medic_cannot_ask_to_name_a_trace_they_did_not_run(world):
    """The trace does not exist for them (404), with or without urgency; nothing is created."""
    other, url = world["approver"], f"/api/tracing/traces/{world['trace']}/reveal"
    before = state()
    assert other.get(url).status_code == 404
    for body in (
        {"scope": "close", "reason": "curious"},
        {"scope": "all", "reason": "an urgent reason long enough", "urgent": True},
    ):
        asked = post(other, url, body)
        assert asked.status_code == 404, asked.content
        assert not leaks(asked.content.decode())
    assert other.get(f"/api/tracing/traces/{world['trace']}").status_code == 404
    assert state() == before
    # Their own requests are theirs only.
    mine = other.get("/api/reveals/mine")
    assert mine.status_code == 200 and mine.json() == []


# --- The approver never sees a name ----------------------------------------------------------


def test_the_approver_sees_the_case_but_never_a_contact(world):
    """The waiting list, the request and the answer to approving name no contact (the index
    person may appear); the requester then sees the names the approver never saw."""
    approver, reveal = world["approver"], world["reveal"]
    listed = approver.get("/api/reveals")
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [reveal]
    one = approver.get(f"/api/reveals/{reveal}")
    assert one.status_code == 200, one.content
    assert one.json()["case"]["name"] == "Ines Adams"  # the case is the approver's to see
    assert len(one.json()["pseudonymous"]["contacts"]) == 3
    decided = post(approver, f"/api/reveals/{reveal}/decide", {"approve": True, "comment": "ok"})
    assert decided.status_code == 200, decided.content
    again = approver.get(f"/api/reveals/{reveal}")
    for response in (listed, one, decided, again):
        assert not leaks(response.content.decode()), response.content
    # The names were there to leak: the requester sees the close contacts'.
    named = json.dumps(revealed(world["requester"], world["trace"]))
    assert {"Bartholomew", "Cleopatra", "820002", "830003"} <= set(leaks(named))
    assert "Dashiell" not in named  # not a close contact: "close" does not name him


def test_the_privacy_officer_sees_no_contact_in_a_break_glass_reveal(world, break_glass):
    """The break-glass list, the request and the review answer name no contact."""
    dpo = world["privacy"]
    listed = dpo.get("/api/reveals/break-glass")
    assert [r["id"] for r in listed.json()] == [break_glass]
    one = dpo.get(f"/api/reveals/{break_glass}")
    reviewed = post(dpo, f"/api/reveals/{break_glass}/review", {"outcome": "escalated"})
    assert reviewed.status_code == 200, reviewed.content
    for response in (listed, one, reviewed, dpo.get("/api/reveals")):
        assert response.status_code == 200
        assert not leaks(response.content.decode()), response.content


# --- Hostile bodies --------------------------------------------------------------------------


def hostile(w: dict, fresh_trace: int, break_glass_id: int) -> list[tuple[str, str, object, int]]:
    """(who, url, body, the answer it must get): who is "requester", "approver" or "privacy"."""
    ask = f"/api/tracing/traces/{fresh_trace}/reveal"
    decide = f"/api/reveals/{w['reveal']}/decide"
    review = f"/api/reveals/{break_glass_id}/review"
    ok_ask = {"scope": "close", "reason": "to tell them"}
    return [
        # Asking (on a trace nobody asked about yet: anything let through would create one)
        ("requester", ask, {}, 400),
        ("requester", ask, {"scope": "close"}, 400),
        ("requester", ask, {"reason": "to tell them"}, 400),
        ("requester", ask, {**ok_ask, "scope": 123}, 400),
        ("requester", ask, {**ok_ask, "scope": "everyone"}, 400),
        ("requester", ask, {**ok_ask, "scope": "CLOSE"}, 400),
        ("requester", ask, {**ok_ask, "scope": ""}, 400),
        ("requester", ask, {**ok_ask, "scope": None}, 400),
        ("requester", ask, {**ok_ask, "scope": NESTED}, 400),
        ("requester", ask, {**ok_ask, "scope": ["close"]}, 400),
        ("requester", ask, {**ok_ask, "reason": BIG_TEXT}, 400),
        ("requester", ask, {**ok_ask, "reason": "r" * 501}, 400),
        ("requester", ask, {**ok_ask, "reason": "   "}, 400),
        ("requester", ask, {**ok_ask, "reason": None}, 400),
        ("requester", ask, {**ok_ask, "reason": NESTED}, 400),
        ("requester", ask, {**ok_ask, "reason": ["to tell them"]}, 400),
        ("requester", ask, {**ok_ask, "urgent": "maybe"}, 400),
        ("requester", ask, {**ok_ask, "urgent": NESTED}, 400),
        ("requester", ask, {**ok_ask, "urgent": [True]}, 400),
        ("requester", ask, {"scope": "close", "reason": "r" * 19, "urgent": True}, 400),
        ("requester", ask, {"scope": "all", "reason": " " * 10 + "r" * 19, "urgent": True}, 400),
        ("requester", ask, [ok_ask], 400),
        ("requester", ask, "close", 400),
        ("requester", ask, MALFORMED, 400),
        ("requester", f"/api/tracing/traces/{HUGE}/reveal", ok_ask, 404),
        ("requester", "/api/tracing/traces/999999/reveal", ok_ask, 404),
        # Deciding (the request waits: a refusal must leave it waiting)
        ("approver", decide, {}, 400),
        ("approver", decide, {"comment": "fine"}, 400),
        ("approver", decide, {"approve": "yes please"}, 400),
        ("approver", decide, {"approve": None}, 400),
        ("approver", decide, {"approve": NESTED}, 400),
        ("approver", decide, {"approve": [True]}, 400),
        ("approver", decide, {"approve": False}, 400),  # a refusal says why
        ("approver", decide, {"approve": False, "comment": ""}, 400),
        ("approver", decide, {"approve": False, "comment": "   "}, 400),
        ("approver", decide, {"approve": True, "comment": BIG_TEXT}, 400),
        ("approver", decide, {"approve": False, "comment": BIG_TEXT}, 400),
        ("approver", decide, {"approve": True, "comment": "c" * 501}, 400),
        ("approver", decide, {"approve": True, "comment": NESTED}, 400),
        ("approver", decide, {"approve": True, "comment": ["ok"]}, 400),
        ("approver", decide, [{"approve": True}], 400),
        ("approver", decide, MALFORMED, 400),
        ("approver", f"/api/reveals/{HUGE}/decide", {"approve": True}, 404),
        ("approver", "/api/reveals/999999/decide", {"approve": True}, 404),
        ("approver", f"/api/reveals/{break_glass_id}/decide", {"approve": True}, 409),
        # Reviewing (the break-glass reveal is not reviewed yet: it must stay so)
        ("privacy", review, {}, 400),
        ("privacy", review, {"outcome": "deleted"}, 400),
        ("privacy", review, {"outcome": None}, 400),
        ("privacy", review, {"outcome": NESTED}, 400),
        ("privacy", review, {"outcome": ["reviewed"]}, 400),
        ("privacy", review, {"outcome": "reviewed", "comment": BIG_TEXT}, 400),
        ("privacy", review, {"outcome": "reviewed", "comment": NESTED}, 400),
        ("privacy", review, MALFORMED, 400),
        ("privacy", f"/api/reveals/{w['reveal']}/review", {"outcome": "reviewed"}, 404),
        ("privacy", f"/api/reveals/{HUGE}/review", {"outcome": "reviewed"}, 404),
        ("privacy", "/api/reveals/999999/review", {"outcome": "reviewed"}, 404),
        # The URLs that only read
        ("approver", "/api/reveals", {"approve": True}, 405),
        ("approver", f"/api/reveals/{w['reveal']}", {"approve": True}, 405),
        ("requester", "/api/reveals/mine", {"scope": "all", "reason": "r"}, 405),
        ("privacy", "/api/reveals/break-glass", {"outcome": "reviewed"}, 405),
    ]


def test_every_hostile_body_is_a_clear_refusal_and_loses_nothing(world, break_glass):
    """Each is a 4xx that says why, never a 500; the request still waits, the break-glass
    reveal is still to be reviewed, and no request, audit entry or name appears."""
    fresh = run_trace(world["requester"], world["case"])
    before, wrong = state(), []
    for who, url, body, expected in hostile(world, fresh, break_glass):
        response = post(world[who], url, body)
        what = f"{who} POST {url} {str(body)[:80]}"
        if response.status_code != expected:
            wrong.append(
                f"{what}: {response.status_code}, not {expected}: {response.content[:200]}"
            )
        elif not says_why(response):
            wrong.append(f"{what}: says nothing")
        if state() != before:
            wrong.append(f"{what}: changed something")
            before = state()
    assert not wrong, "\n".join(wrong)
    assert status_of(world["reveal"]) == "waiting"
    assert not Reveal.objects.get(pk=break_glass).review
    assert not Reveal.objects.filter(case_trace__trace_id=fresh).exists()


def test_reading_a_request_that_does_not_exist_is_a_404(world):
    """Ids that do not exist, overflow or are no number at all."""
    everyone, medics = ("approver", "privacy", "requester"), ("approver", "requester")
    for url, who_may in (
        ("/api/reveals/999999", everyone),
        (f"/api/reveals/{HUGE}", everyone),
        (f"/api/reveals/{10**40}", everyone),
        ("/api/reveals/-1", everyone),
        ("/api/reveals/abc", everyone),
        (f"/api/tracing/traces/{HUGE}/reveal", medics),
        ("/api/tracing/traces/999999/reveal", medics),
    ):
        for who in who_may:
            response = world[who].get(url)
            assert response.status_code == 404, (who, url, response.status_code)


def test_deciding_an_already_decided_request_again_is_refused_and_changes_nothing(world):
    """A replayed approval, a late refusal and a third medic all get 409 "decided"."""
    url = f"/api/reveals/{world['reveal']}/decide"
    first = post(world["approver"], url, {"approve": True, "comment": "fine"})
    assert first.status_code == 200, first.content
    before = state()
    third = client_of(personas.make_user("medic-3", Role.MEDICAL))
    for client, body in (
        (world["approver"], {"approve": True, "comment": "fine"}),
        (world["approver"], {"approve": False, "comment": "changed my mind"}),
        (third, {"approve": False, "comment": "no"}),
        (third, {"approve": True}),
    ):
        replay = post(client, url, body)
        assert replay.status_code == 409, replay.content
        assert replay.json()["code"] == "decided" and replay.json()["detail"]
    assert state() == before
    assert AuditEntry.objects.filter(action="trace_revealed").count() == 1
    reveal = Reveal.objects.get(pk=world["reveal"])
    assert (reveal.status, reveal.decided_by, reveal.comment) == ("approved", "medic-2", "fine")


def test_a_break_glass_reveal_is_reviewed_once(world, break_glass):
    """A second review is 409 "reviewed"; the first stands."""
    url = f"/api/reveals/{break_glass}/review"
    first = post(world["privacy"], url, {"outcome": "reviewed", "comment": "justified"})
    assert first.status_code == 200, first.content
    assert first.json()["review"]["outcome"] == "reviewed"
    before = state()
    again = post(world["privacy"], url, {"outcome": "escalated", "comment": "on second thought"})
    assert again.status_code == 409, again.content
    assert again.json()["code"] == "reviewed"
    assert state() == before
    reveal = Reveal.objects.get(pk=break_glass)
    assert (reveal.review, reveal.review_comment) == ("reviewed", "justified")


def test_a_break_glass_reveal_is_not_reviewed_by_the_one_who_made_it(world, make_user):
    """A medic who is also of the data-protection office cannot review their own break-glass."""
    both = make_user("medic-dpo", Role.MEDICAL, Role.PRIVACY)
    client = client_of(both)
    trace_id = run_trace(client, world["case"])
    named = post(
        client,
        f"/api/tracing/traces/{trace_id}/reveal",
        {"scope": "close", "reason": BREAK_GLASS_REASON, "urgent": True},
    )
    assert named.status_code == 200, named.content
    reveal_id = named.json()["reveal"]["id"]
    before = state()
    own = post(client, f"/api/reveals/{reveal_id}/review", {"outcome": "reviewed"})
    assert own.status_code == 403, own.content
    assert own.json()["code"] == "own_request"
    assert state() == before


# --- A refused request names nobody ----------------------------------------------------------


def test_a_refused_request_names_nobody_and_the_e_mail_says_refused(
    world, django_capture_on_commit_callbacks
):
    """The trace still names nobody; the requester's e-mail says refused, with the comment,
    and names no contact."""
    comment = "Already told by phone: no need to name them."
    with django_capture_on_commit_callbacks(execute=True):
        refused = post(
            world["approver"],
            f"/api/reveals/{world['reveal']}/decide",
            {"approve": False, "comment": comment},
        )
    assert refused.status_code == 200, refused.content
    assert refused.json()["status"] == "refused"
    shown = revealed(world["requester"], world["trace"])
    assert shown["revealed"] == "none"
    assert not any(c["named"] for c in shown["contacts"])
    assert not leaks(json.dumps(shown))
    state_of = world["requester"].get(f"/api/tracing/traces/{world['trace']}/reveal").json()
    assert state_of["revealed"] == "none" and state_of["latest"]["status"] == "refused"
    assert not FollowUp.objects.exists()
    assert not AuditEntry.objects.filter(action="trace_revealed").exists()
    [sent] = [m for m in mail.outbox if "medic@example.org" in m.to]
    assert "refused" in sent.subject and "refused" in sent.body
    assert comment in sent.body
    assert not leaks(sent.subject + sent.body), sent.body


# --- The hourly limit ------------------------------------------------------------------------


def test_asking_beyond_the_hourly_limit_is_refused_and_recorded(world, settings):
    """429 for a request and for a break-glass beyond TRACING_MAX_TRACES_PER_HOUR, each
    recorded as "trace_refused"; no request is made. The request asked before the limit
    may still be approved."""
    fresh = run_trace(world["requester"], world["case"])  # the medic's second trace this hour
    settings.TRACING_MAX_TRACES_PER_HOUR = 2
    reveals_before = list(Reveal.objects.order_by("pk").values_list())
    entries_before = AuditEntry.objects.count()
    url = f"/api/tracing/traces/{fresh}/reveal"
    for body in (
        {"scope": "close", "reason": "to tell them"},
        {"scope": "all", "reason": BREAK_GLASS_REASON, "urgent": True},
    ):
        limited = post(world["requester"], url, body)
        assert limited.status_code == 429, limited.content
        assert limited.json()["code"] == "rate_limited" and limited.json()["detail"]
    assert list(Reveal.objects.order_by("pk").values_list()) == reveals_before
    new = AuditEntry.objects.order_by("position")[entries_before:]
    assert [(e.action, e.actor) for e in new] == [("trace_refused", "medic")] * 2
    assert revealed(world["requester"], fresh)["revealed"] == "none"
    # Approving what was asked within the limit still names the contacts for the requester.
    approved = post(world["approver"], f"/api/reveals/{world['reveal']}/decide", {"approve": True})
    assert approved.status_code == 200, approved.content
    assert revealed(world["requester"], world["trace"])["revealed"] == "close"
