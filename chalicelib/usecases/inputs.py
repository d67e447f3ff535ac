"""What each use case is asked: one frozen dataclass per request, each written once.

A request's fields carry their rules in their types (chalicelib.core.rules): the HTTP edge's
parser (chalicelib.web.validation) builds these, typed and frozen, and the OpenAPI document
publishes the same rules, so a use case gets a checked value and renaming a field is a type
error, not a 500 at run time. Fields with a default may be left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.rules import (
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
