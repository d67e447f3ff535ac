"""The Cognito and DynamoDB calls each route makes on the cognito backend, counted with
botocore's before-call events: the table in docs/cognito-backend.md, kept true here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import services
from tests.support.api import STRONG_PASSWORD
from tests.support.calls import Calls

pytestmark = pytest.mark.parametrize("identity_backend", ["cognito"])  # counts the cognito backend's calls


@pytest.fixture
def calls(api: Any) -> Iterator[Calls]:
    recorder = Calls()
    for client in (services.dynamodb_client(), services.cognito_client()):
        client.meta.events.register("before-call.*.*", recorder)
    yield recorder


# The sign-in try (accounts layer), taken before Cognito sees the password: one
# conditional write without a read, which, when a streak exists, fails and hands back the
# record, and a second write counts on top of it. A success (or 403 user_not_confirmed)
# clears it with one DeleteItem. Before tries were taken first, the lock was only read (GetItem) and a
# failure counted after the check, so parallel sign-ins all reached Cognito; the rule
# ("an attempt is counted before the password is checked") costs a success one call more
# (the write before, the delete after, instead of one read), a failure one call less.
TRY = "dynamodb:UpdateItem"
CLEAR = "dynamodb:DeleteItem"
# The daily code cap (accounts layer): the check's try, taken before the code is looked at
# (a PutItem opening the day's window), and given back when the code was right (the
# window only this try used is deleted): two calls more on confirm and reset.
CODE_TRY = "dynamodb:PutItem"
CODE_GIVEN_BACK = "dynamodb:DeleteItem"
THROTTLE = "dynamodb:PutItem"  # the per-identifier mail slot (accounts layer)


def test_calls_per_route(api, calls):
    table: dict[str, list[str]] = {}

    def record(route: str, reply: Any, status: int) -> None:
        assert reply.status == status, (route, reply.json)
        table[route] = calls.take()

    record("POST /auth/register", api.register("alice"), 201)
    record("POST /auth/register (taken email)", api.register("alice2", "ALICE@example.com"), 201)
    record("POST /auth/resend-code", api.post("/auth/resend-code", {"username": "alice"}), 202)
    code = api.code_for("alice@example.com")
    record("POST /auth/confirm", api.post("/auth/confirm", {"username": "alice", "code": code}), 200)
    login = api.post("/auth/login", {"username": "alice", "password": STRONG_PASSWORD})
    record("POST /auth/login (username)", login, 200)
    tokens = login.json
    by_email = api.post("/auth/login", {"username": "alice@example.com", "password": STRONG_PASSWORD})
    record("POST /auth/login (email)", by_email, 200)
    wrong = api.post("/auth/login", {"username": "alice", "password": "wrong password here"})
    record("POST /auth/login (wrong password)", wrong, 401)
    record(
        "POST /auth/login (after a failure)",
        api.post("/auth/login", {"username": "alice", "password": STRONG_PASSWORD}),
        200,
    )
    refreshed = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    record("POST /auth/refresh", refreshed, 200)
    access = refreshed.json["access_token"]
    record("GET /users/me", api.get("/users/me", access), 200)
    record("PATCH /users/me", api.patch("/users/me", {"full_name": "Alice"}, access), 200)
    record("GET /users/{username} (self)", api.get("/users/alice", access), 200)
    services.accounts().grant("alice", "admin")
    table["grant-admin (CLI)"] = calls.take()
    record("GET /users (admin)", api.get("/users", access), 200)
    record("GET /albums", api.get("/albums", access), 200)
    record("POST /auth/forgot-password", api.post("/auth/forgot-password", {"username": "alice"}), 202)
    reset_code = api.code_for("alice@example.com", "reset")
    new_password = "quiet mountain river stone"
    reset = api.post("/auth/reset-password", {"username": "alice", "code": reset_code, "new_password": new_password})
    record("POST /auth/reset-password", reset, 200)
    again_body = {"username": "alice", "code": reset_code, "new_password": "another quiet mountain"}
    record("POST /auth/reset-password (used code)", api.post("/auth/reset-password", again_body), 400)
    fresh = api.post("/auth/login", {"username": "alice", "password": new_password}).json["access_token"]
    calls.take()
    record("POST /auth/logout", api.post("/auth/logout", token=fresh), 204)
    again = api.post("/auth/login", {"username": "alice", "password": new_password}).json["access_token"]
    calls.take()
    record("DELETE /users/me", api.delete("/users/me", again), 204)
    unknown = api.post("/auth/login", {"username": "nobody@example.com", "password": STRONG_PASSWORD})
    record("POST /auth/login (unknown email)", unknown, 401)
    record("POST /auth/resend-code (unknown)", api.post("/auth/resend-code", {"username": "nobody"}), 202)
    record("POST /auth/forgot-password (unknown)", api.post("/auth/forgot-password", {"username": "nobody"}), 202)

    for route, seen in table.items():
        print(
            f"| {route} | {', '.join(c for c in seen if c.startswith('cognito')) or '-'} | "
            f"{', '.join(c for c in seen if c.startswith('dynamodb')) or '-'} |"
        )
    assert table == EXPECTED


TWO_STEP_READ = "dynamodb:GetItem"  # the profile item's two-step attributes
AUTH = ["dynamodb:GetItem"]  # authenticate: the record (cut-off, groups); the token is verified locally
EXPECTED = {
    # DescribeUserPoolClient: once per container and app client, for its secret (SECRET_HASH).
    "POST /auth/register": ["dynamodb:TransactWriteItems", "cognito:DescribeUserPoolClient", "cognito:SignUp"],
    "POST /auth/register (taken email)": [
        "dynamodb:TransactWriteItems",
        "cognito:DescribeUserPoolClient",  # the web client's, for the InitiateAuth
        "cognito:InitiateAuth",  # the cost of a SignUp
        "dynamodb:PutItem",  # the username held, as a fresh sign-up holds it
    ],
    "POST /auth/resend-code": [THROTTLE, "dynamodb:GetItem"],  # moto: no ResendConfirmationCode (AWS: +1 call)
    "POST /auth/confirm": [
        CODE_TRY,
        "dynamodb:GetItem",
        "cognito:ConfirmSignUp",
        "cognito:AdminGetUser",  # the pool's sub, bound with the status mirror
        "dynamodb:UpdateItem",
        CODE_GIVEN_BACK,
    ],
    # + the two-step state after tokens came without a challenge: refused while another
    # request's recovery-code sign-in holds the pool's MFA preference off (chalicelib/usecases/two_step/service.py)
    "POST /auth/login (username)": [TRY, "cognito:InitiateAuth", TWO_STEP_READ, CLEAR],
    "POST /auth/login (email)": [TRY, "dynamodb:GetItem", "cognito:InitiateAuth", TWO_STEP_READ, CLEAR],
    "POST /auth/login (wrong password)": [TRY, "cognito:InitiateAuth"],  # the try was the failure's count
    # the blind try lost to the streak
    "POST /auth/login (after a failure)": [TRY, TRY, "cognito:InitiateAuth", TWO_STEP_READ, CLEAR],
    "POST /auth/refresh": ["cognito:InitiateAuth"],
    "GET /users/me": [*AUTH, "dynamodb:GetItem", TWO_STEP_READ],  # + `mfa`: the two-step state
    "PATCH /users/me": [*AUTH, "dynamodb:UpdateItem"],
    "GET /users/{username} (self)": [*AUTH, "dynamodb:GetItem"],
    "grant-admin (CLI)": ["cognito:AdminAddUserToGroup", "dynamodb:UpdateItem"],
    "GET /users (admin)": [*AUTH, "dynamodb:Query"],
    "GET /albums": [*AUTH, "dynamodb:Query"],
    "POST /auth/forgot-password": [THROTTLE, "dynamodb:GetItem", "cognito:ForgotPassword"],
    "POST /auth/reset-password": [
        CODE_TRY,
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",  # the reset's marker: how a retry after a fault is recognised
        "cognito:ConfirmForgotPassword",
        "cognito:AdminUserGlobalSignOut",  # the pool first: a fault on the cut-off leaves the marker
        "dynamodb:UpdateItem",  # the cut-off, the marker removed
        CODE_GIVEN_BACK,
    ],
    "POST /auth/reset-password (used code)": [
        CODE_TRY,
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "cognito:ConfirmForgotPassword",
        "dynamodb:UpdateItem",  # the marker removed; never a sign-in, never a sign-out
    ],
    "POST /auth/logout": [*AUTH, "dynamodb:UpdateItem", "cognito:AdminUserGlobalSignOut"],
    "DELETE /users/me": [*AUTH, "cognito:AdminDeleteUser", "dynamodb:TransactWriteItems"],
    "POST /auth/login (unknown email)": [TRY, "dynamodb:GetItem", "cognito:InitiateAuth"],
    "POST /auth/resend-code (unknown)": [THROTTLE, "dynamodb:GetItem"],
    "POST /auth/forgot-password (unknown)": [THROTTLE, "dynamodb:GetItem"],
}
