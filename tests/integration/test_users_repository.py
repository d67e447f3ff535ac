"""The user repository against a real DynamoDB Local: transactions, conditions, TTL shape."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.core.config import get_settings
from chalicelib.core.errors import EmailTaken, UsernameTaken
from chalicelib.identity.builtin.codes import StoredCode
from chalicelib.storage.users import RefreshRecord, UserRecord, UserRepository
from tests.support.concurrency import race as race_threads

THREADS = 20


def record(username: str, email: str) -> UserRecord:
    return UserRecord(
        username=username,
        sub=str(uuid.uuid4()),
        email=email,
        password_hash="$argon2id$fake",
        status="UNCONFIRMED",
        created_ms=1_000,
        tokens_valid_after_ms=1_000,
        code=StoredCode("confirm", "d" * 64, 10_000),
    )


@pytest.fixture
def repo(local_db) -> UserRepository:
    return UserRepository(local_db, get_settings().users_table)


def race(fn: Callable[[int], Any], count: int = THREADS) -> list[Any]:
    return race_threads(fn, count)


def test_twenty_registrations_of_one_username_exactly_one_wins(repo, local_db):
    results = race(lambda i: repo.create(record("popular", f"user{i}@example.com")))
    winners = [r for r in results if r is None]
    assert len(winners) == 1
    assert all(isinstance(r, UsernameTaken) for r in results if r is not None)
    owner = repo.get("popular")
    assert owner is not None
    # exactly one email was claimed: the winner's
    claims = [repo.username_for_email(f"user{i}@example.com") for i in range(THREADS)]
    assert [c for c in claims if c] == ["popular"]


def test_twenty_registrations_of_one_email_exactly_one_wins(repo):
    results = race(lambda i: repo.create(record(f"user{i}", "Same@Example.com")))
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, EmailTaken) for r in results if r is not None)
    winner = repo.username_for_email("same@example.com")
    assert winner is not None
    assert [i for i in range(THREADS) if repo.get(f"user{i}") is not None] == [int(winner[4:])]


def test_delete_frees_username_and_email(repo):
    user = record("leaver", "leaver@example.com")
    repo.create(user)
    repo.delete(user.username, user.email)
    assert repo.get("leaver") is None and repo.username_for_email("leaver@example.com") is None
    repo.create(record("leaver", "leaver@example.com"))


def test_confirm_is_conditioned_on_the_code(repo):
    repo.create(record("carla", "carla@example.com"))
    assert not repo.confirm("carla", "other-digest")
    assert repo.confirm("carla", "d" * 64)
    confirmed = repo.get("carla")
    assert confirmed is not None and confirmed.confirmed and confirmed.code is None


def test_code_failures_count_only_against_the_same_code(repo):
    repo.create(record("dana", "dana@example.com"))
    repo.count_code_failure("dana", "d" * 64)
    repo.count_code_failure("dana", "d" * 64)
    repo.count_code_failure("dana", "stale-digest")
    user = repo.get("dana")
    assert user is not None and user.code is not None and user.code.tries == 2


def test_session_round_trip_in_one_batch_get(repo):
    user = record("eve", "eve@example.com")
    repo.create(user)
    repo.start_session(RefreshRecord("eve", "h" * 64, 2_000, 9_999_999_999), new_hash=None)
    found_user, found_refresh = repo.get_with_refresh("eve", "h" * 64)
    assert found_user is not None and found_user.username == "eve"
    assert found_refresh is not None and found_refresh.issued_ms == 2_000
    assert repo.get_with_refresh("eve", "x" * 64)[1] is None


def test_hash_upgrade_rides_in_the_session_write(repo):
    user = record("finn", "finn@example.com")
    repo.create(user)
    repo.start_session(RefreshRecord("finn", "r" * 64, 3_000, 9_999_999_999), new_hash="$argon2id$new")
    fresh, refresh = repo.get_with_refresh("finn", "r" * 64)
    assert fresh is not None and fresh.password_hash == "$argon2id$new"
    assert refresh is not None and refresh.issued_ms == 3_000


def test_list_is_oldest_first_across_pages(repo):
    for i in range(7):
        repo.create(
            UserRecord(
                username=f"u{i:02d}x",
                sub="s",
                email=f"u{i}@example.com",
                password_hash="h",
                status="CONFIRMED",
                created_ms=10_000 + i,
            )
        )
    names, key = [], None
    while True:
        page = repo.list(3, key)
        names += [u.username for u in page.items]
        key = page.last_key
        if not key:
            break
    assert names == [f"u{i:02d}x" for i in range(7)]
