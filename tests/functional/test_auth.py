"""Every row of API.md's "Registration and sign-in" table, through chalice.test.Client on moto."""

import jwt
import pytest

from tests.support.api import STRONG_PASSWORD, read_mail
from tests.support.problems import assert_problem

# -- register ---------------------------------------------------------------------------


def test_register_returns_unconfirmed_profile_and_mails_a_code(api):
    reply = api.register("Alice", "alice@example.com", full_name="Alice Liddell")
    assert reply.status == 201
    assert reply.json == {
        "username": "alice",
        "email": "alice@example.com",
        "full_name": "Alice Liddell",
        "status": "UNCONFIRMED",
    }
    [mail] = read_mail(api.outbox)
    assert mail["To"] == "alice@example.com"
    assert len(api.code_for("alice@example.com")) == 6


def test_register_without_full_name_gives_null(api):
    assert api.register("bob").json["full_name"] is None


def test_register_validation_lists_every_field(api):
    reply = api.post("/auth/register", {"username": "x", "email": "nope", "password": "short", "extra": 1})
    body = assert_problem(reply, 400, "validation_error")
    assert {e["field"] for e in body["errors"]} == {"username", "email", "password", "extra"}


def test_register_refuses_a_common_password(api):
    body = assert_problem(api.register("carol", password="passwordpassword"), 400, "validation_error")
    assert body["errors"] == [{"field": "password", "message": "is too common; choose a less predictable password"}]
    assert not read_mail(api.outbox)


def test_register_refuses_a_password_with_the_username(api):
    body = assert_problem(api.register("carol", password="carol is the best friend"), 400, "validation_error")
    assert body["errors"][0]["field"] == "password"


def test_username_taken_case_insensitively(api):
    api.register("dave")
    body = assert_problem(api.register("DAVE", "other@example.com"), 409, "username_taken")
    assert body["errors"] == [{"field": "username", "message": "already taken"}]


def test_confirm_with_the_mailed_code(api):
    api.register("frank")
    reply = api.post("/auth/confirm", {"username": "FRANK", "code": api.code_for("frank@example.com")})
    assert reply.status == 200
    assert reply.json == {"username": "frank", "status": "CONFIRMED"}


def test_confirm_wrong_code_then_429_after_five(api):
    api.register("gina")
    code = api.code_for("gina@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert_problem(api.post("/auth/confirm", {"username": "gina", "code": wrong}), 400, "invalid_code")
    reply = api.post("/auth/confirm", {"username": "gina", "code": code})
    assert_problem(reply, 429, "too_many_attempts")
    assert int(reply.header("retry-after")) >= 1


def test_a_new_code_after_the_lock_works(api, clock):
    api.register("gus")
    code = api.code_for("gus@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        api.post("/auth/confirm", {"username": "gus", "code": wrong})
    clock.advance(61)
    assert api.post("/auth/resend-code", {"username": "gus"}).status == 202
    new_code = api.code_for("gus@example.com")
    assert api.post("/auth/confirm", {"username": "gus", "code": new_code}).status == 200


def test_confirm_expired_code(api, clock):
    api.register("hank")
    code = api.code_for("hank@example.com")
    clock.advance(24 * 3600 + 1)
    assert_problem(api.post("/auth/confirm", {"username": "hank", "code": code}), 400, "expired_code")


def test_confirm_unknown_user_is_invalid_code(api):
    assert_problem(api.post("/auth/confirm", {"username": "nobody", "code": "123456"}), 400, "invalid_code")


def test_confirm_twice_is_a_conflict(api):
    api.register("ivy")
    code = api.code_for("ivy@example.com")
    api.post("/auth/confirm", {"username": "ivy", "code": code})
    assert_problem(api.post("/auth/confirm", {"username": "ivy", "code": code}), 409, "already_confirmed")


def test_confirm_bad_body(api):
    assert_problem(api.post("/auth/confirm", {"username": "ivy", "code": "12"}), 400, "validation_error")


# -- resend-code ------------------------------------------------------------------------


def test_resend_code_same_answer_for_known_and_unknown(api, clock):
    api.register("jack")
    clock.advance(61)
    known = api.post("/auth/resend-code", {"username": "jack"})
    unknown = api.post("/auth/resend-code", {"username": "nobody"})
    assert known.status == unknown.status == 202
    assert known.json == unknown.json
    assert len(read_mail(api.outbox)) == 2


def test_resend_code_bad_body(api):
    assert_problem(api.post("/auth/resend-code", {}), 400, "validation_error")


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


# -- forgot and reset password ----------------------------------------------------------


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
