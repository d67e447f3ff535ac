"""Fixtures for the browser tests: the real local stack and a headless Chromium.

The stack (DynamoDB Local in memory + `chalice local` + the static server) runs once per
session and identity backend (cognito adds the in-memory Cognito emulator) on free ports
with a temporary LOCAL_DIR, through scripts/devstack's `Stack`.
Chromium is the Debian package (/usr/bin/chromium); Playwright's own browser download is
never used.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
for folder in (REPO_ROOT, HERE):  # for scripts.devstack and browser_support
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from browser_support import Person, confirm, new_person, register  # noqa: E402
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright  # noqa: E402

from scripts.devstack import Stack, find_free_port  # noqa: E402
from tests.support.prerequisites import require_dynamodb_local, skip_or_fail  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing: sudo apt-get install chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Stack]]:
    """The session's stacks, one per identity backend, each started when first asked for."""
    running: dict[str, Stack] = {}

    def stack_for(identity_backend: str) -> Stack:
        if identity_backend not in running:
            require_dynamodb_local()
            ports: set[int] = set()
            while len(ports) < 4:
                ports.add(find_free_port())
            api_port, web_port, dynamodb_port, cognito_port = sorted(ports)
            started = Stack(
                api_port=api_port,
                web_port=web_port,
                dynamodb_port=dynamodb_port,
                cognito_port=cognito_port,
                local_dir=tmp_path_factory.mktemp(f"bandstand-local-{identity_backend}"),
                seed=True,
                in_memory=True,
                log_to_files=True,  # in <local_dir>/logs, kept by pytest's tmp_path
                identity_backend=identity_backend,
            )
            running[identity_backend] = started.start()
        return running[identity_backend]

    try:
        yield stack_for
    finally:
        for started in running.values():
            started.stop()


@pytest.fixture
def identity_backend() -> str:
    """The builtin backend unless a test parametrizes `identity_backend` (the main
    journeys run on cognito too, test_browser_journeys.py)."""
    return "builtin"


@pytest.fixture
def stack(stacks: Callable[[str], Stack], identity_backend: str) -> Stack:
    return stacks(identity_backend)


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    """A fresh tab on the web app; the test fails on an uncaught error or a CSP violation."""
    context = browser.new_context(base_url=stack.web_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(f"uncaught: {exc}"))

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            problems.append(f"CSP: {message.text}")

    tab.on("console", on_console)
    try:
        yield tab
    finally:
        context.close()
    assert not problems, "the page reported errors:\n" + "\n".join(problems)


@pytest.fixture
def person() -> Person:
    """Someone without an account yet."""
    return new_person()


@pytest.fixture
def confirmed_person(stack: Stack) -> Person:
    """Someone with a confirmed account, created through the API."""
    someone = new_person("member")
    register(stack.api_url, someone)
    confirm(stack.api_url, stack.outbox_dir, someone)
    return someone


@pytest.fixture
def admin(stack: Stack) -> Person:
    """A confirmed account granted the admin group with the command-line tool."""
    someone = new_person("admin")
    register(stack.api_url, someone)
    confirm(stack.api_url, stack.outbox_dir, someone)
    stack.run_cli(["grant-admin", someone.username])
    return someone
