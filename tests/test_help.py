"""The user guide states the service's configured numbers, never copies of them."""

import re
from pathlib import Path

import pytest

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
