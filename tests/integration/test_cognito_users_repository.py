"""The Cognito backend's users-table records against a real DynamoDB Local: the claim
made before SignUp, its rollback, the mirrors and the cut-off."""

from __future__ import annotations

import pytest

from chalicelib.core.config import get_settings
from chalicelib.core.errors import EmailTaken, UsernameTaken
from chalicelib.storage.cognito_users import CognitoUserRepository
from tests.support.concurrency import race

THREADS = 20


@pytest.fixture
def repo(local_db) -> CognitoUserRepository:
    return CognitoUserRepository(local_db, get_settings().users_table)


def test_twenty_claims_of_one_email_exactly_one_wins(repo):
    results = race(lambda i: repo.claim(f"user{i}", "Same@Example.com", None, 1_000 + i, 1_000), THREADS)
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, EmailTaken) for r in results if r is not None)


def test_twenty_claims_of_one_username_exactly_one_wins(repo):
    results = race(lambda i: repo.claim("same", f"u{i}@example.com", None, 1_000, 1_000), THREADS)
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, UsernameTaken) for r in results if r is not None)


def test_claim_holds_no_credentials_and_release_frees_both_names(repo):
    repo.claim("ana", "Ana@Example.com", "Ana", 5_000, 4_000)
    user = repo.get("ana")
    assert user is not None
    assert (user.email, user.full_name, user.status, user.created_ms) == (
        "Ana@Example.com",
        "Ana",
        "UNCONFIRMED",
        5_000,
    )
    assert user.tokens_valid_after_ms == 4_000 and user.password_hash == "" and user.code is None
    assert repo.username_for_email("ana@example.com") == "ana"
    repo.release("ana", "Ana@Example.com")
    assert repo.get("ana") is None and repo.username_for_email("ana@example.com") is None
    repo.claim("ana", "ana@example.com", None, 6_000, 6_000)  # both free again


def test_mirrors_and_cut_off(repo):
    repo.claim("bo1", "bo@example.com", None, 1_000, 1_000)
    assert repo.mark_confirmed("bo1", "sub-1") and repo.add_group("bo1", "admin")
    repo.revoke_sessions("bo1", 9_000)
    user = repo.get("bo1")
    assert user is not None
    assert user.status == "CONFIRMED" and user.groups == ("admin",) and user.tokens_valid_after_ms == 9_000
    assert user.sub == "sub-1"
    assert not repo.mark_confirmed("nobody", "sub-2")


def test_listed_oldest_first(repo):
    for i, name in enumerate(("cy3", "cy1", "cy2")):
        repo.claim(name, f"{name}@example.com", None, 1_000 + i, 1_000)
    assert [u.username for u in repo.list(10, None).items] == ["cy3", "cy1", "cy2"]
