"""The admin: trusted sources for superusers (revocable), donation codes read-only for medics."""

import pytest
from django.utils import timezone

from tests.personas import desk_medic
from zones import services
from zones.models import TrustedSource

pytestmark = pytest.mark.django_db(databases="__all__")


def test_a_superuser_revokes_a_trusted_source_in_the_admin(client, superuser):
    services.trusted_source_create(name="lab")
    client.force_login(superuser)
    source = TrustedSource.objects.get()
    response = client.post(
        "/admin/zones/trustedsource/",
        {"action": "revoke", "_selected_action": [source.pk]},
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.revoked_at is not None
    assert client.get("/admin/zones/geozonespecification/").status_code == 200


def test_the_medical_role_reads_donation_codes_but_not_trusted_sources(client, desk):
    services.donation_code_issue(positive_test=timezone.now())
    # The admin opens to the roles of core.roles.ADMIN_ROLES: a medic who holds one too.
    client.force_login(desk)  # the desk only
    assert client.get("/admin/zones/donationcode/").status_code == 403
    client.force_login(desk_medic())
    listing = client.get("/admin/zones/donationcode/")
    assert listing.status_code == 200
    assert (
        "field-expires_at" in listing.content.decode() and "medic" not in listing.content.decode()
    )
    assert client.get("/admin/zones/donationcode/add/").status_code == 403
    assert client.get("/admin/zones/trustedsource/").status_code in (302, 403)
    assert client.get("/admin/zones/geozonespecification/").status_code in (302, 403)
