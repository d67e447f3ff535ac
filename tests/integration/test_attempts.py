"""Lockout and mail throttles on a real DynamoDB Local: the conditional writes hold
under parallel tries, and every item carries its TTL."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import services
from chalicelib.core.config import get_settings
from chalicelib.core.errors import InvalidCredentials, Throttled, TooManyRequests
from chalicelib.core.users import Registration
from chalicelib.storage.attempts import lock_key, slot_key
from chalicelib.storage.schema import TTL_ATTRIBUTE
from tests.support.api import STRONG_PASSWORD, latest_code
from tests.support.concurrency import race


@pytest.fixture
def accounts(local_db: Any) -> Any:
    return services.accounts()


def outcomes(results: list[Any]) -> tuple[int, int]:
    unexpected = [r for r in results if not isinstance(r, InvalidCredentials | TooManyRequests)]
    assert not unexpected, unexpected
    refused = sum(isinstance(r, InvalidCredentials) for r in results)
    return refused, len(results) - refused


@pytest.mark.parametrize("name", ["ghost", "nobody@example.com"])
def test_ten_parallel_wrong_passwords_for_an_unknown_name_let_exactly_five_through(accounts, local_db, name):
    results = race(lambda i: accounts.login(name, "not the password at all"), 10)
    assert outcomes(results) == (5, 5)
    item = local_db.get_item(TableName=get_settings().users_table, Key=lock_key(name), ConsistentRead=True)["Item"]
    assert item["failures"]["N"] == "5" and int(item["locked_until_ms"]["N"]) > 0
    assert int(item[TTL_ATTRIBUTE]["N"]) > 0


def test_ten_parallel_wrong_passwords_for_a_known_name_let_exactly_five_through(accounts):
    accounts.register(Registration("known", "known@example.com", STRONG_PASSWORD))
    results = race(lambda i: accounts.login("known", "not the password at all"), 10)
    assert outcomes(results) == (5, 5)


def test_parallel_mail_requests_send_one(accounts, local_db):
    results = race(lambda i: accounts.forgot_password("Someone@Example.com"), 8)
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, Throttled) for r in results if r is not None)
    item = local_db.get_item(
        TableName=get_settings().users_table, Key=slot_key("reset", "someone@example.com"), ConsistentRead=True
    )["Item"]
    assert int(item[TTL_ATTRIBUTE]["N"]) > 0


def test_a_success_clears_the_streak(accounts, local_db):
    accounts.register(Registration("sam", "sam@example.com", STRONG_PASSWORD))
    accounts.confirm("sam", latest_code(get_settings().outbox_dir, "sam@example.com"))
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            accounts.login("sam", "not the password at all")
    assert accounts.login("sam", STRONG_PASSWORD).access_token
    table = get_settings().users_table
    assert "Item" not in local_db.get_item(TableName=table, Key=lock_key("sam"), ConsistentRead=True)
