"""End to end in Chromium: the header is compact, the menu works by keyboard, no frame on <main>.

The widest header is that of a person with every role (every group of pages and the
administration): on a desktop it stays one row, on a phone it is the brand and a Menu
button. After each navigation focus moves to <main> for screen readers, which must not
draw a frame around the whole page, while real controls keep their focus ring.
"""

import pytest
from playwright.sync_api import expect

from core.roles import Role
from tests.browser import (
    main_navigation,
    screenshot,
    sign_in_with_a_session,
    wait_until_no_sideways_scroll,
)
from tests.personas import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

WIDE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# The cursor is in the new page (on <main>, or where the page put it), not left in the header.
IN_MAIN = "() => document.getElementById('main').contains(document.activeElement)"


@pytest.fixture
def everyone(db):
    """Every role at once: the most pages, the most groups."""
    return make_user("everyone", *Role, first_name="Evelyn", last_name="Everyrole")


def header_height(page) -> float:
    return page.locator(".site-header").bounding_box()["height"]


def focus_frame(page, selector: str) -> dict:
    """What the browser draws around the focused element: its outline and box shadow."""
    return page.evaluate(
        """(selector) => {
          const style = getComputedStyle(document.querySelector(selector))
          return { outline: style.outlineStyle, shadow: style.boxShadow }
        }""",
        selector,
    )


def test_the_header_is_one_row_on_a_wide_screen(page, live_server, everyone):
    page.set_viewport_size(WIDE)
    sign_in_with_a_session(page, live_server.url, everyone)
    page.goto(f"{live_server.url}/")
    groups = main_navigation(page).locator(".group-toggle")
    expect(groups).to_have_text(["Desk", "Medical", "Assets", "Oversight", "For me"])
    # Brand, every group, the administration, help, the name and sign out: one row.
    administration = page.get_by_role("banner").get_by_role("link", name="Administration")
    row = [page.locator(".brand"), *groups.all(), administration]
    row += [page.locator(".help-link"), page.locator(".account-name")]
    row += [page.get_by_role("button", name="Sign out")]
    middles = [box["y"] + box["height"] / 2 for box in (item.bounding_box() for item in row)]
    assert max(middles) - min(middles) < 10, middles
    assert header_height(page) <= 60  # one row of 2.5 rem buttons and its padding
    screenshot(page, "header-wide")

    # A group opens under its button; Escape closes it and leaves the cursor on the button.
    desk = page.get_by_role("button", name="Desk")
    desk.focus()
    page.keyboard.press("Enter")
    expect(desk).to_have_attribute("aria-expanded", "true")
    expect(main_navigation(page).get_by_role("link", name="Registration")).to_be_visible()
    screenshot(page, "header-wide-group-open")
    page.keyboard.press("Escape")
    expect(desk).to_have_attribute("aria-expanded", "false")
    expect(desk).to_be_focused()
    expect(main_navigation(page).get_by_role("link", name="Registration")).to_be_hidden()

    # By keyboard to a page: open the group, Tab to its first page, Enter.
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(main_navigation(page).get_by_role("link", name="Registration")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Registration")).to_be_visible()
    expect(desk).to_have_attribute("aria-expanded", "false")  # closed after the navigation
    assert page.evaluate(IN_MAIN)

    # A click elsewhere closes an open group.
    page.get_by_role("button", name="For me").click()
    expect(main_navigation(page).get_by_role("link", name="My data")).to_be_visible()
    page.mouse.click(5, 700)  # on the page, away from the open list
    expect(main_navigation(page).get_by_role("link", name="My data")).to_be_hidden()

    # A narrower desktop: the header may take a second row, never a sideways scroll.
    page.set_viewport_size({"width": 1024, "height": 768})
    wait_until_no_sideways_scroll(page, 1024)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()


def test_on_a_phone_the_header_is_small_and_the_menu_opens_by_keyboard(page, live_server, everyone):
    page.set_viewport_size(PHONE)
    sign_in_with_a_session(page, live_server.url, everyone)
    page.goto(f"{live_server.url}/")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(main_navigation(page)).to_be_hidden()
    share = header_height(page) / PHONE["height"]
    assert share < 0.2, f"the header takes {share:.0%} of the screen"
    screenshot(page, "header-phone")

    # Skip link, brand, Menu: the third Tab press.
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    nav = main_navigation(page)
    expect(nav).to_be_visible()
    # Every group under its name, every page in it, the admin, help and sign out.
    expect(nav.locator(".group-label")).to_have_text(
        ["Desk", "Medical", "Assets", "Oversight", "For me"]
    )
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, "header-phone-menu-open")

    # Escape closes the menu and gives the cursor back to its button.
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(nav).to_be_hidden()

    # Open again, Tab to the first page, Enter: the page opens and the menu closes.
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Registration")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Registration")).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    # The cursor is in the new page, not left behind in the closed menu.
    assert page.evaluate(IN_MAIN)
    assert header_height(page) / PHONE["height"] < 0.2


def test_no_frame_is_drawn_around_main_after_a_navigation(page, live_server, everyone):
    page.set_viewport_size(WIDE)
    sign_in_with_a_session(page, live_server.url, everyone)
    page.goto(f"{live_server.url}/")
    # By mouse: follow a page's link from the start page.
    page.locator(".page-list").get_by_role("link", name="Transparency").click()
    expect(page.get_by_role("heading", level=1, name="Transparency")).to_be_visible()
    expect(page.locator("main")).to_be_focused()
    assert focus_frame(page, "main") == {"outline": "none", "shadow": "none"}

    # By keyboard: the same after a navigation by Enter (when :focus-visible would apply).
    page.get_by_role("button", name="For me").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Appointments")).to_be_visible()
    expect(page.locator("main")).to_be_focused()
    assert focus_frame(page, "main") == {"outline": "none", "shadow": "none"}
    screenshot(page, "focus-after-navigation")

    # A real control still shows its ring when reached by keyboard.
    page.keyboard.press("Shift+Tab")  # back from <main> to the header's last control
    expect(page.get_by_role("button", name="Sign out")).to_be_focused()
    ring = focus_frame(page, ".signout-form button")
    assert ring["outline"] == "solid"


def test_the_user_guide_has_the_portals_header(page, live_server, everyone):
    page.set_viewport_size(WIDE)
    sign_in_with_a_session(page, live_server.url, everyone)
    page.goto(f"{live_server.url}/help/")
    nav = main_navigation(page)
    nav.get_by_text("Desk", exact=True).click()  # a group opens without any script
    nav.get_by_role("link", name="Desk day").click()
    expect(page.get_by_role("heading", level=1, name="Desk day")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/desk/")
    page.goto(f"{live_server.url}/help/")
    expect(page.get_by_role("link", name="Desk day")).to_have_attribute("href", "/help/desk/")
    expect(page.locator(".messages")).to_have_count(0)
    screenshot(page, "help-header")
