"""Two-step sign-in on the Cognito backend: the pool holds the switch, the app adds
recovery codes above it. A recovery-code sign-in turns the user's software-token
preference off for one InitiateAuth; while it is off, no sign-in with the password alone
may get through (chalicelib/usecases/two_step/service.py)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import services
from chalicelib.core.clock import SystemClock
from chalicelib.core.config import get_settings
from chalicelib.core.errors import TooManyRequests
from chalicelib.identity.cognito.second_factor import CognitoSecondFactor
from chalicelib.storage.attempts import AttemptRepository
from chalicelib.storage.two_step import TwoStepRepository
from chalicelib.usecases.two_step.factor import ChallengeIssued
from chalicelib.usecases.two_step.lock import SignInLock
from chalicelib.usecases.two_step.service import TwoStep
from tests.support.api import STRONG_PASSWORD
from tests.support.two_step import enable

# Authenticator steps come in virtual time: no real half-minute waits (tests/conftest.py).
pytestmark = [pytest.mark.parametrize("identity_backend", ["cognito"]), pytest.mark.usefixtures("virtual_time")]


class WindowProbe:
    """The Cognito client, except that right after the preference goes off it runs
    `during()` (other sign-ins), as a parallel request would in that moment."""

    def __init__(self, client: Any, during: Any) -> None:
        self._client = client
        self._during = during
        self.ran = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def admin_set_user_mfa_preference(self, **kwargs: Any) -> Any:
        result = self._client.admin_set_user_mfa_preference(**kwargs)
        if not kwargs["SoftwareTokenMfaSettings"]["Enabled"] and not self.ran:
            self.ran = True
            self._during()
        return result


def install_two_step(cognito: Any) -> None:
    settings = get_settings()
    db = services.dynamodb_client()
    assert settings.cognito_user_pool_id and settings.cognito_client_id
    factor = CognitoSecondFactor(cognito, settings.cognito_user_pool_id, settings.cognito_client_id)
    services.accounts().two_step = TwoStep(
        TwoStepRepository(db, settings.users_table),
        factor,
        SignInLock(AttemptRepository(db, settings.users_table), SystemClock()),
        services.build_mailer(settings),
        settings.secret_key,
        pool=factor,
    )


def outcome(call: Any) -> str:
    try:
        call()
    except TooManyRequests:
        return "429"
    except ChallengeIssued:
        return "challenge"
    return "tokens"


def test_the_password_alone_cannot_pass_while_a_recovery_sign_in_holds_the_switch(api):
    tokens = api.signup("alice")
    _, codes = enable(api, tokens["access_token"], "cognito")
    accounts = services.accounts()
    seen: dict[str, str] = {}

    def during() -> None:
        seen["password alone"] = outcome(lambda: accounts.login("alice", STRONG_PASSWORD))
        seen["by email"] = outcome(lambda: accounts.login("alice@example.com", STRONG_PASSWORD))
        seen["another recovery code"] = outcome(lambda: accounts.login("alice", STRONG_PASSWORD, codes[1]))

    probe = WindowProbe(services.cognito_client(), during)
    install_two_step(probe)
    reply = api.post("/auth/login", {"username": "alice", "password": STRONG_PASSWORD, "recovery_code": codes[0]})
    assert reply.status == 200 and "access_token" in reply.json
    assert probe.ran
    assert seen == {"password alone": "429", "by email": "429", "another recovery code": "429"}
    # The switch is back on, and the code refused in the window was not used up.
    assert set(api.post("/auth/login", {"username": "alice", "password": STRONG_PASSWORD}).json) == {
        "challenge",
        "session",
        "expires_in",
    }
    again = api.post("/auth/login", {"username": "alice", "password": STRONG_PASSWORD, "recovery_code": codes[1]})
    assert again.status == 200 and "access_token" in again.json
    assert api.get("/users/me", again.json["access_token"]).json["mfa"] == {"totp": True, "recovery_codes_left": 8}


def test_a_switch_left_off_is_put_back_by_the_next_sign_in(api):
    """A window that did not close (the request died between the two preference calls):
    the record still says two-step is on, so the pool's tokens are refused and the
    preference is switched back; the retry gets the challenge."""
    tokens = api.signup("alice")
    enable(api, tokens["access_token"], "cognito")
    settings = get_settings()
    services.cognito_client().admin_set_user_mfa_preference(
        UserPoolId=settings.cognito_user_pool_id,
        Username="alice",
        SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False},
    )
    refused = api.post("/auth/login", {"username": "alice", "password": STRONG_PASSWORD})
    assert refused.status == 429 and refused.header("Retry-After") == "1" and "access_token" not in refused.json
    retry = api.post("/auth/login", {"username": "alice", "password": STRONG_PASSWORD})
    assert retry.status == 200 and retry.json["challenge"] == "totp"


def _pool_sign_in(username: str) -> dict[str, Any]:
    settings = get_settings()
    response: dict[str, Any] = services.cognito_client().initiate_auth(
        ClientId=settings.cognito_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": STRONG_PASSWORD},
    )
    return response


@pytest.mark.cognito_gap("moto accepts a replayed authenticator code (Cognito refuses a code used once)")
def test_the_pool_itself_refuses_a_replayed_code(api):
    tokens = api.signup("alice")
    app, _ = enable(api, tokens["access_token"], "cognito")
    client_id = get_settings().cognito_client_id
    code = app.code()
    for attempt in range(2):
        started = _pool_sign_in("alice")
        assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
        answer = {"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code}
        if attempt == 0:
            services.cognito_client().respond_to_auth_challenge(
                ClientId=client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=started["Session"],
                ChallengeResponses=answer,
            )
            continue
        with pytest.raises(ClientError):
            services.cognito_client().respond_to_auth_challenge(
                ClientId=client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=started["Session"],
                ChallengeResponses=answer,
            )


@pytest.mark.cognito_gap("moto challenges only when the software token is the preferred factor (Cognito: when enabled)")
def test_the_pool_challenges_when_the_token_is_enabled_but_not_preferred(api):
    tokens = api.signup("alice")
    enable(api, tokens["access_token"], "cognito")
    services.cognito_client().admin_set_user_mfa_preference(
        UserPoolId=get_settings().cognito_user_pool_id,
        Username="alice",
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False},
    )
    assert _pool_sign_in("alice").get("ChallengeName") == "SOFTWARE_TOKEN_MFA"
