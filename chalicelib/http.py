"""HTTP plumbing shared by every route: problem+json responses and JSON bodies.

Problem documents follow RFC 9457. `PROBLEMS` is the one table from domain exception to
HTTP status; `code` comes from the exception itself.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from chalice.app import Response

from chalicelib import errors
from chalicelib.validation import Model, T

MAX_BODY_BYTES = 64 * 1024
PROBLEM_JSON = "application/problem+json"

PROBLEMS: dict[type[errors.BandstandError], int] = {
    errors.ValidationError: 400,
    errors.MalformedRequest: 400,
    errors.InvalidCursor: 400,
    errors.InvalidCode: 400,
    errors.ExpiredCode: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.TooManyRequests: 429,
    errors.ServiceUnavailable: 503,
}


def status_for(exc: errors.BandstandError) -> int:
    for cls in type(exc).__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls]
    return 400


def problem(
    status: int,
    code: str,
    detail: str,
    errors_: list[errors.FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors_ is not None:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors_]
    return Response(body=body, status_code=status, headers={"Content-Type": PROBLEM_JSON, **(headers or {})})


def problem_from(exc: errors.BandstandError) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, errors.TooManyRequests | errors.ServiceUnavailable):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, errors.Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="bandstand"'
    field_errors = exc.errors if isinstance(exc, errors.ValidationError) else None
    if exc.field is not None:
        field_errors = [errors.FieldError(*exc.field)]
    return problem(status_for(exc), exc.code, exc.detail, field_errors, headers)


def internal_error() -> Response:
    """The bare 500: nothing of the cause reaches the client (it is logged instead)."""
    return problem(500, "internal_error", "Something went wrong on our side. Try again later.")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def empty_response(status: int = 204) -> Response:
    return Response(body="", status_code=status, headers={})


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def read_json(headers: Any, raw_body: bytes | None, model: Model[T]) -> T:
    """The request body, validated by `model`: 413, 415 or 400 before any work is done."""
    body = raw_body or b""
    if len(body) > MAX_BODY_BYTES:
        raise errors.PayloadTooLarge()
    if not body.strip():
        raise errors.MalformedRequest("The request body is empty; send a JSON object.")
    if not _is_json(headers.get("content-type") or ""):
        raise errors.UnsupportedMediaType()
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise errors.MalformedRequest() from exc
    return model.parse(data)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
