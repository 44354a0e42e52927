"""At phone width (390 px) the header is one line: the brand shortened, the navigation in a
<details> menu (no script), nothing sticking out sideways; the menu opens and holds the
navigation with the unread count. At 1280 px the navigation shows as before."""

from __future__ import annotations

import pytest

from tests.e2e.test_journey import CSP_ERRORS, _login, browser, live_server  # noqa: F401
from tests.e2e.test_journey import pytestmark as _needs_chromium

pytestmark = [_needs_chromium]

NOTHING_STICKS_OUT = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
    .map(e => e.tagName + '.' + e.className)"""


@pytest.mark.parametrize("who", ["employer", "hr", "finance", "auditor"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_phone_header_is_one_line_and_the_menu_opens(live_server, browser, who, lang):  # noqa: F811
    CSP_ERRORS.clear()
    base, _world = live_server
    page = _login(browser, base, who, lang=lang, width=390, height=844)
    header = page.locator("header.site-header")
    assert header.bounding_box()["height"] < 64
    assert page.locator("nav.main-nav").is_hidden()
    assert page.locator("header .brand-short").is_visible() and page.locator("header .brand-full").is_hidden()
    assert page.evaluate(NOTHING_STICKS_OUT) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # the menu: a <details>, closed at first, holding the navigation
    menu = page.locator("details.phone-menu")
    assert menu.is_visible() and page.locator(".phone-menu-panel").is_hidden()
    page.click("details.phone-menu summary")
    assert page.locator(".phone-menu-panel nav a[href='/inbox/']").is_visible()
    assert header.bounding_box()["height"] < 64  # the open menu lies over the page
    page.click(".phone-menu-panel nav a[href='/claims/']")
    page.wait_for_url(f"{base}/claims/")
    assert page.evaluate(NOTHING_STICKS_OUT) == []
    page.context.close()
    assert not CSP_ERRORS, CSP_ERRORS


def test_the_wide_header_keeps_the_navigation_and_the_charts_draw(live_server, browser):  # noqa: F811
    CSP_ERRORS.clear()
    base, _world = live_server
    page = _login(browser, base, "finance", lang="en", width=1280, height=900)
    assert page.locator("nav.main-nav").is_visible() and page.locator("details.phone-menu").is_hidden()
    assert page.locator("header .brand-full").is_visible()
    # the vendored Chart.js drew both charts (a canvas with pixels, no CSP refusal)
    page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length === 2")
    page.context.close()
    assert not CSP_ERRORS, CSP_ERRORS
