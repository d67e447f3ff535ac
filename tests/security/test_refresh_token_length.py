"""Security review: refresh tokens were capped at 512 characters, and Cognito's are
encrypted JWTs of about 1,800: refresh on real Cognito would have been a 400. docs/api.md: up
to 4,096 characters; a token that long but unknown is 401 invalid_token, longer is 400."""

from __future__ import annotations

from typing import Any

from chalicelib.web import validation
from tests.support.album_api import problem


def cognito_like(length: int) -> str:
    """Five base64url parts joined by dots, as a JWE refresh token looks."""
    body = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ"
    token = ".".join([body, "x" * 342, "lZ6ZoMgT", "a" * 1200, "Qm9v"])
    return (token + "A" * length)[:length]


def test_a_1800_character_token_is_checked_not_refused(api: Any) -> None:
    for length in (513, 1800, 4096):
        reply = api.post("/auth/refresh", {"refresh_token": cognito_like(length)})
        problem(reply, 401, "invalid_token", length)
        assert reply.header("WWW-Authenticate") == 'Bearer realm="bandstand"'


def test_a_4097_character_token_is_400_naming_the_field(api: Any) -> None:
    reply = api.post("/auth/refresh", {"refresh_token": cognito_like(4097)})
    body = problem(reply, 400, "validation_error")
    assert body["errors"] == [{"field": "refresh_token", "message": "must be at most 4096 characters"}]


def test_a_real_refresh_token_still_refreshes(api: Any) -> None:
    tokens = api.signup("rita")
    reply = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert reply.status == 200, reply.json
    assert reply.json["token_type"] == "Bearer" and reply.json["access_token"]


def test_the_openapi_document_says_4096() -> None:
    assert validation.REFRESH.json_schema()["properties"]["refresh_token"]["maxLength"] == 4096
