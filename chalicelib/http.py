"""HTTP plumbing shared by every route: problem+json responses, JSON bodies, cursors.

Problem documents follow RFC 9457. `PROBLEMS` is the one table from domain exception to
HTTP status; `code` comes from the exception itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from http import HTTPStatus
from typing import Any

from chalice.app import Response

from chalicelib import errors
from chalicelib.validation import Model

MAX_BODY_BYTES = 64 * 1024
PROBLEM_JSON = "application/problem+json"
CURSOR_TTL_SECONDS = 24 * 3600  # an older cursor is stale: start the list again

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
    if isinstance(exc, errors.TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, errors.Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="bandstand"'
    field_errors = exc.errors if isinstance(exc, errors.ValidationError) else None
    if exc.field is not None:
        field_errors = [errors.FieldError(*exc.field)]
    return problem(status_for(exc), exc.code, exc.detail, field_errors, headers)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def empty_response(status: int = 204) -> Response:
    return Response(body="", status_code=status, headers={})


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def read_json(headers: Any, raw_body: bytes | None, model: Model) -> dict[str, Any]:
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


# -- cursors -----------------------------------------------------------------------------
# A cursor is the DynamoDB key to continue from, bound to one list and signed with the
# server key, so a client can neither forge one nor replay one against another list.


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: bytes) -> bytes:
    return hmac.new(f"cursor:{secret}".encode(), payload, hashlib.sha256).digest()[:16]


def encode_cursor(secret: str, list_name: str, key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    payload = json.dumps({"l": list_name, "k": key, "t": int(time.time())}, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def decode_cursor(secret: str, list_name: str, cursor: str | None) -> dict[str, Any] | None:
    if cursor is None or cursor == "":
        return None
    try:
        if len(cursor) > 2048:
            raise ValueError("too long")
        payload_b64, mac_b64 = cursor.split(".")
        payload = _unb64(payload_b64)
        if not hmac.compare_digest(_mac(secret, payload), _unb64(mac_b64)):
            raise ValueError("bad signature")
        data = json.loads(payload)
    except (ValueError, binascii.Error) as exc:
        raise errors.InvalidCursor() from exc
    if not isinstance(data, dict) or data.get("l") != list_name or not isinstance(data.get("k"), dict):
        raise errors.InvalidCursor()
    issued = data.get("t")
    if type(issued) is not int or not 0 <= time.time() - issued <= CURSOR_TTL_SECONDS:
        raise errors.InvalidCursor("The pagination cursor has expired; start from the first page.")
    key: dict[str, Any] = data["k"]
    return key
