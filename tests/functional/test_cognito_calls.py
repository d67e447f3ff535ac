"""The Cognito and DynamoDB calls each route makes on the cognito backend, counted with
botocore's before-call events: the table in docs/cognito-backend.md, kept true here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import services
from tests.support.api import STRONG_PASSWORD

pytestmark = pytest.mark.parametrize("identity_backend", ["cognito"])  # counts the cognito backend's calls


class Calls:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        service = "cognito" if model.service_model.service_name == "cognito-idp" else "dynamodb"
        self.seen.append(f"{service}:{model.name}")

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen


@pytest.fixture
def calls(api: Any) -> Iterator[Calls]:
    recorder = Calls()
    for client in (services.dynamodb_client(), services.cognito_client()):
        client.meta.events.register("before-call.*.*", recorder)
    yield recorder


ATTEMPT_READ = "dynamodb:GetItem"  # the lockout state of the identifier (accounts layer)
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
    "POST /auth/register": ["dynamodb:TransactWriteItems", "cognito:SignUp"],
    "POST /auth/register (taken email)": ["dynamodb:TransactWriteItems", "cognito:InitiateAuth"],
    "POST /auth/resend-code": [THROTTLE, "dynamodb:GetItem"],  # moto: no ResendConfirmationCode (AWS: +1 call)
    "POST /auth/confirm": [
        "dynamodb:GetItem",
        "cognito:ConfirmSignUp",
        "cognito:AdminGetUser",  # the pool's sub, bound with the status mirror
        "dynamodb:UpdateItem",
    ],
    # + the two-step state after tokens came without a challenge: refused while another
    # request's recovery-code sign-in holds the pool's MFA preference off (two_step/service.py)
    "POST /auth/login (username)": [ATTEMPT_READ, "cognito:InitiateAuth", TWO_STEP_READ],
    "POST /auth/login (email)": [ATTEMPT_READ, "dynamodb:GetItem", "cognito:InitiateAuth", TWO_STEP_READ],
    "POST /auth/login (wrong password)": [ATTEMPT_READ, "cognito:InitiateAuth", "dynamodb:UpdateItem"],
    "POST /auth/login (after a failure)": [
        ATTEMPT_READ,
        "cognito:InitiateAuth",
        TWO_STEP_READ,
        "dynamodb:DeleteItem",
    ],
    "POST /auth/refresh": ["cognito:InitiateAuth"],
    "GET /users/me": [*AUTH, "dynamodb:GetItem", TWO_STEP_READ],  # + `mfa`: the two-step state
    "PATCH /users/me": [*AUTH, "dynamodb:UpdateItem"],
    "GET /users/{username} (self)": [*AUTH, "dynamodb:GetItem"],
    "grant-admin (CLI)": ["cognito:AdminAddUserToGroup", "dynamodb:UpdateItem"],
    "GET /users (admin)": [*AUTH, "dynamodb:Query"],
    "GET /albums": [*AUTH, "dynamodb:Query"],
    "POST /auth/forgot-password": [THROTTLE, "dynamodb:GetItem", "cognito:ForgotPassword"],
    "POST /auth/reset-password": [
        "dynamodb:GetItem",
        "cognito:ConfirmForgotPassword",
        "cognito:AdminUserGlobalSignOut",  # the pool first: a fault on the cut-off leaves the tables as they were
        "dynamodb:UpdateItem",
    ],
    "POST /auth/logout": [*AUTH, "dynamodb:UpdateItem", "cognito:AdminUserGlobalSignOut"],
    "DELETE /users/me": [*AUTH, "cognito:AdminDeleteUser", "dynamodb:TransactWriteItems"],
    "POST /auth/login (unknown email)": [
        ATTEMPT_READ,
        "dynamodb:GetItem",
        "cognito:InitiateAuth",
        "dynamodb:UpdateItem",
    ],
    "POST /auth/resend-code (unknown)": [THROTTLE, "dynamodb:GetItem"],
    "POST /auth/forgot-password (unknown)": [THROTTLE, "dynamodb:GetItem"],
}
