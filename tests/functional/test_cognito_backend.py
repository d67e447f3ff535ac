"""Behaviours the Cognito backend adds machinery for, checked on both backends where the
contract says them, and on cognito alone where they are its own."""

from __future__ import annotations

import pytest

from tests.support.problems import assert_problem


def test_an_old_accounts_token_never_passes_for_a_new_account_of_the_same_name(api):
    old = api.signup("dora")["access_token"]
    assert api.delete("/users/me", old).status == 204
    new = api.signup("dora")["access_token"]  # most likely within the same second
    assert_problem(api.get("/users/me", old), 401, "invalid_token")
    assert api.get("/users/me", new).status == 200


@pytest.mark.parametrize("identity_backend", ["cognito"])  # the builtin backend signs its own tokens
def test_the_pools_keys_are_fetched_once_per_container(api):
    from chalicelib.core.config import get_settings
    from chalicelib.identity.cognito import jwks

    token = api.signup("emma")["access_token"]
    for _ in range(5):
        assert api.get("/users/me", token).status == 200
    settings = get_settings()
    assert settings.cognito_user_pool_id is not None
    keys = jwks.key_set(jwks.jwks_url(settings.region, settings.cognito_user_pool_id, settings.cognito_endpoint))
    assert keys.fetches == 1
