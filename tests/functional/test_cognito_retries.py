"""The cognito backend's two routes that change the pool and then write DynamoDB: a fault
on the write is a 503, and what the pool already did is finished later, never undone.

- confirm: ConfirmSignUp, then the mirror (status and the pool's `sub`). A retry finishes
  the mirror even though Cognito refuses to confirm a confirmed user; so does the first
  signed-in request, if the person signs in instead of retrying.
- reset-password: a marker of the reset (the code's digest), ConfirmForgotPassword,
  AdminUserGlobalSignOut, then the cut-off (which removes the marker). A retry with the same
  code while the marker stands finishes the reset; it never signs in. A used code with
  another password changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import services
from chalicelib.core.config import get_settings
from tests.conftest import USERS_TABLE
from tests.failure.faults import FaultyClient
from tests.support.api import NEW_PASSWORD, OTHER_PASSWORD, STRONG_PASSWORD
from tests.support.problems import assert_problem

pytestmark = pytest.mark.parametrize("identity_backend", ["cognito"])  # builtin changes one table only


def fail_from(aws: Any, call: int) -> None:
    services.install(dynamodb=FaultyClient(aws, "ThrottlingException", call))


def confirm_with_the_mirror_failing(api: Any, aws: Any, name: str) -> dict[str, str]:
    assert api.register(name).status == 201
    body = {"username": name, "code": api.code_for(f"{name}@example.com")}
    fail_from(aws, 2)  # the code cap's try and the GetItem pass; the mirror (UpdateItem) after ConfirmSignUp fails
    assert_problem(api.post("/auth/confirm", body), 503, "service_unavailable")
    services.install(dynamodb=aws)
    return body


def record(aws: Any, name: str) -> dict[str, Any]:
    """The status and `sub` the users table holds for `name`."""
    item = aws.get_item(TableName=USERS_TABLE, Key={"pk": {"S": f"USER#{name}"}, "sk": {"S": "PROFILE"}})["Item"]
    return {"status": item["status"]["S"], "sub": item.get("sub", {}).get("S")}


def pool_sub(name: str) -> str:
    settings = get_settings()
    user = services.cognito_client().admin_get_user(UserPoolId=settings.cognito_user_pool_id, Username=name)
    return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")


def test_a_retried_confirm_finishes_the_mirror_when_cognito_refuses_to_confirm_again(api, aws, monkeypatch):
    body = confirm_with_the_mirror_failing(api, aws, "carol")

    def refuse(**_: Any) -> None:  # what Amazon Cognito answers (moto confirms again)
        error = {"Code": "NotAuthorizedException", "Message": "User cannot be confirmed. Current status is CONFIRMED"}
        raise ClientError({"Error": error}, "ConfirmSignUp")

    monkeypatch.setattr(services.cognito_client(), "confirm_sign_up", refuse)
    reply = api.post("/auth/confirm", body)
    assert reply.status == 200 and reply.json["status"] == "CONFIRMED", reply.json
    assert record(aws, "carol") == {"status": "CONFIRMED", "sub": pool_sub("carol")}
    assert_problem(api.post("/auth/confirm", body), 409, "already_confirmed")
    tokens = api.post("/auth/login", {"username": "carol", "password": STRONG_PASSWORD}).json
    assert api.get("/users/me", tokens["access_token"]).status == 200


def test_a_sign_in_instead_of_the_retry_binds_the_pools_sub(api, aws):
    confirm_with_the_mirror_failing(api, aws, "dave")
    assert record(aws, "dave") == {"status": "UNCONFIRMED", "sub": None}
    login = api.post("/auth/login", {"username": "dave", "password": STRONG_PASSWORD})
    assert login.status == 200  # the pool has confirmed dave
    me = api.get("/users/me", login.json["access_token"])
    assert me.status == 200 and me.json["status"] == "CONFIRMED", me.json
    assert record(aws, "dave") == {"status": "CONFIRMED", "sub": pool_sub("dave")}
    assert api.get("/users/me", login.json["access_token"]).status == 200


def test_a_reset_retried_after_its_cut_off_failed_finishes_and_ends_the_old_sessions(api, aws):
    old = api.signup("erin")
    assert api.post("/auth/forgot-password", {"username": "erin"}).status == 202
    body = {"username": "erin", "code": api.code_for("erin@example.com", "reset"), "new_password": NEW_PASSWORD}
    fail_from(aws, 3)  # the code cap's try, the GetItem and the marker pass; the cut-off write fails
    assert_problem(api.post("/auth/reset-password", body), 503, "service_unavailable")
    services.install(dynamodb=aws)
    # The pool has signed erin out already: the refresh token is dead before the retry.
    assert_problem(api.post("/auth/refresh", {"refresh_token": old["refresh_token"]}), 401, "invalid_token")
    assert api.post("/auth/reset-password", body).status == 200
    assert_problem(api.get("/users/me", old["access_token"]), 401, "invalid_token")
    login = api.post("/auth/login", {"username": "erin", "password": NEW_PASSWORD})
    assert login.status == 200 and api.get("/users/me", login.json["access_token"]).status == 200


def test_a_used_reset_code_with_another_password_changes_nothing(api, aws):
    api.signup("fred")
    assert api.post("/auth/forgot-password", {"username": "fred"}).status == 202
    body = {"username": "fred", "code": api.code_for("fred@example.com", "reset"), "new_password": NEW_PASSWORD}
    assert api.post("/auth/reset-password", body).status == 200
    session = api.post("/auth/login", {"username": "fred", "password": NEW_PASSWORD}).json
    assert_problem(api.post("/auth/reset-password", {**body, "new_password": OTHER_PASSWORD}), 400, "expired_code")
    assert api.get("/users/me", session["access_token"]).status == 200  # still signed in
    assert api.post("/auth/refresh", {"refresh_token": session["refresh_token"]}).status == 200
    assert api.post("/auth/login", {"username": "fred", "password": NEW_PASSWORD}).status == 200
