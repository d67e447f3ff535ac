"""DynamoDB round trips of POST /auth/login on the builtin backend, counted with botocore's
before-call events. The lockout record is read with the user in one BatchGetItem and reset
in the session's own write.

The goal was at most 2 by username; the rule that parallel sign-ins check at most five
passwords (docs/api.md: "An attempt is counted before the password is checked") needs one
more on a success: the try is a conditional
UpdateItem made before the hash is checked, and a success must then clear it again, so it
writes the session in a TransactWriteItems with the streak's delete. A failure still
costs 2 (the try is its count), a locked name 1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import services
from tests.support.api import STRONG_PASSWORD

# The builtin backend's DynamoDB calls; the cognito backend's are in test_cognito_calls.py.
pytestmark = pytest.mark.parametrize("identity_backend", ["builtin"])

WRONG = "not the password at all"


class Calls:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.seen.append(model.name)

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen


@pytest.fixture
def calls(api: Any) -> Iterator[Calls]:
    api.signup("alice")
    recorder = Calls()
    client = services.dynamodb_client()
    client.meta.events.register("before-call.dynamodb", recorder)
    yield recorder
    client.meta.events.unregister("before-call.dynamodb", recorder)


def login(api: Any, name: str, password: str, status: int) -> None:
    reply = api.post("/auth/login", {"username": name, "password": password})
    assert reply.status == status, reply.json


@pytest.mark.parametrize(
    ("name", "first"),
    # The try (UpdateItem) comes before the password is looked at; by email the user's
    # GetItem follows it.
    [("alice", ["BatchGetItem", "UpdateItem"]), ("alice@example.com", ["BatchGetItem", "UpdateItem", "GetItem"])],
)
def test_success_failure_and_reset(api, calls, name, first):
    login(api, name, STRONG_PASSWORD, 200)
    assert calls.take() == [*first, "TransactWriteItems"]  # the session + the try's reset
    login(api, name, WRONG, 401)
    assert calls.take() == first  # the try was the failure's count: nothing after the check
    login(api, name, WRONG, 401)
    assert calls.take() == first
    login(api, name, STRONG_PASSWORD, 200)
    assert calls.take() == [*first, "TransactWriteItems"]  # the session + the streak's reset
    login(api, name, STRONG_PASSWORD, 200)
    assert calls.take() == [*first, "TransactWriteItems"]  # the streak is gone


@pytest.mark.parametrize("name", ["alice", "alice@example.com", "nobody", "nobody@example.com"])
def test_a_locked_identifier_is_refused_after_one_read(api, calls, name):
    for _ in range(5):
        login(api, name, WRONG, 401)
    calls.take()
    for password in (WRONG, STRONG_PASSWORD):
        reply = api.post("/auth/login", {"username": name, "password": password})
        assert reply.status == 429 and reply.header("Retry-After"), reply.json
        assert calls.take() == ["BatchGetItem"]


def test_unknown_and_invalid_names_cost_the_same_as_known_ones(api, calls):
    login(api, "nobody", WRONG, 401)
    assert calls.take() == ["BatchGetItem", "UpdateItem"]
    login(api, "nobody@example.com", WRONG, 401)
    assert calls.take() == ["BatchGetItem", "UpdateItem"]  # no claim: no user read
    login(api, "not a username!", WRONG, 401)
    assert calls.take() == ["UpdateItem"]  # can't exist: only the try, taken without a read
    login(api, "not a username!", WRONG, 401)
    assert calls.take() == ["UpdateItem", "UpdateItem"]  # the blind try lost to the streak: again on it
