"""What every response passes through: CORS for the configured origins only, preflight
answers, request ids, security headers, Chalice's own errors as problem documents, and
one access-log line per request."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalice.app import Response

from chalicelib.core import logs
from chalicelib.core.config import get_settings
from chalicelib.web import problems

log = logging.getLogger("bandstand.http")
EXPOSED_HEADERS = "ETag, Location, Retry-After, X-Request-Id"
ALLOWED_HEADERS = "Authorization, Content-Type, If-Match"


def allowed_origin(origin: str | None) -> str | None:
    """The request's Origin when it is one of CORS_ORIGINS, else None."""
    return origin if origin and origin.rstrip("/") in get_settings().cors_origins else None


def preflight(origin: str | None, methods: list[str]) -> Response:
    """The OPTIONS answer of a path: its methods, and the CORS grant for allowed origins."""
    allow = allow_header(methods)
    headers: dict[str, str | list[str]] = {"Allow": allow}
    if allowed_origin(origin):
        headers.update(
            {
                "Access-Control-Allow-Methods": allow,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": "600",
            }
        )
    return Response(body="", status_code=204, headers=headers)


def allow_header(methods: list[str]) -> str:
    """A path's Allow header: its declared methods and the preflight."""
    return ", ".join([*methods, "OPTIONS"])


def method_not_allowed(methods: list[str]) -> Response:
    return problems.problem(
        405,
        "method_not_allowed",
        "This method is not allowed on this resource.",
        headers={"Allow": allow_header(methods)},
    )


def as_problem(response: Response, allowed_methods: list[str] | None = None) -> Response:
    """Chalice answers some errors itself (405, 415) in its own shape; make them problems.
    Its own 405 lists every route of the path, the 405 views included, so the path's
    declared methods are passed in to say what is really allowed."""
    headers = {k.lower(): str(v) for k, v in response.headers.items()}
    if response.status_code < 400 or headers.get("content-type", "").startswith(problems.PROBLEM_JSON):
        return response
    if response.status_code == 405 and allowed_methods is not None:
        return method_not_allowed(allowed_methods)
    code = "method_not_allowed" if response.status_code == 405 else "request_error"
    detail = "This method is not allowed on this resource." if response.status_code == 405 else "The request failed."
    extra = {"Allow": headers["allow"]} if "allow" in headers else None
    return problems.problem(response.status_code, code, detail, headers=extra)


def handle(
    request: Any,
    get_response: Callable[[Any], Response],
    declared_methods: Callable[[str], list[str]] | None = None,
) -> Response:
    started = time.perf_counter()
    context = request.context or {}
    rid = context.get("requestId") or uuid.uuid4().hex
    token = logs.request_id.set(rid)
    try:
        logs.configure(get_settings().log_level)
        allowed = allowed_origin(request.headers.get("origin"))
        try:
            path = context.get("resourcePath")
            methods = declared_methods(path) if declared_methods and path else None
            response = as_problem(get_response(request), methods)
        except Exception:
            log.exception("unhandled error at the edge")
            response = problems.internal_error()
        response.headers["X-Request-Id"] = rid
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Cache-Control", "no-store")
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = allowed
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            response.headers["Vary"] = "Origin"
        log.info(
            "request",
            extra={
                "method": request.method,
                "route": context.get("resourcePath"),
                "status": response.status_code,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response
    finally:
        logs.request_id.reset(token)
