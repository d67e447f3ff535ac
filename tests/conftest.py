"""Fixtures shared by every layer: a clean environment, moto, and the test client."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import services
from tests.support.api import latest_code

USERS_TABLE = "test-users"
ALBUMS_TABLE = "test-albums"
WEB_ORIGIN = "http://localhost:8080"


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self) -> None:
        # Starts at the real time: tokens are still checked against the real clock.
        self.ms = int(time.time() * 1000)

    def now_ms(self) -> int:
        return self.ms

    def advance(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)


IDENTITY_BACKENDS = ["builtin"]
# Per backend, how a test reads a mailed code, given the outbox folder.
CODE_READERS: dict[str, Callable[[Path], Any]] = {
    "builtin": lambda outbox: functools.partial(latest_code, outbox),
}


@pytest.fixture(params=IDENTITY_BACKENDS)
def identity_backend(request: pytest.FixtureRequest) -> str:
    """The identity backend under test: every test that runs the app runs once per backend."""
    backend: str = request.param
    return backend


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, identity_backend: str) -> Iterator[Path]:
    """The environment of a local-stage app, with its outbox in a temp folder."""
    outbox = tmp_path / "outbox"
    for name, value in {
        "STAGE": "test",
        "USERS_TABLE": USERS_TABLE,
        "ALBUMS_TABLE": ALBUMS_TABLE,
        "JWT_SECRET": "test-signing-key-" + "k" * 40,
        "OUTBOX_DIR": str(outbox),
        "CORS_ORIGINS": f"{WEB_ORIGIN},http://127.0.0.1:8080",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "LOG_LEVEL": "WARNING",
        "MAILER": "outbox",
        "IDENTITY_BACKEND": identity_backend,
        "EQUAL_TIME_SECONDS": "0.02",  # the rule holds at any floor; tests need not wait long
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("DYNAMODB_ENDPOINT", "AWS_PROFILE", "JWT_SECRET_FILE"):
        monkeypatch.delenv(name, raising=False)
    services.reset()
    yield outbox
    services.reset()


@pytest.fixture
def aws(app_env: Path) -> Iterator[Any]:
    """moto's in-process AWS with both tables created; the DynamoDB client."""
    from moto import mock_aws

    from chalicelib.repository.tables import create_tables

    with mock_aws():
        client = services.dynamodb_client()
        create_tables(client, USERS_TABLE, ALBUMS_TABLE)
        yield client


@pytest.fixture
def api(aws: Any, app_env: Path, identity_backend: str) -> Iterator[Any]:
    from chalice.test import Client

    from app import app
    from tests.support.api import Api

    with Client(app) as client:
        yield Api(client, app_env, CODE_READERS[identity_backend](app_env))


@pytest.fixture
def clock(aws: Any) -> FakeClock:
    """Install accounts (and an identity provider) whose time the test controls."""
    from chalicelib.config import get_settings

    fake = FakeClock()
    settings = get_settings()
    identity = services.build_identity(settings, aws, clock=fake)
    services.install(accounts=services.build_accounts(settings, aws, identity, clock=fake))
    return fake
