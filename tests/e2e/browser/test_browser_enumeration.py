"""The web app under docs/api.md's enumeration rules: a sign-up with a taken address looks
like any other, and a throttled "Resend code" shows the wait and comes back by itself."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from browser_support import Person, new_person, register
from playwright.sync_api import Page, expect

from scripts.devstack import Stack

pytestmark = pytest.mark.e2e


def mails_to(stack: Stack, address: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(stack.outbox_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address.lower() in str(message.get("To", "")).lower():
            found.append(message)
    return found  # type: ignore[return-value]


def test_sign_up_with_a_taken_email_goes_on_to_verify(page: Page, stack: Stack, confirmed_person: Person) -> None:
    newcomer = new_person("twin")
    page.goto("/signup.html")
    page.get_by_label("Username").fill(newcomer.username)
    page.get_by_label("Email").fill(confirmed_person.email.upper())
    page.get_by_label("Password").fill(newcomer.password)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/verify\.html"))
    expect(page.get_by_label("Username")).to_have_value(newcomer.username)
    expect(page.locator("[aria-invalid=true]")).to_have_count(0)
    expect(page.get_by_text("taken")).to_have_count(0)
    subjects = [str(m["Subject"]) for m in mails_to(stack, confirmed_person.email)]
    assert any("tried to sign up" in s for s in subjects), subjects


def test_resend_code_shows_the_wait_and_enables_the_button_again(page: Page, stack: Stack, person: Person) -> None:
    register(stack.api_url, person)
    page.clock.install()  # the page's timers run on a clock the test moves
    page.goto(f"/verify.html?username={person.username}")
    resend = page.get_by_role("button", name="Resend code")
    notice = page.locator("#notice")

    resend.click()  # right after sign-up: a new code goes out at once
    expect(notice).to_contain_text("new code")
    resend.click()  # within 30 s: the API says wait
    expect(notice).to_contain_text(re.compile(r"ask again in (2\d|30) seconds"))
    expect(resend).to_be_disabled()
    page.clock.run_for(5_000)
    expect(notice).to_contain_text(re.compile(r"ask again in (1\d|2\d) seconds"))
    expect(resend).to_be_disabled()
    page.clock.run_for(30_000)
    expect(resend).to_be_enabled()
    expect(notice).to_contain_text("You can ask for a new code now.")
    assert len(mails_to(stack, person.email)) == 2  # the sign-up code and one resend
