"""Two-step codes under the same limits as every other code (docs/api.md): wrong
authenticator and recovery codes fill the identifier's daily cap of 20, after which every
code check is 429, the right code included; and a right password that only opens a
challenge neither resets the sign-in streak nor counts as a failure."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import STRONG_PASSWORD
from tests.support.problems import assert_problem
from tests.support.two_step import enable

# Authenticator steps come in virtual time: no real half-minute waits (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("virtual_time")

PAST_ANY_LOCK = 16 * 60  # the sign-in lock lasts at most 15 minutes


def login(api: Any, **extra: str) -> Any:
    return api.post("/auth/login", {"username": "alice", "password": STRONG_PASSWORD, **extra})


def challenge(api: Any) -> str:
    reply = login(api)
    assert reply.status == 200 and "session" in reply.json, reply.json
    return str(reply.json["session"])


def test_wrong_two_step_codes_fill_the_daily_code_cap(api, identity_backend, clock):
    alice = str(api.signup("alice")["access_token"])
    app, recovery_codes = enable(api, alice, identity_backend)
    for turn in range(20):
        # One wrong code per challenge, the lock waited out each time: only the cap is left.
        if turn % 2:
            assert_problem(login(api, recovery_code="aaaaa-aaaaa"), 400, "invalid_code")
        else:
            wrong = api.post("/auth/login/mfa", {"session": challenge(api), "code": app.wrong_code()})
            assert_problem(wrong, 400, "invalid_code")
        clock.advance(PAST_ANY_LOCK)
    # 20 wrong codes in the day: the right ones are refused too, with Retry-After.
    refused = api.post("/auth/login/mfa", {"session": challenge(api), "code": app.code()})
    assert_problem(refused, 429, "too_many_attempts")
    assert int(refused.header("Retry-After")) > 3600
    assert_problem(login(api, recovery_code=recovery_codes[0]), 429, "too_many_attempts")
    assert_problem(api.delete("/users/me/mfa", alice, body={"code": app.code()}), 429, "too_many_attempts")


def test_a_right_password_that_opens_a_challenge_is_not_a_failure(api, identity_backend):
    """Five right passwords in a row (each only opening a challenge) lock nothing; a wrong
    code after them is the first failure of the streak, not the sixth."""
    alice = str(api.signup("alice")["access_token"])
    app, _ = enable(api, alice, identity_backend)
    for _ in range(5):
        challenge(api)
    session = challenge(api)
    for _ in range(4):
        assert_problem(api.post("/auth/login/mfa", {"session": session, "code": app.wrong_code()}), 400, "invalid_code")
    # Four failures: not locked yet, so the right code still signs in and clears the streak.
    done = api.post("/auth/login/mfa", {"session": session, "code": app.code()})
    assert done.status == 200 and "access_token" in done.json, done.json
