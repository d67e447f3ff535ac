"""Assertions on RFC 9457 problem documents, shared by every layer that sees HTTP."""

from __future__ import annotations

from typing import Any

PROBLEM = "application/problem+json"


def assert_problem(reply: Any, status: int, code: str) -> dict[str, Any]:
    """The reply is a problem document with this status and code; its body."""
    assert reply.status == status, reply.json
    assert reply.header("content-type") == PROBLEM
    body: dict[str, Any] = reply.json
    assert body["status"] == status and body["code"] == code and body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    return body
