"""How the web app shows the API's refusals: beside the right field, or for the whole form."""

from __future__ import annotations

import re

import pytest
from browser_support import Person, api_call, new_person, read_code, register, sign_in
from playwright.sync_api import Locator, Page, expect

from scripts.devstack import Stack

pytestmark = pytest.mark.e2e


def field_error(page: Page, label: str) -> Locator:
    """The error shown for a field: its alert, linked to the input by aria-describedby."""
    field = page.get_by_label(label, exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    error_id = field.get_attribute("id") + "-error"
    expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{re.escape(error_id)}\b"))
    error = page.locator(f"#{error_id}")
    expect(error).to_have_attribute("role", "alert")
    return error


def fill_sign_up(page: Page, who: Person, *, username: str | None = None, password: str | None = None) -> None:
    page.goto("/signup.html")
    page.get_by_label("Username").fill(username or who.username)
    page.get_by_label("Email").fill(who.email)
    page.get_by_label("Password").fill(password or who.password)
    page.get_by_role("button", name="Create account").click()


def test_taken_username_is_shown_under_username(page: Page, stack: Stack, confirmed_person: Person) -> None:
    newcomer = new_person()
    fill_sign_up(page, newcomer, username=confirmed_person.username)
    expect(field_error(page, "Username")).to_contain_text("taken")
    expect(page.get_by_label("Username")).to_be_focused()
    assert "/signup.html" in page.url


def test_common_password_is_refused_by_the_api_under_password(page: Page) -> None:
    fill_sign_up(page, new_person(), password="passwordpassword")
    error = field_error(page, "Password")
    expect(error).not_to_be_empty()
    expect(page.get_by_label("Username")).not_to_have_attribute("aria-invalid", "true")
    assert "/signup.html" in page.url


def test_short_password_is_refused_under_password(page: Page) -> None:
    fill_sign_up(page, new_person(), password="too short")
    expect(field_error(page, "Password")).to_contain_text("15")


def test_wrong_verification_code_is_shown_under_the_code(page: Page, stack: Stack, person: Person) -> None:
    register(stack.api_url, person)
    real = read_code(stack.outbox_dir, person.email)
    wrong = f"{(int(real) + 1) % 1_000_000:06d}"
    page.goto(f"/verify.html?username={person.username}")
    page.get_by_label("Verification code").fill(wrong)
    page.get_by_role("button", name="Verify").click()
    expect(field_error(page, "Verification code")).not_to_be_empty()
    assert "/verify.html" in page.url

    # Resend code answers 202 with a notice and mails a new code at once (the sign-up
    # mail does not count against the throttle); the new code then verifies.
    page.get_by_role("button", name="Resend code").click()
    expect(page.get_by_role("status")).to_contain_text("new code")
    fresh = read_code(stack.outbox_dir, person.email, skip=1)
    page.get_by_label("Verification code").fill(fresh)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/signin\.html"))
    expect(page.get_by_role("status")).to_contain_text("Email verified")


def test_unconfirmed_sign_in_leads_to_verify(page: Page, stack: Stack, person: Person) -> None:
    register(stack.api_url, person)
    page.goto("/signin.html")
    page.get_by_label("Username or email").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/verify\.html"))
    expect(page.get_by_label("Username")).to_have_value(person.username)
    expect(page.get_by_role("status")).to_contain_text("not verified")


def sign_in_attempt(page: Page, username: str, password: str) -> Locator:
    """Submit the sign-in form once; returns the form's general alert once answered."""
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    button = page.get_by_role("button", name="Sign in")
    button.click()
    expect(button).to_be_enabled()  # disabled while the request runs
    return page.locator("#signin-form .form-error")


def test_wrong_password_shows_the_api_detail(page: Page, stack: Stack, confirmed_person: Person) -> None:
    # The API answers an unknown user exactly like a wrong password: take its wording from there.
    status, problem = api_call(
        stack.api_url, "POST", "/auth/login", {"username": new_person().username, "password": "x" * 20}
    )
    assert status == 401 and problem["code"] == "invalid_credentials"
    page.goto("/signin.html")
    alert = sign_in_attempt(page, confirmed_person.username, "not the right password at all")
    expect(alert).to_have_text(problem["detail"])
    expect(alert).to_have_attribute("role", "alert")
    assert "/signin.html" in page.url


def test_repeated_wrong_passwords_show_how_long_to_wait(page: Page, confirmed_person: Person) -> None:
    page.goto("/signin.html")
    wait_message = re.compile(r"Too many failed sign-in attempts\. Wait \d+ (second|minute)")
    # Five failures lock the name; the lock starts at one second, so keep trying until
    # an attempt lands inside it (the lock doubles each time).
    for _ in range(12):
        alert = sign_in_attempt(page, confirmed_person.username, "definitely the wrong password")
        expect(alert).not_to_be_empty()
        if wait_message.search(alert.text_content() or ""):
            break
    expect(alert).to_have_text(wait_message)


def test_album_conflicts_are_shown_beside_rank_and_title(page: Page, admin: Person) -> None:
    sign_in(page, admin)
    first = page.locator("#albums-body tr").first.locator("td")
    expect(first.first).to_have_text(re.compile(r"^\d+$"))
    rank, title, artist = (first.nth(i).text_content() or "" for i in range(3))

    page.get_by_role("button", name="Add album").click()
    dialog = page.get_by_role("dialog", name="Add album")
    dialog.get_by_label("Rank").fill(rank)
    dialog.get_by_label("Title").fill(f"Unheard {new_person().username}")
    dialog.get_by_label("Artist").fill("Nobody Yet")
    dialog.get_by_label("Year").fill("2020")
    dialog.get_by_label("Genre").fill("Ambient")
    dialog.get_by_role("button", name="Save").click()
    expect(field_error(page, "Rank")).not_to_be_empty()

    dialog.get_by_label("Rank").fill("99999")
    dialog.get_by_label("Title").fill(title)
    dialog.get_by_label("Artist").fill(artist)
    dialog.get_by_role("button", name="Save").click()
    expect(field_error(page, "Title")).not_to_be_empty()
    expect(dialog.get_by_label("Rank")).not_to_have_attribute("aria-invalid", "true")

    # Escape closes the dialog and gives focus back to the button that opened it.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Add album")).to_be_focused()
