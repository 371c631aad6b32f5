"""The user guide states the service's configured numbers, never copies of them."""

import re
from pathlib import Path

import pytest

from tests.personas import PASSWORD

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user-guide"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")

pytestmark = pytest.mark.django_db


def test_changing_the_retention_changes_the_guide(client, person, settings):
    settings.ENCOUNTER_RETENTION_DAYS = 21
    settings.TRACING_CLOSE_CONTACT_MINUTES = 20
    client.force_login(person)
    page = client.get("/help/tracking/").content.decode()
    assert "Encounters are kept 21 days" in page
    assert "one encounter longer than 20 minutes" in page
    assert "the trace starts 3 days before it" in page
    assert "kept 14 days" not in page


def test_every_placeholder_of_the_guide_is_filled(client, person):
    client.force_login(person)
    sections = [path.stem for path in GUIDE.glob("*.md")]
    used = sum(len(PLACEHOLDER.findall(path.read_text())) for path in GUIDE.glob("*.md"))
    assert used >= 15  # the guide does use them (this test is not vacuous)
    for section in sections:
        page = client.get(f"/help/{section}/")
        assert page.status_code == 200, section
        left = PLACEHOLDER.findall(page.content.decode())
        assert not left, f"{section}: {left}"


def test_a_password_sign_in_leaves_no_stale_message_for_the_guide(client, person, settings):
    # Demo mode signs in with a password through allauth, which would say "signed in".
    settings.DEMO_MODE = True
    settings.SOCIALACCOUNT_ONLY = False
    response = client.post("/accounts/login/", {"login": person.username, "password": PASSWORD})
    assert response.status_code == 302
    help_page = client.get("/help/")
    assert client.get("/api/me").status_code == 200  # signed in indeed
    assert 'class="messages"' not in help_page.content.decode()
    # None shown, and none waiting in the session for the next server-rendered page either.
    assert [str(message) for message in help_page.context["messages"]] == []


def test_links_to_a_section_read_as_its_title_not_its_file_name(client, person):
    client.force_login(person)
    page = client.get("/help/").content.decode()
    assert '<a href="/help/desk/">Desk day</a>' in page
    assert '<a href="/help/home/">Home and signing in</a>' in page
    assert not re.search(r">[a-z0-9-]+\.md<", page), "a link still reads as a file name"


def test_the_guide_has_the_portals_navigation_of_the_person(client, desk):
    client.force_login(desk)
    page = client.get("/help/desk/").content.decode()
    assert "<title>Desk day · Help · Proximeter Portal</title>" in page
    nav = page[page.index('<nav aria-label="Main"') : page.index("</nav>")]
    assert "<summary>Desk</summary>" in nav and "<summary>For me</summary>" in nav
    assert '<a href="/registration/">Registration</a>' in nav
    assert "/tracking/" not in nav  # only the person's own pages
    assert 'action="/accounts/logout/"' in page  # Sign out, as in the app
