"""HTTP plumbing shared by every route: problem+json responses and JSON bodies.

Problem documents follow RFC 9457. `PROBLEMS` is the one table from domain exception to
HTTP status; `code` comes from the exception itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from chalice.app import Response

from chalicelib.core import errors
from chalicelib.core.rules import NOT_TEXT, is_text
from chalicelib.web.validation import Model, T

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
    field = first_invalid_text(data)
    if field is not None:
        raise errors.ValidationError([errors.FieldError(field, NOT_TEXT)], "Some fields are not valid Unicode text.")
    return model.parse(data)


def first_invalid_text(data: Any) -> str | None:
    """The top-level field (a key of the body, "" for the body itself) of the first
    string, key or value at any depth, that is not valid Unicode text; None if all are.
    JSON's escapes let a body carry lone surrogates ("\\ud800"), which no UTF-8 encoder
    downstream accepts: they are refused here, before any work is done."""
    pending: list[tuple[str, Any]] = [("", data)]
    if isinstance(data, dict):
        pending = [(_printable(key), {key: value}) for key, value in reversed(data.items())]
    while pending:  # a loop, not recursion: the body may be nested deeply
        field, value = pending.pop()
        if isinstance(value, str) and not is_text(value):
            return field
        if isinstance(value, dict):
            for key, item in value.items():
                if not is_text(key):
                    return field
                pending.append((field, item))
        elif isinstance(value, list):
            pending.extend((field, item) for item in value)
    return None


def _printable(name: str) -> str:
    """A field name fit for an error body: each lone surrogate becomes U+FFFD."""
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in name[:64])


def require_text(values: Mapping[str, Any] | None, what: str) -> None:
    """Path parameters or query strings: ValidationError naming the first that is not
    valid Unicode text (a URL's `%ED%A0%80` decodes to a lone surrogate)."""
    if not values:
        return
    for name in values:
        texts = values.getlist(name) if hasattr(values, "getlist") else [values[name]]  # chalice's MultiDict
        if not is_text(name) or not all(is_text(t) for t in texts if isinstance(t, str)):
            raise errors.ValidationError([errors.FieldError(_printable(name), NOT_TEXT)], f"Invalid {what}.")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
