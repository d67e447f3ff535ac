"""Settings fail fast: a stage that cannot run is refused when settings are read."""

from __future__ import annotations

import pytest

from chalicelib.core.config import ConfigError, load_settings

BASE = {
    "STAGE": "prod",
    "USERS_TABLE": "u",
    "ALBUMS_TABLE": "a",
    "SERVER_SECRET": "s" * 40,
    "AWS_REGION": "eu-west-1",
}
COGNITO = {
    **BASE,
    "IDENTITY_BACKEND": "cognito",
    "COGNITO_USER_POOL_ID": "eu-west-1_AbC123",
    "COGNITO_CLIENT_ID": "a1b2c3",
}


def test_builtin_needs_no_cognito_settings():
    settings = load_settings(BASE)
    assert settings.identity_backend == "builtin" and settings.cognito_user_pool_id is None


def test_cognito_settings_are_read():
    settings = load_settings(COGNITO)
    assert (settings.cognito_user_pool_id, settings.cognito_client_id) == ("eu-west-1_AbC123", "a1b2c3")
    assert settings.cognito_endpoint is None


@pytest.mark.parametrize("missing", ["COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID"])
def test_cognito_without_its_ids_fails_at_once(missing):
    env = {k: v for k, v in COGNITO.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        load_settings(env)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("COGNITO_USER_POOL_ID", "AbC123", "look like"),
        ("COGNITO_USER_POOL_ID", "us-east-1_AbC123", "but the stage runs in eu-west-1"),
        ("COGNITO_CLIENT_ID", "Not A Client!", "app client id"),
        ("COGNITO_ENDPOINT", "https://cognito.example.com", "127.0.0.1"),
    ],
)
def test_malformed_cognito_settings_fail_at_once(name, value, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({**COGNITO, name: value})


def test_a_local_emulator_may_use_any_pool_region():
    settings = load_settings(
        {**COGNITO, "COGNITO_USER_POOL_ID": "us-east-1_local", "COGNITO_ENDPOINT": "http://127.0.0.1:9229"}
    )
    assert settings.cognito_endpoint == "http://127.0.0.1:9229"


@pytest.mark.parametrize("value", ["abc", "-1", "6"])
def test_equal_time_floor_is_bounded(value):
    with pytest.raises(ConfigError, match="EQUAL_TIME_SECONDS"):
        load_settings({**BASE, "EQUAL_TIME_SECONDS": value})


def test_unknown_backend_is_refused():
    with pytest.raises(ConfigError, match="IDENTITY_BACKEND"):
        load_settings({**BASE, "IDENTITY_BACKEND": "ldap"})
