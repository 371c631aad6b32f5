"""End to end in Chromium: MY DATA, a person's own data and never anyone else's.

Bob met Zed twice two days ago: once for 20 minutes (recorded by both
devices, counted once) and once for 2 minutes. Bob signs in, opens My data
and sees that day with its 2 encounters, the long one marked, the device he
holds and the day the medical service consulted his data; nowhere on the
page, nor in the export he downloads, is Zed's name, person ID, device or
tag. The screenshots in test-artifacts/ feed the user guide.
"""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assets.models import Device
from audit.models import AuditEntry
from audit.services import audit_record
from encounters.models import Encounter
from registration.models import Association, Person
from tests.browser import day_label, open_page, phone_sized, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

BOB_DEVICE, BOB_TAG = "P-3141", 3141592653
PEER_ID, PEER_DEVICE, PEER_TAG = "810099", "P-2718", 2718281828
CASE = "C-2025-314"
# Everything that would identify the other person, or the medical service's case.
SECRETS = ("Zed", "Zimmermann", "zed.z@example.org", PEER_ID, PEER_DEVICE, str(PEER_TAG), CASE)


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} appears in {where}"


@pytest.fixture
def met_zed(medic):
    """Bob and Zed held a device each for 10 days and met twice, two days ago."""
    now = timezone.now()
    for person_id, given, family, device, tag in (
        ("810002", "Bob", "Brown", BOB_DEVICE, BOB_TAG),
        (PEER_ID, "Zed", "Zimmermann", PEER_DEVICE, PEER_TAG),
    ):
        Person.objects.create(
            person_id=person_id,
            given_name=given,
            family_name=family,
            department="Physics",
            email=f"{given.lower()}.{family[0].lower()}@example.org",
        )
        Device.objects.create(device_id=device, tag_id=tag)
        Association.objects.create(
            person_id=person_id,
            device_id=device,
            started_at=now - timedelta(days=10),
            started_by="t",
        )

    day = timezone.localtime(now - timedelta(days=2))
    meeting = day.replace(hour=10, minute=0, second=0, microsecond=0)
    # 20 minutes, recorded by both devices 30 s apart: one encounter.
    Encounter.objects.create(my_tag=BOB_TAG, ref_tag=PEER_TAG, started_at=meeting, slots=40)
    Encounter.objects.create(
        my_tag=PEER_TAG, ref_tag=BOB_TAG, started_at=meeting + timedelta(seconds=30), slots=39
    )
    # 2 minutes in the afternoon, recorded by Zed's device only.
    Encounter.objects.create(
        my_tag=PEER_TAG, ref_tag=BOB_TAG, started_at=meeting + timedelta(hours=4), slots=4
    )

    # The medical service traced Bob yesterday: he sees the date, and only the date.
    audit_record(
        acting_user=medic,
        action=AuditEntry.Action.TRACE,
        target_person_id="810002",
        case_reference=CASE,
        reason="Zed tested positive",
    )
    return meeting


def test_a_person_sees_their_data_and_nothing_about_the_other_person(
    page, live_server, oidc, met_zed
):
    url = live_server.url
    page.emulate_media(reduced_motion="reduce")  # the chart is drawn at once, not animated
    sign_in(page, url, "bob", "bob-pw")
    open_page(page, "My data")
    main = page.locator("main")
    expect(main.locator("p.help")).to_contain_text("See the data the service keeps about you")

    # What is kept, for how long, and where to read more.
    intro = page.locator(".my-data-intro")
    expect(intro).to_contain_text("never where you were, and never whom you met")
    expect(intro).to_contain_text("Encounters are deleted after 14 days.")
    expect(intro.get_by_role("link", name="How your data is handled")).to_have_attribute(
        "href", "/privacy/"
    )

    # The day of the meeting: 2 encounters (the 20 minutes counted once), the long one marked.
    expect(page.locator(".my-summary")).to_have_text(
        "2 encounters in the last 14 days, 1 of them longer than 15 minutes."
    )
    days = page.locator(".my-day")
    expect(days).to_have_count(1)
    day = days.first
    expect(day.locator("summary")).to_contain_text("2 encounters, 22 min in total")
    rows = day.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("10:00")
    expect(rows.nth(0)).to_contain_text("20 min")
    expect(rows.nth(0).locator(".long-badge")).to_have_text("longer than 15 minutes")
    expect(rows.nth(1)).to_contain_text("14:00")
    expect(rows.nth(1)).to_contain_text("2 min")
    expect(rows.nth(1).locator(".long-badge")).to_have_count(0)
    expect(page.locator(".my-explain")).to_contain_text("The other person is never shown")

    # His device, the consultation date, and "none" for the empty lists.
    devices = page.get_by_role("table", name="My devices")
    expect(devices.locator("tbody tr")).to_have_count(1)
    expect(devices).to_contain_text(BOB_DEVICE)
    expect(devices).to_contain_text("now")
    expect(page.locator(".my-consulted")).to_contain_text(
        "The medical service consulted your data on:"
    )
    expect(page.locator(".my-appointments")).to_contain_text("None.")
    expect(page.locator(".my-lost")).to_contain_text("None.")

    # The chart's numbers as a table: 22 minutes on the day of the meeting, 0 elsewhere.
    chart = page.locator(".my-encounters .time-series-chart")
    expect(chart.locator("canvas")).to_be_visible()
    screenshot(page, "my-data")
    chart.get_by_role("button", name="Show as table").click()
    table_rows = chart.locator("tbody tr")
    expect(table_rows).to_have_count(15)
    expect(
        table_rows.filter(has_text=day_label(met_zed, with_year=True)).locator("td")
    ).to_have_text("22")
    values = [text.strip() for text in table_rows.locator("td").all_inner_texts()]
    assert sorted(values) == ["0"] * 14 + ["22"]
    chart.get_by_role("button", name="Show as chart").click()

    # Nothing about Zed anywhere on the page.
    assert_no_secret(page.content(), "the page")

    # On a phone: no sideways scrolling.
    with phone_sized(page):
        screenshot(page, "my-data-phone")

    # The export: one ZIP with JSON and CSV, his encounters, nothing about Zed.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download all my data").click()
    download = download_info.value
    assert download.suggested_filename == "my-data.zip"
    with zipfile.ZipFile(download.path()) as bundle:
        assert sorted(bundle.namelist()) == ["my-data.csv", "my-data.json"]
        json_text = bundle.read("my-data.json").decode()
        csv_text = bundle.read("my-data.csv").decode()
    assert_no_secret(json_text, "my-data.json")
    assert_no_secret(csv_text, "my-data.csv")

    data = json.loads(json_text)
    assert data["person"]["person_id"] == "810002"
    encounters = [e for d in data["days"] for e in d["encounters"]]
    assert [(e["seconds"], e["close_contact_length"]) for e in encounters] == [
        (1200, True),
        (120, False),
    ]
    assert [d["device_id"] for d in data["devices"]] == [BOB_DEVICE]
    assert data["consulted_on"] == [timezone.localdate().isoformat()]

    table = list(csv.reader(io.StringIO(csv_text)))
    encounter_rows = [row for row in table if row[0] == "encounter"]
    assert [row[3] for row in encounter_rows] == ["20.0", "2.0"]
    assert encounter_rows[0][4] == "close-contact length"
    assert any(row[0] == "device" and BOB_DEVICE in row[4] for row in table)
