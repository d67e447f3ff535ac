"""Request and response shapes, each written once.

Requests are frozen dataclasses built by the validation models (chalicelib.validation):
a route gets a typed value, so renaming a field is a type error, not a 500 at run time.
Responses are TypedDicts: the functions that build bodies are checked against them, and
the OpenAPI document derives its response schemas from them (chalicelib.openapi).
`Annotated[str, "date-time"]` marks a string's JSON Schema format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, NotRequired, TypedDict

from chalicelib.identity import Registration

DateTime = Annotated[str, "date-time"]

# -- requests ---------------------------------------------------------------------------

RegisterRequest = Registration  # the provider takes the request as it is


@dataclass(frozen=True)
class ConfirmRequest:
    username: str
    code: str


@dataclass(frozen=True)
class NameRequest:
    """Resend-code and forgot-password: a username or an email, as typed."""

    username: str


@dataclass(frozen=True)
class LoginRequest:
    username: str
    password: str


@dataclass(frozen=True)
class RefreshRequest:
    refresh_token: str


@dataclass(frozen=True)
class ResetPasswordRequest:
    username: str
    code: str
    new_password: str


@dataclass(frozen=True)
class ProfileUpdate:
    full_name: str | None  # None clears it


@dataclass(frozen=True)
class AlbumFields:
    """POST and PUT: every field."""

    rank: int
    title: str
    artist: str
    year: int
    genre: str


@dataclass(frozen=True)
class AlbumPatch:
    """PATCH: the fields given; None means "leave as is" (no album field is nullable)."""

    rank: int | None = None
    title: str | None = None
    artist: str | None = None
    year: int | None = None
    genre: str | None = None


# -- responses --------------------------------------------------------------------------


class Health(TypedDict):
    status: Literal["ok"]


class Registered(TypedDict):
    username: str
    email: str
    full_name: str | None
    status: Literal["UNCONFIRMED"]


class Confirmed(TypedDict):
    username: str
    status: Literal["CONFIRMED"]


class Accepted(TypedDict):
    detail: str


class Tokens(TypedDict):
    id_token: str
    access_token: str
    refresh_token: NotRequired[str]  # on sign-in, not on refresh
    expires_in: int
    token_type: Literal["Bearer"]


class ProfileBody(TypedDict):
    username: str
    email: str
    full_name: str | None
    status: Literal["UNCONFIRMED", "CONFIRMED"]
    groups: list[str]
    created_at: DateTime


class AlbumBody(TypedDict):
    album_id: str
    rank: int
    title: str
    artist: str
    year: int
    genre: str
    created_at: DateTime
    updated_at: DateTime


class FieldProblem(TypedDict):
    field: str
    message: str


class Problem(TypedDict):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: NotRequired[list[FieldProblem]]


RESPONSE_SHAPES: tuple[type, ...] = (
    Health,
    Registered,
    Confirmed,
    Accepted,
    Tokens,
    ProfileBody,
    AlbumBody,
    Problem,
    FieldProblem,  # Problem.errors refers to it
)
