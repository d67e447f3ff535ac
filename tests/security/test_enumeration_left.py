"""Finding 5: reset-password answers a wrong code the same for known and unknown
identifiers whatever new_password is, and a repeated sign-up answers 409 whether the
address was taken or fresh (the username is held either way), on both backends."""

from __future__ import annotations

from typing import Any

from tests.support.api import STRONG_PASSWORD

# Breaks a rule only for the known account: it holds its email's local part.
HOLDS_LOCAL_PART = "zorro.mask and a long tail"
COMMON = "passwordpassword"


def reset(api: Any, name: str, new_password: str) -> Any:
    return api.post("/auth/reset-password", {"username": name, "code": "123456", "new_password": new_password})


def test_a_wrong_code_answers_known_and_unknown_alike_whatever_the_new_password(api, identity_backend):
    api.signup("carmen", email="zorro.mask@example.com")
    assert api.post("/auth/forgot-password", {"username": "carmen"}).status == 202
    for new_password in (HOLDS_LOCAL_PART, COMMON):
        known, unknown = reset(api, "carmen", new_password), reset(api, "nobody", new_password)
        assert known.status == unknown.status == 400, (known.json, unknown.json)
        assert known.json == unknown.json
        if identity_backend == "builtin" or new_password == HOLDS_LOCAL_PART:
            assert known.json["code"] == "invalid_code"  # the code first (cognito: see provider.py)
    # The same by address: the account's names never show through.
    by_email = api.post(
        "/auth/reset-password",
        {"username": "zorro.mask@example.com", "code": "123456", "new_password": "another long passphrase"},
    )
    no_email = api.post(
        "/auth/reset-password",
        {"username": "nobody.here@example.com", "code": "123456", "new_password": "another long passphrase"},
    )
    if identity_backend == "builtin":  # moto answers a known account's wrong code expired_code
        assert by_email.json == no_email.json and by_email.status == 400


def test_a_repeated_sign_up_answers_409_whether_the_address_was_taken_or_fresh(api):
    api.signup("owner", email="taken@example.com")
    taken_first = api.register("squatter", "taken@example.com")
    fresh_first = api.register("newcomer", "fresh@example.com")
    assert taken_first.status == fresh_first.status == 201
    assert taken_first.json == {**fresh_first.json, "username": "squatter", "email": "taken@example.com"}
    taken_again = api.register("squatter", "taken@example.com")
    fresh_again = api.register("newcomer", "fresh@example.com")
    assert taken_again.status == fresh_again.status == 409
    assert taken_again.json == fresh_again.json
    assert taken_again.json["code"] == "username_taken"


def test_a_held_username_cannot_sign_in_be_confirmed_or_get_mail(api, app_env):
    api.signup("owner2", email="taken2@example.com")
    assert api.register("holder", "taken2@example.com", STRONG_PASSWORD).status == 201
    login = api.post("/auth/login", {"username": "holder", "password": STRONG_PASSWORD})
    assert login.status == 401 and login.json["code"] == "invalid_credentials"
    confirm = api.post("/auth/confirm", {"username": "holder", "code": "123456"})
    assert confirm.status == 400 and confirm.json["code"] == "invalid_code"
    mails_before = sorted(p.name for p in app_env.glob("*.eml"))
    assert api.post("/auth/resend-code", {"username": "holder"}).status == 202
    assert api.post("/auth/forgot-password", {"username": "holder"}).status == 202
    assert sorted(p.name for p in app_env.glob("*.eml")) == mails_before  # no mail to anyone
    # The address's owner is untouched and can still sign in.
    assert api.post("/auth/login", {"username": "taken2@example.com", "password": STRONG_PASSWORD}).status == 200
