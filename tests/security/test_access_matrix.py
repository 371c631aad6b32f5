"""Who may use which URL: one row for every URL of the portal (docs/security.md, "Access").

The URL resolver is walked, so a new URL without a row fails the suite. Each
kind of caller below requests every URL once (GET, or POST `{}` for POST-only
endpoints, parameters filled with sample objects) and the answer is judged:

- allowed: not 401/403, not a redirect to a sign-in page, not 5xx
  (400, 404, 405 are fine: the rule let the request through);
- denied: 401, 403, or a redirect to a sign-in page.

Requests come from 203.0.113.9, outside METRICS_ALLOWED_NETWORKS.
"""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from accounts.models import RemovedSubject
from tests import personas
from tests.conftest import OIDC_ACCOUNTS, ROLE_CLIENTS, user_api_token
from tests.security.routes import every_url

# --- Who -----------------------------------------------------------------------
ANON = "anonymous"
PERSON = "person"  # signed in in the browser, no role
REG = "registration"
ASSETS = "assets"
MED = "medical"
PRIV = "privacy"
SUPER = "superuser"  # staff and superuser, no role
T_PERSON = "token:person"  # an API bearer JWT of the identity provider, no role
T_REG = "token:registration"
T_ASSETS = "token:assets"
T_MED = "token:medical"
T_PRIV = "token:privacy"
INGEST = "ingest-token"  # a network server's webhook token
DONOR = "donation-token"  # a trusted source's token for coordinate donations (zones)

KINDS = [ANON, PERSON, REG, ASSETS, MED, PRIV, SUPER]
KINDS += [T_PERSON, T_REG, T_ASSETS, T_MED, T_PRIV, INGEST, DONOR]

NOBODY = frozenset()
EVERYONE = frozenset(KINDS)
BROWSER = frozenset({PERSON, REG, ASSETS, MED, PRIV, SUPER})  # pages: a session, never a token
API_USERS = BROWSER | {T_PERSON, T_REG, T_ASSETS, T_MED, T_PRIV}
STAFF = frozenset({REG, ASSETS, PRIV, SUPER})  # is_staff follows the roles that manage records


def role(*names: str) -> frozenset:
    """The role in the browser and as a bearer token."""
    return frozenset({*names, *(f"token:{name}" for name in names)})


# Not a set of kinds: the sign-in machinery (allauth, the admin's login). Anyone
# reaches it (anonymous visitors are never refused), nobody gets a 5xx.
SIGN_IN = "sign-in machinery"

# --- The matrix: URL name -> who may use it ----------------------------------------
MATRIX = {
    # Operations
    "healthz": EVERYONE,
    "metrics": NOBODY,  # by network or METRICS_TOKEN only: tests/test_health.py
    # Pages: frontend/pages.py
    "home": BROWSER,
    "privacy": EVERYONE,
    "help": BROWSER,
    "help-section": BROWSER,
    "page-registration": {REG},
    "page-status": {REG},
    "page-found": {REG},
    "page-desk": {REG},
    "page-appointments": BROWSER,
    "page-tracking": {MED},
    "page-cases": {MED},
    "page-follow-ups": {MED},
    "page-approvals": {MED, PRIV},
    "page-risk-models": {MED},
    "page-audit": {PRIV},
    "page-stats": {MED, PRIV, REG},
    "page-stock": {ASSETS},
    "page-inventory": {ASSETS},
    "page-my-data": BROWSER,
    "page-location-risk": BROWSER,
    "page-transparency": BROWSER,
    # Webhooks
    "ingest-tts": {INGEST},
    "ingest-chirpstack": {INGEST},
    # API: accounts, self-service, appointments (a person's own)
    "me": API_USERS,
    "me-language": API_USERS,  # the caller's own account only: no other person in the body
    "my-encounters": API_USERS,
    "my-data": API_USERS,
    "my-data-export": API_USERS,
    "my-device-report-lost": API_USERS,  # only the caller's own device (selfservice tests)
    "my-campaigns": API_USERS,
    "free-slots": API_USERS,
    "my-bookings": API_USERS,
    "my-waitlist-join": API_USERS,  # a campaign not open to the person: 404
    "my-booking-reschedule": API_USERS,  # another person's booking: 404 (test_others_objects.py)
    "my-booking-cancel": API_USERS,  # another person's booking: 404 (test_others_objects.py)
    "my-booking-calendar": API_USERS,  # another person's booking: 404 (test_others_objects.py)
    # API: the registration desk
    "person-search": role(REG),
    "person-status": role(REG),
    "device-status": role(REG),
    "device-assign": role(REG),
    "device-relinquish": role(REG),
    "device-swap": role(REG),
    "device-report-lost": role(REG),
    "device-mark-found": role(REG),
    "device-return": role(REG),
    "device-restock": role(REG),
    "device-mark-broken": role(REG),
    "device-retire": role(REG),
    "locations": role(REG),
    "campaigns": role(REG),
    "campaign-create": role(REG),
    "recall-invite": role(REG),
    "desk-day": role(REG),
    "desk-check-in": role(REG),
    "desk-no-show": role(REG),
    "handouts": role(REG),
    # API: the medical service
    "trace-people": role(MED),
    "traces": role(MED),
    "trace-detail": role(MED),  # another medical user's trace: 404 (test_others_objects.py)
    "trace-export": role(MED),  # another medical user's trace: 404 (test_others_objects.py)
    # Four eyes (cases/reveals.py): another medical user's trace or request: 404
    # (tests/cases/test_reveals.py); REVEAL_APPROVER_ROLE decides, privacy may look.
    "trace-reveal": role(MED),
    "reveals": role(MED, PRIV),
    "reveals-mine": role(MED),
    "reveal": role(MED, PRIV),
    "reveal-decide": role(MED),
    "reveals-break-glass": role(PRIV),
    "reveal-review": role(PRIV),
    "trace-what-if": role(MED),  # counts only; another medical user's trace: 404
    # Contact follow-up: cases are the medical service's shared records
    "cases": role(MED),
    "case-detail": role(MED),
    "case-trace": role(MED),
    "case-chain": role(MED),
    "follow-up-figures": role(MED),
    "follow-ups": role(MED),
    "follow-ups-export": role(MED),
    "follow-ups-status": role(MED),
    "notify-preview": role(MED),
    "notify-send": role(MED),
    "follow-up": role(MED),
    "follow-up-status": role(MED),
    "follow-up-trace": role(MED),
    "case-clusters": role(MED),  # pseudonymous: keys, sizes, days
    "case-cluster-open": role(MED),  # names the cases (audited); no such key: 404
    "risk-dp3t": role(MED),  # score calculators: nothing stored, no one named
    "risk-rssi": role(MED),
    "risk-aggregate": role(MED),
    "zones-donation-codes": role(MED),
    "zones-coordinates": {DONOR},
    "zones-exposure": EVERYONE,  # public, read without a session: tied to no one
    "zones-decoy-model": API_USERS,
    # API: the data-protection office, statistics
    "audit-entries": role(PRIV),
    "audit-digest": role(PRIV),
    "oversight-anomalies": role(PRIV),  # names staff accounts, never a person traced
    "purge-log": role(PRIV),
    # The end of the service: the privacy role asks (POST); a second person, privacy or
    # medical, reads and approves (tests/retention/test_decommission.py: who asks, self-approval)
    "decommission": role(PRIV, MED),
    "decommission-approve": role(PRIV, MED),  # no such request: 404
    "stats-daily": role(MED, PRIV, REG),
    "stats-daily-csv": role(MED, PRIV, REG),
    "stats-policy-what-if": role(MED, PRIV, REG),  # pairs of tags only, suppressed
    "transparency": API_USERS,
    # API: the asset team (counts of devices; nobody named)
    "assets-stock": role(ASSETS),
    "inventory-checks": role(ASSETS),  # device IDs and states, never a holder
    # API documentation
    "schema": API_USERS,
    "api-docs": API_USERS,
    # Sign-in and sign-out (the admin's login is allauth's)
    "admin:login": SIGN_IN,
    "admin:logout": SIGN_IN,  # POST only (405); a non-staff visitor is sent to the admin's index
    # A background device import's progress and report: who may import devices (no such: 404)
    "admin:assets_device_import_status": {ASSETS, SUPER},
}

# Third-party groups, by name prefix (or route prefix when nameless): first match wins.
PREFIX_RULES = [
    ("account_", SIGN_IN),
    ("socialaccount_", SIGN_IN),
    ("openid_connect_", SIGN_IN),
    ("accounts/social/", SIGN_IN),  # allauth's old addresses: redirects to the new ones
]

# The Django admin: staff only; each model's records only to the role that manages them
# (core/admin.py), superusers see everything. The admin's own pages:
ADMIN_SITE = {
    "index": STAFF,
    "app_list": STAFF,  # an app with nothing of yours: 404
    "password_change": STAFF,
    "password_change_done": STAFF,
    "jsi18n": STAFF,
    "view_on_site": STAFF,
    "autocomplete": NOBODY,  # no admin has autocomplete fields: refused to everyone
    "auth_user_password_change": {SUPER},
    None: STAFF,  # nameless: an object's old address (redirect to it), the catch-all (404)
}
# Model admins: app_model -> (roles that see it, what they may do besides looking).
ADMIN_MODELS = {
    "assets_device": ({ASSETS}, {"add", "change", "import"}),  # never deleted: history stays
    "assets_deviceevent": ({ASSETS}, set()),
    "registration_person": ({REG}, {"add", "change", "delete", "import"}),
    "registration_association": ({REG}, set()),
    "registration_lostreport": ({REG}, set()),
    "appointments_location": ({REG}, {"add", "change", "delete"}),
    "appointments_campaign": ({REG}, {"add", "change"}),  # closed, never deleted
    "appointments_slot": ({REG}, set()),
    "appointments_booking": ({REG}, set()),
    "appointments_recallinvitation": ({REG}, set()),
    "ingestion_deadletter": ({ASSETS}, set()),
    "ingestion_ingesttoken": (set(), {"change"}),  # created by a command; revoked here
    "audit_auditentry": ({PRIV}, set()),
    "zones_geozonespecification": (set(), {"change"}),
    "zones_trustedsource": (set(), {"change"}),  # created by a command; revoked here
    # zones/admin.py names the medical role, but it is not staff (core.roles.ADMIN_ROLES).
    "zones_donationcode": (set(), set()),
    "accounts_user": (set(), {"add", "change", "delete"}),
    "accounts_removedsubject": (set(), {"delete"}),  # written when an account is deleted
    "auth_group": (set(), {"add", "change", "delete"}),
    "account_emailaddress": (set(), {"add", "change", "delete"}),
    "socialaccount_socialapp": (set(), {"add", "change", "delete"}),
    "socialaccount_socialaccount": (set(), {"add", "change", "delete"}),
    "socialaccount_socialtoken": (set(), {"add", "change", "delete"}),
}
LOOKING = {"changelist", "change", "history"}  # the change page is read-only without "change"

SIGN_IN_PATHS = ("/accounts/login/", "/admin/login/")
CLIENT_ADDRESS = "203.0.113.9"


def admin_rule(name: str | None):
    short = None if name is None else name.removeprefix("admin:")
    if short in ADMIN_SITE:
        return ADMIN_SITE[short]
    for app_model, (roles, may) in ADMIN_MODELS.items():
        action = short.removeprefix(app_model + "_")
        if action != short and action in {*LOOKING, "add", "delete", "import"}:
            if action in LOOKING:
                return frozenset({SUPER, *roles})
            return frozenset({SUPER, *roles}) if action in may else NOBODY
    return None


def rule_for(url) -> frozenset | str | None:
    if url.name in MATRIX:
        return MATRIX[url.name]
    if (url.name or "").startswith("admin:") or url.route.startswith("admin/"):
        return admin_rule(url.name)
    for prefix, rule in PREFIX_RULES:
        if (url.name or url.route).startswith(prefix):
            return rule
    return None


# --- The callers ---------------------------------------------------------------------


def make_person(person_id: str):
    from tests.registration.factories import make_person as factory

    return factory(person_id, "Sam", f"Sample{person_id}", email=f"{person_id}@example.org")


@pytest.fixture(scope="module")
def tokens(oidc_provider, live_server):
    """One bearer JWT per role, fetched once for the module: machine clients (client
    credentials) for no role, registration and assets; people for medical and privacy, which
    never hold for a machine (tests/test_bearer_tokens.py)."""
    found = {
        f"token:{name}": oidc_provider.client_credentials_token(
            client["client_id"], client["client_secret"]
        )
        for name, client in ROLE_CLIENTS.items()
        if name not in {"medical", "privacy"}
    }
    for name in ("medical", "privacy"):
        found[f"token:{name}"] = user_api_token(oidc_provider, f"api-{name}", live_server.url)
    return found


@pytest.fixture
def samples(oidc, db):
    """The callers' accounts (each linked to a person) and one object of each kind."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken

    from appointments.models import RecallInvitation
    from appointments.services import booking_create
    from assets.models import DeviceEvent
    from audit.services import audit_record
    from cases.models import Case, FollowUp
    from ingestion.models import DeadLetter
    from ingestion.services import ingest_token_create
    from registration.models import Association, LostReport
    from tests.appointments.factories import make_campaign, make_location
    from tests.registration.factories import make_device
    from tracing import contacts, services
    from zones.models import GeoZoneSpecification
    from zones.services import donation_code_issue, trusted_source_create

    users = {}
    of_kind = [(PERSON, "wearer"), (REG, "clerk"), (ASSETS, "asset_manager")]
    of_kind += [(MED, "medic"), (PRIV, "privacy_officer")]
    for number, (kind, persona) in enumerate(of_kind, start=1):
        make_person(f"7000{number}")
        users[kind] = personas.make_persona(persona, person_id=f"7000{number}")
    make_person("70009")
    users[SUPER] = personas.superuser(person_id="70009")
    User = get_user_model()
    for number, client in enumerate(ROLE_CLIENTS.values(), start=1):
        # The account a token's subject gets on first use, made beforehand with a person.
        make_person(f"7100{number}")
        account = User.objects.create_user(
            f"service-account-{client['client_id']}", person_id=f"7100{number}"
        )
        SocialAccount.objects.create(
            user=account, provider="sso", uid=client["client_id"], extra_data={}
        )

    for account in OIDC_ACCOUNTS:  # the people whose own tokens are token:medical, :privacy
        if account["login"].startswith("api-"):
            make_person(account["person_id"])

    other = make_person("79999")
    device = make_device("D-0001")
    now = timezone.now()
    DeviceEvent.objects.create(device=device, at=now, actor="t", to_state=device.state)
    Association.objects.create(person=other, device_id="D-0001", started_at=now, started_by="t")
    LostReport.objects.create(device_id="D-0001", lost_at=now, reported_at=now, reported_by="t")
    location = make_location("Main hall")
    campaign = make_campaign([location])
    slot = campaign.slots.order_by("starts_at").first()
    booking = booking_create(person=other, slot_id=slot.pk)
    RecallInvitation.objects.create(
        campaign=campaign, device_id="D-0001", person=other, invited_at=now
    )
    ingest_token = ingest_token_create(name="matrix")
    DeadLetter.objects.create(
        integration="tts", delivery_key="k", payload=b"{}", reason="r", detail="d", created_at=now
    )
    colleague = personas.second_medic()
    trace = services.trace_run(
        person_id="79999",
        window=contacts.trace_window(now=now, retention=timedelta(days=14), positive_test=now),
        policy="encounter",
        case_reference="C-1",
        reason="matrix",
        acting_user=colleague,
    )
    audit_record(acting_user=colleague, action="trace", target_person_id="79999")
    case = Case.objects.create(
        reference="C-1", person_id="79999", created_at=now, created_by=colleague.username
    )
    follow_up = FollowUp.objects.create(
        person_id="70001",
        case=case,
        last_exposure=now,
        end_date=now.date(),
        assigned_to=colleague.username,
        created_at=now,
        changed_at=now,
        changed_by=colleague.username,
    )
    EmailAddress.objects.create(user=users[PERSON], email="person@example.org")
    app = SocialApp.objects.create(
        provider="openid_connect", provider_id="sample-idp", name="Sample", client_id="x"
    )
    SocialToken.objects.create(account=SocialAccount.objects.first(), app=app, token="t")
    RemovedSubject.objects.create(sub="removed-sample", username="gone")
    donor_token = trusted_source_create(name="matrix")
    donation_code_issue(positive_test=now)
    GeoZoneSpecification.objects.get_or_create(  # seeded by a migration; one is enough here
        name="Sample square", defaults={"shape": "square", "size_degrees": 1}
    )

    pks = {}
    for model in apps.get_models():
        meta = model._meta
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pks[(meta.app_label, meta.model_name)] = first.pk
    return {
        "users": users,
        "ingest_token": ingest_token,
        "donor_token": donor_token,
        "pks": pks,
        "params": {
            "person_id": "79999",
            "device_id": "D-0001",
            "campaign_id": campaign.pk,
            "booking_id": booking.pk,
            "trace_id": trace.pk,
            "case_id": case.pk,
            "follow_up_id": follow_up.pk,
            "key": "0" * 16,  # a cluster's key (case-cluster-open): none today, 404
            "decommission_id": 999999,
            "reveal_id": 999999,
            "import_id": 999999,  # none: 404 for whoever may ask (test_reveals.py has real ones)
            "provider_id": "sso",
            "app_label": "assets",
            "url": "no-such-page/",
            "section": "README",
            "content_type_id": ContentType.objects.get_for_model(User).pk,
            "object_id": users[PERSON].pk,
        },
    }


def caller(kind: str, samples: dict, tokens: dict):
    """A test client that asks as `kind`: a session, a bearer header, or nothing."""
    client = Client(REMOTE_ADDR=CLIENT_ADDRESS)
    if kind in samples["users"]:
        client.force_login(samples["users"][kind])
    elif kind in tokens:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {tokens[kind]}"
    elif kind == INGEST:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {samples['ingest_token']}"
    elif kind == DONOR:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {samples['donor_token']}"
    return client


def verdict(response) -> str:
    if response.status_code >= 500:
        return f"error {response.status_code}"
    if response.status_code in (401, 403):
        return "denied"
    redirect = 300 <= response.status_code < 400
    if redirect and response["Location"].split("?")[0].endswith(SIGN_IN_PATHS):
        return "denied"
    return "allowed"


def judge(rule, kind: str, response) -> str | None:
    """None if the answer is what the rule says, else what went wrong."""
    seen = verdict(response)
    if seen.startswith("error"):
        return seen
    if rule == SIGN_IN:
        return "anonymous refused" if kind == ANON and response.status_code in (401, 403) else None
    expected = "allowed" if kind in rule else "denied"
    return None if seen == expected else f"{seen} ({response.status_code}), expected {expected}"


# --- The tests -----------------------------------------------------------------------


def test_every_url_has_a_row():
    missing = [f"{url.route} ({url.name})" for url in every_url() if rule_for(url) is None]
    assert not missing, "URLs without a row in the access matrix:\n" + "\n".join(missing)


def test_every_row_names_a_url():
    names = {url.name for url in every_url()}
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"rows for URLs that no longer exist: {stale}"
    for app_model in ADMIN_MODELS:
        assert f"admin:{app_model}_changelist" in names, f"{app_model} is not in the admin"


@pytest.mark.django_db(databases="__all__")
def test_the_matrix(samples, tokens):
    """Every URL as every kind of caller: one request per cell, every wrong cell listed."""
    wrong = []
    urls = [(url, rule_for(url), url.path(samples)) for url in every_url()]
    for kind in KINDS:
        client = caller(kind, samples, tokens)
        for url, rule, path in urls:
            if rule is None:
                continue  # test_every_url_has_a_row names it
            if url.method == "POST":
                response = client.post(path, {}, content_type="application/json")
            else:
                response = client.get(path)
            problem = judge(rule, kind, response)
            if problem:
                wrong.append(f"{kind:>18}  {url.method} {path} [{url.name}]: {problem}")
    assert not wrong, f"{len(wrong)} wrong answers:\n" + "\n".join(wrong)
