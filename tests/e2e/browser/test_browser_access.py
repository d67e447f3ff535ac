"""Keyboard use and narrow screens."""

from __future__ import annotations

import re

import pytest
from browser_support import Person, screenshot, sign_in
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_sign_in_works_by_keyboard_alone(page: Page, confirmed_person: Person) -> None:
    page.goto("/signin.html")
    expect(page.get_by_label("Username or email")).to_be_focused()
    page.keyboard.type(confirmed_person.username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(confirmed_person.password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/albums\.html"))


def test_layout_holds_at_360px(page: Page, confirmed_person: Person) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/signup.html", "/signin.html"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    sign_in(page, confirmed_person)
    expect(page.locator("#albums-body tr")).to_have_count(25)
    # The page itself never scrolls sideways; the table scrolls inside its wrapper.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    wrapper = page.get_by_role("region", name="Albums")
    assert wrapper.evaluate("el => el.scrollWidth > el.clientWidth")
    screenshot(page, "dashboard-360")
