"""Security review (stored side): a builtin stack signing in a user whose record
holds no hash it knows (a record the Cognito backend wrote in the same data folder, a
damaged one) answered 500 (passlib's UnknownHashError). It is a failed check: 401
invalid_credentials, the same body as for an unknown user, after the same work."""

from __future__ import annotations

import time
from typing import Any

import pytest

from chalicelib.core.config import get_settings
from chalicelib.identity.builtin.hashing import PasswordHasher, make_context
from chalicelib.storage.cognito_users import CognitoUserRepository
from chalicelib.storage.dynamo import s
from chalicelib.storage.users import user_key
from tests.support.album_api import problem
from tests.support.api import STRONG_PASSWORD

NOT_HASHES = [
    "",
    "garbage",
    "$argon2id$v=19$m=19456,t=2,p=1$bad$bad",  # looks like argon2, is not one
    "$2b$12$GhvMmNVjRW29ulnudl.LbuAnUtN/LRfe1JsBm1Xu6LE3059z5Tr8m",  # bcrypt: unknown scheme
    "\x00\x01",
]


def login(api: Any, username: str) -> Any:
    return api.post("/auth/login", {"username": username, "password": STRONG_PASSWORD})


@pytest.mark.parametrize("identity_backend", ["builtin"])
def test_a_stored_value_that_is_no_known_hash_is_401(api: Any, aws: Any) -> None:
    unknown_user = problem(login(api, "nobody"), 401, "invalid_credentials")
    for index, stored in enumerate([*NOT_HASHES, None]):
        name = f"mallory{index}"
        api.signup(name)
        update = "REMOVE password_hash" if stored is None else "SET password_hash = :h"
        values = {} if stored is None else {"ExpressionAttributeValues": {":h": s(stored)}}
        aws.update_item(TableName=get_settings().users_table, Key=user_key(name), UpdateExpression=update, **values)
        body = problem(login(api, name), 401, "invalid_credentials", ascii(stored))
        assert body == unknown_user, ascii(stored)


@pytest.mark.parametrize("identity_backend", ["builtin"])
def test_a_user_the_cognito_backend_made_cannot_sign_in_on_builtin(api: Any, aws: Any) -> None:
    """The record a `IDENTITY_BACKEND=cognito make dev` writes (no credentials: they live
    in the pool), read by a builtin stack on the same tables."""
    now = int(time.time() * 1000)
    CognitoUserRepository(aws, get_settings().users_table).claim("carol", "carol@example.com", "Carol", now, now)
    unknown_user = problem(login(api, "nobody"), 401, "invalid_credentials")
    assert problem(login(api, "carol"), 401, "invalid_credentials") == unknown_user
    assert problem(login(api, "carol@example.com"), 401, "invalid_credentials") == unknown_user
    # Nor can anyone claim the name or the address the other backend holds.
    reply = api.post("/auth/register", {"username": "carol", "email": "c2@example.com", "password": STRONG_PASSWORD})
    problem(reply, 409, "username_taken")


def test_the_hasher_treats_an_unknown_hash_as_a_failed_check_of_equal_work() -> None:
    hasher = PasswordHasher(make_context())
    good = hasher.hash(STRONG_PASSWORD)
    assert hasher.verify(STRONG_PASSWORD, good) == (True, None)
    started = time.perf_counter()
    hasher.verify("wrong password for timing", good)
    real = time.perf_counter() - started
    for stored in [*NOT_HASHES, None]:
        started = time.perf_counter()
        assert hasher.verify(STRONG_PASSWORD, stored) == (False, None), ascii(stored)
        # The same argon2 work as a real check (a dummy hash is verified instead).
        assert time.perf_counter() - started > real / 3, ascii(stored)
