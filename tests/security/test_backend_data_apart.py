"""Security review (data side): switching IDENTITY_BACKEND on one LOCAL_DIR
answered 500 (builtin signing in a Cognito-made user) or deleted data (the first Cognito
start removed every builtin user record). Each backend now keeps its tables in its own
DynamoDB data dir; switching never 500s and never deletes what the other backend made,
and a restart with the same backend keeps its users and albums."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from scripts.api_client import call
from scripts.devstack import Stack
from scripts.devstack.components import CognitoEmulator, dynamodb_data_dir
from tests.e2e.conftest import new_stack
from tests.failure.stack_client import dynamodb, stored_users
from tests.support.api import STRONG_PASSWORD, latest_code
from tests.support.prerequisites import require_dynamodb_local

pytestmark = pytest.mark.e2e
PET_SOUNDS = {"rank": 1, "title": "Pet Sounds", "artist": "The Beach Boys", "year": 1966, "genre": "Pop"}


def sign_up(stack: Stack, name: str) -> str:
    email = f"{name}@example.com"
    body = {"username": name, "email": email, "password": STRONG_PASSWORD}
    assert call(stack.api_url, "POST", "/auth/register", body)[0] == 201
    code = latest_code(stack.outbox_dir, email, timeout=30)
    assert call(stack.api_url, "POST", "/auth/confirm", {"username": name, "code": code})[0] == 200
    return sign_in(stack, name)


def sign_in(stack: Stack, name: str) -> str:
    status, body, _ = call(stack.api_url, "POST", "/auth/login", {"username": name, "password": STRONG_PASSWORD})
    assert status == 200, (name, status, body)
    return str(body["access_token"])


def refused(stack: Stack, name: str) -> None:
    status, body, _ = call(stack.api_url, "POST", "/auth/login", {"username": name, "password": STRONG_PASSWORD})
    assert (status, body["code"]) == (401, "invalid_credentials"), (name, status, body)


def call_with_token(
    base: str, path: str, token: str, body: dict[str, object] | None = None
) -> tuple[int, Any, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path,
        data=data,
        method="POST" if body is not None else "GET",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def run(local_dir: Path, backend: str) -> Stack:
    return new_stack(local_dir, seed=False, identity_backend=backend).start()


def test_switching_backends_keeps_each_ones_users_and_albums(tmp_path: Path) -> None:
    require_dynamodb_local()
    local_dir = tmp_path / "local"

    builtin = run(local_dir, "builtin")
    try:
        sign_up(builtin, "bea")
        builtin.run_cli(["grant-admin", "bea"])
        token = sign_in(builtin, "bea")
        status, _, _ = call_with_token(builtin.api_url, "/albums", token, PET_SOUNDS)
        assert status == 201
    finally:
        builtin.stop()

    cognito = run(local_dir, "cognito")
    try:
        refused(cognito, "bea")  # not this backend's user: 401, never a 500
        sign_up(cognito, "cory")
        # The name bea is free here: the builtin backend's records are not in this world.
        sign_up(cognito, "bea")
    finally:
        cognito.stop()

    builtin = run(local_dir, "builtin")
    try:
        assert set(stored_users(dynamodb(builtin.dynamodb_url))) == {"bea"}  # nothing deleted, nothing mixed in
        token = sign_in(builtin, "bea")
        status, body, _ = call_with_token(builtin.api_url, "/albums", token)
        assert status == 200 and [a["title"] for a in body["items"]] == ["Pet Sounds"]
        refused(builtin, "cory")
    finally:
        builtin.stop()

    cognito = run(local_dir, "cognito")
    try:
        assert set(stored_users(dynamodb(cognito.dynamodb_url))) == {"bea", "cory"}
        sign_in(cognito, "cory")
        sign_in(cognito, "bea")
    finally:
        cognito.stop()
    assert (local_dir / "dynamodb").is_dir() and (local_dir / "dynamodb-cognito").is_dir()


def test_a_pool_from_the_shared_folder_era_is_set_aside_not_deleted(tmp_path: Path) -> None:
    """A LOCAL_DIR from before: the pool's user records sit in LOCAL_DIR/dynamodb, which
    is the builtin backend's now. The Cognito start keeps that pool's file (renamed) and
    the builtin records, and starts a pool that matches its own, empty, tables."""
    require_dynamodb_local()
    local_dir = tmp_path / "local"
    builtin = run(local_dir, "builtin")
    try:
        sign_up(builtin, "bea")
    finally:
        builtin.stop()
    state = local_dir / "cognito" / "state.pickle"
    state.parent.mkdir(parents=True)
    state.write_bytes(b"a pool saved by an older make dev")  # never loaded: set aside first

    cognito = run(local_dir, "cognito")
    try:
        sign_up(cognito, "cory")
        assert (local_dir / "cognito" / "tables").read_text().strip() == "dynamodb-cognito"
    finally:
        cognito.stop()
    kept = [p for p in state.parent.iterdir() if p.name.startswith("state.pickle.before-dynamodb-cognito-")]
    assert [p.read_bytes() for p in kept] == [b"a pool saved by an older make dev"]
    assert dynamodb_data_dir(local_dir, "cognito") == local_dir / "dynamodb-cognito"
    assert CognitoEmulator.pairing_file(new_stack(local_dir)) == local_dir / "cognito" / "tables"

    builtin = run(local_dir, "builtin")
    try:
        sign_in(builtin, "bea")
    finally:
        builtin.stop()
    cognito = run(local_dir, "cognito")  # paired now: the same pool again
    try:
        sign_in(cognito, "cory")
    finally:
        cognito.stop()
