"""Response shapes, each written once.

Responses are TypedDicts: the functions that build bodies (chalicelib.web.bodies) are
checked against them, and the OpenAPI document derives its response schemas from them
(chalicelib.web.openapi). Requests are the use cases' inputs (chalicelib.usecases.inputs).
`Annotated[str, "date-time"]` marks a string's JSON Schema format.
"""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired, TypedDict

DateTime = Annotated[str, "date-time"]

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
