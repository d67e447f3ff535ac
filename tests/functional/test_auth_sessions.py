"""docs/api.md session rows: login, refresh and logout."""

import jwt
import pytest

from tests.support.api import STRONG_PASSWORD
from tests.support.problems import assert_problem

# -- login ------------------------------------------------------------------------------


def test_login_by_username_or_email_returns_cognito_shaped_tokens(api):
    api.signup("kate")
    for name in ("kate", "KATE", "kate@example.com", "Kate@Example.com"):
        reply = api.post("/auth/login", {"username": name, "password": STRONG_PASSWORD})
        assert reply.status == 200
        body = reply.json
        assert set(body) == {"id_token", "access_token", "refresh_token", "expires_in", "token_type"}
        assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
        claims = jwt.decode(body["id_token"], options={"verify_signature": False})
        assert claims["cognito:username"] == "kate" and claims["token_use"] == "id"


def test_wrong_password_and_unknown_user_look_the_same(api):
    api.signup("liam")
    wrong = api.post("/auth/login", {"username": "liam", "password": "not the password at all"})
    unknown = api.post("/auth/login", {"username": "nobody", "password": "not the password at all"})
    assert_problem(wrong, 401, "invalid_credentials")
    assert wrong.json == unknown.json


def test_unconfirmed_user_gets_403_only_with_the_right_password(api):
    api.register("mia")
    assert_problem(api.post("/auth/login", {"username": "mia", "password": STRONG_PASSWORD}), 403, "user_not_confirmed")
    assert_problem(
        api.post("/auth/login", {"username": "mia", "password": "wrong wrong wrong"}), 401, "invalid_credentials"
    )


def test_lockout_after_five_failures_doubles_and_resets(api, clock):
    api.signup("noah")
    bad = {"username": "noah", "password": "wrong password here"}
    for _ in range(5):
        assert_problem(api.post("/auth/login", bad), 401, "invalid_credentials")
    locked = api.post("/auth/login", {"username": "noah", "password": STRONG_PASSWORD})
    assert_problem(locked, 429, "too_many_attempts")
    assert locked.header("retry-after") == "1"
    clock.advance(1)
    assert_problem(api.post("/auth/login", bad), 401, "invalid_credentials")  # 6th failure: 2 s
    assert api.post("/auth/login", bad).header("retry-after") == "2"
    clock.advance(2)
    assert api.post("/auth/login", {"username": "noah", "password": STRONG_PASSWORD}).status == 200
    # success reset the count: four more failures do not lock
    for _ in range(4):
        assert_problem(api.post("/auth/login", bad), 401, "invalid_credentials")
    assert api.post("/auth/login", {"username": "noah", "password": STRONG_PASSWORD}).status == 200


def test_login_bad_body(api):
    assert_problem(api.post("/auth/login", {"username": "x"}), 400, "validation_error")


# -- refresh and logout -----------------------------------------------------------------


def test_refresh_gives_new_tokens(api):
    tokens = api.signup("pia")
    reply = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert reply.status == 200
    assert set(reply.json) == {"id_token", "access_token", "expires_in", "token_type"}
    assert api.get("/users/me", reply.json["access_token"]).status == 200


@pytest.mark.parametrize("token", ["garbage", "pia.short", "x" * 300])
def test_refresh_with_a_bad_token(api, token):
    assert_problem(api.post("/auth/refresh", {"refresh_token": token}), 401, "invalid_token")


@pytest.mark.cognito_gap("refresh tokens are bare UUIDs (Cognito's are JWE with dots), so the test cannot forge one")
def test_forged_refresh_token_for_another_user(api):
    tokens = api.signup("quinn")
    api.signup("rosa")
    secret = tokens["refresh_token"].split(".", 1)[1]
    assert_problem(api.post("/auth/refresh", {"refresh_token": f"rosa.{secret}"}), 401, "invalid_token")


def test_logout_revokes_refresh_and_earlier_access_tokens(api):
    tokens = api.signup("sam")
    other = api.post("/auth/login", {"username": "sam", "password": STRONG_PASSWORD}).json
    assert api.post("/auth/logout", token=tokens["access_token"]).status == 204
    for access in (tokens["access_token"], other["access_token"]):
        assert_problem(api.get("/users/me", access), 401, "invalid_token")
    for refresh in (tokens["refresh_token"], other["refresh_token"]):
        assert_problem(api.post("/auth/refresh", {"refresh_token": refresh}), 401, "invalid_token")
    # signing in again right away works
    fresh = api.post("/auth/login", {"username": "sam", "password": STRONG_PASSWORD}).json
    assert api.get("/users/me", fresh["access_token"]).status == 200


def test_logout_needs_a_token(api):
    assert_problem(api.post("/auth/logout"), 401, "invalid_token")


def test_id_and_refresh_tokens_do_not_authorize(api):
    tokens = api.signup("tara")
    assert_problem(api.get("/users/me", tokens["id_token"]), 401, "invalid_token")
    assert_problem(api.get("/users/me", tokens["refresh_token"]), 401, "invalid_token")


def test_raw_token_without_bearer_prefix_works(api):
    tokens = api.signup("uma")
    assert api.get("/users/me", headers={"Authorization": tokens["access_token"]}).status == 200
