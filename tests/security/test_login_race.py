"""Security review: parallel sign-ins must not get past the lockout.

The review released 12 sign-ins together with a barrier in front of the hash check: all had
their password checked, and the right one among them signed in. docs/api.md now: "An attempt is
counted before the password is checked, so requests sent in parallel check at most 5
passwords before the lock, however many arrive at once."

In-process, a gate holds every password check (builtin: the argon2 verify; cognito: the
InitiateAuth that hands Cognito the password) until all 16 wrong sign-ins have either
reached it or been answered, and the right password is sent while they wait: a lockout
read before the check and counted after it would let all 17 reach the gate. Over HTTP,
16 clients hit the local stack at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib import services
from chalicelib.core.errors import InvalidCredentials, TooManyRequests
from chalicelib.identity.builtin.hashing import PasswordHasher
from tests.security.conftest import AtomicCalls
from tests.support.api import STRONG_PASSWORD, latest_code

PARALLEL = 16
WRONG = "not the password at all"
LIMIT = 5  # docs/api.md: sign-in is locked after 5 consecutive failures


class Gate:
    """Holds each password check until `release`, counting them."""

    def __init__(self) -> None:
        self.checked = 0
        self._count = threading.Lock()
        self._open = threading.Event()

    def __call__(self, *_: Any, **__: Any) -> None:
        with self._count:
            self.checked += 1
        assert self._open.wait(timeout=60), "the gate was never released"

    def release(self) -> None:
        self._open.set()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.01)


@pytest.fixture
def gate(api: Any, aws: Any, identity_backend: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """alice exists and is confirmed; every password check waits at the gate."""
    api.signup("alice")
    services.install(dynamodb=AtomicCalls(aws))
    held = Gate()
    if identity_backend == "builtin":
        verify = PasswordHasher.verify

        def gated(self: PasswordHasher, password: str, stored: str) -> tuple[bool, str | None]:
            held()
            return verify(self, password, stored)

        monkeypatch.setattr(PasswordHasher, "verify", gated)
        yield held
    else:
        events = services.cognito_client().meta.events
        events.register("before-call.cognito-idp.InitiateAuth", held)
        yield held
        events.unregister("before-call.cognito-idp.InitiateAuth", held)
    held.release()  # never leave a thread waiting, whatever failed


def outcome(future: Future[Any]) -> str:
    error = future.exception()
    if error is None:
        return "signed in"
    if isinstance(error, TooManyRequests):
        return "429"
    if isinstance(error, InvalidCredentials):
        return "401"
    raise error


def test_sixteen_parallel_wrong_sign_ins_check_at_most_five_passwords(gate, identity_backend):
    accounts = services.accounts()
    with ThreadPoolExecutor(PARALLEL + 1) as pool:
        wrong = [pool.submit(accounts.login, "alice", WRONG) for _ in range(PARALLEL)]
        wait_until(lambda: gate.checked + sum(f.done() for f in wrong) == PARALLEL, "every wrong try held or answered")
        held = gate.checked
        # The right password, sent while the held tries wait: they have used the five.
        right = pool.submit(accounts.login, "alice", STRONG_PASSWORD)
        wait_until(lambda: right.done() or gate.checked > held, "the right password answered or held")
        gate.release()
        answers = [outcome(f) for f in wrong]
        right_answer = outcome(right)
    print(f"\n[{identity_backend}] passwords checked with {PARALLEL} parallel wrong sign-ins: {gate.checked}")
    assert gate.checked == LIMIT, answers
    assert sorted(answers) == ["401"] * LIMIT + ["429"] * (PARALLEL - LIMIT)
    assert right_answer == "429"  # locked: the right password is not even checked


def test_the_right_password_among_the_first_five_signs_in_and_clears_the_streak(gate):
    accounts = services.accounts()
    with ThreadPoolExecutor(LIMIT) as pool:
        tries = [pool.submit(accounts.login, "alice", WRONG) for _ in range(LIMIT - 1)]
        wait_until(lambda: gate.checked == LIMIT - 1, "four wrong tries held")
        right = pool.submit(accounts.login, "alice", STRONG_PASSWORD)
        wait_until(lambda: gate.checked == LIMIT, "the right password held")
        gate.release()
        assert [outcome(f) for f in tries] == ["401"] * (LIMIT - 1)
        assert outcome(right) == "signed in"
    # The streak died with the success: five fresh wrong tries before the lock.
    for _ in range(LIMIT):
        with pytest.raises(InvalidCredentials):
            accounts.login("alice", WRONG)
    with pytest.raises(TooManyRequests):
        accounts.login("alice", STRONG_PASSWORD)


# -- over HTTP, against the local stack ------------------------------------------------


def http_login(base: str, name: str, password: str) -> tuple[int, Any, dict[str, str]]:
    from scripts.api_client import call

    return call(base, "POST", "/auth/login", {"username": name, "password": password})


@pytest.mark.e2e
@pytest.mark.parametrize("identity_backend", ["builtin", "cognito"])
def test_sixteen_parallel_clients_over_http_get_five_401s(make_stack, identity_backend):
    from scripts.api_client import call

    stack = make_stack(identity_backend=identity_backend)
    base = stack.api_url
    body = {"username": "alice", "email": "alice@example.com", "password": STRONG_PASSWORD}
    assert call(base, "POST", "/auth/register", body)[0] == 201
    code = latest_code(stack.outbox_dir, "alice@example.com")
    assert call(base, "POST", "/auth/confirm", {"username": "alice", "code": code})[:2] == (
        200,
        {"username": "alice", "status": "CONFIRMED"},
    )
    barrier = threading.Barrier(PARALLEL)

    def attack(i: int) -> tuple[int, Any, dict[str, str]]:
        barrier.wait()
        return http_login(base, "alice", WRONG)

    with ThreadPoolExecutor(PARALLEL) as pool:
        replies = list(pool.map(attack, range(PARALLEL)))
    statuses = sorted(status for status, _, _ in replies)
    checked = statuses.count(401)  # each 401 is a password checked and found wrong
    print(f"\n[{identity_backend}, HTTP] passwords checked with {PARALLEL} parallel wrong sign-ins: {checked}")
    assert statuses == [401] * LIMIT + [429] * (PARALLEL - LIMIT), statuses
    for status, problem, headers in replies:
        expected = "invalid_credentials" if status == 401 else "too_many_attempts"
        assert problem["code"] == expected and problem["status"] == status, problem
        assert status == 401 or int(headers["Retry-After"]) >= 1, headers
    status, problem, headers = http_login(base, "alice", STRONG_PASSWORD)
    assert (status, problem["code"]) == (429, "too_many_attempts") and int(headers["Retry-After"]) >= 1
