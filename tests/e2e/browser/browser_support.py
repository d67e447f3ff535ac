"""Helpers shared by the browser tests: people, emailed codes, screenshots, signing in."""

from __future__ import annotations

import email
import email.policy
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from scripts.api_client import call

REPO_ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
CODE_RE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class Person:
    username: str
    email: str
    password: str
    full_name: str


def new_person(prefix: str = "fan") -> Person:
    tag = secrets.token_hex(4)
    return Person(
        username=f"{prefix}{tag}",
        email=f"{prefix}.{tag}@example.com",
        # Long, uncommon, and free of the username and the email's local part.
        password=f"quiet lantern {secrets.token_hex(3)} orchard",
        full_name=f"Test {prefix.title()}",
    )


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of a main page in test-artifacts/screenshots (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def outbox_codes(outbox: Path, address: str) -> list[tuple[float, str, str]]:
    """(mtime, file name, code) of every .eml in the outbox sent to `address`."""
    found = []
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address.lower() not in str(message.get("To", "")).lower():
            continue
        body = message.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""  # type: ignore[attr-defined]
        match = CODE_RE.search(text)
        if match:
            found.append((path.stat().st_mtime, path.name, match.group(1)))
    return sorted(found)


def read_code(outbox: Path, address: str, *, skip: int = 0, timeout: float = 10.0) -> str:
    """The code of the email to `address` that comes after the first `skip` ones."""
    deadline = time.monotonic() + timeout
    while True:
        found = outbox_codes(outbox, address)
        if len(found) > skip:
            return found[-1][2]
        if time.monotonic() > deadline:
            raise AssertionError(f"no new code for {address} in {outbox}")
        time.sleep(0.2)


def api_call(api_url: str, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """A JSON request straight to the API (to set a test up, not to test it)."""
    status, reply, _ = call(api_url, method, path, body, timeout=10)
    return status, reply


def register(api_url: str, person: Person) -> None:
    status, body = api_call(
        api_url,
        "POST",
        "/auth/register",
        {"username": person.username, "email": person.email, "password": person.password},
    )
    assert status == 201, body


def confirm(api_url: str, outbox: Path, person: Person) -> None:
    code = read_code(outbox, person.email)
    status, body = api_call(api_url, "POST", "/auth/confirm", {"username": person.username, "code": code})
    assert status == 200, body


def sign_in(page: Page, who: Person) -> None:
    """Sign in through the page and wait for the album dashboard."""
    page.goto("/signin.html")
    page.get_by_label("Username or email").fill(who.username)
    page.get_by_label("Password").fill(who.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/albums\.html"))
