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
    recovery_code: str | None = None  # two-step sign-in: instead of the challenge


@dataclass(frozen=True)
class TotpCodeRequest:
    """A current authenticator code (verify, new recovery codes)."""

    code: str


@dataclass(frozen=True)
class LoginMfaRequest:
    session: str
    code: str


@dataclass(frozen=True)
class MfaOffRequest:
    """Turning two-step sign-in off: an authenticator code or a recovery code."""

    code: str | None = None
    recovery_code: str | None = None


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


class MfaStatus(TypedDict):
    totp: bool
    recovery_codes_left: int


class MeBody(ProfileBody):
    """GET /users/me: the profile and the caller's two-step sign-in state."""

    mfa: MfaStatus


class LoginAnswer(TypedDict):
    """POST /auth/login: the tokens, or, with two-step sign-in on, the challenge
    (`challenge`, `session`, `expires_in`) and no tokens."""

    id_token: NotRequired[str]
    access_token: NotRequired[str]
    refresh_token: NotRequired[str]
    expires_in: int
    token_type: NotRequired[Literal["Bearer"]]
    challenge: NotRequired[Literal["totp"]]
    session: NotRequired[str]


class LoginChallenge(TypedDict):
    challenge: Literal["totp"]
    session: str
    expires_in: int


class TotpEnrolment(TypedDict):
    secret: str
    otpauth_uri: str


class RecoveryCodes(TypedDict):
    recovery_codes: list[str]


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
    MfaStatus,
    MeBody,
    LoginAnswer,
    TotpEnrolment,
    RecoveryCodes,
    Problem,
    FieldProblem,  # Problem.errors refers to it
)
