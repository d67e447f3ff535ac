"""Request and response shapes, each written once.

Requests are frozen dataclasses whose fields carry their rules in their types
(chalicelib.rules): the parser (chalicelib.validation) builds them, typed and frozen, and
the OpenAPI document publishes the same rules, so a route gets a typed value and renaming
a field is a type error, not a 500 at run time. Fields with a default may be left out.
Responses are TypedDicts: the functions that build bodies are checked against them, and
the OpenAPI document derives its response schemas from them (chalicelib.openapi).
`Annotated[str, "date-time"]` marks a string's JSON Schema format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, NotRequired, TypedDict

from chalicelib.rules import (
    Artist,
    Email,
    FullName,
    Genre,
    LoginName,
    LoginPassword,
    MailedCode,
    MfaSession,
    Password,
    Rank,
    RecoveryCode,
    RefreshToken,
    Title,
    TotpCode,
    Username,
    Year,
    request,
)

DateTime = Annotated[str, "date-time"]

# -- requests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterRequest:
    username: Username
    email: Email
    password: Password
    full_name: FullName | None = None


@dataclass(frozen=True)
class ConfirmRequest:
    username: Username
    code: MailedCode


@dataclass(frozen=True)
class NameRequest:
    """Resend-code and forgot-password: a username or an email, as typed."""

    username: LoginName


@dataclass(frozen=True)
class LoginRequest:
    username: LoginName
    password: LoginPassword
    recovery_code: RecoveryCode | None = None  # two-step sign-in: instead of the challenge


@dataclass(frozen=True)
class TotpCodeRequest:
    """A current authenticator code (verify, new recovery codes)."""

    code: TotpCode


@dataclass(frozen=True)
class LoginMfaRequest:
    session: MfaSession
    code: TotpCode


@request(description="Exactly one of code and recovery_code.", one_of=("code", "recovery_code"))
@dataclass(frozen=True)
class MfaOffRequest:
    """Turning two-step sign-in off: an authenticator code or a recovery code."""

    code: TotpCode | None = None
    recovery_code: RecoveryCode | None = None


@dataclass(frozen=True)
class RefreshRequest:
    refresh_token: RefreshToken


@dataclass(frozen=True)
class ResetPasswordRequest:
    username: LoginName
    code: MailedCode
    new_password: Password


@request(partial=True)
@dataclass(frozen=True)
class ProfileUpdate:
    full_name: FullName | None  # None clears it


@dataclass(frozen=True)
class AlbumFields:
    """POST and PUT: every field."""

    rank: Rank
    title: Title
    artist: Artist
    year: Year
    genre: Genre


@request(partial=True)
@dataclass(frozen=True)
class AlbumPatch:
    """PATCH: the fields given; None means "leave as is" (no album field is nullable)."""

    rank: Rank | None = None
    title: Title | None = None
    artist: Artist | None = None
    year: Year | None = None
    genre: Genre | None = None


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
