"""Who may open what: pages, /api/me, and the default deny for API views."""

import pytest
from django.test import override_settings
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from core.roles import Role
from frontend.pages import PAGES
from tests import personas

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in ["/", *(page.path for page in PAGES)]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_a_person_without_a_role_opens_only_appointments_and_my_data(client, person):
    client.force_login(person)
    allowed = {page.slug for page in PAGES if client.get(page.path).status_code == 200}
    assert allowed == {"appointments", "my-data", "location-risk", "transparency"}
    refused = client.get("/tracking/")
    assert refused.status_code == 403
    assert "not open to your roles" in refused.content.decode()


def test_the_desk_opens_the_desk_pages_but_not_tracking(client, desk):
    client.force_login(desk)
    allowed = {page.slug for page in PAGES if client.get(page.path).status_code == 200}
    assert allowed == {
        "registration",
        "status",
        "found",
        "desk",
        "appointments",
        "stats",
        "my-data",
        "location-risk",
        "transparency",
    }


def test_a_page_is_the_vue_shell_with_a_csrf_cookie(client, medic):
    client.force_login(medic)
    response = client.get("/tracking/")
    assert response.status_code == 200
    assert '<div id="app">' in response.content.decode()
    assert "csrftoken" in response.cookies


def test_who_am_i_lists_exactly_the_pages_of_the_roles(client):
    user = personas.desk_medic(first_name="Bo", last_name="Th")
    client.force_login(user)
    body = client.get("/api/me").json()
    assert body["display_name"] == "Bo Th"
    assert body["roles"] == ["medical", "registration"]
    # Group by group, in the header's order; each page says its group.
    assert [(page["group"], page["slug"]) for page in body["pages"]] == [
        ("Desk", "registration"),
        ("Desk", "status"),
        ("Desk", "found"),
        ("Desk", "desk"),
        ("Medical", "tracking"),
        ("Medical", "cases"),
        ("Medical", "follow-ups"),
        ("Medical", "risk-models"),
        ("Oversight", "approvals"),
        ("Oversight", "stats"),
        ("For me", "appointments"),
        ("For me", "my-data"),
        ("For me", "location-risk"),
        ("For me", "transparency"),
    ]
    assert body["links"]["admin"] == "/admin/"  # the registration role manages people there


def test_who_am_i_lists_what_each_role_opens_in_the_administration(client):
    """The start page's Administration section: the admin's own list names, the role's only."""
    client.force_login(personas.asset_manager())
    links = client.get("/api/me").json()["links"]
    assert links["admin"] == "/admin/"
    sections = links["admin_sections"]
    assert "Devices" in sections and "People" not in sections
    client.force_login(personas.clerk())
    sections = client.get("/api/me").json()["links"]["admin_sections"]
    assert "People" in sections and "Devices" not in sections
    client.force_login(personas.person())
    links = client.get("/api/me").json()["links"]
    assert links["admin"] is None and links["admin_sections"] == []


# The user guide's table of groups (docs/user-guide/home.md), written out independently.
MENU = {
    "Desk": ["registration", "status", "found", "desk"],
    "Medical": ["tracking", "cases", "follow-ups", "risk-models"],
    "Assets": ["stock", "inventory"],
    "Oversight": ["approvals", "audit", "stats"],
    "For me": ["appointments", "my-data", "location-risk", "transparency"],
}


def test_the_menu_groups_each_role_combinations_pages_as_the_guide_says(client):
    """Every combination of roles: exactly the pages a role opens, group by group in order."""
    roles = list(Role)
    for mask in range(2 ** len(roles)):
        held = {role for n, role in enumerate(roles) if mask >> n & 1}
        user = personas.make_user(f"combo-{mask}", *held)
        client.force_login(user)
        pages = client.get("/api/me").json()["pages"]
        opens = {page.slug for page in PAGES if client.get(page.path).status_code == 200}
        expected = [
            (group, slug) for group, slugs in MENU.items() for slug in slugs if slug in opens
        ]
        assert [(page["group"], page["slug"]) for page in pages] == expected, held


def test_who_am_i_refuses_anonymous_callers(client):
    response = client.get("/api/me")
    assert response.status_code in (401, 403)


def test_an_api_view_that_names_no_rule_refuses_everyone_even_a_superuser(superuser):
    class Forgotten(APIView):
        def get(self, request):
            return None

    request = APIRequestFactory().get("/api/forgotten")
    force_authenticate(request, user=superuser)
    response = Forgotten.as_view()(request)
    assert response.status_code == 403
    assert "no access rule" in str(response.data["detail"])


def test_the_privacy_notice_is_public(client):
    response = client.get("/privacy/")
    assert response.status_code == 200
    assert "14 days" in response.content.decode()


def test_api_docs_need_a_signed_in_person(client, person):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(person)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


@override_settings(AUTHENTICATION_BACKENDS=["allauth.account.auth_backends.AuthenticationBackend"])
def test_the_admin_signs_in_through_the_portal_sign_in(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


def test_outside_demo_mode_the_sign_in_page_offers_only_the_identity_provider(client, settings):
    from tests.conftest import point_portal_at

    class Provider:  # the page needs only the issuer URL; no provider is contacted to render it
        issuer = "https://sso.example.org/realms/staff"
        api_audience = "proximeter-api"

    point_portal_at(settings, Provider)
    settings.SOCIALACCOUNT_ONLY = True
    page = client.get("/accounts/login/").content.decode()
    assert "Single sign-on" in page
    assert 'name="password"' not in page


def test_the_api_schema_documents_every_endpoint_without_warnings():
    from django.core.management import call_command

    # --fail-on-warn: an endpoint the schema cannot describe fails the suite.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_every_page_has_a_section_in_the_user_guide_served_as_help(client, person):
    from frontend.pages import PAGES

    client.force_login(person)
    for page in PAGES:
        response = client.get(page.help_url)
        assert response.status_code == 200, page.slug
        assert "<h1>" in response.content.decode()
    guide = client.get("/help/registration/").content.decode()
    assert "/static/guide/registration-take-back.png" in guide  # pictures as the portal serves them
    assert client.get("/help/../settings/").status_code == 404
    assert client.get("/help/nope/").status_code == 404
