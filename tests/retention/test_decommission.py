"""The end of the service: asked by the privacy role, approved by a second person, carried
out by `manage.py decommission`, which leaves nothing personal in any database
(retention/decommission.py).

The scan walks every table of every database by introspection: a table holding
rows after the command must be on KEPT below, with the reason it may, and with a
check of what it still holds. A table added later without a decision fails here.
"""

import io
import json
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import RemovedSubject
from appointments.models import Booking, RecallInvitation, WaitlistEntry
from assets.models import DeviceEvent
from audit.models import AuditEntry
from audit.services import audit_verify
from cases import services as cases_services
from cases.models import Case, FollowUp
from core.databases import ALIASES, ASSETS, ASSOCIATIONS, DEFAULT, ENCOUNTERS
from core.errors import DomainError
from core.roles import Role
from encounters.aggregates import days_close
from encounters.models import Encounter
from encounters.services import encounters_upsert
from ingestion import spool
from ingestion.models import DeadLetter, InboxUplink
from ingestion.services import ingest_token_create
from registration.models import Association, LostReport, Person
from retention import decommission as module
from retention.decommission import (
    decommission_approve,
    decommission_report_verify,
    decommission_request,
)
from retention.models import Decommission
from tests import personas
from tests.appointments.factories import make_campaign, make_location
from tests.processes import at_once
from tests.registration.factories import make_device, make_person
from tests.reveals import name_over_api
from zones.selectors import Credential
from zones.services import Point, coordinates_donate, donation_code_issue, trusted_source_create
from zones.tasks import link_coordinates

User = get_user_model()


# --- What may stay, and why ------------------------------------------------------------------


def _staff_only_without_person_numbers() -> None:
    assert not User.objects.exclude(person_id="").exists()
    for user in User.objects.all():
        roles = set(user.groups.values_list("name", flat=True)) & {r.value for r in Role}
        assert roles or user.is_staff or user.is_superuser, f"{user} is a wearer's account"


def _of_staff(model) -> None:
    assert not model.objects.exclude(user__in=User.objects.all()).exists()


def _revoked(table: str) -> None:
    with connections[DEFAULT].cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE revoked_at IS NULL")
        assert cursor.fetchone()[0] == 0, f"{table}: a token still works"


def _no_claims() -> None:
    assert not SocialAccount.objects.exclude(extra_data={}).exists()


def _notes_cleared() -> None:
    assert not DeviceEvent.objects.exclude(note="").exists()


def _only_this_request() -> None:
    # Staff user names, the reason, counts: nobody's data.
    staff = set(User.objects.values_list("username", flat=True))
    for decommission in Decommission.objects.all():
        assert {decommission.requested_by, decommission.approved_by} <= staff
        assert all(type(n) is int for n in decommission.report.get("erased", {}).values())


# (database, table): (why it may hold rows after the end of the service, a check of them)
KEPT = {
    **{
        (alias, "django_migrations"): ("which migrations ran", None)
        for alias in (DEFAULT, ASSETS, ASSOCIATIONS, ENCOUNTERS)
    },
    (DEFAULT, "django_content_type"): ("the models' names", None),
    (DEFAULT, "auth_permission"): ("the models' permissions", None),
    (DEFAULT, "auth_group"): ("the roles", None),
    (DEFAULT, "auth_group_permissions"): ("what each role manages in the admin", None),
    (DEFAULT, "accounts_user"): (
        "staff accounts, without a person number",
        _staff_only_without_person_numbers,
    ),
    (DEFAULT, "accounts_user_groups"): ("the staff's roles", None),
    (DEFAULT, "accounts_user_user_permissions"): (
        "the staff's own permissions",
        lambda: _of_staff(User.user_permissions.through),
    ),
    (DEFAULT, "account_emailaddress"): (
        "staff accounts' addresses",
        lambda: _of_staff(EmailAddress),
    ),
    (DEFAULT, "socialaccount_socialaccount"): (
        "staff accounts' sign-in links, their claims cleared",
        _no_claims,
    ),
    (DEFAULT, "socialaccount_socialapp"): ("the identity provider's settings", None),
    (DEFAULT, "audit_auditentry"): ("the audit trail, kept by design (its hashes cover it)", None),
    (DEFAULT, "stats_purgerecord"): ("rows removed per table: counts", None),
    (DEFAULT, "retention_decommission"): ("this request: staff names, counts", _only_this_request),
    (DEFAULT, "ingestion_ingesttoken"): (
        "network servers' token hashes, revoked",
        lambda: _revoked("ingestion_ingesttoken"),
    ),
    (DEFAULT, "zones_trustedsource"): (
        "trusted sources' token hashes, revoked",
        lambda: _revoked("zones_trustedsource"),
    ),
    (ASSETS, "assets_device"): ("devices: nobody's once their links are gone", None),
    (ASSETS, "assets_deviceevent"): ("devices' state history, notes cleared", _notes_cleared),
    (ASSETS, "assets_allowed_transition"): ("the devices' state machine", None),
    (ASSETS, "assets_inventorycheck"): ("shelf checks: counts, device IDs, no holder", None),
    (ASSETS, "assets_deviceimport"): ("device list imports: counts and device IDs", None),
    (ASSOCIATIONS, "appointments_location"): ("where the desks are", None),
    (ASSOCIATIONS, "appointments_openinghours"): ("when they open", None),
    (ASSOCIATIONS, "appointments_campaign"): ("campaigns: names and dates", None),
    (ASSOCIATIONS, "appointments_campaign_locations"): ("where a campaign runs", None),
    (ASSOCIATIONS, "appointments_slot"): ("slots: times and capacity", None),
    (ENCOUNTERS, "zones_geozonespecification"): ("the zone grids' settings", None),
}
# The encounter table's partitions: PostgreSQL's storage of tracing_encounter, not tables of
# their own (tracing_encounter is scanned, and a TRUNCATE of it empties them all).
PARTITION = re.compile(r"^tracing_encounter_(p\d{8}|default)$")


def suite_only_tables() -> set[str]:
    """The test suite's own app (tests/routing): not in the portal, not in production."""
    return {model._meta.db_table for model in apps.get_app_config("routing_test").get_models()} | {
        field.remote_field.through._meta.db_table
        for model in apps.get_app_config("routing_test").get_models()
        for field in model._meta.many_to_many
    }


def rows_per_table() -> dict[tuple[str, str], int]:
    found = {}
    skipped = suite_only_tables()
    for alias in ALIASES:
        connection = connections[alias]
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                if PARTITION.match(table) or table in skipped:
                    continue
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
                found[(alias, table)] = cursor.fetchone()[0]
    return found


def assert_nothing_personal_left() -> None:
    left = {key: rows for key, rows in rows_per_table().items() if rows and key not in KEPT}
    assert not left, f"personal rows left (or a table nobody decided about): {left}"
    for _why, check in KEPT.values():
        if check is not None:
            check()
    assert not any(spool.spool_dir().iterdir()), "spooled uplinks left on disk"


# --- A portal in use: rows in every table -----------------------------------------------------


@pytest.fixture
def in_use(settings, tmp_path, medic):
    """Every table the end of service erases holds rows, written by the portal's own code."""
    settings.INGEST_SPOOL_DIR = str(tmp_path / "spool")
    now = timezone.now()
    start = now - timedelta(days=12)
    people = [
        ("810001", "Ines", "Adams", 7731),
        ("2", "Bob", "Brown", 200),
        ("3", "Cleo", "C", 300),
    ]
    for person_id, given_name, family, tag in people:
        make_person(person_id, given_name, family, email=f"p{person_id}@example.org")
        make_device(f"P-{tag}", tag_id=tag)
        Association.objects.create(
            person_id=person_id, device_id=f"P-{tag}", started_at=start, started_by="t"
        )
    met = now.replace(microsecond=0) - timedelta(days=2, minutes=7)
    Encounter.objects.create(my_tag=7731, ref_tag=200, started_at=met, slots=40)
    Encounter.objects.create(my_tag=300, ref_tag=7731, started_at=met, slots=60)
    Encounter.objects.create(my_tag=300, ref_tag=200, started_at=now - timedelta(days=40), slots=9)
    days_close()  # the statistics' counts of those days
    encounters_upsert([(300, 7731, met, 61)])  # a late uplink: its day is due again

    # A case traced through the API (trace, reveal, audit entries, disclosures, follow-ups,
    # exposures).
    client = Client()
    client.force_login(medic)
    case = client.post(
        reverse("cases"),
        {"person_id": "810001", "positive_test": timezone.localdate().isoformat()},
        content_type="application/json",
    ).json()
    traced = client.post(
        reverse("case-trace", args=[case["id"]]), {"reason": "r"}, content_type="application/json"
    )
    assert traced.status_code == 201, traced.content
    # Named with a second medic's approval (a reveal request, its audit entries).
    named = name_over_api(client, traced.json()["id"])
    bob, cleo = sorted(named["follow_ups"], key=lambda f: f["person_id"])
    cases_services.notification_send(follow_up_id=bob["id"], acting_user=medic)
    cases_services.followup_set_status(
        follow_up_id=cleo["id"], status=FollowUp.Status.BECAME_CASE, version=None,
        note="tested positive", acting_user=medic,
    )  # fmt: skip

    # The desk: a device lost, a booking, a recall; device events with a note.
    LostReport.objects.create(
        device_id="P-200", holder_id="2", lost_at=now, reported_at=now, reported_by="desk"
    )
    campaign = make_campaign([make_location("Main hall")])
    Booking.objects.create(
        slot=campaign.slots.first(), campaign=campaign, person_id="3", booked_at=now, changed_at=now
    )
    RecallInvitation.objects.create(
        campaign=campaign, device_id="P-300", person_id="3", invited_at=now
    )
    WaitlistEntry.objects.create(
        campaign=campaign, person_id="3", day=timezone.localdate(), created_at=now
    )
    device = make_device("P-999", tag_id=999)
    DeviceEvent.objects.create(
        device=device, at=now, actor="arno", to_state=device.state, note="handed back by Bob Brown"
    )

    # Ingestion: a token, an inbox row, a dead letter, a spooled uplink.
    ingest_token_create(name="ns")
    uplink = {
        "integration": "tts", "delivery_key": "k1", "fport": 1, "payload": b"\x01",
        "dev_eui": "0011223344556677", "received_at": now, "accepted_at": now,
    }  # fmt: skip
    InboxUplink.objects.create(**uplink)
    spool.spool_write({**uplink, "delivery_key": "k2"})
    DeadLetter.objects.create(
        integration="tts", delivery_key="k3", payload=b"{}", reason="r", detail="d", created_at=now
    )

    # Location exposure: donated points, their zones, a code, a trusted source.
    coordinates_donate(
        credential=Credential(code_id=None, window_start=now - timedelta(days=5), window_end=now),
        points=[Point(lat=47.37, long=8.54, time=int(now.timestamp()) - 3600, accuracy=0.9)],
        now=now,
    )
    link_coordinates()
    donation_code_issue(positive_test=now, now=now)
    trusted_source_create(name="lab")

    # Accounts: wearers with a person number, addresses, sign-in links, sessions, the admin.
    wearer = personas.wearer("2")
    personas.person()  # no role, no person number: a wearer's account all the same
    personas.superuser(person_id="777")
    personas.privacy_officer(person_id="810002")
    wearer.user_permissions.add(Permission.objects.first())
    address = EmailAddress.objects.create(user=wearer, email="p2@example.org")
    EmailConfirmation.create(address)
    EmailAddress.objects.create(user=medic, email="medic@example.org")
    app = SocialApp.objects.create(provider="openid_connect", provider_id="idp", name="IdP")
    link = SocialAccount.objects.create(
        user=wearer, provider="idp", uid="sub-2", extra_data={"person_id": "2"}
    )
    SocialAccount.objects.create(
        user=medic, provider="idp", uid="sub-medic", extra_data={"person_id": "810003"}
    )
    SocialToken.objects.create(account=link, app=app, token="t")
    RemovedSubject.objects.create(sub="sub-gone", username="wearer-4")
    LogEntry.objects.create(
        user=personas.superuser(),
        content_type=ContentType.objects.get_for_model(Person),
        object_id="2",
        object_repr="Bob Brown",
        action_flag=ADDITION,
    )
    Client().force_login(wearer)  # a session
    return {"medic": medic}


def erased_tables() -> set[tuple[str, str]]:
    return {key for key in rows_per_table() if key not in KEPT}


def asked_and_approved() -> Decommission:
    """Dora asks on the audit page; Mia, a second medic, approves."""
    officer = Client()
    officer.force_login(personas.privacy_officer())
    asked = officer.post(
        reverse("decommission"),
        {"reason": "The pandemic is under control (board decision 2026-12)."},
        content_type="application/json",
    )
    assert asked.status_code == 201, asked.content
    assert asked.json()["status"] == "asked"
    approver = Client()
    approver.force_login(personas.second_medic())
    approved = approver.post(reverse("decommission-approve", args=[asked.json()["id"]]))
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    return Decommission.objects.get(pk=asked.json()["id"])


def run(*args: str, err: io.StringIO | None = None) -> str:
    out = io.StringIO()
    call_command("decommission", *args, stdout=out, stderr=err or io.StringIO())
    return out.getvalue()


# --- The whole story -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_after_the_end_of_service_nothing_personal_is_left_in_any_database(in_use, tmp_path):
    empty_before = [key for key in erased_tables() if rows_per_table()[key] == 0]
    assert not empty_before, f"the test fills every table it expects erased: {empty_before}"
    entries_before = AuditEntry.objects.count()
    decommission = asked_and_approved()

    report = json.loads(run("--request", str(decommission.pk)))

    assert_nothing_personal_left()
    # The report says what went, per database and table, and who decided.
    assert report["erased"]["associations.registration_association"] == 3
    assert report["erased"]["encounters.tracing_encounter"] == 3
    assert report["erased"]["files.ingestion_spool"] == 1
    assert report["erased"]["default.accounts_user"] == 2  # wearer-2 and charlie
    assert report["erased"]["default.accounts_user.person_id"] == 2  # root, dpo
    assert report["erased"]["assets.assets_deviceevent.note"] >= 1
    assert (report["requested_by"], report["approved_by"]) == ("dpo", "medic-2")
    # The trail is kept and intact; its last entry is the end, as the report says.
    last = AuditEntry.objects.order_by("-position").first()
    assert last.action == AuditEntry.Action.DECOMMISSIONED
    assert last.details["erased"] == report["erased"]
    assert report["audit"]["position"] == last.position == entries_before + 3
    assert report["audit"]["head"] == last.entry_hash
    verified = audit_verify()
    assert verified.intact, verified.problem
    assert verified.checkpoints >= 1  # the final checkpoint was written on commit
    # Staff stay, without a person number; they can still sign in and read the trail.
    assert personas.privacy_officer().person_id == ""
    officer = Client()
    officer.force_login(personas.privacy_officer())
    assert officer.get(reverse("audit-entries")).json()[0]["action"] == "decommissioned"
    assert officer.get(reverse("decommission")).json()[0]["status"] == "carried_out"

    # The signed report verifies; any change to it does not.
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report))
    assert "Genuine" in run("--verify", str(saved))
    for tamper in (
        lambda r: r["erased"].update({"encounters.tracing_encounter": 2}),
        lambda r: r.update(approved_by="dpo"),
        lambda r: r["audit"].update(position=r["audit"]["position"] - 1),
        lambda r: r.update(signature="0" * 64),
        lambda r: r.pop("signature"),
    ):
        changed = json.loads(json.dumps(report))
        tamper(changed)
        saved.write_text(json.dumps(changed))
        with pytest.raises(SystemExit):
            run("--verify", str(saved))
        assert not decommission_report_verify(changed).genuine

    # Once carried out, running it again erases nothing and prints the same report.
    assert json.loads(run("--request", str(decommission.pk))) == report
    assert AuditEntry.objects.count() == entries_before + 3


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_run_stopped_midway_is_finished_by_running_it_again(in_use, monkeypatch):
    decommission = asked_and_approved()
    would_erase = json.loads(run("--request", str(decommission.pk), "--dry-run"))["would_erase"]
    assert Person.objects.count() == 3  # a dry run erases nothing
    steps = module.steps

    def failing_after_the_encounters():
        found = steps()
        at = next(n for n, s in enumerate(found) if s.key == "default.cases_case")

        def lost_connection():
            raise RuntimeError("server closed the connection unexpectedly")

        found[at] = module.Step(found[at].key, found[at].count, lost_connection)
        return found

    monkeypatch.setattr(module, "steps", failing_after_the_encounters)
    with pytest.raises(RuntimeError):
        run("--request", str(decommission.pk))
    # Half done: the links and encounters are gone, the cases not; the end is not recorded.
    assert not Association.objects.exists() and not Encounter.objects.exists()
    assert not FollowUp.objects.exists() and Case.objects.exists() and Person.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DECOMMISSIONED).exists()
    assert Decommission.objects.get(pk=decommission.pk).open

    monkeypatch.setattr(module, "steps", steps)
    report = json.loads(run("--request", str(decommission.pk)))
    assert_nothing_personal_left()
    assert report["runs"] == 2
    # The counts of both runs add up to what the dry run announced.
    assert {k: v for k, v in report["erased"].items() if v} == {
        k: v for k, v in would_erase.items() if v
    }
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DECOMMISSIONED).count() == 1
    assert audit_verify().intact


# --- Refusals -----------------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db(databases="__all__")


@pytestmark_db
def test_the_command_refuses_a_request_no_second_person_approved(privacy_officer):
    make_person("2")
    asked = decommission_request(reason="end", acting_user=privacy_officer)
    with pytest.raises(CommandError, match="not approved by a second person"):
        run("--request", str(asked.pk))
    with pytest.raises(CommandError, match="No end-of-service request"):
        run("--request", "999999")
    err = io.StringIO()
    would_erase = json.loads(run("--request", str(asked.pk), "--dry-run", err=err))["would_erase"]
    assert "not ready" in err.getvalue()
    assert would_erase["associations.registration_person"] == 1
    assert Person.objects.exists()


@pytestmark_db
def test_an_approval_written_into_the_database_without_the_trail_is_refused(privacy_officer):
    make_person("2")
    asked = decommission_request(reason="end", acting_user=privacy_officer)
    Decommission.objects.filter(pk=asked.pk).update(
        approved_by="medic-2", approved_at=timezone.now()
    )
    with pytest.raises(CommandError, match="audit trail does not show"):
        run("--request", str(asked.pk))
    assert Person.objects.exists()


@pytestmark_db
def test_the_one_who_asked_cannot_approve_their_own_request(privacy_officer):
    asked = decommission_request(reason="end", acting_user=privacy_officer)
    client = Client()
    client.force_login(privacy_officer)
    answer = client.post(reverse("decommission-approve", args=[asked.pk]))
    assert answer.status_code == 403
    assert answer.json()["code"] == "own_request"
    listed = client.get(reverse("decommission"))
    assert listed.json()[0]["may_approve"] is False
    assert "no-store" in listed["Cache-Control"]
    assert not Decommission.objects.get(pk=asked.pk).approved_by


@pytestmark_db
@pytest.mark.parametrize("role", [None, Role.REGISTRATION, Role.ASSETS, Role.MEDICAL])
def test_only_the_privacy_role_may_ask(role):
    client = Client()
    client.force_login(personas.persona_for(role))
    answer = client.post(
        reverse("decommission"), {"reason": "end"}, content_type="application/json"
    )
    assert answer.status_code == 403
    assert not Decommission.objects.exists()


@pytestmark_db
def test_a_superuser_without_a_role_may_neither_ask_nor_approve(privacy_officer, superuser):
    asked = decommission_request(reason="end", acting_user=privacy_officer)
    client = Client()
    client.force_login(superuser)
    assert client.post(reverse("decommission"), {"reason": "x"}).status_code == 403
    assert client.post(reverse("decommission-approve", args=[asked.pk])).status_code == 403
    with pytest.raises(DomainError):
        decommission_approve(decommission=asked, acting_user=superuser)


@pytestmark_db
def test_one_request_is_open_at_a_time_and_approved_once(privacy_officer, second_medic, medic):
    asked = decommission_request(reason="end", acting_user=privacy_officer)
    other_officer = personas.privacy_officer(username="dpo-2")
    with pytest.raises(DomainError) as refused:
        decommission_request(reason="again", acting_user=other_officer)
    assert refused.value.status_code == 409
    decommission_approve(decommission=asked, acting_user=second_medic)
    client = Client()
    client.force_login(medic)
    answer = client.post(reverse("decommission-approve", args=[asked.pk]))
    assert answer.status_code == 409
    assert "medic-2" in answer.json()["detail"]


@pytestmark_db
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"reason": ""}, 400),
        ({"reason": "   \n "}, 400),
        ({"reason": "x" * 501}, 400),
        ({"reason": ["a"]}, 400),
        ({"reason": {"$gt": ""}}, 400),
    ],
)
def test_hostile_requests_get_a_clear_400(privacy_officer, body, status):
    client = Client()
    client.force_login(privacy_officer)
    answer = client.post(reverse("decommission"), body, content_type="application/json")
    assert answer.status_code == status, answer.content
    assert not Decommission.objects.exists()


@pytestmark_db
@pytest.mark.parametrize("request_id", ["0", "999999", str(2**63), str(2**80)])
def test_approving_a_request_that_does_not_exist_is_a_404(second_medic, request_id):
    client = Client()
    client.force_login(second_medic)
    answer = client.post(f"/api/retention/decommission/{request_id}/approve")
    assert answer.status_code == 404


# --- The rule, against a reference model --------------------------------------------------------

ROLES = st.sets(st.sampled_from(list(Role)))


def model_outcome(asker: set, approver: set, same: bool) -> str:
    """Who may end the service, said once more: the privacy role asks; another person holding
    the privacy or the medical role approves."""
    if Role.PRIVACY not in asker:
        return "ask refused"
    if same or not approver & {Role.PRIVACY, Role.MEDICAL}:
        return "approval refused"
    return "approved"


@pytestmark_db
@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(asker=ROLES, approver=ROLES, same=st.booleans(), staff=st.booleans())
def test_who_may_ask_and_approve_matches_the_reference_model(asker, approver, same, staff):
    Decommission.objects.all().delete()
    n = User.objects.count()
    asking = personas.make_user(f"asker-{n}", *asker, is_staff=staff, is_superuser=staff)
    approving = asking if same else personas.make_user(f"approver-{n}", *approver, is_staff=staff)
    try:
        asked = decommission_request(reason="end", acting_user=asking)
    except DomainError as exc:
        assert exc.status_code == 403
        outcome = "ask refused"
    else:
        try:
            decommission_approve(decommission=asked, acting_user=approving)
            outcome = "approved"
        except DomainError as exc:
            assert exc.status_code == 403
            outcome = "approval refused"
    assert outcome == model_outcome(asker, asker if same else approver, same)


# --- Two at once (PostgreSQL, processes) --------------------------------------------------------

APPROVE = """
from django.contrib.auth import get_user_model
from core.errors import DomainError
from retention.decommission import decommission_approve, decommission_get
user = get_user_model().objects.get(username=sys.argv[3])
try:
    asked = decommission_get(request_id=int(sys.argv[4]))
    decommission_approve(decommission=asked, acting_user=user)
    print("approved")
except DomainError as exc:
    print("refused", exc.status_code, exc.code)
"""

ASK = """
from django.contrib.auth import get_user_model
from core.errors import DomainError
from retention.decommission import decommission_request
user = get_user_model().objects.get(username=sys.argv[3])
try:
    decommission_request(reason="end", acting_user=user)
    print("asked")
except DomainError as exc:
    print("refused", exc.status_code, exc.code)
"""


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_two_approvals_at_once_one_wins_the_other_gets_409(tmp_path, privacy_officer):
    asked = decommission_request(reason="end", acting_user=privacy_officer)
    personas.second_medic()
    personas.privacy_officer(username="dpo-2")
    outputs = at_once(APPROVE, [["medic-2", str(asked.pk)], ["dpo-2", str(asked.pk)]], tmp_path)
    outcomes = sorted(out.strip().splitlines()[-1] for out in outputs)
    assert outcomes == ["approved", "refused 409 approved"]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DECOMMISSION_APPROVED).count() == 1
    assert Decommission.objects.get(pk=asked.pk).approved_by in {"medic-2", "dpo-2"}


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_two_officers_asking_at_once_make_one_request(tmp_path, privacy_officer):
    personas.privacy_officer(username="dpo-2")
    outputs = at_once(ASK, [["dpo"], ["dpo-2"]], tmp_path)
    outcomes = sorted(out.strip().splitlines()[-1] for out in outputs)
    assert outcomes == ["asked", "refused 409 already_asked"]
    assert Decommission.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DECOMMISSION_REQUESTED).count() == 1


@pytestmark_db
def test_a_second_run_while_one_is_going_on_is_refused(privacy_officer, second_medic):
    if connections[DEFAULT].vendor != "postgresql":
        pytest.skip("SQLite's writes are serial: there is no lock to hold")
    import psycopg

    asked = decommission_request(reason="end", acting_user=privacy_officer)
    decommission_approve(decommission=asked, acting_user=second_medic)
    make_person("2")
    config = connections[DEFAULT].settings_dict
    # The other run: another session holding the run's lock.
    with psycopg.connect(
        dbname=config["NAME"], user=config["USER"], host=config["HOST"], port=config["PORT"] or 5432
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [module.RUN_LOCK])
        with pytest.raises(CommandError, match="another run"):
            run("--request", str(asked.pk))
        assert Person.objects.exists()
    run("--request", str(asked.pk))  # the other run's session ended: its lock went with it
    assert not Person.objects.exists()
