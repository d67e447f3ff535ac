"""The commit barrier: one consistent read after each answered transaction, only for a
local endpoint (why: scripts/devstack/commit_barrier.py)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import services
from chalicelib.storage.guard import GuardedClient
from scripts.devstack.commit_barrier import BARRIER_KEY, CommitBarrier


class Recorder:
    """Records each call; transact_write_items raises when told to."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    def transact_write_items(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("transact_write_items", kwargs))
        if self.fail:
            raise RuntimeError("TransactionCanceledException")
        return {"answer": 1}

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("get_item", kwargs))
        return {}

    def put_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("put_item", kwargs))
        return {}


TRANSACTION = {"TransactItems": [{"Update": {"TableName": "albums", "Key": {}}}, {"Put": {"TableName": "other"}}]}


def test_an_answered_transaction_is_followed_by_a_consistent_read_of_its_first_table():
    recorder = Recorder()
    assert CommitBarrier(recorder).transact_write_items(**TRANSACTION) == {"answer": 1}
    assert recorder.calls == [
        ("transact_write_items", TRANSACTION),
        ("get_item", {"TableName": "albums", "Key": BARRIER_KEY, "ConsistentRead": True}),
    ]


def test_a_refused_transaction_is_not_followed_by_a_read():
    recorder = Recorder(fail=True)
    with pytest.raises(RuntimeError):
        CommitBarrier(recorder).transact_write_items(**TRANSACTION)
    assert [name for name, _ in recorder.calls] == ["transact_write_items"]


def test_other_calls_pass_straight_through():
    recorder = Recorder()
    CommitBarrier(recorder).put_item(TableName="albums", Item={})
    assert [name for name, _ in recorder.calls] == ["put_item"]


@pytest.mark.parametrize("identity_backend", ["builtin"])  # the client is the same for both
@pytest.mark.parametrize(("endpoint", "barrier"), [("http://127.0.0.1:8000", True), (None, False)])
def test_only_a_local_endpoint_gets_the_barrier(app_env, monkeypatch, endpoint, barrier):
    if endpoint:
        monkeypatch.setenv("DYNAMODB_ENDPOINT", endpoint)
    services.reset()
    try:
        client = services.dynamodb_client()
        assert isinstance(client, GuardedClient)
        assert isinstance(client.wrapped, CommitBarrier) is barrier
    finally:
        services.reset()
