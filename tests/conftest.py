"""Fixtures shared by every layer: a clean environment, moto, and the test client."""

from __future__ import annotations

import datetime
import functools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import services
from scripts.devstack.parts import LOCAL_PARTS
from tests.support.api import latest_code

# The tests run the app on the local stage's parts (the outbox mailer, the emulator's code
# mail), as make dev does.
services.use_local_parts(LOCAL_PARTS)

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


IDENTITY_BACKENDS = ["builtin", "cognito"]
# Per backend, how a test reads a mailed code, given the outbox folder. On moto the
# Cognito backend writes the pool's mails to the outbox too (identity/cognito/delivery.py).
CODE_READERS: dict[str, Callable[[Path], Any]] = {
    "builtin": lambda outbox: functools.partial(latest_code, outbox),
    "cognito": lambda outbox: functools.partial(latest_code, outbox),
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cognito_gap(reason): the Cognito emulator (moto) cannot behave like Cognito here; "
        "the test is a strict xfail on the cognito backend only",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked cognito_gap is a strict xfail when it runs on the cognito backend:
    the test itself stays as it is, and should the emulator learn the behaviour, the
    unexpected pass fails the run so the mark is removed."""
    for item in items:
        marker = item.get_closest_marker("cognito_gap")
        callspec = getattr(item, "callspec", None)
        if marker and callspec is not None and callspec.params.get("identity_backend") == "cognito":
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"moto gap: {marker.args[0]}"))


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
        "SERVER_SECRET": "test-signing-key-" + "k" * 40,
        "OUTBOX_DIR": str(outbox),
        "CORS_ORIGINS": f"{WEB_ORIGIN},http://127.0.0.1:8080",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "LOG_LEVEL": "WARNING",
        "MAILER": "outbox",
        "IDENTITY_BACKEND": identity_backend,
        "EQUAL_TIME_SECONDS": "0.02",  # the rule holds at any floor; tests need not wait long
        # moto checks authenticator codes only when asked to (two-step sign-in tests).
        "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("DYNAMODB_ENDPOINT", "AWS_PROFILE", "SERVER_SECRET_FILE"):
        monkeypatch.delenv(name, raising=False)
    services.reset()
    yield outbox
    services.reset()


@pytest.fixture
def aws(app_env: Path, identity_backend: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's in-process AWS with both tables created; the DynamoDB client."""
    from moto import mock_aws

    from scripts.tables import create_tables

    with mock_aws():
        if identity_backend == "cognito":
            _install_pool(monkeypatch)
        client = services.dynamodb_client()
        create_tables(client, USERS_TABLE, ALBUMS_TABLE)
        yield client


def _install_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh moto user pool for this test, named in the environment the app reads."""
    from chalicelib.identity.cognito import jwks
    from tests.support.cognito import fetch_through_moto, make_pool

    pool = make_pool()
    monkeypatch.setenv("COGNITO_USER_POOL_ID", pool.pool_id)
    monkeypatch.setenv("COGNITO_CLIENT_ID", pool.client_id)
    monkeypatch.setenv("COGNITO_SIGNUP_CLIENT_ID", pool.signup_client_id)
    monkeypatch.delenv("COGNITO_ENDPOINT", raising=False)
    monkeypatch.setattr(jwks, "fetch_json", fetch_through_moto)
    services.reset()


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
    from chalicelib.core.config import get_settings

    fake = FakeClock()
    settings = get_settings()
    identity = services.build_identity(settings, aws, clock=fake)
    services.install(accounts=services.build_accounts(settings, aws, identity, clock=fake))
    return fake


@pytest.fixture
def virtual_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Time that runs on from now and jumps when an authenticator waits for its next
    30-second step: the app, moto (which checks codes against its clock) and the test read
    the same clock (freezegun), so a fresh step costs no real half minute. For in-process
    tests only: a running stack's processes keep the real time."""
    from freezegun import freeze_time

    from tests.support import two_step

    with freeze_time(tick=True, ignore=["_pytest.timing"]) as frozen:  # pytest times tests on the real clock

        def jump(seconds: float) -> None:
            # From the ticking now: freezegun's own tick() drops the time run since the
            # last jump, and time must never run backwards.
            frozen.move_to(frozen() + datetime.timedelta(seconds=seconds))

        monkeypatch.setattr(two_step, "wait", jump)
        yield frozen
