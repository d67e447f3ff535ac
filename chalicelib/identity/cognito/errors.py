"""Cognito errors → the problem the builtin backend gives for the same situation.

`translate` is the only way a botocore ClientError from cognito-idp leaves the provider.
What it returns never carries Cognito's exception name or message: Cognito messages can
hold the username or the address ("User xyz already exists"), so they are dropped. An
error that no client input can cause (a missing pool, a broken trigger) becomes
`IdentityBackendError`: a 500 for the client, one log line naming the operation and the
error code only.
"""

from __future__ import annotations

from collections.abc import Callable

from botocore.exceptions import ClientError

from chalicelib.core.aws import error_code as error_code  # provider.py reads it here too
from chalicelib.core.errors import (
    AlreadyConfirmed,
    BandstandError,
    EmailTaken,
    ExpiredCode,
    FieldError,
    Forbidden,
    InvalidCode,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    ServiceUnavailable,
    Throttled,
    TooManyRequests,
    UsernameTaken,
    UserNotConfirmed,
    ValidationError,
)

# Cognito does not say how long to wait; these are what the client is told.
RATE_LIMIT_RETRY_SECONDS = 1  # TooManyRequestsException: the pool's request quota
LIMIT_EXCEEDED_RETRY_SECONDS = 60  # LimitExceededException: e.g. codes sent per user and hour
CODE_ATTEMPTS_RETRY_SECONDS = 1  # TooManyFailedAttemptsException: ask for a new code

# Operations, as the provider names them when it translates.
SIGN_UP = "SignUp"
CONFIRM_SIGN_UP = "ConfirmSignUp"
RESEND_CODE = "ResendConfirmationCode"
SIGN_IN = "InitiateAuth:USER_PASSWORD_AUTH"
REFRESH_AUTH = "InitiateAuth:REFRESH_TOKEN_AUTH"
FORGOT = "ForgotPassword"
RESET = "ConfirmForgotPassword"
ADMIN = "Admin"  # AdminGetUser, AdminDeleteUser, AdminAddUserToGroup, AdminUserGlobalSignOut


class IdentityBackendError(RuntimeError):
    """Cognito failed in a way no client input explains (configuration, outage)."""

    def __init__(self, operation: str, code: str) -> None:
        super().__init__(f"cognito {operation} failed: {code}")
        self.operation = operation
        self.code = code


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))


def _password_problem(field: str) -> ValidationError:
    return ValidationError([FieldError(field, "is not accepted as a password")])


def translate(exc: ClientError, operation: str, field: str = "password") -> Exception:
    """The domain error for a failed Cognito call (raise it `from None`)."""
    code = error_code(exc)
    if code == "TooManyRequestsException":
        return Throttled(RATE_LIMIT_RETRY_SECONDS, "Too many requests. Try again in a moment.")
    if code == "LimitExceededException":
        return Throttled(LIMIT_EXCEEDED_RETRY_SECONDS)
    if code == "InternalErrorException":  # Cognito's own 500: retryable, not our bug
        return ServiceUnavailable(RATE_LIMIT_RETRY_SECONDS)
    if code == "TooManyFailedAttemptsException":
        return TooManyRequests(CODE_ATTEMPTS_RETRY_SECONDS, "Too many wrong codes. Ask for a new code.")
    mapped = _BY_OPERATION.get((operation, code)) or _ANY_OPERATION.get(code)
    if mapped is not None:
        return mapped(exc, field)
    return IdentityBackendError(operation, code or "unknown")


def _not_authorized_sign_in(exc: ClientError, _field: str) -> BandstandError:
    # "Password attempts exceeded": Cognito's own lockout; same answer as ours.
    if "attempts exceeded" in _message(exc).lower():
        return TooManyRequests(1)
    return InvalidCredentials()


Mapper = Callable[[ClientError, str], BandstandError]

_BY_OPERATION: dict[tuple[str, str], Mapper] = {
    # Sign-in: unknown user and wrong password must look the same.
    (SIGN_IN, "NotAuthorizedException"): _not_authorized_sign_in,
    (SIGN_IN, "UserNotFoundException"): lambda e, f: InvalidCredentials(),
    (SIGN_IN, "PasswordResetRequiredException"): lambda e, f: Forbidden(
        "Reset your password before signing in.", code="password_reset_required"
    ),
    # Refresh: revoked, expired, malformed or for a deleted user, all one answer.
    (REFRESH_AUTH, "NotAuthorizedException"): lambda e, f: InvalidToken(),
    (REFRESH_AUTH, "UserNotFoundException"): lambda e, f: InvalidToken(),
    (REFRESH_AUTH, "InvalidParameterException"): lambda e, f: InvalidToken(),
    (REFRESH_AUTH, "UserNotConfirmedException"): lambda e, f: InvalidToken(),
    # Confirm: "User cannot be confirmed. Current status is CONFIRMED".
    (CONFIRM_SIGN_UP, "NotAuthorizedException"): lambda e, f: AlreadyConfirmed(),
    (CONFIRM_SIGN_UP, "UserNotFoundException"): lambda e, f: InvalidCode(),
    (CONFIRM_SIGN_UP, "AliasExistsException"): lambda e, f: EmailTaken(),
    # Reset: an unknown or unconfirmed user has no valid code.
    (RESET, "UserNotFoundException"): lambda e, f: InvalidCode(),
    (RESET, "NotAuthorizedException"): lambda e, f: InvalidCode(),
    (RESET, "UserNotConfirmedException"): lambda e, f: InvalidCode(),
    # Admin calls name a user the app looked up: it is gone.
    (ADMIN, "UserNotFoundException"): lambda e, f: NotFound("No such user."),
}

_ANY_OPERATION: dict[str, Mapper] = {
    "UsernameExistsException": lambda e, f: UsernameTaken(),
    "AliasExistsException": lambda e, f: EmailTaken(),
    "UserNotConfirmedException": lambda e, f: UserNotConfirmed(),
    "CodeMismatchException": lambda e, f: InvalidCode(),
    "ExpiredCodeException": lambda e, f: ExpiredCode(),
    "InvalidPasswordException": lambda e, f: _password_problem(f),
    "PasswordHistoryPolicyViolationException": lambda e, f: _password_problem(f),
    # Input Cognito refuses that our validation let through (say a password that starts
    # with a space): the client's 400, without Cognito's message.
    "InvalidParameterException": lambda e, f: ValidationError(detail="The request has invalid fields."),
    "UserNotFoundException": lambda e, f: NotFound("No such user."),
}
