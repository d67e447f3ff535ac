"""The main journeys through the web app, in a real browser against the real local stack,
on each identity backend (the cognito stack starts once, for these tests)."""

from __future__ import annotations

import re
import secrets

import pytest
from browser_support import Person, outbox_codes, read_code, screenshot, sign_in
from playwright.sync_api import Page, expect

from scripts.devstack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("identity_backend", ["builtin", "cognito"])]


def album_ranks(page: Page) -> list[int]:
    return [int(text) for text in page.locator("#albums-body tr td:first-child").all_text_contents()]


def test_newcomer_registers_verifies_signs_in_browses_and_signs_out(page: Page, stack: Stack, person: Person) -> None:
    page.goto("/signup.html")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_label("Full name").fill(person.full_name)
    screenshot(page, "sign-up")
    page.get_by_role("button", name="Create account").click()

    page.wait_for_url(re.compile(r"/verify\.html"))
    expect(page.get_by_label("Username")).to_have_value(person.username)
    expect(page.get_by_role("status")).to_contain_text("verification code")
    page.get_by_label("Verification code").fill(read_code(stack.outbox_dir, person.email))
    screenshot(page, "verify")
    page.get_by_role("button", name="Verify").click()

    page.wait_for_url(re.compile(r"/signin\.html"))
    expect(page.get_by_role("status")).to_contain_text("Email verified")
    expect(page.get_by_label("Username or email")).to_have_value(person.username)
    page.get_by_label("Password").fill(person.password)
    screenshot(page, "sign-in")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(re.compile(r"/albums\.html"))
    rows = page.locator("#albums-body tr")
    expect(rows).to_have_count(25)
    # A plain member gets no editing controls.
    expect(page.get_by_role("button", name="Add album")).to_be_hidden()
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)
    # Tokens live in sessionStorage only.
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("Object.keys(sessionStorage).length") == 1

    load_more = page.get_by_role("button", name="Load more")
    pages = 1
    while load_more.is_visible():
        shown = rows.count()
        load_more.click()
        expect(rows).not_to_have_count(shown)
        pages += 1
        assert pages < 100, "Load more never ran out"
    assert pages > 2
    ranks = album_ranks(page)
    assert ranks == sorted(ranks), "albums are not in rank order"
    assert len(ranks) == len(set(ranks)), "an album is shown twice"
    expect(page.get_by_role("status").filter(has_text="Showing all")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/signin\.html"))
    expect(page.get_by_role("status")).to_contain_text("signed out")
    assert page.evaluate("sessionStorage.length") == 0

    page.goto("/albums.html")
    page.wait_for_url(re.compile(r"/signin\.html\?next=albums\.html"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_admin_adds_edits_and_deletes_an_album(page: Page, admin: Person) -> None:
    sign_in(page, admin)
    add = page.get_by_role("button", name="Add album")
    expect(add).to_be_visible()
    expect(page.locator("#albums-body tr").first.get_by_role("button", name="Edit")).to_be_visible()
    screenshot(page, "dashboard-admin")

    tag = secrets.token_hex(3)
    title = f"Night Drive {tag}"
    rank = str(90_000 + secrets.randbelow(9_000))

    # Add.
    add.click()
    dialog = page.get_by_role("dialog", name="Add album")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Rank")).to_be_focused()
    dialog.get_by_label("Rank").fill(rank)
    dialog.get_by_label("Title").fill(title)
    dialog.get_by_label("Artist").fill(f"The Testers {tag}")
    dialog.get_by_label("Year").fill("2021")
    dialog.get_by_label("Genre").fill("Synthwave")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    row = page.locator("#albums-body tr", has_text=title)
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_have_text(rank)
    expect(page.get_by_role("status").filter(has_text="Added")).to_contain_text(title)

    # Edit: the form opens prefilled; the change shows in the table.
    row.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog", name="Edit album")
    expect(dialog.get_by_label("Title")).to_have_value(title)
    expect(dialog.get_by_label("Rank")).to_have_value(rank)
    new_title = f"{title} (Deluxe)"
    dialog.get_by_label("Title").fill(new_title)
    dialog.get_by_label("Year").fill("2022")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    row = page.locator("#albums-body tr", has_text=new_title)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(3)).to_have_text("2022")

    # Delete: Escape cancels; the dialog focuses its first button; Delete removes the row.
    row.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete album?")
    expect(confirm).to_be_visible()
    expect(confirm.get_by_role("button").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Delete").click()
    confirm.get_by_role("button", name="Delete").click()
    expect(page.locator("#albums-body tr", has_text=tag)).to_have_count(0)

    # Really gone on the server too: a reload does not bring it back.
    page.reload()
    expect(page.locator("#albums-body tr")).to_have_count(25)
    expect(page.locator("#albums-body tr", has_text=tag)).to_have_count(0)


def test_profile_edit_name_and_delete_account(page: Page, stack: Stack, confirmed_person: Person) -> None:
    sign_in(page, confirmed_person)
    page.get_by_role("link", name="Profile").click()
    page.wait_for_url(re.compile(r"/profile\.html"))
    profile = page.locator("#profile")
    expect(profile).to_contain_text(confirmed_person.username)
    expect(profile).to_contain_text(confirmed_person.email)
    expect(profile).to_contain_text("CONFIRMED")
    screenshot(page, "profile")

    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(profile).to_contain_text("Ada Lovelace")
    page.reload()
    expect(page.get_by_label("Full name")).to_have_value("Ada Lovelace")

    page.get_by_role("button", name="Delete account").click()
    confirm = page.get_by_role("dialog", name="Delete your account?")
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    confirm.get_by_role("button", name="Delete account").click()
    page.wait_for_url(re.compile(r"/signin\.html"))
    expect(page.get_by_role("status")).to_contain_text("deleted")

    # The account is gone: signing in again is refused.
    page.get_by_label("Username or email").fill(confirmed_person.username)
    page.get_by_label("Password").fill(confirmed_person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert").filter(has_text=re.compile(r"\w"))).to_be_visible()
    assert "/signin.html" in page.url


def test_forgot_password_then_reset_then_sign_in(page: Page, stack: Stack, confirmed_person: Person) -> None:
    page.goto("/signin.html")
    page.get_by_role("link", name="Forgot password").click()
    page.wait_for_url(re.compile(r"/forgot\.html"))
    page.get_by_label("Username").fill(confirmed_person.username)
    codes_before = len(outbox_codes(stack.outbox_dir, confirmed_person.email))
    page.get_by_role("button", name="Send reset code").click()

    page.wait_for_url(re.compile(r"/reset\.html"))
    expect(page.get_by_label("Username")).to_have_value(confirmed_person.username)
    code = read_code(stack.outbox_dir, confirmed_person.email, skip=codes_before)
    new_password = f"brass kettle {secrets.token_hex(3)} meadow"
    page.get_by_label("Verification code").fill(code)
    page.get_by_label("New password").fill(new_password)
    page.get_by_role("button", name="Reset password").click()

    page.wait_for_url(re.compile(r"/signin\.html"))
    expect(page.get_by_role("status")).to_contain_text("Password changed")
    page.get_by_label("Password").fill(new_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/albums\.html"))
