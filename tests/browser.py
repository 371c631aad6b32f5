"""Steps the browser tests share: Chromium, signing in, the pages, the screenshots.

Debian's Chromium driven by Playwright (its own browser download cannot work
here); tests/conftest.py makes the `chromium` and `page` fixtures with it.
"""

import re
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

# --- Chromium ----------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Screenshots: the user guide's pictures, and a test's page when it failed.
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def new_page(browser):
    """A page in a fresh browser profile, on a desktop screen, waiting up to 15 s for anything."""
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(15_000)
    return context.new_page()


def screenshot(page, name: str) -> None:
    """The whole page into test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


# --- Signing in and out --------------------------------------------------------


def open_provider_login(page, portal_url: str) -> None:
    page.goto(f"{portal_url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_role("button", name="Single sign-on").click()
    expect(page.locator("#kc-form-login")).to_be_visible()


def sign_in(page, portal_url: str, login: str, password: str) -> None:
    """Sign in through the loopback identity provider."""
    open_provider_login(page, portal_url)
    page.locator("#username").fill(login)
    page.locator("#password").fill(password)
    page.locator("#kc-login").click()
    expect(page).to_have_url(f"{portal_url}/")


def sign_in_with_a_session(page, portal_url: str, user) -> None:
    """`user` signed in without the identity provider: the session of a test client."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": portal_url}]
    )


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()  # posts here, redirects to the provider
    logout = page.locator("#kc-logout")  # the provider asks whether to end its session too
    expect(logout).to_be_visible()
    logout.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


# --- The pages ---------------------------------------------------------------


def main_navigation(page):
    """The header's navigation, shown or not (on a phone it is in the closed menu)."""
    # The app's header, or the user guide's (its name is in the reader's language).
    return page.locator("nav.main-nav, nav.guide-nav")


def navigation(page) -> list[str]:
    """The titles of every link of the navigation, in order, whether its group is open or not."""
    nav = main_navigation(page)
    expect(nav.locator("a").first).to_be_attached()
    return [text.strip() for text in nav.locator("a").all_text_contents()]


def reveal_in_navigation(page, title: str):
    """The navigation's link `title`, made visible as a person would: open the menu (small
    screens), then the link's group (wide screens). Returns the link."""
    nav = main_navigation(page)
    expect(nav.locator("a").first).to_be_attached()  # the app has drawn its header
    menu = page.locator("button.menu-toggle")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    link = nav.get_by_role("link", name=title, exact=True)
    if not link.is_visible():
        exactly = re.compile(rf"^\s*{re.escape(title)}\s*$")
        group = nav.locator(".nav-group").filter(has=page.locator("a", has_text=exactly))
        group.locator(".group-toggle").click()
    expect(link).to_be_visible()
    return link


def open_page(page, title: str) -> None:
    """Follow the main navigation's link `title` to the page of that heading."""
    reveal_in_navigation(page, title).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def scan(page, text: str) -> None:
    """A barcode scanner types into the focused field, then presses Enter."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def wait_until_no_sideways_scroll(page, width: int, timeout: float = 15.0) -> None:
    """Poll from here: the Content-Security-Policy forbids the eval behind wait_for_function.

    Generous: on a loaded machine the charts take seconds to lay out again.
    """
    deadline = time.monotonic() + timeout
    while page.evaluate("() => document.documentElement.scrollWidth") > width:
        if time.monotonic() > deadline:
            raise AssertionError(f"the page still scrolls sideways at {width} px")
        page.wait_for_timeout(100)


@contextmanager
def phone_sized(page):
    """The page on a phone-sized screen (the layout must not need sideways scrolling).

    A chart follows the new width on the browser's next resize observation, so wait for it.
    """
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        wait_until_no_sideways_scroll(page, PHONE["width"])
        yield
    finally:
        page.set_viewport_size(size)


def browser_time(page, days_ago: int = 0) -> str:
    """Now (or `days_ago` days before), as a person types it into a date-time field.

    On the organisation's clock (TIME_ZONE), as the portal reads the field, whatever the
    browser's zone: "2025-11-18T09:41". (`page` is kept for the callers; it is not asked.)
    """
    moment = timezone.localtime(timezone.now() - timedelta(days=days_ago))
    return f"{moment:%Y-%m-%dT%H:%M}"


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August"]
MONTHS += ["September", "October", "November", "December"]


def day_label(day, *, with_year: bool = True) -> str:
    """How the pages name a day: "Tue 24 Nov 2025" (the portal's one family, core/dates.py).

    `day`: a date, or a moment (the day in the portal's time zone); with_year=False for a
    compact heading that says the year elsewhere ("Tue 24 Nov").
    """
    if isinstance(day, datetime):
        day = timezone.localtime(day).date()
    label = f"{WEEKDAYS[day.weekday()][:3]} {day.day} {MONTHS[day.month - 1][:3]}"
    return f"{label} {day.year}" if with_year else label


def trace_from_positive_test_now(page, *, search: str, case: str, reason: str) -> None:
    """On the Tracking page: trace the person `search` finds from a positive test now."""
    open_page(page, "Tracking")
    page.get_by_role("combobox", name="Person to trace").press_sequentially(search)
    page.get_by_role("option").first.click()
    page.get_by_label("Positive test, no symptoms").check()
    page.get_by_label("Date and time of the positive test").fill(browser_time(page))
    page.get_by_label("Case reference").fill(case)
    page.locator("#tracking-reason").fill(reason)
    page.get_by_role("button", name="Run the trace").click()
    expect(page.locator(".trace-result h2")).to_have_text(f"Case {case}")
