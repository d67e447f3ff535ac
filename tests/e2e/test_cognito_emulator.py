"""The local Cognito emulator (scripts/cognito_emulator.py, moto in server mode) as
`IDENTITY_BACKEND=cognito make dev` uses it: the app talks to it over HTTP, fetches the
pool's JWKS from it with urllib, reads moto's reset code from its response header, and the
CLI grants admin through it. The same moto server stands in for DynamoDB here so the test
needs no Java; `make dev` uses DynamoDB Local."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib import cli, services
from scripts.cognito_emulator import Emulator, forget_users, load_env, save_env, start_emulator
from tests.support.api import STRONG_PASSWORD, Api
from tests.support.problems import assert_problem

USERS, ALBUMS = "bandstand-local-users", "bandstand-local-albums"  # the local stage's tables


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    running = start_emulator(free_port(), tmp_path / "cognito.log")
    yield running
    running.stop()


@pytest.fixture
def stack(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    from chalice.test import Client

    from app import app

    env = {
        **emulator.env,
        "STAGE": "local",
        "MAILER": "outbox",
        "USERS_TABLE": USERS,
        "ALBUMS_TABLE": ALBUMS,
        "DYNAMODB_ENDPOINT": emulator.endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "JWT_SECRET": "e2e-signing-key-" + "k" * 40,
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "CORS_ORIGINS": "http://localhost:8080",
        "LOG_LEVEL": "WARNING",
        "EQUAL_TIME_SECONDS": "0.02",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    services.reset()
    assert cli.main(["--stage", "local", "create-tables"]) == 0
    with Client(app) as client:
        yield Api(client, tmp_path / "outbox")
    services.reset()


def test_the_journey_on_the_emulator(stack: Api, capsys: Any) -> None:
    api = stack
    assert api.register("ana", "Ana@Example.com", full_name="Ana").status == 201
    code = api.code_for("Ana@Example.com")
    assert api.post("/auth/confirm", {"username": "ana", "code": code}).status == 200
    tokens = api.post("/auth/login", {"username": "ana@example.com", "password": STRONG_PASSWORD}).json
    me = api.get("/users/me", tokens["access_token"])
    assert me.status == 200 and me.json["full_name"] == "Ana" and me.json["groups"] == []

    assert cli.main(["--stage", "local", "grant-admin", "ANA"]) == 0
    assert "ana is now in the admin group" in capsys.readouterr().out
    assert api.get("/users", tokens["access_token"]).json["items"][0]["groups"] == ["admin"]
    assert cli.main(["--stage", "local", "grant-admin", "nobody"]) == 1

    refreshed = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}).json
    assert api.post("/auth/logout", token=refreshed["access_token"]).status == 204
    for access in (tokens["access_token"], refreshed["access_token"]):
        assert_problem(api.get("/users/me", access), 401, "invalid_token")
    assert_problem(api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}), 401, "invalid_token")

    # moto's reset code travels in a response header over HTTP; a wrong code is refused
    assert api.post("/auth/forgot-password", {"username": "ana"}).status == 202
    reset_code = api.code_for("Ana@Example.com", "reset")
    wrong = "000000" if reset_code != "000000" else "111111"
    new_password = "quiet mountain river stone"
    refused = api.post("/auth/reset-password", {"username": "ana", "code": wrong, "new_password": new_password})
    assert refused.status == 400  # moto says expired_code where Cognito says invalid_code
    ok = api.post("/auth/reset-password", {"username": "ana", "code": reset_code, "new_password": new_password})
    assert ok.status == 200
    again = api.post("/auth/login", {"username": "ana", "password": new_password})
    assert again.status == 200
    assert api.delete("/users/me", again.json["access_token"]).status == 204
    assert api.register("ana", "ana@example.com").status == 201


def test_forget_users_and_the_claim_rollback(stack: Api) -> None:
    """forget_users empties the users table as a restarted (empty) emulator needs. Here the
    pool still has the user, which shows the other path: Cognito refuses the name, and the
    claim written before SignUp is rolled back, so the address stays free."""
    assert stack.register("bob").status == 201
    dynamodb = boto3.client("dynamodb", endpoint_url=services.get_settings().dynamodb_endpoint)
    assert forget_users(dynamodb, USERS) == 2  # the record and the email claim
    assert_problem(stack.register("bob", "bob@example.com"), 409, "username_taken")  # from Cognito
    assert stack.register("bob2", "bob@example.com").status == 201  # the claim was released


def test_saved_env_is_found_while_the_emulator_runs(tmp_path: Path) -> None:
    running = start_emulator(free_port())
    try:
        save_env(running, tmp_path / "cognito.json")
        assert load_env(tmp_path / "cognito.json") == running.env
    finally:
        running.stop()
    assert load_env(tmp_path / "cognito.json") is None  # stopped: stale file, no answer
    assert load_env(tmp_path / "missing.json") is None
