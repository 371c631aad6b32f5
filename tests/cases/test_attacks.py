"""Contact follow-up under attack: hostile bodies, insiders, and the e-mail that must not tell.

Every endpoint under /api/cases/ gets a hostile sender (oversized strings, objects
where strings go, ids that are words, negative or past 2**63, lists of 10,000,
statuses and dates nobody means, versions from the future): each is a clear
400, 404 or 409, never a 500, and changes nothing. Every role but the medical
service, and a superuser, is refused everywhere and writes nothing. The e-mail
to a contact (and MY DATA) never names the case, its person or any clock time,
whatever the index person is called: Hypothesis picks the names.

    CASES_EMAIL_EXAMPLES=2000 pytest tests/cases/test_attacks.py
"""

import json
import os
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEntry
from cases import urls as case_urls
from cases.models import Case, CaseTrace, Exposure, FollowUp, FollowUpEvent, Notification
from encounters.models import Encounter
from registration.models import Association, Person
from tests import personas
from tests.registration.factories import make_device, make_person
from tests.reveals import name_over_api
from tracing.models import Trace

pytestmark = pytest.mark.django_db(databases="__all__")

EXAMPLES = int(os.environ.get("CASES_EMAIL_EXAMPLES", "100"))
CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}")

# The index person and what would name them; Bob (200) and Cleo (300) are close contacts.
INDEX = {"person_id": "710243", "device_id": "IDX-DEV-7731", "tag": 7731}
NEUTRAL = {"given_name": "Ines", "family_name": "Adams", "department": "Radiology"}


@pytest.fixture
def world(medic, settings):
    """Ines (the case) met Bob and Cleo long; a case is open for her and traced."""
    # The portal's address has a port in development ("127.0.0.1:8000" reads like 1:80):
    # an address without one, so that any clock time found in an e-mail is a real one.
    settings.PORTAL_URL = "https://portal.example.org"
    start = timezone.now() - timedelta(days=12)
    people = [
        (INDEX["person_id"], NEUTRAL["given_name"], NEUTRAL["family_name"], INDEX),
        ("2", "Bob", "Brown", {"device_id": "P-200", "tag": 200}),
        ("3", "Cleo", "Clark", {"device_id": "P-300", "tag": 300}),
    ]
    for person_id, first, family, device in people:
        make_person(
            person_id,
            first,
            family,
            email=f"p{person_id}@example.org",
            department=NEUTRAL["department"] if person_id == INDEX["person_id"] else "Workshop",
        )
        make_device(device["device_id"], tag_id=device["tag"])
        Association.objects.create(
            person_id=person_id, device_id=device["device_id"], started_at=start, started_by="t"
        )
    # Odd minutes, so that a clock time of either encounter would show in an e-mail.
    met = timezone.now().replace(second=0, microsecond=0) - timedelta(days=2, minutes=7)
    Encounter.objects.create(my_tag=INDEX["tag"], ref_tag=200, started_at=met, slots=40)
    Encounter.objects.create(my_tag=300, ref_tag=INDEX["tag"], started_at=met, slots=60)
    client = Client(raise_request_exception=False)
    client.force_login(medic)
    case = client.post(
        reverse("cases"),
        {"person_id": INDEX["person_id"], "positive_test": timezone.localdate().isoformat()},
        content_type="application/json",
    ).json()
    traced = client.post(
        reverse("case-trace", args=[case["id"]]), {"reason": "r"}, content_type="application/json"
    )
    assert traced.status_code == 201, traced.content
    named = name_over_api(client, traced.json()["id"])
    follow_ups = {f["person_id"]: f for f in named["follow_ups"]}
    assert set(follow_ups) == {"2", "3"}
    return {"client": client, "case": case, "bob": follow_ups["2"], "cleo": follow_ups["3"]}


def state() -> tuple:
    """Everything a request to /api/cases/ could change."""
    return (
        list(Case.objects.order_by("pk").values_list()),
        list(FollowUp.objects.order_by("pk").values_list()),
        FollowUpEvent.objects.count(),
        Exposure.objects.count(),
        CaseTrace.objects.count(),
        Notification.objects.count(),
        Trace.objects.count(),
        AuditEntry.objects.count(),
        len(mail.outbox),
    )


# --- Hostile bodies --------------------------------------------------------------------------

HUGE = 2**63
BIG_TEXT = "x" * 10_000
MEGABYTE = "é" * (1024 * 1024 // 2)  # 1 MB of UTF-8
NESTED = {"$gt": "", "a": {"b": ["c"]}}


def attacks(w: dict) -> list[tuple]:
    """(method, url, body or query, the answer it must get)."""
    case, bob = w["case"]["id"], w["bob"]
    fid, version = bob["id"], bob["version"]
    cases, detail = reverse("cases"), reverse("case-detail", args=[case])
    trace, follow_up = reverse("case-trace", args=[case]), reverse("follow-up", args=[fid])
    status = reverse("follow-up-status", args=[fid])
    bulk, worklist = reverse("follow-ups-status"), reverse("follow-ups")
    export, preview = reverse("follow-ups-export"), reverse("notify-preview")
    send = reverse("notify-send")
    second = reverse("follow-up-trace", args=[fid])
    ok_status = {"status": "lost", "version": version}
    ok_bulk = {"items": [{"id": fid, "version": version}], "status": "lost"}
    out = [
        # Opening a case
        ("post", cases, {"person_id": NESTED}, 400),
        ("post", cases, {"person_id": ["2"]}, 400),
        ("post", cases, {"person_id": BIG_TEXT}, 400),
        # 1 MB of "é" is 3 MB of JSON: over the body limit, a JSON 413 (core/errors.py).
        ("post", cases, {"person_id": "2", "notes": MEGABYTE}, 413),
        ("post", cases, {"person_id": "2", "notes": BIG_TEXT}, 400),  # over 5,000 characters
        ("post", cases, {"person_id": "2", "notes": NESTED}, 400),
        ("post", cases, {"person_id": "2", "symptom_onset": "0000-01-01"}, 400),
        ("post", cases, {"person_id": "2", "symptom_onset": "99999-01-01"}, 400),
        ("post", cases, {"person_id": "2", "symptom_onset": "0001-01-01"}, 400),
        ("post", cases, {"person_id": "2", "positive_test": "9999-12-31"}, 400),
        ("post", cases, {"person_id": "2", "positive_test": NESTED}, 400),
        ("post", cases, {"person_id": "no-such-person"}, 404),
        ("post", cases, {"person_id": INDEX["person_id"]}, 409),  # has an open case
        ("get", cases, {"status": "deleted"}, 400),
        ("get", cases, {"q": BIG_TEXT}, 400),
        ("get", cases, {"mine": "perhaps"}, 400),
        # One case
        ("get", "/api/cases/-1", None, 404),
        ("get", "/api/cases/abc", None, 404),
        ("get", f"/api/cases/{HUGE}", None, 404),
        ("get", f"/api/cases/{10**40}", None, 404),
        ("get", reverse("case-chain", args=[HUGE]), None, 404),
        ("patch", detail, {"notes": MEGABYTE}, 413),
        ("patch", detail, {"notes": BIG_TEXT}, 400),
        ("patch", detail, {"notes": NESTED}, 400),
        ("patch", detail, {"status": "deleted"}, 400),
        ("patch", detail, {"status": NESTED}, 400),
        ("patch", detail, {"symptom_onset": "0000-00-00"}, 400),
        # Year 1 and 9999 were taken, and a trace of the case then overflowed (a 500).
        ("patch", detail, {"symptom_onset": "0001-01-01"}, 400),
        ("patch", detail, {"positive_test": "99999-12-31"}, 400),
        ("patch", reverse("case-detail", args=[HUGE]), {"notes": "x"}, 404),
        # Tracing for a case
        ("post", trace, {"reason": BIG_TEXT}, 400),
        ("post", trace, {"reason": NESTED}, 400),
        ("post", trace, {"reason": "r", "policy": "everyone"}, 400),
        ("post", trace, {}, 400),
        ("post", reverse("case-trace", args=[HUGE]), {"reason": "r"}, 404),
        ("post", second, {"reason": BIG_TEXT}, 400),
        ("post", reverse("follow-up-trace", args=[HUGE]), {"reason": "r"}, 404),
        # The worklist
        ("get", worklist, {"status": "deleted"}, 400),
        ("get", worklist, {"case": "abc"}, 400),
        ("get", worklist, {"case": "-1"}, 400),
        ("get", worklist, {"mine": "perhaps"}, 400),
        ("get", export, {"status": "deleted"}, 400),
        ("get", export, {"case": "-1"}, 400),
        # One follow-up
        ("get", follow_up.replace(str(fid), "999999"), None, 404),
        ("get", reverse("follow-up", args=[HUGE]), None, 404),
        ("get", "/api/cases/follow-ups/-1", None, 404),
        ("post", status, {**ok_status, "status": "deleted"}, 400),
        ("post", status, {**ok_status, "status": NESTED}, 400),
        ("post", status, {**ok_status, "version": "abc"}, 400),
        ("post", status, {**ok_status, "version": 0}, 400),
        ("post", status, {**ok_status, "version": -5}, 400),
        ("post", status, {**ok_status, "version": version + 10**12}, 409),
        ("post", status, {**ok_status, "version": HUGE}, 409),
        ("post", status, {**ok_status, "note": BIG_TEXT}, 400),
        ("post", status, {**ok_status, "note": NESTED}, 400),
        ("post", reverse("follow-up-status", args=[HUGE]), ok_status, 404),
        ("post", reverse("follow-up-status", args=[999999]), ok_status, 404),
        # Several at once
        ("post", bulk, {**ok_bulk, "items": [{"id": fid, "version": version}] * 10_000}, 400),
        ("post", bulk, {**ok_bulk, "items": []}, 400),
        ("post", bulk, {**ok_bulk, "items": {"id": fid, "version": version}}, 400),
        ("post", bulk, {**ok_bulk, "items": ["1", "2"]}, 400),
        ("post", bulk, {**ok_bulk, "items": [{"id": "abc", "version": version}]}, 400),
        ("post", bulk, {**ok_bulk, "items": [{"id": -1, "version": version}]}, 400),
        ("post", bulk, {**ok_bulk, "items": [{"id": NESTED, "version": version}]}, 400),
        ("post", bulk, {**ok_bulk, "status": "deleted"}, 400),
        ("post", bulk, {**ok_bulk, "note": BIG_TEXT}, 400),
        # The e-mails
        ("post", preview, {"ids": list(range(1, 10_001))}, 400),
        ("post", preview, {"ids": ["x"]}, 400),
        ("post", preview, {"ids": [-1]}, 400),
        ("post", preview, {"ids": [NESTED]}, 400),
        ("post", preview, {"ids": str(fid)}, 400),
        ("post", send, {"ids": list(range(1, 10_001))}, 400),
        ("post", send, {"ids": [fid] * 10_000}, 400),
        ("post", send, {"ids": ["x"]}, 400),
        ("post", send, {"ids": [NESTED]}, 400),
        ("post", send, {"ids": []}, 400),
        # The outbreak signal
        ("post", reverse("case-cluster-open", args=["0" * 16]), {"reason": BIG_TEXT}, 400),
        ("post", reverse("case-cluster-open", args=["0" * 16]), {"reason": "r"}, 404),
    ]
    return out


def send_as(client: Client, method: str, url: str, body):
    if method == "get":
        return client.get(url, body or {})
    return client.generic(method.upper(), url, json.dumps(body), content_type="application/json")


def test_every_hostile_request_is_a_clear_refusal_and_changes_nothing(world):
    client = world["client"]
    before, wrong = state(), []
    for method, url, body, expected in attacks(world):
        response = send_as(client, method, url, body)
        what = f"{method.upper()} {url} {json.dumps(body)[:120]}"
        if response.status_code != expected:
            wrong.append(f"{what}: {response.status_code}, not {expected}")
        elif response["Content-Type"].startswith("application/json"):
            assert response.json()  # says why
        if state() != before:
            wrong.append(f"{what}: changed something")
            before = state()
    assert not wrong, "\n".join(wrong)


def test_refusals_in_a_bulk_change_are_reported_per_item_and_change_nothing(world):
    """The bulk change answers 200 with one outcome per item: each of these is refused."""
    client, bob = world["client"], world["bob"]
    before = state()
    items = [
        {"id": HUGE, "version": 1},  # no such follow-up
        {"id": 999_999, "version": 1},
        {"id": bob["id"], "version": bob["version"] + 10**12},  # a version from the future
        {"id": bob["id"], "version": HUGE},
    ]
    response = client.post(
        reverse("follow-ups-status"),
        {"items": items, "status": "lost"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    outcomes = response.json()
    assert [o["done"] for o in outcomes] == [False] * 4
    assert [o["error"].split()[0] for o in outcomes[:2]] == ["There", "There"]
    assert all("Reload" in o["error"] for o in outcomes[2:])
    sent = client.post(
        reverse("notify-send"), {"ids": [HUGE, 999_999]}, content_type="application/json"
    )
    assert sent.status_code == 200 and [o["done"] for o in sent.json()] == [False, False]
    assert (
        client.post(
            reverse("notify-preview"), {"ids": [HUGE, 999_999]}, content_type="application/json"
        ).json()
        == []
    )
    assert state() == before


def test_a_long_note_that_closes_a_follow_up_is_kept_not_a_server_error(world):
    """The API takes a note of 500 characters; the close reason holds as many (it held 200 and
    answered 500 once)."""
    client, bob, cleo = world["client"], world["bob"], world["cleo"]
    note = "n" * 499 + "!"
    one = client.post(
        reverse("follow-up-status", args=[bob["id"]]),
        {"status": "lost", "version": bob["version"], "note": note},
        content_type="application/json",
    )
    assert one.status_code == 200, one.content
    assert one.json()["events"][-1]["note"] == note  # all of it, in the history
    assert one.json()["close_reason"] == note
    several = client.post(
        reverse("follow-ups-status"),
        {
            "items": [{"id": cleo["id"], "version": cleo["version"]}],
            "status": "released",
            "note": note,
        },
        content_type="application/json",
    )
    assert several.status_code == 200 and several.json()[0]["done"] is True


# --- Insiders ---------------------------------------------------------------------------------

INSIDERS = ["clerk", "privacy_officer", "asset_manager", "superuser"]


def every_case_url(w: dict) -> list[tuple[str, str, dict]]:
    """(name, url, a body a medic could send) for /api/cases and each pattern of cases/urls.py."""
    kwargs = {"case_id": w["case"]["id"], "follow_up_id": w["bob"]["id"], "key": "0" * 16}
    bob = {"id": w["bob"]["id"], "version": w["bob"]["version"]}
    bodies = {
        "cases": {"person_id": "2", "positive_test": timezone.localdate().isoformat()},
        "case-detail": {"status": "closed", "notes": "closed by an insider"},
        "case-trace": {"reason": "curious"},
        "follow-ups-status": {"items": [bob], "status": "lost"},
        "notify-preview": {"ids": [bob["id"]]},
        "notify-send": {"ids": [bob["id"]]},
        "follow-up-status": {"status": "lost", "version": bob["version"]},
        "follow-up-trace": {"reason": "curious"},
        "case-cluster-open": {"reason": "curious"},
    }
    found = [("cases", reverse("cases"), bodies["cases"])]  # /api/cases: proximeter/urls.py
    for pattern in case_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        wanted = {name: kwargs[name] for name in pattern.pattern.converters}
        found.append((pattern.name, reverse(pattern.name, kwargs=wanted), bodies.get(pattern.name)))
    return found


@pytest.mark.parametrize("insider", INSIDERS)
def test_no_one_but_the_medical_service_reads_or_changes_a_case(world, insider):
    urls = every_case_url(world)
    assert len(urls) >= 15  # the test follows cases/urls.py
    client = Client(raise_request_exception=False)
    client.force_login(personas.make_persona(insider))
    before, wrong = state(), []
    for name, url, body in urls:
        for method in ("get", "post", "patch"):
            response = send_as(client, method, url, body if method != "get" else None)
            if response.status_code != 403:
                wrong.append(f"{insider}: {method.upper()} {name} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert state() == before  # no case, no follow-up, no e-mail, no audit entry
    assert not AuditEntry.objects.filter(actor=personas.PERSONAS[insider][0]).exists()


def test_a_superuser_finds_no_case_records_in_the_admin(world):
    client = Client()
    client.force_login(personas.superuser())
    for model in ("case", "followup", "followupevent", "notification", "exposure", "casetrace"):
        assert client.get(f"/admin/cases/{model}/").status_code == 404, model


# --- The e-mail and MY DATA say nothing of the case ------------------------------------------

TEMPLATE_LIKE = [
    "{{ until }}",
    "{% debug %}",
    "{{ given_name }}{{ contact }}",
    "{% now 'H:i' %}",
    "{{ settings.SECRET_KEY }}",
    "{% include 'cases/email/notify_subject.txt' %}",
    "{# hidden #}",
    "<script>alert(1)</script>",
    "Robert'); DROP TABLE cases_case;--",
    "\u202eevil",
    "Zoë 🦠 Ångström",
    "李小龍",
    "   ",
]
odd_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
)
index_names = st.one_of(st.sampled_from(TEMPLATE_LIKE), odd_text)
# The contact's own name is in the greeting: no digits, so that a clock time is never theirs.
contact_names = st.one_of(
    st.sampled_from([t for t in TEMPLATE_LIKE if t.strip()]),
    odd_text.filter(lambda s: s.strip() and not any(c.isdigit() for c in s)),
)
references = st.one_of(
    st.sampled_from(["C-{{ until }}", "C-{% debug %}", "C-12:34", "C-2026-0001"]),
    odd_text.map(lambda s: f"C-{s}"),
)


def preview(client: Client, follow_up_id: int) -> tuple[str, str]:
    response = client.post(
        reverse("notify-preview"), {"ids": [follow_up_id]}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    [shown] = response.json()
    return shown["subject"], shown["body"]


def name_the_index(case_id: int, *, reference: str, **names: str):
    Person.objects.filter(person_id=INDEX["person_id"]).update(**names)
    Case.objects.filter(pk=case_id).update(reference=reference)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 200,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    given_name=index_names,
    family_name=index_names,
    department=index_names,
    reference=references,
    contact_name=contact_names,
)
def test_the_e_mail_never_names_the_case_whatever_its_people_are_called(
    world, given_name, family_name, department, reference, contact_name
):
    client, case_id, bob = world["client"], world["case"]["id"], world["bob"]["id"]
    Person.objects.filter(person_id="2").update(given_name=contact_name)
    # The same e-mail to Bob, about a case with a plain name, then with the generated one.
    name_the_index(case_id, **NEUTRAL, reference="C-PLAIN")
    plain = preview(client, bob)
    name_the_index(
        case_id,
        given_name=given_name,
        family_name=family_name,
        department=department,
        reference=reference,
    )
    generated = preview(client, bob)
    mail.outbox.clear()
    sent = client.post(reverse("notify-send"), {"ids": [bob]}, content_type="application/json")
    assert sent.status_code == 200 and sent.json()[0]["done"] is True, sent.content
    [message] = mail.outbox
    # Nothing of the case reaches the e-mail: it is the same whoever the case is.
    assert generated == plain
    assert (message.subject, message.body) == plain
    assert message.to == ["p2@example.org"]
    text = message.subject + "\n" + message.body
    secrets = [
        given_name,
        family_name,
        f"{given_name} {family_name}",
        department,
        reference,
        INDEX["person_id"],
        INDEX["device_id"],
        str(INDEX["tag"]),
    ]
    for secret in secrets:
        if secret.strip() and secret not in plain[1] + plain[0]:
            assert secret not in text, secret
    assert not CLOCK_TIME.search(text), CLOCK_TIME.search(text)
    # The contact's name is shown as written: never run as template code.
    assert f"Hello {contact_name}," in message.body
    assert "{% debug %}" not in contact_name or "sql_queries" not in message.body


def test_the_e_mail_states_the_end_date_and_the_plain_secrets_are_absent(world):
    """The same as above for the world as it is, with the end date said in words."""
    client, bob = world["client"], world["bob"]
    subject, body = preview(client, bob["id"])
    end = timezone.datetime.fromisoformat(bob["end_date"]).date()
    assert f"until the end of {end.day} {end:%B %Y}" in body  # 4 December 2026
    text = subject + body
    for secret in ("Ines", "Adams", "Radiology", "710243", "IDX-DEV-7731", "7731"):
        assert secret not in text, secret
    assert world["case"]["reference"] not in text
    assert not CLOCK_TIME.search(text)


def test_my_data_of_the_contact_shows_when_and_until_when_nothing_else(world, client):
    bob = world["bob"]
    world["client"].post(
        reverse("notify-send"), {"ids": [bob["id"]]}, content_type="application/json"
    )
    client.force_login(personas.wearer("2"))
    response = client.get(reverse("my-data"))
    assert response.status_code == 200
    mine = response.json()
    [notice] = mine["notifications"]
    assert set(notice) == {"notified_at", "until"}
    assert notice["until"] == bob["end_date"]
    text = json.dumps(mine, ensure_ascii=False)
    for secret in ("Ines", "Adams", "Radiology", "710243", "IDX-DEV-7731", "7731"):
        assert secret not in text, secret
    assert world["case"]["reference"] not in text


def test_a_follow_up_that_does_not_exist_is_not_found(world):
    client = world["client"]
    missing = FollowUp.objects.order_by("-pk").first().pk + 1
    assert client.get(reverse("follow-up", args=[missing])).status_code == 404
    assert client.get(reverse("follow-up", args=[0])).status_code == 404
    response = client.post(
        reverse("follow-up-status", args=[missing]),
        {"status": "lost", "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert "Bob" not in response.content.decode()
