"""Every model that holds encounter-derived or personal tracing data is on the transparency list.

Each model of every installed app is classified here or in retention.selectors.MODELS: a
new model fails this test until someone decides which it is, so a new copy of tracing data
cannot be forgotten by the purge and the page.
"""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from retention.selectors import KINDS, MODELS
from retention.services import purge_expired

# Models that hold no encounter-derived or tracing data, and why (their retention is not
# this page's: registration records last while a device is lent, accounts while a person
# works here; all of it goes at the end of service).
NOT_TRACING_DATA = {
    "retention.Decommission": "the end-of-service request: who asked and approved, the report",
    "admin.LogEntry": "the Django admin's changes to records (registration, assets)",
    "auth.Permission": "configuration",
    "auth.Group": "configuration (roles)",
    "contenttypes.ContentType": "configuration",
    "sessions.Session": "sign-in sessions, expire after SESSION_MAX_AGE_HOURS",
    "account.EmailAddress": "portal accounts",
    "account.EmailConfirmation": "portal accounts",
    "socialaccount.SocialApp": "configuration (the identity provider)",
    "socialaccount.SocialAccount": "portal accounts",
    "socialaccount.SocialToken": "not stored (SOCIALACCOUNT_STORE_TOKENS = False)",
    "accounts.User": "portal accounts",
    "accounts.RemovedSubject": "accounts removed at the identity provider",
    "assets.Device": "devices as assets: device, tag, DevEUI; no person, no encounter",
    "assets.DeviceEvent": "devices' history as assets",
    "assets.InventoryCheck": "shelf checks: who scanned, counts, device IDs; never a holder",
    "assets.DeviceImport": "device list imports: the file until imported, counts, device IDs",
    "registration.Person": "the directory of wearers (registration)",
    "registration.Association": "who held which device when (registration)",
    "registration.LostReport": "lost and found devices (registration)",
    "ingestion.IngestToken": "hashes of network servers' tokens",
    "zones.GeoZoneSpecification": "configuration of the zone grid",
    "zones.DonationCode": "a keyed hash of a single-use code; names no one; purged at expiry",
    "zones.TrustedSource": "hashes of trusted sources' tokens",
    "appointments.Location": "configuration",
    "appointments.OpeningHours": "configuration",
    "appointments.Campaign": "configuration",
    "appointments.Slot": "configuration",
    "appointments.Booking": "pick-up appointments (registration)",
    "appointments.RecallInvitation": "pick-up appointments (registration)",
    "appointments.WaitlistEntry": "pick-up appointments (registration): a day a person waits for",
    "retention.PurgeRecord": "counts and ages only",
    # The statistics' counts (encounters/aggregates.py): no tag, no person; they go with the
    # encounters they count (encounters_purge) and at the end of service.
    "encounters.DayCount": "counts per day of all encounters; no tag",
    "encounters.HourCount": "counts per hour of all encounters; no tag",
    "encounters.DayChange": "a date whose counts are due again; no tag",
}


def every_model() -> set[str]:
    """The service's models (not the test suite's own, e.g. tests/routing)."""
    return {
        model._meta.label
        for model in apps.get_models()
        if not model.__module__.startswith("tests.")
    }


def test_every_model_is_classified_exactly_once():
    covered, not_tracing = set(MODELS), set(NOT_TRACING_DATA)
    assert not covered & not_tracing, "a model cannot be both"
    unclassified = every_model() - covered - not_tracing
    assert not unclassified, (
        f"{sorted(unclassified)}: does it hold encounter-derived or personal tracing data? "
        "Then add it to retention.selectors.MODELS (with a purge and a row on the "
        "transparency page); if not, to NOT_TRACING_DATA here, with the reason."
    )
    assert not (covered | not_tracing) - every_model(), "a classified model no longer exists"


@pytest.mark.django_db(databases="__all__")
def test_each_covered_model_belongs_to_a_kind_the_page_reads_and_the_purge_records():
    keys = {kind.key: kind for kind in KINDS}
    for label, kind_key in MODELS.items():
        assert keys[kind_key].oldest is not None, f"{label}: its kind reads no age"
    removed = purge_expired()
    with_limit = {kind.key for kind in KINDS if kind.limit() is not None}
    assert with_limit <= set(removed), f"the purge records nothing for {with_limit - set(removed)}"


def test_every_limit_is_a_setting_documented_in_the_readme():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    for kind in KINDS:
        if kind.limit() is None:
            assert not kind.setting
            continue
        assert kind.limit().total_seconds() > 0
        assert hasattr(settings, kind.setting), kind.setting
        assert re.search(rf"`{kind.setting}`", readme), f"{kind.setting} is not in README.md"
