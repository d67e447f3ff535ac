"""The OpenAPI 3.1 document, built from the same request models the routes validate with.

`OPERATIONS` lists every route; a functional test checks it against the app's route table,
so a route cannot be added without being documented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib import validation as v


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    success: int
    response: str | None = None  # a schema name in RESPONSES
    request: v.Model | None = None
    auth: str = "none"  # none | user | admin
    errors: tuple[int, ...] = ()
    paginated: bool = False


STR = {"type": "string"}
TIME = {"type": "string", "format": "date-time"}
RESPONSES: dict[str, dict[str, Any]] = {
    "Health": {"type": "object", "properties": {"status": {"const": "ok"}}, "required": ["status"]},
    "Registered": {
        "type": "object",
        "properties": {
            "username": STR,
            "email": STR,
            "full_name": {"type": ["string", "null"]},
            "status": {"enum": ["UNCONFIRMED"]},
        },
        "required": ["username", "email", "full_name", "status"],
    },
    "Confirmed": {
        "type": "object",
        "properties": {"username": STR, "status": {"enum": ["CONFIRMED"]}},
        "required": ["username", "status"],
    },
    "Accepted": {"type": "object", "properties": {"detail": STR}},
    "Tokens": {
        "type": "object",
        "properties": {
            "id_token": STR,
            "access_token": STR,
            "refresh_token": STR,
            "expires_in": {"type": "integer"},
            "token_type": {"const": "Bearer"},
        },
        "required": ["id_token", "access_token", "expires_in", "token_type"],
    },
    "Profile": {
        "type": "object",
        "properties": {
            "username": STR,
            "email": STR,
            "full_name": {"type": ["string", "null"]},
            "status": {"enum": ["UNCONFIRMED", "CONFIRMED"]},
            "groups": {"type": "array", "items": STR},
            "created_at": TIME,
        },
        "required": ["username", "email", "full_name", "status", "groups", "created_at"],
    },
    "Album": {
        "type": "object",
        "properties": {
            "album_id": STR,
            "rank": {"type": "integer"},
            "title": STR,
            "artist": STR,
            "year": {"type": "integer"},
            "genre": STR,
            "created_at": TIME,
            "updated_at": TIME,
        },
        "required": ["album_id", "rank", "title", "artist", "year", "genre", "created_at", "updated_at"],
    },
    "Problem": {
        "type": "object",
        "properties": {
            "type": STR,
            "title": STR,
            "status": {"type": "integer"},
            "detail": STR,
            "code": STR,
            "errors": {"type": "array", "items": {"type": "object", "properties": {"field": STR, "message": STR}}},
        },
        "required": ["type", "title", "status", "detail", "code"],
    },
}

OPERATIONS: tuple[Operation, ...] = (
    Operation("get", "/health", "Liveness check", 200, "Health"),
    Operation("get", "/openapi.json", "This document", 200),
    Operation(
        "post",
        "/auth/register",
        "Create an account; a 6-digit code is emailed",
        201,
        "Registered",
        v.REGISTER,
        errors=(400, 409),
    ),
    Operation(
        "post",
        "/auth/confirm",
        "Confirm the email address with the code",
        200,
        "Confirmed",
        v.CONFIRM,
        errors=(400, 409, 429),
    ),
    Operation(
        "post", "/auth/resend-code", "Email a new confirmation code", 202, "Accepted", v.RESEND_CODE, errors=(400,)
    ),
    Operation(
        "post", "/auth/login", "Sign in with username or email", 200, "Tokens", v.LOGIN, errors=(400, 401, 403, 429)
    ),
    Operation(
        "post",
        "/auth/refresh",
        "New ID and access tokens from a refresh token",
        200,
        "Tokens",
        v.REFRESH,
        errors=(400, 401),
    ),
    Operation("post", "/auth/logout", "Revoke every session of the caller", 204, auth="user", errors=(401,)),
    Operation(
        "post",
        "/auth/forgot-password",
        "Email a password reset code",
        202,
        "Accepted",
        v.FORGOT_PASSWORD,
        errors=(400,),
    ),
    Operation(
        "post",
        "/auth/reset-password",
        "Set a new password with the reset code",
        200,
        "Accepted",
        v.RESET_PASSWORD,
        errors=(400, 429),
    ),
    Operation("get", "/users/me", "The caller's profile", 200, "Profile", auth="user", errors=(401,)),
    Operation(
        "patch",
        "/users/me",
        "Change the caller's full name",
        200,
        "Profile",
        v.PROFILE_UPDATE,
        auth="user",
        errors=(400, 401),
    ),
    Operation("delete", "/users/me", "Delete the caller's account", 204, auth="user", errors=(401,)),
    Operation(
        "get",
        "/users",
        "All profiles, oldest first",
        200,
        "Profile",
        auth="admin",
        errors=(400, 401, 403),
        paginated=True,
    ),
    Operation(
        "get", "/users/{username}", "One profile (self or admin)", 200, "Profile", auth="user", errors=(401, 403, 404)
    ),
    Operation("get", "/albums", "Albums in rank order", 200, "Album", auth="user", errors=(400, 401), paginated=True),
    Operation(
        "post", "/albums", "Add an album", 201, "Album", v.ALBUM_CREATE, auth="admin", errors=(400, 401, 403, 409)
    ),
    Operation("get", "/albums/{album_id}", "One album", 200, "Album", auth="user", errors=(401, 404)),
    Operation(
        "put",
        "/albums/{album_id}",
        "Replace an album",
        200,
        "Album",
        v.ALBUM_REPLACE,
        auth="admin",
        errors=(400, 401, 403, 404, 409),
    ),
    Operation(
        "patch",
        "/albums/{album_id}",
        "Change some fields of an album",
        200,
        "Album",
        v.ALBUM_PATCH,
        auth="admin",
        errors=(400, 401, 403, 404, 409),
    ),
    Operation("delete", "/albums/{album_id}", "Delete an album", 204, auth="admin", errors=(401, 403, 404, 409)),
)

PAGINATION_PARAMS = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
    },
    {
        "name": "next",
        "in": "query",
        "required": False,
        "schema": STR,
        "description": "The opaque cursor from the previous page's `next`.",
    },
]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _operation(op: Operation) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "Success"}
    if op.response:
        schema: dict[str, Any] = _ref(op.response)
        if op.paginated:
            schema = {
                "type": "object",
                "required": ["items", "next"],
                "properties": {"items": {"type": "array", "items": schema}, "next": {"type": ["string", "null"]}},
            }
        success["content"] = {"application/json": {"schema": schema}}
    elif op.path == "/openapi.json":
        success["content"] = {"application/json": {"schema": {"type": "object"}}}
    responses: dict[str, Any] = {str(op.success): success}
    problem = {"application/problem+json": {"schema": _ref("Problem")}}
    for status in sorted({*op.errors, 413, 415} if op.request else set(op.errors)):
        responses[str(status)] = {"description": "Problem", "content": problem}
    result: dict[str, Any] = {"summary": op.summary, "operationId": f"{op.method}{op.path}", "responses": responses}
    params = [
        {"name": p.strip("{}"), "in": "path", "required": True, "schema": STR}
        for p in op.path.split("/")
        if p.startswith("{")
    ]
    if op.paginated:
        params += PAGINATION_PARAMS
    if op.method in ("put", "patch", "delete") and op.path.startswith("/albums/"):
        params.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "schema": STR,
                "description": "The ETag of your last read: the change is refused with 409 if the album changed since.",
            }
        )
    if params:
        result["parameters"] = params
    if op.request:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(op.request.name)}}}
    if op.auth != "none":
        result["security"] = [{"bearer": []}]
        if op.auth == "admin":
            result["description"] = "Only members of the `admin` group."
    return result


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    schemas = dict(RESPONSES)
    for model in (*v.REQUEST_MODELS, v.ALBUM_REPLACE):
        schemas[model.name] = model.json_schema()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Bandstand API",
            "version": "1.0.0",
            "description": "Sign-up service with a ranked album catalog. Errors are RFC 9457 problem documents.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
