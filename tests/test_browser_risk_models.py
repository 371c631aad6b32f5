"""End to end in Chromium: RISK MODELS, the two calculators and the aggregation.

Alice (medical) opens Risk models, loads the DP-3T example (three days ending
today, the middle one at 16 min of exposure score) and computes: a score per
day and the decision to notify. She loads the RSSI example (four phones, one
heard for a minute only) and computes: three contacts with their scores and
risk in words, and the probability of infection of all of them together.
The screenshot in test-artifacts/ feeds the user guide.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import open_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_alice_computes_both_risk_models(page, live_server, oidc):
    sign_in(page, live_server.url, "alice", "alice-pw")
    open_page(page, "Risk models")
    expect(page.get_by_role("link", name="Help")).to_have_attribute("href", "/help/risk-models/")

    # DP-3T: the example, three days; 3 + 2 = 5, 10 + 6 = 16 (notify), 2 + 3 = 5.
    dp3t = page.locator(".risk-section").filter(
        has=page.get_by_role("heading", name="DP-3T / SwissCovid exposure score")
    )
    dp3t.get_by_role("button", name="Load an example").click()
    expect(dp3t.locator(".dp3t-input tbody tr")).to_have_count(3)
    dp3t.get_by_role("button", name="Compute the exposure score").click()
    scores = dp3t.get_by_role("table", name="Exposure score per day")
    expect(scores.locator("tbody tr").nth(1).locator("td").last).to_have_text("16 ≥ 15")
    expect(scores.locator("tbody tr").nth(0).locator("td").last).to_have_text("5")
    expect(dp3t.locator(".risk-decision")).to_contain_text("Notify")
    expect(
        dp3t.get_by_role("img", name="Exposure score per day and the notification threshold")
    ).to_be_visible()
    expect(dp3t.locator(".risk-params")).to_contain_text("10 days, today included")

    # RSSI: the example, four phones; the one heard for a minute is left out.
    rssi = page.locator(".risk-section").filter(
        has=page.get_by_role("heading", name="Inria RR-9345")
    )
    rssi.get_by_role("button", name="Load an example").click()
    expect(rssi.get_by_label("Or paste the CSV")).to_have_value(re.compile(r"^contact,time,rssi\n"))
    rssi.get_by_role("button", name="Compute the contact scores").click()
    contacts = rssi.get_by_role("table", name="Scores per contact")
    expect(contacts.locator("tbody tr")).to_have_count(3)
    expect(rssi.locator(".rssi-summary")).to_contain_text("1 shorter than 2 minutes left out")
    expect(contacts.get_by_role("row").filter(has_text="colleague-desk")).to_contain_text(
        "High risk"
    )
    expect(contacts.get_by_role("row").filter(has_text="meeting-room")).to_contain_text(
        "Medium risk"
    )
    expect(contacts.get_by_role("row").filter(has_text="corridor")).to_contain_text(
        "Negligible risk"
    )
    expect(
        contacts.get_by_role("row").filter(has_text="colleague-desk").get_by_role("cell").nth(1)
    ).to_have_text("8.64")
    expect(rssi.locator(".probability-value")).to_have_text("7.8 %")
    expect(rssi.get_by_role("img", name="Window scores per contact over time")).to_be_visible()

    # A bad line is reported with its number, and nothing is sent.
    rssi.get_by_label("Or paste the CSV").fill("contact,time,rssi\na,0,-60\na,soon,-61\n")
    rssi.get_by_role("button", name="Compute the contact scores").click()
    expect(rssi.locator("#rssi-csv-errors")).to_contain_text(
        "Line 3: The time “soon” is not a number"
    )

    # Back to the example for the picture.
    rssi.get_by_role("button", name="Load an example").click()
    rssi.get_by_role("button", name="Compute the contact scores").click()
    expect(rssi.locator(".probability-value")).to_have_text("7.8 %")
    page.wait_for_timeout(500)  # the bars and lines grow in
    screenshot(page, "risk-models")
