"""On AWS stages the signing key comes from an SSM SecureString, read when settings are read."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from chalicelib.core.config import ConfigError, load_settings

PARAMETER = "/bandstand/prod/signing-key"
ENV = {
    "STAGE": "prod",
    "USERS_TABLE": "u",
    "ALBUMS_TABLE": "a",
    "AWS_REGION": "eu-west-1",
    "SERVER_SECRET_PARAMETER": PARAMETER,
}


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.client("ssm", region_name="eu-west-1")


def test_signing_key_is_read_from_the_secure_string(ssm) -> None:
    ssm.put_parameter(Name=PARAMETER, Value="k" * 48, Type="SecureString")
    assert load_settings(ENV).secret_key == "k" * 48


def test_a_key_in_the_environment_wins_and_ssm_is_not_asked(ssm) -> None:
    # No parameter exists: asking SSM would fail, so the environment's key was used.
    assert load_settings({**ENV, "SERVER_SECRET": "e" * 40}).secret_key == "e" * 40


def test_a_missing_parameter_fails_at_start_up_without_a_secret_in_the_message(ssm) -> None:
    with pytest.raises(ConfigError, match="cannot read the signing key from SSM parameter /bandstand/prod"):
        load_settings(ENV)


def test_a_short_key_in_ssm_is_refused(ssm) -> None:
    ssm.put_parameter(Name=PARAMETER, Value="short", Type="SecureString")
    with pytest.raises(ConfigError, match="at least 32 characters") as caught:
        load_settings(ENV)
    assert "short" not in str(caught.value)
