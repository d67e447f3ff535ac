"""docs/api.md password rows: forgot-password and reset-password."""

import pytest

from tests.support.api import STRONG_PASSWORD
from tests.support.problems import assert_problem

# -- forgot and reset password ----------------------------------------------------------


@pytest.mark.cognito_gap("a used reset code gives ExpiredCodeException, not CodeMismatchException as on Cognito")
def test_password_reset_flow(api):
    tokens = api.signup("vera")
    assert api.post("/auth/forgot-password", {"username": "vera"}).status == 202
    code = api.code_for("vera@example.com", "reset")
    new_password = "quiet mountain river stone"
    reply = api.post("/auth/reset-password", {"username": "vera", "code": code, "new_password": new_password})
    assert reply.status == 200
    assert_problem(
        api.post("/auth/login", {"username": "vera", "password": STRONG_PASSWORD}), 401, "invalid_credentials"
    )
    assert api.post("/auth/login", {"username": "vera", "password": new_password}).status == 200
    # sessions from before the reset are revoked
    assert_problem(api.get("/users/me", tokens["access_token"]), 401, "invalid_token")
    assert_problem(api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}), 401, "invalid_token")
    # the code is single-use
    assert_problem(
        api.post("/auth/reset-password", {"username": "vera", "code": code, "new_password": "another long passphrase"}),
        400,
        "invalid_code",
    )


def test_forgot_password_same_answer_for_unknown_user(api):
    api.signup("will")
    known = api.post("/auth/forgot-password", {"username": "will@example.com"})
    unknown = api.post("/auth/forgot-password", {"username": "nobody@example.com"})
    assert known.status == unknown.status == 202 and known.json == unknown.json


@pytest.mark.cognito_gap("a wrong reset code gives ExpiredCodeException (Cognito: CodeMismatchException)")
def test_reset_with_wrong_code_and_weak_password(api):
    api.signup("xena")
    api.post("/auth/forgot-password", {"username": "xena"})
    code = api.code_for("xena@example.com", "reset")
    wrong = "000000" if code != "000000" else "111111"
    assert_problem(
        api.post(
            "/auth/reset-password", {"username": "xena", "code": wrong, "new_password": "quiet mountain river stone"}
        ),
        400,
        "invalid_code",
    )
    body = assert_problem(
        api.post("/auth/reset-password", {"username": "xena", "code": code, "new_password": "passwordpassword"}),
        400,
        "validation_error",
    )
    assert body["errors"][0]["field"] == "new_password"
    # the weak attempt did not burn the code
    assert (
        api.post(
            "/auth/reset-password", {"username": "xena", "code": code, "new_password": "quiet mountain river stone"}
        ).status
        == 200
    )


@pytest.mark.cognito_gap("reset codes never expire in moto (and moto's clock is not the test's)")
def test_reset_code_expires_after_an_hour(api, clock):
    api.signup("yuri")
    api.post("/auth/forgot-password", {"username": "yuri"})
    code = api.code_for("yuri@example.com", "reset")
    clock.advance(3601)
    assert_problem(
        api.post(
            "/auth/reset-password", {"username": "yuri", "code": code, "new_password": "quiet mountain river stone"}
        ),
        400,
        "expired_code",
    )


def test_reset_for_unknown_user_is_invalid_code(api):
    assert_problem(
        api.post(
            "/auth/reset-password",
            {"username": "nobody", "code": "123456", "new_password": "quiet mountain river stone"},
        ),
        400,
        "invalid_code",
    )
