"""docs/api.md sign-up rows: register, confirm and resend-code, through chalice.test.Client on moto."""

import pytest

from tests.support.api import read_mail
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


@pytest.mark.cognito_gap("ConfirmSignUp accepts any code, so a wrong code confirms the account")
def test_confirm_wrong_code_then_429_after_five(api):
    api.register("gina")
    code = api.code_for("gina@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert_problem(api.post("/auth/confirm", {"username": "gina", "code": wrong}), 400, "invalid_code")
    reply = api.post("/auth/confirm", {"username": "gina", "code": code})
    assert_problem(reply, 429, "too_many_attempts")
    assert int(reply.header("retry-after")) >= 1


@pytest.mark.cognito_gap("ConfirmSignUp accepts any code: the first wrong code confirms the account")
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


@pytest.mark.cognito_gap("sign-up codes never expire in moto (and moto's clock is not the test's)")
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
