"""The OpenAPI 3.1 document, built from the routes' own declarations (chalicelib.web.routing):
request schemas from the validation models the routes parse with, response schemas from
the TypedDicts in chalicelib.web.shapes, security from each route's `auth`.

Generated clients name things after this document: operationIds become functions, tags
become modules, and every object schema gets a name here (an inline one would come out
as `GetalbumsResponse200`)."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from typing import Any

from chalicelib.web import shapes
from chalicelib.web.routing import Operation

NO_DATABASE = ("/health", "/openapi.json")  # the routes that never call DynamoDB

STR = {"type": "string"}

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
# One tag per area of the API, in this order; a generated client makes a module of each.
TAGS = {
    "health": "Is the service up",
    "docs": "This document",
    "auth": "Registration, sign-in, sessions and password reset",
    "users": "Profiles",
    "two_step": "Two-step sign-in: authenticator apps and recovery codes",
    "albums": "The ranked album catalog",
}
OPENAPI_DOCUMENT = "OpenApiDocument"
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": STR,
    "description": "The ETag of your last read: the change is refused with 409 if the album changed since.",
}


def type_schema(hint: Any) -> dict[str, Any]:
    """JSON Schema of one annotation of a response TypedDict."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return {**type_schema(args[0]), "format": args[1]}
    if origin is typing.NotRequired:
        return type_schema(args[0])
    if origin is typing.Literal:
        return {"const": args[0]} if len(args) == 1 else {"enum": list(args)}
    if origin in (typing.Union, types.UnionType):
        present = [a for a in args if a is not type(None)]
        inner = type_schema(present[0])
        if len(present) == 1 and "type" in inner and len(args) == 2:
            return {**inner, "type": [inner["type"], "null"]}
        return {"anyOf": [type_schema(a) for a in args]}
    if origin is list:
        return {"type": "array", "items": type_schema(args[0])}
    if typing.is_typeddict(hint):
        return _ref(hint.__name__)
    simple = {str: "string", int: "integer", bool: "boolean", float: "number"}
    if hint in simple:
        return {"type": simple[hint]}
    raise TypeError(f"no JSON Schema for {hint!r}")


def shape_schema(shape: type) -> dict[str, Any]:
    hints = typing.get_type_hints(shape, include_extras=True)
    # Not __required_keys__ alone: under `from __future__ import annotations` Python 3.11
    # counts NotRequired keys as required there; the resolved hints still carry the marker.
    required = set(shape.__required_keys__)  # type: ignore[attr-defined]
    return {
        "type": "object",
        "properties": {name: type_schema(hint) for name, hint in hints.items()},
        "required": [
            name
            for name, hint in hints.items()
            if name in required and typing.get_origin(hint) is not typing.NotRequired
        ],
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def area(path: str) -> str:
    """The tag of a path: its first segment, except that two-step sign-in (`mfa` paths
    under /auth and /users) is an area of its own and this document is `docs`."""
    segments = path.strip("/").split("/")
    if "mfa" in segments:
        return "two_step"
    if path == "/openapi.json":
        return "docs"
    if segments[0] not in TAGS:
        raise ValueError(f"{path} belongs to no area of TAGS")
    return segments[0]


def page_name(item: type) -> str:
    """`AlbumBody` -> `AlbumPage`: the schema of a paginated list of that item."""
    return item.__name__.removesuffix("Body") + "Page"


def page_schema(item: type) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next"],
        "properties": {
            "items": {"type": "array", "items": _ref(item.__name__)},
            "next": {
                "type": ["string", "null"],
                "description": "Send it back as `next` for the following page; null on the last page.",
            },
        },
    }


def _operation(op: Operation) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "Success"}
    if op.response is not None:
        name = page_name(op.response) if op.paginated else op.response.__name__
        success["content"] = {"application/json": {"schema": _ref(name)}}
    elif op.path == "/openapi.json":
        success["content"] = {"application/json": {"schema": _ref(OPENAPI_DOCUMENT)}}
    responses: dict[str, Any] = {str(op.success): success}
    problem = {"application/problem+json": {"schema": _ref("Problem")}}
    statuses = set(op.errors)
    if op.request is not None:
        statuses |= {400, 413, 415}
    if op.auth != "public":
        statuses.add(401)
    if op.auth == "admin":
        statuses.add(403)
    if op.path not in NO_DATABASE:
        statuses.add(503)  # DynamoDB throttled or out of reach, with Retry-After
    for status in sorted(statuses):
        responses[str(status)] = {"description": "Problem", "content": problem}
    result: dict[str, Any] = {
        "summary": op.summary,
        "operationId": op.operation_id,
        "tags": [area(op.path)],
        "responses": responses,
    }
    params = [
        {"name": p.strip("{}"), "in": "path", "required": True, "schema": STR}
        for p in op.path.split("/")
        if p.startswith("{")
    ]
    if op.paginated:
        params += PAGINATION_PARAMS
    if op.conditional:
        params.append(IF_MATCH)
    if params:
        result["parameters"] = params
    if op.request is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(op.request.name)}}}
    if op.auth != "public":
        result["security"] = [{"bearer": []}]
        if op.auth == "admin":
            result["description"] = "Only members of the `admin` group."
    return result


def document(operations: Iterable[Operation]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {shape.__name__: shape_schema(shape) for shape in shapes.RESPONSE_SHAPES}
    schemas[OPENAPI_DOCUMENT] = {"type": "object", "description": "An OpenAPI 3.1 document."}
    used_tags: set[str] = set()
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
        used_tags.add(area(op.path))
        if op.request is not None:
            schemas[op.request.name] = op.request.json_schema()
        if op.paginated and op.response is not None:
            schemas[page_name(op.response)] = page_schema(op.response)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Bandstand API",
            "version": "1.0.0",
            "description": "Sign-up service with a ranked album catalog. Errors are RFC 9457 problem documents.",
        },
        "tags": [{"name": name, "description": text} for name, text in TAGS.items() if name in used_tags],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
