"""A newcomer's journey over real HTTP against the real local stack, and a restart, on
each identity backend (cognito: the durable local emulator, scripts/cognito_emulator.py)."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.api_client import call
from tests.support.api import STRONG_PASSWORD, latest_code, read_mail

pytestmark = pytest.mark.parametrize("identity_backend", ["builtin", "cognito"])


def test_register_confirm_sign_in_sign_out_and_restart(make_stack, identity_backend):
    stack = make_stack(identity_backend=identity_backend)
    api = stack.api_url
    status, body, _ = call(
        api,
        "POST",
        "/auth/register",
        {"username": "newcomer", "email": "newcomer@example.com", "password": STRONG_PASSWORD},
    )
    assert status == 201 and body["status"] == "UNCONFIRMED"
    code = latest_code(stack.outbox_dir, "newcomer@example.com")
    assert call(api, "POST", "/auth/confirm", {"username": "newcomer", "code": code})[:2] == (
        200,
        {"username": "newcomer", "status": "CONFIRMED"},
    )
    status, tokens, _ = call(api, "POST", "/auth/login", {"username": "newcomer", "password": STRONG_PASSWORD})
    assert status == 200 and tokens["token_type"] == "Bearer"
    status, me, _ = call(api, "GET", "/users/me", token=tokens["access_token"])
    assert status == 200 and me["username"] == "newcomer" and me["email"] == "newcomer@example.com"
    assert call(api, "POST", "/auth/logout", token=tokens["access_token"])[0] == 204
    status, problem, _ = call(api, "GET", "/users/me", token=tokens["access_token"])
    assert status == 401 and problem["code"] == "invalid_token"

    pool = pool_ids(stack)
    stack.stop()
    # the API's log has the requests, but no password, code, token or address
    log = (stack.logs_dir / "api.log").read_text()
    assert '"route": "/auth/login"' in log
    for secret in (STRONG_PASSWORD, code, tokens["access_token"], tokens["refresh_token"], "newcomer@example.com"):
        assert secret not in log

    # same LOCAL_DIR, new ports: the data must still be there (on cognito: in the pool,
    # restored from the emulator's state file, with the same pool and client ids)
    restarted = make_stack(identity_backend=identity_backend)
    status, again, _ = call(
        restarted.api_url, "POST", "/auth/login", {"username": "newcomer", "password": STRONG_PASSWORD}
    )
    assert status == 200
    assert pool_ids(restarted) == pool
    status, me, _ = call(restarted.api_url, "GET", "/users/me", token=again["access_token"])
    assert status == 200 and me["status"] == "CONFIRMED"
    # the registration is still taken after the restart
    status, problem, _ = call(
        restarted.api_url,
        "POST",
        "/auth/register",
        {"username": "newcomer", "email": "other@example.com", "password": STRONG_PASSWORD},
    )
    assert status == 409 and problem["code"] == "username_taken"


def pool_ids(stack: Any) -> tuple[str | None, str | None]:
    env = stack.environment()
    return env.get("COGNITO_USER_POOL_ID"), env.get("COGNITO_CLIENT_ID")


def test_the_enumeration_safe_answers_over_real_http(make_stack, identity_backend):
    """docs/api.md's rules for a curious stranger, on the real server: a taken address signs up
    like a fresh one (the owner gets a notice), mail requests are throttled for known and
    unknown names alike, and unknown names lock like known ones."""
    stack = make_stack(identity_backend=identity_backend)
    api = stack.api_url
    owner = {"username": "owner", "email": "owner@example.com", "password": STRONG_PASSWORD}
    assert call(api, "POST", "/auth/register", owner)[0] == 201
    status, body, _ = call(
        api,
        "POST",
        "/auth/register",
        {"username": "stranger", "email": "OWNER@example.com", "password": STRONG_PASSWORD},
    )
    assert status == 201 and body == {
        "username": "stranger",
        "email": "OWNER@example.com",
        "full_name": None,
        "status": "UNCONFIRMED",
    }
    notices = [m for m in read_mail(stack.outbox_dir) if "tried to sign up" in str(m["Subject"])]
    assert [m["To"] for m in notices] == ["OWNER@example.com"]

    for name in ("owner", "nobody-here"):
        assert call(api, "POST", "/auth/resend-code", {"username": name})[0] == 202
        status, problem, _ = call(api, "POST", "/auth/resend-code", {"username": name})
        assert status == 429 and problem["code"] == "too_many_requests"

    for name in ("owner", "nobody-here"):
        answers = [
            call(api, "POST", "/auth/login", {"username": name, "password": "wrong wrong wrong"})[0] for _ in range(6)
        ]
        assert answers == [401, 401, 401, 401, 401, 429], (name, answers)
