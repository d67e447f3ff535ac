"""Two-step sign-in in a real browser, on each identity backend: turn it on from the
profile's Security section (the secret read from the page, codes computed with pyotp as an
authenticator app would), sign out, sign in with a code, sign in with a recovery code."""

from __future__ import annotations

import re

import pytest
from browser_support import Person, api_call, screenshot, sign_in
from playwright.sync_api import Page, expect

from scripts.devstack import Stack
from tests.support.qr_read import read
from tests.support.two_step import RECOVERY_RE, Authenticator

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("identity_backend", ["builtin", "cognito"])]


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/(signin|index)\.html"))


def qr_text(page: Page) -> str:
    """What the QR code on the page says: its modules from the SVG path, read back."""
    path = page.locator("#mfa-qr svg path").get_attribute("d") or ""
    side = int((page.locator("#mfa-qr svg").get_attribute("viewBox") or "0 0 0 0").split()[2]) - 8
    modules = [[False] * side for _ in range(side)]
    for col, row in re.findall(r"M(\d+),(\d+)h1v1h-1z", path):
        modules[int(row) - 4][int(col) - 4] = True  # 4 modules of quiet zone
    return read(modules).text


def turn_on(page: Page, identity_backend: str) -> tuple[Authenticator, list[str]]:
    """On the profile page: turn two-step sign-in on; the authenticator and the codes."""
    page.goto("/profile.html")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.locator("#mfa-secret")).not_to_be_empty()
    app = Authenticator(page.locator("#mfa-secret").inner_text().replace(" ", ""), identity_backend)
    page.locator("#mfa-verify-code").fill(app.code())
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#mfa-code-list li")).to_have_count(10)
    codes = page.locator("#mfa-code-list li").all_inner_texts()
    page.get_by_role("button", name="I have saved them").click()
    expect(page.locator("#mfa-status")).to_have_text("Two-step sign-in is on.")
    return app, codes


def password_step(page: Page, who: Person) -> None:
    page.goto("/signin.html")
    page.get_by_label("Username or email").fill(who.username)
    page.get_by_label("Password").fill(who.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()


def test_turn_on_then_sign_in_with_a_code_and_with_a_recovery_code(
    page: Page, stack: Stack, confirmed_person: Person, identity_backend: str
) -> None:
    sign_in(page, confirmed_person)
    page.goto("/profile.html")
    expect(page.locator("#mfa-status")).to_have_text("Two-step sign-in is off.")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32,}", secret)
    uri = qr_text(page)
    assert uri.startswith(f"otpauth://totp/Bandstand:{confirmed_person.username}?") and f"secret={secret}" in uri
    screenshot(page, f"security-enrol-{identity_backend}")
    app = Authenticator(secret, identity_backend)
    page.locator("#mfa-verify-code").fill(app.wrong_code())
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#mfa-verify-code-error")).to_contain_text("not right")
    page.locator("#mfa-verify-code").fill(app.code())
    page.get_by_role("button", name="Confirm").click()
    codes = page.locator("#mfa-code-list li")
    expect(codes).to_have_count(10)
    recovery = codes.all_inner_texts()
    assert all(RECOVERY_RE.fullmatch(code) for code in recovery)
    expect(page.get_by_text("shown only this once")).to_be_visible()
    expect(page.get_by_role("button", name="Download codes")).to_be_visible()
    screenshot(page, f"security-recovery-codes-{identity_backend}")
    page.get_by_role("button", name="I have saved them").click()
    expect(page.locator("#mfa-status")).to_have_text("Two-step sign-in is on.")
    expect(page.locator("#mfa-left")).to_have_text("10")
    sign_out(page)

    # With the code: a wrong one says so and can be retried.
    password_step(page, confirmed_person)
    page.get_by_label("Authentication code").fill(app.wrong_code())
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#code-error")).to_contain_text("not right")
    page.get_by_label("Authentication code").fill(app.code())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/albums\.html"))
    page.goto("/profile.html")
    sign_out(page)

    # With a recovery code instead, sent with the password the page still holds.
    password_step(page, confirmed_person)
    page.get_by_role("button", name="Use a recovery code instead").click()
    page.get_by_label("Recovery code").fill(recovery[0].upper())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/albums\.html"))
    page.goto("/profile.html")
    expect(page.locator("#mfa-left")).to_have_text("9")
    screenshot(page, f"security-on-{identity_backend}")


def test_an_expired_session_goes_back_to_the_password(
    page: Page, stack: Stack, confirmed_person: Person, identity_backend: str
) -> None:
    """A session the API no longer knows (expired or spent): back to the password step."""
    sign_in(page, confirmed_person)
    app, _ = turn_on(page, identity_backend)
    sign_out(page)
    password_step(page, confirmed_person)
    # Five wrong codes spend the session; the sixth try finds it gone.
    for _ in range(5):
        page.get_by_label("Authentication code").fill(app.wrong_code())
        page.get_by_role("button", name="Verify").click()
        expect(page.locator("#code-error")).to_contain_text("not right")
    page.get_by_label("Authentication code").fill(app.wrong_code())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text("Enter your password again")
    expect(page.get_by_label("Password")).to_be_visible()


def test_turn_off_with_a_recovery_code_and_an_admin_turns_it_off(
    page: Page, stack: Stack, confirmed_person: Person, admin: Person, identity_backend: str
) -> None:
    sign_in(page, confirmed_person)
    _, codes = turn_on(page, identity_backend)
    page.get_by_label("Code from the app, or a recovery code").fill(codes[2])
    page.get_by_role("button", name="Turn off two-step sign-in").click()
    expect(page.locator("#mfa-status")).to_have_text("Two-step sign-in is off.")
    turn_on(page, identity_backend)
    sign_out(page)

    sign_in(page, admin)
    page.goto("/profile.html")
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    page.get_by_label("Username").fill("nobody-here")
    page.get_by_role("button", name="Turn off two-step sign-in").click()
    expect(page.locator("#admin-mfa-username-error")).to_have_text("No such user.")
    page.get_by_label("Username").fill(confirmed_person.username)
    page.get_by_role("button", name="Turn off two-step sign-in").click()
    expect(page.locator("#admin-mfa-notice")).to_contain_text(f"off for {confirmed_person.username}")
    status, body = api_call(
        stack.api_url,
        "POST",
        "/auth/login",
        {"username": confirmed_person.username, "password": confirmed_person.password},
    )
    assert status == 200 and "access_token" in body  # the password alone again
