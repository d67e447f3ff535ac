"""The local Cognito emulator (scripts/cognito_emulator.py, moto's app in our own process)
as `IDENTITY_BACKEND=cognito make dev` uses it: the app talks to it over HTTP, fetches the
pool's JWKS from it with urllib, reads moto's reset code from its response header, and the
CLI grants admin through it. The same server stands in for DynamoDB in the first tests so
they need no Java; `make dev` uses DynamoDB Local. Then durability: a SIGKILLed emulator
restarted on its state file still has its users, and a stack whose pool state is lost
clears the users the new pool does not have."""

from __future__ import annotations

import json
import os
import signal
import socket
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib import services
from chalicelib.identity.cognito.app_client import AppClient
from scripts import admin as cli
from scripts import devstack
from scripts.cognito_emulator import Emulator, cognito_client, forget_users, load_env, save_env, start_emulator
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
        "SERVER_SECRET": "e2e-signing-key-" + "k" * 40,
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
    """forget_users empties the users table as an emulator that lost its state needs. Here the
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


def sign_in(emulator: Emulator, username: str, password: str = STRONG_PASSWORD) -> dict[str, Any]:
    cognito = cognito_client(emulator.endpoint)
    answer = cognito.initiate_auth(
        ClientId=emulator.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return dict(answer["AuthenticationResult"])


def test_a_killed_emulator_restarts_with_its_users(tmp_path: Path) -> None:
    """Every acknowledged change is on disk before its answer: SIGKILL (no chance to save
    on the way out), restart on the same state file, and the user still signs in, with the
    same pool and client ids and a refresh token that still works."""
    state_file = tmp_path / "cognito" / "state.pickle"
    port = free_port()
    first = start_emulator(port, tmp_path / "cognito.log", state_file=state_file)
    try:
        assert first.created
        cognito = cognito_client(first.endpoint)
        attributes = [{"Name": "email", "Value": "kim@example.com"}]
        cognito.sign_up(ClientId=first.client_id, Username="kim", Password=STRONG_PASSWORD, UserAttributes=attributes)
        cognito.admin_confirm_sign_up(UserPoolId=first.pool_id, Username="kim")
        refresh_token = sign_in(first, "kim")["RefreshToken"]
        assert state_file.stat().st_mode & 0o777 == 0o600  # moto keeps passwords in clear
    finally:
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait()

    second = start_emulator(port, tmp_path / "cognito.log", state_file=state_file)
    try:
        assert not second.created
        assert (second.pool_id, second.client_id) == (first.pool_id, first.client_id)
        assert "AccessToken" in sign_in(second, "kim")
        # The client's secret survives too: moto checks SECRET_HASH on a refresh.
        client = AppClient(cognito_client(second.endpoint), second.pool_id, second.client_id)
        refreshed = cognito_client(second.endpoint).initiate_auth(
            ClientId=second.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters=client.auth_parameters("kim", REFRESH_TOKEN=refresh_token),
        )
        assert "AccessToken" in refreshed["AuthenticationResult"]
        # the JWKS the API verifies tokens with is served as before (moto's fixed key)
        jwks_url = f"{second.endpoint}/{second.pool_id}/.well-known/jwks.json"
        with urllib.request.urlopen(jwks_url, timeout=5) as response:
            assert json.loads(response.read())["keys"][0]["alg"] == "RS256"
    finally:
        second.stop()


def test_an_unreadable_state_file_is_set_aside(tmp_path: Path) -> None:
    state_file = tmp_path / "state.pickle"
    state_file.write_bytes(b"not a pickle")
    running = start_emulator(free_port(), tmp_path / "cognito.log", state_file=state_file)
    try:
        assert running.created  # a new, empty pool
        assert [p.name.split(".unreadable-")[0] for p in tmp_path.glob("*.unreadable-*")] == ["state.pickle"]
        assert "starting empty" in (tmp_path / "cognito.log").read_text()
    finally:
        running.stop()


def test_a_lost_pool_state_clears_the_users_it_had(make_stack: Callable[..., devstack.Stack]) -> None:
    """Without its state file the emulator starts an empty pool; the stack then removes the
    users table's records of the users that pool no longer has (and says so in its log),
    so the name and the address can be registered again."""
    stack = make_stack(identity_backend="cognito")
    person = {"username": "gone", "email": "gone@example.com", "password": STRONG_PASSWORD}
    assert post(stack.api_url + "/auth/register", person) == 201
    stack.stop()
    (stack.local_dir / "cognito" / "state.pickle").unlink()

    restarted = make_stack(identity_backend="cognito")
    log = (restarted.logs_dir / "devstack.log").read_text()
    assert "removed 2 user records and email claims the new pool does not have" in log
    assert post(restarted.api_url + "/auth/register", person) == 201


def post(url: str, body: dict[str, str]) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)
