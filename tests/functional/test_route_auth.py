"""Every route's declared `auth` is what it enforces, and the OpenAPI document says the same."""

from __future__ import annotations

import pytest

from app import OPERATIONS, app
from tests.support.problems import assert_problem

DECLARED = sorted(((op.method, op.path, op.auth) for op in OPERATIONS), key=str)
SAMPLE_PATH = {"{username}": "someone", "{album_id}": "00000000-0000-4000-8000-000000000000"}


def concrete(path: str) -> str:
    for placeholder, value in SAMPLE_PATH.items():
        path = path.replace(placeholder, value)
    return path


def test_every_served_route_is_declared_once():
    # Besides the declared routes, only the preflight and the 405 answers are served.
    served = {
        (path, method)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        if method != "OPTIONS" and not entry.view_name.startswith("not_allowed")
    }
    assert {(op.path, op.method) for op in OPERATIONS} == served


@pytest.mark.parametrize(("method", "path", "auth"), [d for d in DECLARED if d[2] != "public"])
def test_signed_out_calls_to_non_public_routes_are_401(api, method, path, auth):
    reply = api.call(method, concrete(path), headers={"Content-Type": "application/json"}, raw=b"{}")
    assert_problem(reply, 401, "invalid_token")
    assert reply.header("www-authenticate") == 'Bearer realm="bandstand"'


@pytest.mark.parametrize(("method", "path", "auth"), [d for d in DECLARED if d[2] == "admin"])
def test_admin_routes_refuse_a_signed_in_member_with_403(api, method, path, auth):
    token = api.signup("member")["access_token"]
    reply = api.call(method, concrete(path), token=token, headers={"Content-Type": "application/json"}, raw=b"{}")
    assert_problem(reply, 403, "forbidden")


@pytest.mark.parametrize(("method", "path", "auth"), [d for d in DECLARED if d[2] == "public"])
def test_public_routes_never_ask_for_a_token(api, method, path, auth):
    reply = api.call(method, concrete(path), headers={"Content-Type": "application/json"}, raw=b"{}")
    assert reply.status != 401 or reply.json["code"] != "invalid_token"


def test_openapi_security_matches_each_declaration(api):
    doc = api.get("/openapi.json").json
    for method, path, auth in DECLARED:
        operation = doc["paths"][path][method.lower()]
        assert ("security" in operation) == (auth != "public"), (method, path)
        assert auth == "public" or "401" in operation["responses"], (method, path)
        if auth == "admin":
            assert "403" in operation["responses"] and "admin" in operation["description"]
