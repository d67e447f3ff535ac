"""Security review: codes could be guessed without limit (5 tries a code, a new code
every 30 s, and a username and its email as two identifiers).

docs/api.md: codes are capped per identifier in its normal form, known or unknown: after 20
wrong codes in 24 hours every code check for that identifier answers 429
`too_many_attempts` with `Retry-After` until the window has passed, the right code
included. The cap sits above the backends (chalicelib/usecases/accounts.py, storage/attempts.py
CodeCap), so it holds on Cognito too; each check takes its try before the code is looked
at, so parallel wrong codes cannot pass it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib import services
from chalicelib.core.errors import InvalidCode, TooManyRequests
from tests.security.conftest import AtomicCalls
from tests.support.api import NEW_PASSWORD, OTHER_PASSWORD
from tests.support.problems import assert_problem

CAP = 20
DAY = 24 * 3600


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def assert_wrong_code(reply: Any, identity_backend: str) -> None:
    # moto answers a wrong reset code with ExpiredCodeException (Cognito:
    # CodeMismatchException; see the cognito_gap marks in tests/functional/test_auth_passwords.py).
    expected = {"invalid_code"} if identity_backend == "builtin" else {"invalid_code", "expired_code"}
    assert reply.status == 400 and reply.json["code"] in expected, reply.json


def assert_capped(reply: Any, retry_after: int) -> None:
    assert_problem(reply, 429, "too_many_attempts")
    assert int(reply.header("Retry-After")) == retry_after, reply.headers


def reset(api: Any, name: str, code: str, new_password: str = NEW_PASSWORD) -> Any:
    return api.post("/auth/reset-password", {"username": name, "code": code, "new_password": new_password})


def new_reset_code(api: Any, clock: Any) -> str:
    clock.advance(31)  # past the 30 s mail throttle
    assert api.post("/auth/forgot-password", {"username": "alice"}).status == 202
    return str(api.code_for("alice@example.com", "reset"))


def test_twenty_wrong_reset_codes_for_a_name_and_its_address_close_the_day(api, clock, identity_backend):
    api.signup("alice")
    code = new_reset_code(api, clock)
    opened = clock.ms  # the window opens with the first wrong code
    names = ["alice", "alice@example.com"]  # one account: the two names share its cap
    for i in range(CAP - 1):
        if i and i % 4 == 0:
            code = new_reset_code(api, clock)  # 4 wrong tries a code: below its own limit of 5
        assert_wrong_code(reset(api, names[i % 2], wrong(code)), identity_backend)
    # A right code does not count: it is given back.
    code = new_reset_code(api, clock)
    # (Another password than the wrong tries send: those must not be the account's.)
    assert reset(api, "alice@example.com", code, OTHER_PASSWORD).status == 200
    code = new_reset_code(api, clock)
    assert_wrong_code(reset(api, "alice", wrong(code)), identity_backend)  # the 20th
    left = DAY - (clock.ms - opened) // 1000
    for name in names:
        assert_capped(reset(api, name, code), left)  # the right code too, by either name
    assert_capped(api.post("/auth/confirm", {"username": "alice", "code": code}), left)  # every code check
    clock.advance(left)
    code = new_reset_code(api, clock)
    assert reset(api, "alice@example.com", code).status == 200  # a new day


@pytest.mark.cognito_gap("ConfirmSignUp accepts any code: the first wrong code confirms the account")
def test_twenty_wrong_confirmation_codes_close_confirmation_for_a_day(api, clock, identity_backend):
    assert api.register("carol").status == 201
    code = api.code_for("carol@example.com")
    opened = clock.ms
    for i in range(CAP):
        if i and i % 4 == 0:
            clock.advance(31)
            assert api.post("/auth/resend-code", {"username": "carol"}).status == 202
            code = api.code_for("carol@example.com")
        assert_problem(api.post("/auth/confirm", {"username": "carol", "code": wrong(code)}), 400, "invalid_code")
    left = DAY - (clock.ms - opened) // 1000
    assert_capped(api.post("/auth/confirm", {"username": "carol", "code": code}), left)  # the right code too
    clock.advance(left)
    assert api.post("/auth/resend-code", {"username": "carol"}).status == 202
    reply = api.post("/auth/confirm", {"username": "carol", "code": api.code_for("carol@example.com")})
    assert (reply.status, reply.json) == (200, {"username": "carol", "status": "CONFIRMED"})  # a new day


@pytest.mark.parametrize("name", ["ghost", "ghost@example.com"])
def test_an_unknown_name_is_capped_like_a_known_one(api, clock, name):
    for _ in range(CAP):
        assert_problem(reset(api, name, "123456"), 400, "invalid_code")
    assert_capped(reset(api, name, "123456"), DAY)
    assert_capped(reset(api, name.upper(), "123456"), DAY)  # its normal form
    clock.advance(DAY)
    assert_problem(reset(api, name, "123456"), 400, "invalid_code")


def test_parallel_wrong_codes_cannot_pass_the_cap(api, aws):
    services.install(dynamodb=AtomicCalls(aws))
    accounts = services.accounts()

    def guess(i: int) -> Exception | None:
        try:
            accounts.reset_password("ghost", f"{i:06d}", NEW_PASSWORD)
        except (InvalidCode, TooManyRequests) as exc:
            return exc
        return None

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(guess, range(CAP + 12)))
    assert sum(isinstance(r, InvalidCode) for r in results) == CAP, results
    assert sum(isinstance(r, TooManyRequests) for r in results) == 12, results
