"""Conventions that hold on every route: problem documents, body limits, CORS, OpenAPI."""

import json
import logging

import pytest

from app import OPERATIONS, STANDARD_METHODS, app
from chalicelib.web.openapi import document
from tests.conftest import WEB_ORIGIN
from tests.support.problems import assert_problem


def test_malformed_json_is_400(api):
    for raw in (b"{", b"[1,2", b"\xff\xfe", b"NaN", b'{"username": NaN}', b"[" * 5000):
        reply = api.call("POST", "/auth/login", raw=raw, headers={"Content-Type": "application/json"})
        assert_problem(reply, 400, "malformed_request")


def test_json_that_is_not_an_object_is_400(api):
    reply = api.call("POST", "/auth/login", raw=b"[]", headers={"Content-Type": "application/json"})
    assert_problem(reply, 400, "validation_error")


def test_empty_body_is_400(api):
    reply = api.call("POST", "/auth/register", raw=b"", headers={"Content-Type": "application/json"})
    assert_problem(reply, 400, "malformed_request")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_non_json_content_type_is_415(api, content_type):
    reply = api.call(
        "POST",
        "/auth/login",
        raw=b'{"username":"a","password":"b"}',
        headers={"Content-Type": content_type} if content_type else {},
    )
    assert_problem(reply, 415, "unsupported_media_type")


def test_json_with_charset_is_fine(api):
    reply = api.call(
        "POST",
        "/auth/login",
        raw=b'{"username":"abc","password":"b"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert_problem(reply, 401, "invalid_credentials")


def test_body_over_64_kib_is_413(api):
    big = json.dumps({"username": "a" * (65 * 1024), "password": "x"})
    reply = api.call("POST", "/auth/login", raw=big, headers={"Content-Type": "application/json"})
    assert_problem(reply, 413, "payload_too_large")


def test_wrong_method_is_a_405_problem(api):
    reply = api.call("PUT", "/health")
    body = assert_problem(reply, 405, "method_not_allowed")
    assert "GET" in reply.header("allow")
    assert "Traceback" not in str(body)


def test_cors_preflight_for_allowed_origin(api):
    reply = api.call("OPTIONS", "/auth/login", headers={"Origin": WEB_ORIGIN, "Access-Control-Request-Method": "POST"})
    assert reply.status == 204
    assert reply.header("access-control-allow-origin") == WEB_ORIGIN
    assert "POST" in reply.header("access-control-allow-methods")
    assert "Authorization" in reply.header("access-control-allow-headers")


def test_cors_headers_on_responses_for_allowed_origins_only(api):
    ok = api.get("/health", headers={"Origin": WEB_ORIGIN})
    assert ok.header("access-control-allow-origin") == WEB_ORIGIN
    assert "Retry-After" in ok.header("access-control-expose-headers")
    evil = api.get("/health", headers={"Origin": "https://evil.example"})
    assert evil.header("access-control-allow-origin") is None
    preflight = api.call(
        "OPTIONS", "/auth/login", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.header("access-control-allow-origin") is None


def test_errors_carry_cors_headers_too(api):
    reply = api.get("/users/me", headers={"Origin": WEB_ORIGIN})
    assert reply.status == 401
    assert reply.header("access-control-allow-origin") == WEB_ORIGIN


def test_every_response_has_a_request_id(api):
    assert len(api.get("/health").header("x-request-id")) >= 16


def test_openapi_documents_every_route_and_only_those():
    documented = {(op.path, op.method.upper()) for op in OPERATIONS}
    served = {
        (path, method)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        if method != "OPTIONS" and not entry.view_name.startswith("not_allowed")
    }
    assert documented == served


def test_every_path_routes_every_standard_method_so_api_gateway_hands_it_to_the_app(api):
    # API Gateway never calls the Lambda for a method no route declares; the 405 views fill in.
    for path, methods in app.routes.items():
        assert set(STANDARD_METHODS) | {"OPTIONS"} <= set(methods), path
        declared = sorted(op.method.upper() for op in OPERATIONS if op.path == path)
        for method in STANDARD_METHODS:
            if method in declared:
                continue
            concrete = path.replace("{username}", "alice").replace("{album_id}", "a1")
            reply = api.call(method, concrete)
            if method == "HEAD":
                assert reply.status == 405
            else:
                assert_problem(reply, 405, "method_not_allowed")
            assert reply.header("allow") == ", ".join([*declared, "OPTIONS"]), (method, path)


def test_openapi_document_is_31_with_request_schemas(api):
    reply = api.get("/openapi.json")
    assert reply.status == 200
    doc = reply.json
    assert doc["openapi"] == "3.1.0"
    register = doc["paths"]["/auth/register"]["post"]
    ref = register["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["properties"]["password"]["minLength"] == 15
    assert schema["additionalProperties"] is False
    assert doc == json.loads(json.dumps(document(OPERATIONS)))
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            assert op["responses"], (path, method)


def test_no_client_input_yields_a_5xx(api):
    """A small bounded fuzz over every route with odd bodies and headers."""
    token = api.signup("fuzzy")["access_token"]
    bodies = [
        None,
        b"",
        b"{}",
        b"null",
        b"[]",
        b'"x"',
        b"1e999",
        b'{"username": {"$ne": 1}}',
        b'{"username": "a", "password": "' + b"x" * 200 + b'"}',
        b'{"rank": 1e400}',
        json.dumps({"username": "\u0000\ud800", "code": "\u0661\u0662\u0663\u0664\u0665\u0666"}).encode(),
    ]
    paths = [
        "/auth/register",
        "/auth/confirm",
        "/auth/resend-code",
        "/auth/login",
        "/auth/refresh",
        "/auth/logout",
        "/auth/forgot-password",
        "/auth/reset-password",
        "/users/me",
        "/users",
        "/users/fuzzy",
        "/users/..",
        "/albums",
        "/albums/x",
        "/albums/00000000-0000-0000-0000-000000000000",
        "/users?limit=-1&next=%00",
        "/albums?limit=abc&next=....",
    ]
    for path in paths:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            for raw in bodies:
                for auth in (None, token, "Bearer x.y.z"):
                    headers = {"Content-Type": "application/json"}
                    if auth:
                        headers["Authorization"] = auth if auth.startswith("Bearer") else f"Bearer {auth}"
                    reply = api.call(method, path, raw=raw, headers=headers)
                    assert reply.status < 500, (method, path, raw, reply.raw)


class _Exploding:
    """Accounts whose every call fails unexpectedly."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise RuntimeError("secret internal detail: db password=hunter2")

        return fail


class _Records(logging.Handler):
    """Formats as the real handler does, at emit time (the request id is set then)."""

    def __init__(self) -> None:
        super().__init__()
        from chalicelib.core.logs import JsonFormatter

        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_unexpected_errors_are_a_bare_500_logged_once_with_request_id(api):
    from chalicelib import services

    services.install(accounts=_Exploding())
    handler = _Records()
    logger = logging.getLogger("bandstand.http")
    logger.addHandler(handler)
    try:
        reply = api.post("/auth/login", {"username": "alice", "password": "whatever it is"})
    finally:
        logger.removeHandler(handler)
    body = assert_problem(reply, 500, "internal_error")
    assert "hunter2" not in reply.raw.decode() and "RuntimeError" not in reply.raw.decode()
    assert body["detail"] == "Something went wrong on our side. Try again later."
    errors = [line for line in handler.lines if line["level"] == "ERROR"]
    assert len(errors) == 1
    assert "RuntimeError" in errors[0]["exception"]
    assert errors[0]["request_id"] == reply.header("x-request-id")
