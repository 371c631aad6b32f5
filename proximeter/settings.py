"""Settings of the Proximeter Portal.

Everything an operator sets comes from the environment (see README,
"Configuration"). With nothing set, the portal runs on the embedded default:
four SQLite files in `data/` and Celery on a filesystem broker, so that it
starts on a machine with no services installed.
"""

import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from core import databases
from proximeter.env import env_bool, env_int, env_list, env_mapping, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("PORTAL_DATA_DIR") or BASE_DIR / "data")
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# Demo mode: local username/password accounts (one per role) may sign in.
# Never in production, where everyone signs in through the identity provider.
DEMO_MODE = env_bool("PORTAL_DEMO", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    # Embedded default: a random key kept in the data folder, so sessions
    # survive a restart without anyone having to invent a secret.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_vite",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    # The project's apps by layer (docs/architecture.md; `make lint` holds the arrows).
    # Ground:
    "core",
    # One app per database home:
    "accounts",
    "assets",
    "registration",
    "encounters",
    "audit",
    # Operations that cross databases:
    "risk",
    "desk",
    "tracing",
    "cases",
    "ingestion",
    "zones",
    "appointments",
    "retention",
    "oversight",
    # Pages and read models:
    "stats",
    "selfservice",
    "frontend",
    # Outside the service: the simulator and demo data.
    "simulation",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.security.ContentSecurityPolicyMiddleware",  # django-csp; see "Security" below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the cookie, else Accept-Language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.AccountLanguageMiddleware",  # the language chosen on the account wins
    "core.security.SessionSecurityMiddleware",  # idle timeout, recent sign-in for TRACKING
    "core.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.middleware.PrivateAnswersMiddleware",  # Cache-Control: no-store for personal answers
    "core.middleware.RequestLogMiddleware",  # one line per request, the route and never the path
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "proximeter.urls"
WSGI_APPLICATION = "proximeter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "proximeter" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Databases ---------------------------------------------------------------
# One alias per database of the brief (§2). A URL in the environment selects
# PostgreSQL; none selects an SQLite file in the data folder. The metrics
# backends of django-prometheus label every query with its alias.
_PROMETHEUS_ENGINES = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}
DATABASE_URL_VARIABLES = {
    databases.DEFAULT: "DATABASE_URL",
    databases.ASSETS: "ASSETS_DATABASE_URL",
    databases.ASSOCIATIONS: "ASSOCIATIONS_DATABASE_URL",
    databases.ENCOUNTERS: "ENCOUNTERS_DATABASE_URL",
}
# A streaming replica of encounters or associations (read-only; core/replicas.py): unset, every
# read goes to the primary.
DATABASE_REPLICA_URL_VARIABLES = {
    databases.ENCOUNTERS_REPLICA: "ENCOUNTERS_REPLICA_DATABASE_URL",
    databases.ASSOCIATIONS_REPLICA: "ASSOCIATIONS_REPLICA_DATABASE_URL",
}
# The password alone, for a URL without one (X_DATABASE_PASSWORD_FILE: a secret file).
DATABASE_PASSWORD_VARIABLES = {
    alias: variable.removesuffix("_URL") + "_PASSWORD"
    for alias, variable in {**DATABASE_URL_VARIABLES, **DATABASE_REPLICA_URL_VARIABLES}.items()
}


def _database(alias: str) -> dict:
    # The URL from X_DATABASE_URL or X_DATABASE_URL_FILE; the password may also come alone from
    # X_DATABASE_PASSWORD(_FILE), e.g. a URL in a config map and the password in a secret. It ends
    # in PASSWORD (which Django's debug page hides), never in a URL kept in the settings.
    replica = alias in DATABASE_REPLICA_URL_VARIABLES
    if replica:
        variable = DATABASE_REPLICA_URL_VARIABLES[alias]
        url = env_str(DATABASE_REPLICA_URL_VARIABLES[alias])
    else:
        variable = DATABASE_URL_VARIABLES[alias]
        url = env_str(DATABASE_URL_VARIABLES[alias])
    password_variable = DATABASE_PASSWORD_VARIABLES[alias]
    password = env_str(DATABASE_PASSWORD_VARIABLES[alias])
    if password and not url:
        raise ImproperlyConfigured(f"{password_variable} is set but {variable} is not")
    if replica and not url:
        return None
    if not url:
        return {
            "ENGINE": _PROMETHEUS_ENGINES["django.db.backends.sqlite3"],
            "NAME": DATA_DIR / f"{alias}.sqlite3",
            # Web and worker processes write at once: WAL, and wait for the
            # lock instead of failing ("database is locked").
            "OPTIONS": {
                # FULL for the inbox's database: an uplink answered 2xx survives a power loss.
                "init_command": (
                    "PRAGMA journal_mode=WAL; "
                    f"PRAGMA synchronous={'FULL' if alias == databases.ENCOUNTERS else 'NORMAL'}; "
                    "PRAGMA busy_timeout=10000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 10,
            },
        }
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    # A server that does not answer is known within the network server's 5 s (then: spool).
    config.setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 2)
    )
    engine = _PROMETHEUS_ENGINES.get(config["ENGINE"])
    if engine is None:
        raise ImproperlyConfigured(f"{variable}: only postgres:// and sqlite:// URLs are supported")
    config["ENGINE"] = engine
    if password:
        if config.get("PASSWORD"):
            raise ImproperlyConfigured(
                f"{variable} holds a password and {password_variable} is set too: keep one"
            )
        config["PASSWORD"] = password
    return config


DATABASES = {alias: _database(alias) for alias in databases.ALIASES}
for _replica, _primary in databases.PRIMARY_OF.items():
    if (_config := _database(_replica)) is not None:
        if (
            "postgresql" not in _config["ENGINE"]
            or "postgresql" not in DATABASES[_primary]["ENGINE"]
        ):
            raise ImproperlyConfigured(
                f"{DATABASE_REPLICA_URL_VARIABLES[_replica]}: a replica is a PostgreSQL standby "
                f"of a PostgreSQL {DATABASE_URL_VARIABLES[_primary]}"
            )
        DATABASES[_replica] = _config
# Reads inside core.replicas.replica_reads go to a replica lagging at most this much; the
# replica's state is measured again at most once per REPLICA_CHECK_SECONDS in each process.
REPLICA_MAX_LAG_SECONDS = float(env_str("REPLICA_MAX_LAG_SECONDS", "5"))
REPLICA_CHECK_SECONDS = float(env_str("REPLICA_CHECK_SECONDS", "2"))
DATABASE_ROUTERS = ["core.databases.HomeDatabaseRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- The service -------------------------------------------------------------
ENCOUNTER_RETENTION_DAYS = env_int("ENCOUNTER_RETENTION_DAYS", 14)
# The longest one encounter record may last. A trace looks this far back for records that
# began before its window (or a holding) and still overlap it.
ENCOUNTER_MAX_MINUTES = env_int("ENCOUNTER_MAX_MINUTES", 720)
# A processed inbox row keeps its delivery ID this long, to recognise repeats
# (The Things Stack retries for up to an hour).
INBOX_KEEP_PROCESSED_HOURS = env_int("INBOX_KEEP_PROCESSED_HOURS", 24)
# Dead letters (uplinks that could not be stored) wait this long to be processed again.
DEAD_LETTER_RETENTION_HOURS = env_int("DEAD_LETTER_RETENTION_HOURS", 72)
INGEST_MAX_BODY_BYTES = 256 * 1024
# The ingest worker (manage.py ingest_worker) claims this many inbox rows per commit.
INGEST_BATCH_SIZE = env_int("INGEST_BATCH_SIZE", 500)
# On the embedded default (no LISTEN/NOTIFY) the ingest worker looks for new rows this often.
INGEST_POLL_SECONDS = float(env_str("INGEST_POLL_SECONDS", "0.25"))
# Where a web host keeps the uplinks its inbox could not take (the database was down); the
# ingest worker of the same host moves them in. Local disk, one folder per host.
INGEST_SPOOL_DIR = env_str("INGEST_SPOOL_DIR") or str(DATA_DIR / "spool")
# What a spool leaves behind (an unreadable file set aside, a file the inbox never took) is
# deleted after this many days: its encounters are past their retention by then.
INGEST_SPOOL_RETENTION_DAYS = env_int("INGEST_SPOOL_RETENTION_DAYS", ENCOUNTER_RETENTION_DAYS)
# Silence: an integration that sent at least INGEST_SILENCE_USUAL_PER_HOUR uplinks an hour
# over the last day and nothing for INGEST_SILENCE_MINUTES, within working hours (weekdays,
# local time), is reported silent in /healthz, /metrics and on the statistics page.
INGEST_SILENCE_MINUTES = env_int("INGEST_SILENCE_MINUTES", 15)
INGEST_SILENCE_USUAL_PER_HOUR = env_int("INGEST_SILENCE_USUAL_PER_HOUR", 12)
INGEST_WORKING_HOURS = env_str("INGEST_WORKING_HOURS", "07:00-19:00")
# ChirpStack's MQTT integration (manage.py mqtt_consume, docs/network-servers.md). The broker:
# mqtt://host:1883, or mqtts://host:8883 for TLS; user:password@ in the URL, or below.
MQTT_URL = env_str("MQTT_URL")
# The broker's credentials (MQTT_PASSWORD_FILE for a secret file); they win over the URL's.
MQTT_USERNAME = env_str("MQTT_USERNAME")
MQTT_PASSWORD = env_str("MQTT_PASSWORD")
# The CA certificate that signed an mqtts:// broker's certificate, if not a public CA.
MQTT_CA_FILE = env_str("MQTT_CA_FILE")
# The persistent session's name at the broker: fixed, so that what arrives while the
# consumer is away waits for it. One consumer per client id (a second takes the session over).
MQTT_CLIENT_ID = env_str("MQTT_CLIENT_ID", "proximeter-portal")
# What to subscribe to (QoS 1): ChirpStack's event topic for uplinks (`event_topic`).
MQTT_TOPIC = env_str("MQTT_TOPIC", "application/+/device/+/event/up")
# Seconds between the consumer's pings; a broker hears of a dead consumer within 1.5 times.
MQTT_KEEPALIVE = env_int("MQTT_KEEPALIVE", 60)
# A worker (Celery, ingest) serves its host's metrics on this port when set: for a worker
# host without a web process. Bind to a private address; Prometheus scrapes it there.
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
WORKER_METRICS_ADDR = env_str("WORKER_METRICS_ADDR", "127.0.0.1")
DATA_PROTECTION_CONTACT = env_str("DATA_PROTECTION_CONTACT", "data-protection@example.org")
PRIVACY_NOTICE_URL = "/privacy/"
# Tracing: close-contact rules (brief §5) and the stored results.
TRACING_CLOSE_CONTACT_MINUTES = env_int("TRACING_CLOSE_CONTACT_MINUTES", 15)
TRACING_DEFAULT_POLICY = env_str("TRACING_DEFAULT_POLICY", "encounter")
# Traces (and reveals of their contacts) one medical user may run per hour; beyond, a
# refusal, itself in the audit trail for the privacy officer.
TRACING_MAX_TRACES_PER_HOUR = env_int("TRACING_MAX_TRACES_PER_HOUR", 20)
# Risk models (risk/scoring, docs/risk-models.md): RISK_<MODEL>_<NAME> overrides a
# paper's value, e.g. RISK_INRIA_R0_PER_MIN (0.007/min) or RISK_DP3T_LOOKBACK_DAYS (10).
TRACE_RESULT_KEY = env_str("TRACE_RESULT_KEY")  # a Fernet key; derived from SECRET_KEY if unset
TRACE_RESULT_RETENTION_DAYS = env_int("TRACE_RESULT_RETENTION_DAYS", 14)
# Four eyes (cases/reveals.py, docs/four-eyes.md): a trace names nobody; naming its contacts
# waits for a second person of this role ("medical" or "privacy").
REVEAL_APPROVER_ROLE = env_str("REVEAL_APPROVER_ROLE", "medical")
# True: a confirmed open case's own trace (its infectious period, degree 1, close contacts,
# not named again within REVEAL_RETRACE_DAYS) is named without approval; anything else waits.
REVEAL_OWN_CASE_WITHOUT_APPROVAL = env_bool("REVEAL_OWN_CASE_WITHOUT_APPROVAL", False)
REVEAL_RETRACE_DAYS = env_int("REVEAL_RETRACE_DAYS", 7)

# --- Contact follow-up (cases/) ---------------------------------------------------
# A close contact's quarantine or monitoring lasts this many days after the day of the
# last exposure, to the end of that day (cases/dates.py).
CONTACT_FOLLOW_UP_DAYS = env_int("CONTACT_FOLLOW_UP_DAYS", 10)
# A closed case, its traces' summaries and follow-ups are deleted this long after closing.
CASE_RETENTION_DAYS = env_int("CASE_RETENTION_DAYS", 30)
CONTACT_NOTIFY_FROM_EMAIL = env_str(
    "CONTACT_NOTIFY_FROM_EMAIL", "Medical service <medical.service@example.org>"
)
# Whom a notified contact calls: stated in the e-mail.
MEDICAL_SERVICE_CONTACT = env_str(
    "MEDICAL_SERVICE_CONTACT", "the medical service, +41 22 767 00 00, medical.service@example.org"
)
# The audit chain's HMAC key (never in a database; derived from SECRET_KEY if unset) and
# the file its signed checkpoints are appended to (put it where database owners cannot write).
AUDIT_CHAIN_KEY = env_str("AUDIT_CHAIN_KEY")
AUDIT_CHECKPOINT_FILE = env_str("AUDIT_CHECKPOINT_FILE") or str(
    DATA_DIR / "audit-checkpoints.jsonl"
)
# Unusual activity for the privacy officer (oversight/rules.py, docs/user-guide/audit.md): a
# day's or an hour's activity of a staff account against its own previous
# OVERSIGHT_BASELINE_DAYS and the medical service's. A pattern is "usual + FACTOR x spread"
# (median and median absolute deviation, the spread at least 1) over the days a user acted,
# known once there are OVERSIGHT_MIN_HISTORY_DAYS of them; no alert at or below the floors.
OVERSIGHT_BASELINE_DAYS = env_int("OVERSIGHT_BASELINE_DAYS", 28)
OVERSIGHT_MIN_HISTORY_DAYS = env_int("OVERSIGHT_MIN_HISTORY_DAYS", 5)
OVERSIGHT_SPREAD_FACTOR = env_int("OVERSIGHT_SPREAD_FACTOR", 3)
OVERSIGHT_TRACES_PER_DAY_FLOOR = env_int("OVERSIGHT_TRACES_PER_DAY_FLOOR", 10)
OVERSIGHT_EXPORTS_PER_DAY_FLOOR = env_int("OVERSIGHT_EXPORTS_PER_DAY_FLOOR", 3)
# An hour of the day is unusual when under this percentage of the user's traces and reveals,
# and of the medical service's, fell in it (a pattern known from OVERSIGHT_HOUR_MIN_ENTRIES).
OVERSIGHT_UNUSUAL_HOUR_PERCENT = env_int("OVERSIGHT_UNUSUAL_HOUR_PERCENT", 2)
OVERSIGHT_HOUR_MIN_ENTRIES = env_int("OVERSIGHT_HOUR_MIN_ENTRIES", 20)
# Working days (ISO: 1 = Monday) and whole hours, local time: identity-revealing actions
# outside them are reported.
OVERSIGHT_WORKING_DAYS = env_list("OVERSIGHT_WORKING_DAYS", "1,2,3,4,5")
OVERSIGHT_WORKING_HOURS = env_str("OVERSIGHT_WORKING_HOURS", "07:00-19:00")
# The weekly digest goes to every active account of the privacy role with an e-mail
# address, and to these addresses.
PRIVACY_DIGEST_EMAILS = env_list("PRIVACY_DIGEST_EMAILS")
PRIVACY_DIGEST_FROM_EMAIL = env_str(
    "PRIVACY_DIGEST_FROM_EMAIL", "Proximeter Portal <portal@example.org>"
)
# MY DATA also lists the dates on which the medical service traced the person
# (never by whom or why).
MYDATA_SHOW_CONSULTATIONS = env_bool("MYDATA_SHOW_CONSULTATIONS", True)
# Statistics: counts below this are shown as "< N"; the purge is overdue after this long.
STATS_MIN_COUNT = env_int("STATS_MIN_COUNT", 5)
PURGE_OVERDUE_HOURS = 36
# The asset team's stock overview warns when fewer devices than this are in stock.
ASSETS_LOW_STOCK_THRESHOLD = env_int("ASSETS_LOW_STOCK_THRESHOLD", 50)
# Days of simulated encounters `demo_data` delivers (0: none).
DEMO_ENCOUNTER_DAYS = env_int("DEMO_ENCOUNTER_DAYS", 7)
# Links in emails point here.
PORTAL_URL = env_str("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Location exposure (zones; docs/location-exposure.md) ----------------------
ZONES_RETENTION_DAYS = env_int("ZONES_RETENTION_DAYS", 14)
# The seed keeps archived coordinates forever; we keep them no longer than the rest.
ZONES_ARCHIVE_RETENTION_DAYS = env_int("ZONES_ARCHIVE_RETENTION_DAYS", ZONES_RETENTION_DAYS)
ZONES_DONATION_CODE_HOURS = env_int("ZONES_DONATION_CODE_HOURS", 48)
ZONES_MAX_COORDINATES = 20_000  # per upload: two weeks every minute or so
ZONES_MAX_AREAS = 200  # per exposure request
# Decoys of an exposure request (frontend/src/locationrisk/request.js): so many whole copies
# of the person's own history, moved to homes drawn from where wearers live
# (ZONES_HOME_CELLS_FILE: a CSV of lat,long,weight per 0.01° cell, e.g. from the directory's
# postcodes; without it, 3 to 15 km away). Places everyone shares (the organisation's sites,
# ZONES_SHARED_PLACES "lat:long,...") are not moved: they tell nothing about a person.
ZONES_DECOY_HISTORIES = env_int("ZONES_DECOY_HISTORIES", 4)
ZONES_HOME_CELLS_FILE = env_str("ZONES_HOME_CELLS_FILE")
ZONES_SHARED_PLACES = [
    tuple(float(part) for part in place.split(":")) for place in env_list("ZONES_SHARED_PLACES")
]
ZONES_MIN_PERIOD_MINUTES = 5
ZONES_AREA_UNIT_M2 = 10  # stage 1: A in units of 10 m², t in hours
ZONES_CLOCK_TOLERANCE_SECONDS = 300

# --- Email --------------------------------------------------------------------
# Console in demo and development; an SMTP server in production.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before a mail server that does not answer counts as failed (a medic's sending waits).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or str(DATA_DIR / "mail")
APPOINTMENTS_FROM_EMAIL = env_str(
    "APPOINTMENTS_FROM_EMAIL", "Registration service <registration@example.org>"
)
# No booking (or move) to a time that starts sooner than this: the desk prepares each one.
APPOINTMENTS_LEAD_MINUTES = env_int("APPOINTMENTS_LEAD_MINUTES", 30)
APPOINTMENTS_CALENDAR_DOMAIN = env_str("APPOINTMENTS_CALENDAR_DOMAIN", "proximeter.example.org")

# --- Redis, cache, Celery ----------------------------------------------------
REDIS_URL = env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A killed worker's unacknowledged task comes back after this long; keep
    # it above the longest task and any countdown (ECOSYSTEM-NOTES, Celery).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        # A web request that queues a task must not hang while Redis is down:
        # one quick reconnection attempt, then the inbox re-drive takes over.
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.2,
    }
else:
    # Embedded default: the filesystem broker needs no server. It loses the
    # in-flight task of a killed worker, which the inbox re-drive covers;
    # production uses Redis.
    _CELERY_DIR = DATA_DIR / "celery"
    for _folder in ("queue", "processed", "results", "control"):
        (_CELERY_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_CELERY_DIR / "queue"),
        "data_folder_out": str(_CELERY_DIR / "queue"),
        "processed_folder": str(_CELERY_DIR / "processed"),
        "control_folder": str(_CELERY_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_CELERY_DIR / 'results'}"

CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes every database connection around every task
# unless this is set (two new PostgreSQL connections per task). Keep them: the
# task_prerun handler in proximeter/celery.py retires old or broken ones as
# Django does between requests (CONN_MAX_AGE, CONN_HEALTH_CHECKS).
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = env_str("TIME_ZONE", "Europe/Zurich")
CELERY_BEAT_SCHEDULE = {
    "ingest-inbox-redrive": {"task": "ingestion.inbox_redrive", "schedule": 60.0},
    "purge-expired": {"task": "retention.purge_expired", "schedule": crontab(hour=3, minute=15)},
    "encounter-partitions-ahead": {"task": "encounters.partitions_ahead", "schedule": 3600.0},
    # The statistics' per-day counts (encounters/aggregates.py): a late uplink shows within this.
    "encounter-days-close": {"task": "encounters.days_close", "schedule": 300.0},
    "zones-link-coordinates": {"task": "zones.link_coordinates", "schedule": 300.0},
    "follow-ups-close-expired": {
        "task": "cases.followups_close_expired",
        "schedule": crontab(hour=0, minute=10),  # the first minutes of the day after the end
    },
    "appointment-reminders": {
        "task": "appointments.reminders_send",
        "schedule": crontab(hour=16, minute=0),  # the afternoon before
    },
    "privacy-digest": {
        "task": "oversight.digest_send",
        "schedule": crontab(day_of_week=1, hour=7, minute=0),  # Monday morning: last week
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- Sign-in -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

# allauth's backend (a ModelBackend) checks passwords only where allauth shows
# the password form: in demo mode (SOCIALACCOUNT_ONLY below).
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
# Outside demo mode, the identity provider is the only way in.
SOCIALACCOUNT_ONLY = not DEMO_MODE
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False

# The identity provider (Keycloak in production; any OpenID Connect provider).
OIDC_SERVER_URL = env_str("OIDC_SERVER_URL").rstrip("/")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_PROVIDER_ID = "sso"
# The sign-in button's words: the operator's own, else "Single sign-on" in the reader's language.
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "") or gettext_lazy("Single sign-on")
OIDC_SCOPES = env_list("OIDC_SCOPES", "openid,profile,email")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
OIDC_PERSON_ID_CLAIM = env_str("OIDC_PERSON_ID_CLAIM", "person_id")
# Provider group -> portal role; Keycloak's full group paths look like "/medical".
OIDC_ROLE_MAP = env_mapping(
    "OIDC_ROLE_MAP",
    "registration=registration,medical=medical,assets=assets,privacy=privacy",
)
# API bearer tokens: access tokens (never ID tokens) whose `aud` names the API. The API's
# audience is not the browser client's, or the sign-in's ID token would open the API.
OIDC_API_AUDIENCES = env_list("OIDC_API_AUDIENCE", "proximeter-api")
if OIDC_CLIENT_ID and OIDC_CLIENT_ID in OIDC_API_AUDIENCES:
    raise ImproperlyConfigured(
        "OIDC_API_AUDIENCE must differ from OIDC_CLIENT_ID: the browser's ID tokens carry "
        "that audience and must not be accepted as API tokens."
    )
# Which applications (a token's `azp`) the portal trusts, and for which roles: a person's
# token from another application carries no role, a machine client's (client credentials)
# only the roles listed for it, never medical or privacy. "client=role|role,..."
OIDC_TRUSTED_CLIENTS = {
    client: set(roles.split("|"))
    for client, roles in env_mapping(
        "OIDC_TRUSTED_CLIENTS",
        f"{OIDC_CLIENT_ID}=registration|medical|assets|privacy" if OIDC_CLIENT_ID else "",
    ).items()
}
OIDC_MACHINE_CLIENTS = {
    client: set(roles.split("|")) for client, roles in env_mapping("OIDC_MACHINE_CLIENTS").items()
}
# The provider's key set is fetched again after this long at the latest (sooner when its
# Cache-Control says so), and at once for a key it does not hold, at most this often.
OIDC_JWKS_MAX_AGE_SECONDS = env_int("OIDC_JWKS_MAX_AGE_SECONDS", 300)
OIDC_JWKS_MIN_REFETCH_SECONDS = env_int("OIDC_JWKS_MIN_REFETCH_SECONDS", 5)
OIDC_ALLOWED_ALGORITHMS = env_list("OIDC_ALLOWED_ALGORITHMS", "RS256,ES256,PS256")
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 5)
OIDC_LEEWAY_SECONDS = 30

SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": (
            [
                {
                    "provider_id": OIDC_PROVIDER_ID,
                    "name": OIDC_PROVIDER_NAME,
                    "client_id": OIDC_CLIENT_ID,
                    "secret": OIDC_CLIENT_SECRET,
                    "settings": {
                        "server_url": OIDC_SERVER_URL,
                        "scope": OIDC_SCOPES,
                    },
                }
            ]
            if OIDC_SERVER_URL
            else []
        ),
    }
}

# mozilla-django-oidc supplies the DRF authentication class; the backend
# behind it verifies JWTs locally (accounts/oidc.py).
OIDC_DRF_AUTH_BACKEND = "accounts.oidc.BearerTokenBackend"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.oidc.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Default deny: every API view names who may use it.
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.DenyAll"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON too deep or with a lone surrogate is a 400, not a 500 (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Proximeter Portal API",
    "DESCRIPTION": "Contact tracing with wearable proximity devices.",
    "VERSION": "1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_INCLUDE_SCHEMA": False,
    # The browsable docs' assets come from the sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for a choice set that several serializers use.
    "ENUM_NAME_OVERRIDES": {
        "PolicyEnum": "tracing.contacts.Policy.ALL",
        "DeviceStateEnum": "assets.models.DeviceState",
        "CampaignKindEnum": "appointments.models.Campaign.Kind",
        "TraceContactKindEnum": "tracing.apis.CONTACT_KINDS",
        "DeviceActionEnum": "desk.apis.DEVICE_ACTIONS",
        "BookingStatusEnum": "appointments.models.Booking.Status",
        "LostReportOutcomeEnum": "registration.models.LostReport.Outcome",
        "RiskLevelEnum": "risk.apis.RISK_WORDS",
        "CaseStatusEnum": "cases.models.Case.Status",
        "FollowUpStatusEnum": "cases.apis.FOLLOW_UP_STATUSES",
        "OversightRuleEnum": "oversight.rules.Rule.ALL",
        "RevealStatusEnum": "cases.models.Reveal.Status",
        "RevealReviewEnum": "cases.models.Reveal.Review",
    },
}

# --- Static files and the Vue frontend ---------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
# The user guide's screenshots are served beside it (/help/).
STATICFILES_DIRS = [
    FRONTEND_DIST,
    ("guide", BASE_DIR / "docs" / "user-guide" / "img"),
    ("guide-fr", BASE_DIR / "docs" / "user-guide" / "fr" / "img"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Not a manifest storage: Vite's files are hashed already, re-hashing
    # them would load every module twice (ECOSYSTEM-NOTES, django-vite).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_IMMUTABLE_FILE_TEST = r"^.+[.-][0-9A-Za-z_-]{8}\.[a-z0-9]+$"
VITE_DEV_MODE = env_bool("VITE_DEV_MODE", False)
DJANGO_VITE = {
    "default": {
        "dev_mode": VITE_DEV_MODE,
        "dev_server_host": "127.0.0.1",
        "dev_server_port": 5173,
        "manifest_path": FRONTEND_DIST / "manifest.json",
    }
}

# --- Operations --------------------------------------------------------------
# /metrics is for the monitoring system: from these networks, or with this token.
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
METRICS_TOKEN = env_str("METRICS_TOKEN")
PROMETHEUS_EXPORT_MIGRATIONS = False

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"},
    },
    "filters": {"scrub_paths": {"()": "core.logs.ScrubPathsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            # Paths name people and devices: every line names routes instead (core/logs.py).
            "filters": ["scrub_paths"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # core.middleware.RequestLogMiddleware writes the request lines, without paths.
        "django.server": {"level": "WARNING", "filters": ["scrub_paths"]},
        "django.request": {"filters": ["scrub_paths"]},
    },
}

# --- Security ----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and not DEMO_MODE)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HTTPS (docs/security.md, "Deploy settings"). Each is off unless set: behind a TLS
# proxy, SECURE_PROXY_SSL_HEADER must come first, or the redirect loops.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]  # probes and Prometheus inside the network
_PROXY_SSL_HEADER = env_str("SECURE_PROXY_SSL_HEADER")  # the proxy's header, e.g. X-Forwarded-Proto
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)  # e.g. 31536000 once HTTPS works
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# allauth's sign-in rate limits count per client address: behind N proxies, the
# address N from the right of X-Forwarded-For (0: REMOTE_ADDR).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Sessions (core/security.py): a working day at most; the medical and privacy
# roles are signed out after a short time without activity; running a trace (and
# opening TRACKING) needs a sign-in within the last TRACING_REAUTH_MINUTES.
SESSION_COOKIE_AGE = env_int("SESSION_MAX_AGE_HOURS", 12) * 3600
SESSION_IDLE_TIMEOUT_SENSITIVE_MINUTES = env_int("SESSION_IDLE_TIMEOUT_SENSITIVE_MINUTES", 15)
TRACING_REAUTH_MINUTES = env_int("TRACING_REAUTH_MINUTES", 60)

# Content-Security-Policy (django-csp 4). core.security adds the identity
# provider's origin to form-action, and hashes of the inline elements of the
# Django admin and the Swagger page; the Vue app needs nothing inline.
_VITE_DEV = (
    f"{DJANGO_VITE['default']['dev_server_host']}:{DJANGO_VITE['default']['dev_server_port']}"
)
_DEV_SERVER = [f"http://{_VITE_DEV}"] if VITE_DEV_MODE else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, *_DEV_SERVER],
        # Vite's dev server injects CSS as <style> elements; the built app uses files only.
        "style-src": [SELF, *([*_DEV_SERVER, UNSAFE_INLINE] if VITE_DEV_MODE else [])],
        "img-src": [SELF, "data:", *_DEV_SERVER],
        "connect-src": [SELF, *([*_DEV_SERVER, f"ws://{_VITE_DEV}"] if VITE_DEV_MODE else [])],
        "font-src": [SELF, *_DEV_SERVER],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# English and French (docs/i18n.md). A person's language is their own choice, kept on their
# account (the header's switch), else their browser's preference; e-mails go out in the
# recipient's language (core/i18n.py). Each app keeps its catalogue in <app>/locale/, the
# templates and settings theirs in locale/.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "proximeter" / "locale"]
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # a year: the sign-in page after signing out
TIME_ZONE = env_str("TIME_ZONE", "Europe/Zurich")
USE_I18N = True
USE_TZ = True
# The portal's one family of date formats (4 Dec 2026, 14:51) for the admin and templates.
FORMAT_MODULE_PATH = ["proximeter.formats"]
