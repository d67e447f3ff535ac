"""The Cognito emulator's durable state (scripts/cognito_state.py): which calls save, and
that moto's pool (with its RSA signing key) survives a save and a load."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from scripts import cognito_state
from scripts.cognito_emulator import CLIENT_NAME, SIGNUP_CLIENT_NAME, create_pool, find_pool

TARGET = "AWSCognitoIdentityProviderService."


@pytest.mark.parametrize(
    ("action", "saves"),
    [
        ("SignUp", True),
        ("ConfirmSignUp", True),
        ("InitiateAuth", True),  # stores the refresh token
        ("AdminAddUserToGroup", True),
        ("AdminUserGlobalSignOut", True),
        ("ForgotPassword", True),
        ("GetUser", False),
        ("AdminGetUser", False),
        ("ListUsers", False),
        ("AdminListGroupsForUser", False),
        ("DescribeUserPool", False),
    ],
)
def test_which_calls_save(action: str, saves: bool) -> None:
    assert cognito_state.is_mutating(TARGET + action) is saves


def test_other_services_and_plain_requests_do_not_save() -> None:
    assert not cognito_state.is_mutating(None)
    assert not cognito_state.is_mutating("DynamoDB_20120810.PutItem")


def test_a_pool_with_its_signing_key_survives_save_and_load(tmp_path: Path) -> None:
    state_file = tmp_path / "state.pickle"
    with mock_aws():
        cognito = boto3.client("cognito-idp", region_name="us-east-1")
        pool_id, client_id = create_pool(cognito)
        cognito.admin_create_user(UserPoolId=pool_id, Username="lee")
        cognito_state.register_reducers()  # moto's RSAKey does not pickle without it
        cognito_state.save(state_file)
    assert state_file.stat().st_mode & 0o777 == 0o600
    (tmp_path / "state.pickle.abc.tmp").write_bytes(b"half")  # a killed save's leftover

    with mock_aws():  # a fresh moto: empty until loaded
        cognito = boto3.client("cognito-idp", region_name="us-east-1")
        assert find_pool(cognito) is None
        assert cognito_state.load(state_file)
        assert find_pool(cognito) == (pool_id, client_id)
        assert cognito.admin_get_user(UserPoolId=pool_id, Username="lee")["Username"] == "lee"
        clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=10)["UserPoolClients"]
        assert sorted(c["ClientName"] for c in clients) == sorted([CLIENT_NAME, SIGNUP_CLIENT_NAME])
    assert not list(tmp_path.glob("*.tmp"))
    assert not cognito_state.load(tmp_path / "missing.pickle")
