"""The Cognito second factor's error mapping, with a fake client (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.core.errors import InvalidCode, InvalidCredentials, InvalidSession, InvalidToken
from chalicelib.identity.cognito.app_client import secret_hash
from chalicelib.identity.cognito.second_factor import CognitoSecondFactor


class Refusing:
    """Every call fails with the given Cognito error code; the calls are recorded."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            raise ClientError({"Error": {"Code": self.code, "Message": "User alice: secret stuff"}}, name)

        return call

    def describe_user_pool_client(self, **kwargs: Any) -> dict[str, Any]:
        # The app client's secret (for SECRET_HASH), read once: the one call that succeeds.
        return {"UserPoolClient": {"ClientId": kwargs["ClientId"], "ClientSecret": "the-client-secret"}}


def factor(code: str) -> tuple[CognitoSecondFactor, Refusing]:
    client = Refusing(code)
    return CognitoSecondFactor(client, "pool", "client"), client


def test_a_refused_access_token_is_a_401():
    second, _ = factor("NotAuthorizedException")
    with pytest.raises(InvalidToken):
        second.begin_enrolment("alice", "token")
    with pytest.raises(InvalidToken):
        second.confirm_enrolment("alice", "token", "123456")


@pytest.mark.parametrize("code", ["CodeMismatchException", "ExpiredCodeException", "EnableSoftwareTokenMFAException"])
def test_a_refused_code_is_invalid_code(code):
    second, _ = factor(code)
    with pytest.raises(InvalidCode):
        second.confirm_enrolment("alice", "token", "123456")
    with pytest.raises(InvalidCode):
        second.answer_challenge("alice", "pool-session", "123456")


@pytest.mark.parametrize("code", ["NotAuthorizedException", "ResourceNotFoundException"])
def test_a_dead_pool_session_is_invalid_session(code):
    second, client = factor(code)
    with pytest.raises(InvalidSession):
        second.answer_challenge("alice", "pool-session", "123456")
    assert client.calls[0][1]["ChallengeResponses"] == {
        "USERNAME": "alice",
        "SOFTWARE_TOKEN_MFA_CODE": "123456",
        "SECRET_HASH": secret_hash("the-client-secret", "client", "alice"),
    }


class SwitchThenRefuse(Refusing):
    """The preference calls succeed; InitiateAuth fails."""

    def admin_set_user_mfa_preference(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("admin_set_user_mfa_preference", kwargs))
        return {}


def test_the_preference_goes_back_on_when_the_sign_in_fails():
    client = SwitchThenRefuse("NotAuthorizedException")
    second = CognitoSecondFactor(client, "pool", "client")
    with pytest.raises(InvalidCredentials):
        second.sign_in_past_challenge("alice", "pw")
    switches = [kw["SoftwareTokenMfaSettings"]["Enabled"] for name, kw in client.calls if name.startswith("admin_")]
    assert [name for name, _ in client.calls] == [
        "admin_set_user_mfa_preference",
        "initiate_auth",
        "admin_set_user_mfa_preference",
    ]
    assert switches == [False, True]
