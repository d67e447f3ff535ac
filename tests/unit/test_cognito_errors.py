"""Every Cognito error maps to the builtin backend's problem for the same situation, and
no Cognito exception name or message reaches the problem (or the error's text)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import botocore
import pytest
from botocore.exceptions import ClientError

from chalicelib.core.errors import BandstandError, TooManyRequests
from chalicelib.identity.cognito import errors as ce
from chalicelib.web import problems

OPERATIONS = [
    ce.SIGN_UP,
    ce.CONFIRM_SIGN_UP,
    ce.RESEND_CODE,
    ce.SIGN_IN,
    ce.REFRESH_AUTH,
    ce.FORGOT,
    ce.RESET,
    ce.ADMIN,
]
# A message as Cognito writes them: it may name the user.
PERSONAL = "User alice@example.com (alice) cannot do this"


def cognito_exceptions() -> list[str]:
    """Every exception cognito-idp declares, from botocore's service model."""
    model = Path(botocore.__file__).parent / "data" / "cognito-idp" / "2016-04-18" / "service-2.json.gz"
    shapes = json.loads(gzip.decompress(model.read_bytes()))["shapes"]
    return sorted(name for name, shape in shapes.items() if shape.get("exception"))


def client_error(code: str, message: str = PERSONAL) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "AnyOperation")


# (operation, Cognito error, HTTP status, problem code); None = not the client's doing (500).
TABLE = [
    (ce.SIGN_UP, "UsernameExistsException", 409, "username_taken"),
    (ce.SIGN_UP, "AliasExistsException", 409, "email_taken"),
    (ce.SIGN_UP, "InvalidPasswordException", 400, "validation_error"),
    (ce.SIGN_UP, "InvalidParameterException", 400, "validation_error"),
    (ce.SIGN_UP, "TooManyRequestsException", 429, "too_many_requests"),
    (ce.SIGN_UP, "LimitExceededException", 429, "too_many_requests"),
    (ce.SIGN_UP, "CodeDeliveryFailureException", None, None),
    (ce.SIGN_UP, "ResourceNotFoundException", None, None),
    (ce.SIGN_UP, "InternalErrorException", 503, "service_unavailable"),
    (ce.ADMIN, "InternalErrorException", 503, "service_unavailable"),
    (ce.SIGN_UP, "UserLambdaValidationException", None, None),
    (ce.CONFIRM_SIGN_UP, "CodeMismatchException", 400, "invalid_code"),
    (ce.CONFIRM_SIGN_UP, "ExpiredCodeException", 400, "expired_code"),
    (ce.CONFIRM_SIGN_UP, "TooManyFailedAttemptsException", 429, "too_many_attempts"),
    (ce.CONFIRM_SIGN_UP, "NotAuthorizedException", 409, "already_confirmed"),
    (ce.CONFIRM_SIGN_UP, "UserNotFoundException", 400, "invalid_code"),
    (ce.CONFIRM_SIGN_UP, "LimitExceededException", 429, "too_many_requests"),
    (ce.RESEND_CODE, "LimitExceededException", 429, "too_many_requests"),
    (ce.RESEND_CODE, "UserNotFoundException", 404, "not_found"),
    (ce.SIGN_IN, "NotAuthorizedException", 401, "invalid_credentials"),
    (ce.SIGN_IN, "UserNotFoundException", 401, "invalid_credentials"),
    (ce.SIGN_IN, "UserNotConfirmedException", 403, "user_not_confirmed"),
    (ce.SIGN_IN, "PasswordResetRequiredException", 403, "password_reset_required"),
    (ce.SIGN_IN, "TooManyRequestsException", 429, "too_many_requests"),
    (ce.SIGN_IN, "InvalidUserPoolConfigurationException", None, None),
    (ce.REFRESH_AUTH, "NotAuthorizedException", 401, "invalid_token"),
    (ce.REFRESH_AUTH, "UserNotFoundException", 401, "invalid_token"),
    (ce.REFRESH_AUTH, "InvalidParameterException", 401, "invalid_token"),
    (ce.REFRESH_AUTH, "UserNotConfirmedException", 401, "invalid_token"),
    (ce.FORGOT, "LimitExceededException", 429, "too_many_requests"),
    (ce.FORGOT, "UserNotFoundException", 404, "not_found"),
    (ce.RESET, "CodeMismatchException", 400, "invalid_code"),
    (ce.RESET, "ExpiredCodeException", 400, "expired_code"),
    (ce.RESET, "TooManyFailedAttemptsException", 429, "too_many_attempts"),
    (ce.RESET, "InvalidPasswordException", 400, "validation_error"),
    (ce.RESET, "PasswordHistoryPolicyViolationException", 400, "validation_error"),
    (ce.RESET, "UserNotFoundException", 400, "invalid_code"),
    (ce.RESET, "NotAuthorizedException", 400, "invalid_code"),
    (ce.RESET, "UserNotConfirmedException", 400, "invalid_code"),
    (ce.ADMIN, "UserNotFoundException", 404, "not_found"),
    (ce.ADMIN, "NotAuthorizedException", None, None),
    (ce.ADMIN, "ResourceNotFoundException", None, None),
]


@pytest.mark.parametrize(("operation", "cognito", "status", "code"), TABLE)
def test_mapping(operation, cognito, status, code):
    error = ce.translate(client_error(cognito), operation)
    if status is None:
        assert isinstance(error, ce.IdentityBackendError)
        assert error.code == cognito and error.operation == operation
        return
    assert isinstance(error, BandstandError)
    assert error.code == code
    assert problem_status(error) == status


def problem_status(error: BandstandError) -> int:
    response = problems.problem_from(error)
    body = response.body if isinstance(response.body, dict) else json.loads(response.body)
    assert body["status"] == response.status_code
    return int(response.status_code)


def test_sign_in_attempts_exceeded_is_429_with_retry_after():
    error = ce.translate(client_error("NotAuthorizedException", "Password attempts exceeded"), ce.SIGN_IN)
    assert isinstance(error, TooManyRequests) and error.code == "too_many_attempts"
    response = problems.problem_from(error)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("cognito", ["TooManyRequestsException", "LimitExceededException"])
def test_throttles_carry_retry_after(cognito):
    response = problems.problem_from(ce.translate(client_error(cognito), ce.SIGN_UP))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1


def test_password_problems_name_the_field_of_the_route():
    error = ce.translate(client_error("InvalidPasswordException"), ce.RESET, field="new_password")
    assert [e.field for e in error.errors] == ["new_password"]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("cognito", cognito_exceptions())
def test_no_cognito_name_or_message_ever_reaches_a_client(operation, cognito):
    error = ce.translate(client_error(cognito), operation)
    assert isinstance(error, (BandstandError, ce.IdentityBackendError))
    if isinstance(error, BandstandError):
        body = problems.problem_from(error).body
        text = body if isinstance(body, str) else json.dumps(body)
        assert cognito not in str(error)
        assert cognito not in text and "Exception" not in text
        assert "alice" not in text
        if cognito == "InternalErrorException":  # Cognito's own 500: retry, as for DynamoDB's
            assert problem_status(error) == 503
        else:
            assert 400 <= problem_status(error) < 500
    else:
        # A 500 for the client (a bare problem); the log names the operation and code only.
        assert "alice" not in str(error)


def test_the_table_covers_the_documented_exceptions():
    assert len(cognito_exceptions()) >= 50  # the botocore model is there and parsed
    assert {row[1] for row in TABLE} <= set(cognito_exceptions())


@pytest.mark.parametrize("identity_backend", ["cognito"])
def test_an_unreachable_pool_is_a_503_with_retry_after(app_env, monkeypatch):
    from chalicelib import services
    from chalicelib.core.errors import ServiceUnavailable

    monkeypatch.setenv("COGNITO_USER_POOL_ID", "us-east-1_Unreach01")
    monkeypatch.setenv("COGNITO_CLIENT_ID", "unreachable")
    monkeypatch.setenv("COGNITO_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on port 9
    services.reset()
    try:
        with pytest.raises(ServiceUnavailable) as caught:
            services.cognito_client().sign_up(ClientId="unreachable", Username="alice", Password="x" * 20)
        assert caught.value.retry_after >= 1
    finally:
        services.reset()
