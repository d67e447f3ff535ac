"""The DynamoDB and Cognito calls of each two-step route, per backend, counted with
botocore's before-call events (the figures the docs quote, kept true here)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import services
from tests.support.api import STRONG_PASSWORD
from tests.support.calls import Calls
from tests.support.two_step import Authenticator

# Authenticator steps come in virtual time: no real half-minute waits (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("virtual_time")

AUTH = ["dynamodb:GetItem"]  # authenticate: the user record (cut-off, groups)
TRY = "dynamodb:UpdateItem"  # the sign-in try, taken before the password is checked
GIVE_BACK = "dynamodb:UpdateItem"  # a right password that only opens a challenge gives its try back
STATE = "dynamodb:GetItem"  # the profile item's two-step attributes
LOCK = ["dynamodb:GetItem", "dynamodb:GetItem"]  # the sign-in lock and the daily code cap, before a code
CAP = "dynamodb:GetItem"  # the daily code cap, before a recovery code sent with the password
EXPECTED: dict[str, dict[str, list[str]]] = {
    "builtin": {
        "POST /users/me/mfa/totp": [*AUTH, STATE, "dynamodb:UpdateItem"],
        "POST /users/me/mfa/totp/verify": [*AUTH, STATE, *LOCK, "dynamodb:UpdateItem"],
        "POST /auth/login (challenge)": [
            "dynamodb:BatchGetItem",  # the user + the lockout record
            TRY,
            STATE,
            "dynamodb:PutItem",  # the challenge session
            GIVE_BACK,
        ],
        "POST /auth/login/mfa": [
            "dynamodb:GetItem",  # the session
            *LOCK,
            STATE,
            "dynamodb:UpdateItem",  # the step, once
            "dynamodb:GetItem",  # the user, for the tokens
            "dynamodb:PutItem",  # the refresh token
            "dynamodb:DeleteItem",  # the session, used up
            "dynamodb:DeleteItem",  # the failure streak reset
        ],
        "POST /auth/login (recovery code)": [
            "dynamodb:BatchGetItem",
            TRY,
            STATE,
            CAP,
            "dynamodb:UpdateItem",  # the code, used up
            "dynamodb:TransactWriteItems",  # the refresh token + the streak reset
        ],
        "POST /users/me/mfa/recovery-codes": [*AUTH, STATE, *LOCK, "dynamodb:UpdateItem"],
        "GET /users/me": [*AUTH, "dynamodb:GetItem", STATE],
        "DELETE /users/me/mfa": [*AUTH, STATE, *LOCK, "dynamodb:UpdateItem"],
        "DELETE /users/{username}/mfa": [*AUTH, "dynamodb:UpdateItem"],
    },
    "cognito": {
        "POST /users/me/mfa/totp": [*AUTH, STATE, "cognito:AssociateSoftwareToken", "dynamodb:UpdateItem"],
        "POST /users/me/mfa/totp/verify": [
            *AUTH,
            STATE,
            *LOCK,
            "cognito:VerifySoftwareToken",
            "cognito:SetUserMFAPreference",
            "dynamodb:UpdateItem",
        ],
        "POST /auth/login (challenge)": [
            TRY,  # blind (no read): it loses to the streak the wrong password left...
            TRY,  # ...and is taken again on the state the failed condition sent back
            "cognito:InitiateAuth",
            STATE,
            "dynamodb:PutItem",  # the challenge session
            GIVE_BACK,
        ],
        "POST /auth/login/mfa": [
            "dynamodb:GetItem",  # the session
            *LOCK,
            STATE,
            "dynamodb:UpdateItem",  # the step, once
            "cognito:RespondToAuthChallenge",
            "dynamodb:DeleteItem",  # the session, used up
            "dynamodb:DeleteItem",  # the failure streak reset
        ],
        "POST /auth/login (recovery code)": [
            TRY,
            "cognito:InitiateAuth",  # the pool challenges: the password is right
            STATE,
            "dynamodb:UpdateItem",  # the sign-in window, held
            CAP,
            "dynamodb:UpdateItem",  # the code, used up
            "cognito:AdminSetUserMFAPreference",  # off
            "cognito:InitiateAuth",
            "cognito:AdminSetUserMFAPreference",  # on again
            "dynamodb:UpdateItem",  # the window, released
            "dynamodb:DeleteItem",  # the streak reset
        ],
        "POST /users/me/mfa/recovery-codes": [*AUTH, STATE, *LOCK, "dynamodb:UpdateItem"],
        "GET /users/me": [*AUTH, "dynamodb:GetItem", STATE],
        "DELETE /users/me/mfa": [*AUTH, STATE, *LOCK, "dynamodb:UpdateItem", "cognito:AdminSetUserMFAPreference"],
        "DELETE /users/{username}/mfa": [*AUTH, "dynamodb:UpdateItem", "cognito:AdminSetUserMFAPreference"],
    },
}


def test_calls_per_two_step_route(api, identity_backend):
    token = api.signup("alice")["access_token"]
    api.signup("root")
    services.accounts().grant("root", "admin")
    admin = api.post("/auth/login", {"username": "root", "password": STRONG_PASSWORD}).json["access_token"]
    api.post("/auth/login", {"username": "alice", "password": "a wrong password here"})  # a streak to reset
    calls = Calls()
    clients = [services.dynamodb_client()]
    if identity_backend == "cognito":
        clients.append(services.cognito_client())
    for client in clients:
        client.meta.events.register("before-call.*.*", calls)
    table: dict[str, list[str]] = {}

    def record(route: str, reply: Any, status: int) -> Any:
        assert reply.status == status, (route, reply.json)
        table[route] = calls.take()
        return reply.json

    secret = record("POST /users/me/mfa/totp", api.post("/users/me/mfa/totp", token=token), 201)["secret"]
    app = Authenticator(secret, identity_backend)
    verified = api.post("/users/me/mfa/totp/verify", {"code": app.code()}, token)
    codes = record("POST /users/me/mfa/totp/verify", verified, 200)["recovery_codes"]
    login = {"username": "alice", "password": STRONG_PASSWORD}
    session = record("POST /auth/login (challenge)", api.post("/auth/login", login), 200)["session"]
    record("POST /auth/login/mfa", api.post("/auth/login/mfa", {"session": session, "code": app.code()}), 200)
    with_code = api.post("/auth/login", {**login, "recovery_code": codes[0]})
    record("POST /auth/login (recovery code)", with_code, 200)
    regenerated = api.post("/users/me/mfa/recovery-codes", {"code": app.code()}, token)
    record("POST /users/me/mfa/recovery-codes", regenerated, 200)
    record("GET /users/me", api.get("/users/me", token), 200)
    record("DELETE /users/me/mfa", api.delete("/users/me/mfa", token, body={"code": app.code()}), 204)
    record("DELETE /users/{username}/mfa", api.delete("/users/alice/mfa", admin), 204)
    for route, seen in table.items():  # the closing note's table (pytest -s)
        print(f"| {identity_backend} | {route} | {', '.join(seen)} |")
    assert table == EXPECTED[identity_backend]
