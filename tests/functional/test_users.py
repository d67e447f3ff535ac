"""docs/api.md's "Users" table, and the whole path from registration to account deletion."""

import pytest

from chalicelib import services
from tests.support.api import STRONG_PASSWORD
from tests.support.problems import assert_problem

SECRET_WORDS = ("password", "hash", "argon2", "code", "digest", "token")


def assert_no_secrets(body):
    text = str(body).lower()
    assert not any(word in text for word in SECRET_WORDS), body


def test_me_returns_the_profile(api):
    tokens = api.signup("alice")
    reply = api.get("/users/me", tokens["access_token"])
    assert reply.status == 200
    body = reply.json
    # docs/api.md: GET /users/me also carries the caller's two-step sign-in state.
    assert set(body) == {"username", "email", "full_name", "status", "groups", "created_at", "mfa"}
    assert body["username"] == "alice" and body["status"] == "CONFIRMED" and body["groups"] == []
    assert body["mfa"] == {"totp": False, "recovery_codes_left": 0}
    assert body["created_at"].endswith("Z") and "T" in body["created_at"]
    # `mfa` is asserted whole above (its key names the word "code"); the rest holds no secret.
    assert_no_secrets({key: value for key, value in body.items() if key != "mfa"})


def test_me_needs_a_valid_token(api):
    assert_problem(api.get("/users/me"), 401, "invalid_token")
    assert_problem(api.get("/users/me", "not-a-jwt"), 401, "invalid_token")
    assert_problem(api.get("/users/me", headers={"Authorization": "Bearer "}), 401, "invalid_token")


def test_patch_me_changes_and_clears_the_full_name(api):
    token = api.signup("bob")["access_token"]
    reply = api.patch("/users/me", {"full_name": "  Bob Dylan "}, token)
    assert reply.status == 200 and reply.json["full_name"] == "Bob Dylan"
    assert api.get("/users/me", token).json["full_name"] == "Bob Dylan"
    assert api.patch("/users/me", {"full_name": None}, token).json["full_name"] is None


def test_patch_me_validation(api):
    token = api.signup("carl")["access_token"]
    assert_problem(api.patch("/users/me", {"full_name": "x" * 101}, token), 400, "validation_error")
    assert_problem(api.patch("/users/me", {"email": "new@example.com"}, token), 400, "validation_error")
    assert_problem(api.patch("/users/me", {}, token), 400, "validation_error")
    assert_problem(api.patch("/users/me", {"full_name": "x"}), 401, "invalid_token")


@pytest.mark.cognito_gap("AdminDeleteUser leaves the user's refresh tokens alive; refreshing one crashes moto (a 500)")
def test_delete_me_frees_username_and_email(api):
    tokens = api.signup("dora")
    assert api.delete("/users/me", tokens["access_token"]).status == 204
    assert_problem(api.get("/users/me", tokens["access_token"]), 401, "invalid_token")
    assert_problem(api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}), 401, "invalid_token")
    assert_problem(
        api.post("/auth/login", {"username": "dora", "password": STRONG_PASSWORD}), 401, "invalid_credentials"
    )
    again = api.signup("dora")  # same username and email again
    assert api.get("/users/me", again["access_token"]).status == 200
    # the old refresh token does not come back to life for the new account
    assert_problem(api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}), 401, "invalid_token")


def test_delete_me_needs_a_token(api):
    assert_problem(api.delete("/users/me"), 401, "invalid_token")


def test_users_list_is_for_admins_oldest_first_and_paginated(api, clock):
    tokens = {}
    for name in ("eddy", "fay", "gil", "hal", "ivo"):
        tokens[name] = api.signup(name)["access_token"]
        clock.advance(1)
    assert_problem(api.get("/users", tokens["fay"]), 403, "forbidden")
    services.accounts().grant("eddy", "admin")
    seen, cursor = [], None
    while True:
        path = "/users?limit=2" + (f"&next={cursor}" if cursor else "")
        page = api.get(path, tokens["eddy"])
        assert page.status == 200
        assert len(page.json["items"]) <= 2
        for item in page.json["items"]:
            assert_no_secrets(item)
        seen += [u["username"] for u in page.json["items"]]
        cursor = page.json["next"]
        if not cursor:
            break
    assert seen == ["eddy", "fay", "gil", "hal", "ivo"]


def test_users_list_bad_limit_and_cursor(api):
    token = api.signup("joe")["access_token"]
    services.accounts().grant("joe", "admin")
    assert_problem(api.get("/users?limit=0", token), 400, "validation_error")
    assert_problem(api.get("/users?limit=101", token), 400, "validation_error")
    assert_problem(api.get("/users?next=garbage", token), 400, "invalid_cursor")
    assert_problem(api.get("/users"), 401, "invalid_token")


def test_get_user_self_admin_and_others(api):
    kim = api.signup("kim")["access_token"]
    lou = api.signup("lou")["access_token"]
    assert api.get("/users/kim", kim).json["username"] == "kim"
    assert api.get("/users/KIM", kim).status == 200
    assert_problem(api.get("/users/kim", lou), 403, "forbidden")
    assert_problem(api.get("/users/nobody", lou), 403, "forbidden")
    services.accounts().grant("lou", "admin")
    assert api.get("/users/kim", lou).json["email"] == "kim@example.com"
    assert_problem(api.get("/users/nobody", lou), 404, "not_found")
    assert_problem(api.get("/users/kim"), 401, "invalid_token")


def test_admin_group_shows_in_profile_and_new_tokens(api):
    api.signup("max")
    services.accounts().grant("max", "admin")
    tokens = api.post("/auth/login", {"username": "max", "password": STRONG_PASSWORD}).json
    assert api.get("/users/me", tokens["access_token"]).json["groups"] == ["admin"]


def test_the_whole_path_from_registration_to_deletion(api):
    assert api.register("nina", "Nina@Example.com", full_name="Nina").status == 201
    code = api.code_for("Nina@Example.com")
    assert api.post("/auth/confirm", {"username": "nina", "code": code}).status == 200
    tokens = api.post("/auth/login", {"username": "nina@example.com", "password": STRONG_PASSWORD}).json
    assert api.get("/users/me", tokens["access_token"]).json["full_name"] == "Nina"
    refreshed = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}).json
    assert api.patch("/users/me", {"full_name": "Nina S."}, refreshed["access_token"]).status == 200
    assert api.post("/auth/logout", token=refreshed["access_token"]).status == 204
    assert_problem(api.get("/users/me", refreshed["access_token"]), 401, "invalid_token")
    again = api.post("/auth/login", {"username": "nina", "password": STRONG_PASSWORD}).json
    assert api.delete("/users/me", again["access_token"]).status == 204
    assert api.register("nina", "nina@example.com").status == 201
