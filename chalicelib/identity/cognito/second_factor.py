"""The Cognito backend's second factor: the pool enforces it (no tokens without the code).

begin_enrolment     AssociateSoftwareToken (the caller's access token)
confirm_enrolment   VerifySoftwareToken + SetUserMFAPreference (enabled, preferred)
disable             AdminSetUserMFAPreference (off)
answer_challenge    RespondToAuthChallenge (SOFTWARE_TOKEN_MFA)
sign_in_past_challenge  AdminSetUserMFAPreference off + InitiateAuth + on again
restore             AdminSetUserMFAPreference (on)
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.errors import InvalidCode, InvalidSession, InvalidToken, ServiceUnavailable
from chalicelib.core.users import TokenSet
from chalicelib.identity.cognito import errors as cognito_errors
from chalicelib.identity.cognito.app_client import AppClient
from chalicelib.identity.cognito.errors import translate
from chalicelib.identity.cognito.provider import REFRESH_SEPARATOR

log = logging.getLogger("bandstand.identity")

ON = {"Enabled": True, "PreferredMfa": True}
OFF = {"Enabled": False, "PreferredMfa": False}
WRONG_CODE = {"CodeMismatchException", "ExpiredCodeException", "EnableSoftwareTokenMFAException"}
DEAD_SESSION = {"NotAuthorizedException", "ResourceNotFoundException"}


def _tokens(response: dict[str, Any], username: str) -> TokenSet:
    result = response.get("AuthenticationResult")
    if not result:
        raise ServiceUnavailable(1, "Try signing in again.")  # the pool asked for another step
    # The app's refresh token names its user, as the provider's sign-in does: the refresh
    # call's SECRET_HASH needs the username.
    pool_refresh = result.get("RefreshToken")
    refresh = f"{username}{REFRESH_SEPARATOR}{pool_refresh}" if pool_refresh else None
    return TokenSet(result["IdToken"], result["AccessToken"], int(result["ExpiresIn"]), refresh)


def _token_error(exc: ClientError) -> Exception:
    """Calls made with the caller's access token: the pool refusing the token (signed
    out everywhere, expired meanwhile) is the client's 401, as our own check would be."""
    if cognito_errors.error_code(exc) == "NotAuthorizedException":
        return InvalidToken()
    return translate(exc, cognito_errors.ADMIN)


class CognitoSecondFactor:
    def __init__(self, cognito: Any, pool_id: str, client_id: str) -> None:
        self._cognito = cognito
        self._pool = pool_id
        self._client = client_id
        self._web = AppClient(cognito, pool_id, client_id)  # SECRET_HASH for the web client

    def begin_enrolment(self, username: str, access_token: str) -> str:
        try:
            response = self._cognito.associate_software_token(AccessToken=access_token)
        except ClientError as exc:
            raise _token_error(exc) from None
        # Base32 is case-insensitive; authenticator apps and the QR code want upper case.
        return str(response["SecretCode"]).upper().rstrip("=")

    def confirm_enrolment(self, username: str, access_token: str, code: str) -> None:
        try:
            response = self._cognito.verify_software_token(
                AccessToken=access_token, UserCode=code, FriendlyDeviceName="Bandstand"
            )
            if response.get("Status") != "SUCCESS":
                raise InvalidCode()
            self._cognito.set_user_mfa_preference(AccessToken=access_token, SoftwareTokenMfaSettings=ON)
        except ClientError as exc:
            if cognito_errors.error_code(exc) in WRONG_CODE:
                raise InvalidCode() from None
            raise _token_error(exc) from None

    def disable(self, username: str) -> None:
        self._set(username, OFF)

    def restore(self, username: str) -> None:
        self._set(username, ON)

    def answer_challenge(self, username: str, pool_session: str, code: str) -> TokenSet:
        try:
            response = self._cognito.respond_to_auth_challenge(
                ClientId=self._client,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=pool_session,
                ChallengeResponses=self._web.auth_parameters(username, USERNAME=username, SOFTWARE_TOKEN_MFA_CODE=code),
            )
        except ClientError as exc:
            reason = cognito_errors.error_code(exc)
            if reason in WRONG_CODE:
                raise InvalidCode() from None
            if reason in DEAD_SESSION:
                raise InvalidSession() from None
            raise translate(exc, cognito_errors.SIGN_IN) from None
        return _tokens(response, username)

    def sign_in_past_challenge(self, username: str, password: str) -> TokenSet:
        """One InitiateAuth with the software-token preference off; on again afterwards,
        whatever happened (TwoStep holds the user's sign-in window meanwhile)."""
        self._set(username, OFF)
        try:
            response = self._web.password_sign_in(username, password)
        finally:
            self._set(username, ON)
        return _tokens(response, username)

    def _set(self, username: str, settings: dict[str, bool]) -> None:
        try:
            self._cognito.admin_set_user_mfa_preference(
                UserPoolId=self._pool, Username=username, SoftwareTokenMfaSettings=settings
            )
        except ClientError as exc:
            raise translate(exc, cognito_errors.ADMIN) from None
