"""Steps the browser tests share: signing in through the loopback identity provider."""

import re

from playwright.sync_api import expect


def open_provider_login(page, portal_url: str) -> None:
    page.goto(f"{portal_url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_role("button", name="Single sign-on").click()
    expect(page.locator("#kc-form-login")).to_be_visible()


def sign_in(page, portal_url: str, login: str, password: str) -> None:
    open_provider_login(page, portal_url)
    page.locator("#username").fill(login)
    page.locator("#password").fill(password)
    page.locator("#kc-login").click()
    expect(page).to_have_url(f"{portal_url}/")


def navigation(page) -> list[str]:
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    return [text.strip() for text in nav.get_by_role("link").all_inner_texts()]


def wait_until_no_sideways_scroll(page, width: int, timeout: float = 15.0) -> None:
    """Poll from here: the Content-Security-Policy forbids the eval behind wait_for_function.

    Generous: on a loaded machine the charts take seconds to lay out again.
    """
    import time

    deadline = time.monotonic() + timeout
    while page.evaluate("() => document.documentElement.scrollWidth") > width:
        if time.monotonic() > deadline:
            raise AssertionError(f"the page still scrolls sideways at {width} px")
        page.wait_for_timeout(100)
