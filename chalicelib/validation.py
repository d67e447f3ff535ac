"""Request models and field rules.

A small declarative model, written here rather than pulled in (pydantic) to keep cold start
and the deployment package small: each `Model` validates a parsed JSON body strictly
(`"1999"` is not an int, `true` is not a rank, unknown fields are refused) and describes
itself as JSON Schema, so the OpenAPI document is generated from the very rules the code
enforces and cannot drift from them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from chalicelib import shapes
from chalicelib.errors import FieldError, ValidationError

T = TypeVar("T")

USERNAME_PATTERN = r"[a-z0-9][a-z0-9._-]{2,31}"  # API.md; lower-cased before matching
USERNAME_RE = re.compile(f"^{USERNAME_PATTERN}$")
# Pragmatic address syntax: one @, no spaces, a dotted domain of sane labels.
EMAIL_RE = re.compile(
    r"^[^@\s\"(),:;<>\[\]\\]{1,64}@(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}$"
)
CODE_RE = re.compile(r"^[0-9]{6}$")
PASSWORD_MIN, PASSWORD_MAX = 15, 128
REFRESH_TOKEN_MAX = 4096  # Cognito's refresh tokens are encrypted JWTs of about 1,800
NOT_TEXT = "must be valid Unicode text (no lone surrogates)"
NOT_ONE_LINE = "must be one line of text, without control characters"
# One line of text: no control character (Unicode category Cc: U+0000-001F, U+007F-009F,
# newlines, tabs, NUL, NEL) and no line or paragraph separator (Zl U+2028, Zp U+2029), so
# a value cannot start a new line in a mail or a log. Written as code point ranges so the
# same pattern serves Python and the OpenAPI document (ECMA-262 regex).
ONE_LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
ONE_LINE_RE = re.compile(ONE_LINE_PATTERN)


def is_text(value: str) -> bool:
    """Whether `value` is valid Unicode text: JSON's "\\ud800" decodes to a lone surrogate,
    which no UTF-8 encoder (botocore's, argon2's, the mail's) accepts."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_one_line(value: str) -> bool:
    return ONE_LINE_RE.fullmatch(value) is not None  # fullmatch: `$` alone would pass "a\n"


def next_year() -> int:
    """Albums may be announced for next year; computed per request, never cached."""
    return dt.datetime.now(dt.UTC).year + 1


def _lower_strip(value: str) -> str:
    return value.strip().lower()


def _strip(value: str) -> str:
    return value.strip()


def _nfc(value: str) -> str:
    # Passwords are compared as NFC so the same text typed on two keyboards matches.
    return unicodedata.normalize("NFC", value)


@dataclass(frozen=True)
class Field:
    name: str
    kind: type  # str or int (bool is never an int here)
    required: bool = True
    description: str = ""
    min_length: int | None = None
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    pattern_message: str = "has an invalid format"
    minimum: int | None = None
    maximum: int | Callable[[], int] | None = None
    normalize: Callable[[str], str] | None = None
    nullable: bool = False
    fmt: str | None = None  # JSON Schema "format" for documentation
    write_only: bool = False
    one_line: bool = False  # refuses control characters and line/paragraph separators

    def max_value(self) -> int | None:
        return self.maximum() if callable(self.maximum) else self.maximum

    def check(self, value: Any) -> tuple[Any, str | None]:
        """Return the normalized value and an error message (None when valid)."""
        if value is None:
            return (None, None) if self.nullable else (None, "must not be null")
        if self.kind is int:
            if type(value) is not int:
                return None, "must be an integer"
            if self.minimum is not None and value < self.minimum:
                return None, f"must be at least {self.minimum}"
            top = self.max_value()
            if top is not None and value > top:
                return None, f"must be at most {top}"
            return value, None
        if not isinstance(value, str):
            return None, "must be a string"
        if not is_text(value):
            return None, NOT_TEXT
        # Before trimming, as the OpenAPI pattern says: a tab or newline anywhere is refused.
        if self.one_line and not is_one_line(value):
            return None, NOT_ONE_LINE
        if self.normalize is not None:
            value = self.normalize(value)
        if self.min_length is not None and len(value) < self.min_length:
            return None, (
                "is required"
                if self.min_length == 1 and not value
                else f"must be at least {self.min_length} characters"
            )
        if self.max_length is not None and len(value) > self.max_length:
            return None, f"must be at most {self.max_length} characters"
        if self.pattern is not None and not self.pattern.match(value):
            return None, self.pattern_message
        return value, None

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": ["integer", "null"] if self.nullable else "integer"}
        if self.kind is str:
            schema = {"type": ["string", "null"] if self.nullable else "string"}
            if self.min_length is not None:
                schema["minLength"] = self.min_length
            if self.max_length is not None:
                schema["maxLength"] = self.max_length
            if self.pattern is not None and self.fmt is None:
                schema["pattern"] = self.pattern.pattern
            elif self.one_line and self.fmt is None:
                schema["pattern"] = ONE_LINE_PATTERN
            if self.fmt:
                schema["format"] = self.fmt
        else:
            if self.minimum is not None:
                schema["minimum"] = self.minimum
            top = self.max_value()
            if top is not None:
                schema["maximum"] = top
        if self.description:
            schema["description"] = self.description
        if self.write_only:
            schema["writeOnly"] = True
        return schema


@dataclass(frozen=True)
class Model(Generic[T]):
    """Validates a JSON body and builds `build(**fields)`: a typed request value."""

    name: str
    build: Callable[..., T]
    fields: tuple[Field, ...]
    description: str = ""
    partial: bool = False  # every field optional, but at least one required (PATCH)
    one_of: tuple[str, ...] = ()  # exactly one of these fields must be given
    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    def parse(self, body: Any) -> T:
        """Validate a decoded JSON body; the typed request, or ValidationError."""
        if not isinstance(body, dict):
            raise ValidationError([], "The request body must be a JSON object.")
        errors: list[FieldError] = []
        result: dict[str, Any] = {}
        for key in body:
            if key not in self.by_name:
                errors.append(FieldError(str(key)[:64], "is not a known field"))
        for f in self.fields:
            if f.name not in body:
                if f.required and not self.partial:
                    errors.append(FieldError(f.name, "is required"))
                continue
            value, problem = f.check(body[f.name])
            if problem:
                errors.append(FieldError(f.name, problem))
            else:
                result[f.name] = value
        if self.partial and not body:
            errors.append(FieldError("", f"give at least one of: {', '.join(self.by_name)}"))
        if self.one_of and sum(name in body for name in self.one_of) != 1:
            errors.append(FieldError(self.one_of[0], f"give exactly one of: {', '.join(self.one_of)}"))
        if errors:
            raise ValidationError(errors, "Some fields are missing or invalid.")
        return self.build(**result)

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {f.name: f.json_schema() for f in self.fields},
        }
        required = [f.name for f in self.fields if f.required and not self.partial]
        if required:
            schema["required"] = required
        if self.partial:
            schema["minProperties"] = 1
        if self.one_of:
            schema["oneOf"] = [{"required": [name]} for name in self.one_of]
        if self.description:
            schema["description"] = self.description
        return schema


USERNAME = Field(
    "username",
    str,
    description="3-32 characters of a-z 0-9 . _ - starting with a letter or digit; case-insensitive.",
    min_length=3,
    max_length=32,
    pattern=USERNAME_RE,
    pattern_message="must be 3-32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
    normalize=_lower_strip,
    one_line=True,
)
# Sign-in and the "forgot" flows accept what the person typed; no pattern, so an unknown or
# odd name gets the same enumeration-safe answer as a known one.
LOGIN_NAME = Field(
    "username", str, description="Username or email.", min_length=1, max_length=254, normalize=_strip, one_line=True
)
EMAIL = Field(
    "email",
    str,
    description="A valid email address, at most 254 characters; unique case-insensitively.",
    min_length=3,
    max_length=254,
    pattern=EMAIL_RE,
    pattern_message="must be a valid email address",
    normalize=_strip,
    fmt="email",
    one_line=True,
)
PASSWORD = Field(
    "password",
    str,
    description=f"{PASSWORD_MIN}-{PASSWORD_MAX} characters, not a common password, not containing the username.",
    min_length=PASSWORD_MIN,
    max_length=PASSWORD_MAX,
    normalize=_nfc,
    write_only=True,
)
NEW_PASSWORD = Field(
    "new_password",
    str,
    description=PASSWORD.description,
    min_length=PASSWORD_MIN,
    max_length=PASSWORD_MAX,
    normalize=_nfc,
    write_only=True,
)
# Sign-in checks any password against the hash; length rules only bound the work.
LOGIN_PASSWORD = Field("password", str, min_length=1, max_length=PASSWORD_MAX, normalize=_nfc, write_only=True)
FULL_NAME = Field(
    "full_name",
    str,
    required=False,
    nullable=True,
    max_length=100,
    normalize=_strip,
    description="One line of at most 100 characters.",
    one_line=True,
)
CODE = Field(
    "code",
    str,
    description="The 6-digit code from the email.",
    pattern=CODE_RE,
    normalize=_strip,
    pattern_message="must be 6 digits",
    min_length=1,
    max_length=16,
)
TOTP_CODE = Field(
    "code",
    str,
    description="A 6-digit code from the authenticator app.",
    pattern=CODE_RE,
    normalize=_strip,
    pattern_message="must be 6 digits",
    min_length=1,
    max_length=16,
)
OPTIONAL_TOTP_CODE = Field(
    "code",
    str,
    required=False,
    description=TOTP_CODE.description,
    pattern=CODE_RE,
    normalize=_strip,
    pattern_message="must be 6 digits",
    min_length=1,
    max_length=16,
)
# Checked by the two-step use case (a wrong one is invalid_code); this only bounds the input.
RECOVERY_CODE = Field(
    "recovery_code",
    str,
    required=False,
    description="A recovery code (xxxxx-xxxxx; case and dashes ignored).",
    min_length=1,
    max_length=32,
    write_only=True,
)
MFA_SESSION = Field("session", str, description="The session from POST /auth/login.", min_length=1, max_length=128)
REFRESH_TOKEN = Field("refresh_token", str, min_length=1, max_length=REFRESH_TOKEN_MAX, write_only=True)

REGISTER = Model("RegisterRequest", shapes.RegisterRequest, (USERNAME, EMAIL, PASSWORD, FULL_NAME))
CONFIRM = Model("ConfirmRequest", shapes.ConfirmRequest, (USERNAME, CODE))
RESEND_CODE = Model("ResendCodeRequest", shapes.NameRequest, (LOGIN_NAME,))
LOGIN = Model("LoginRequest", shapes.LoginRequest, (LOGIN_NAME, LOGIN_PASSWORD, RECOVERY_CODE))
REFRESH = Model("RefreshRequest", shapes.RefreshRequest, (REFRESH_TOKEN,))
FORGOT_PASSWORD = Model("ForgotPasswordRequest", shapes.NameRequest, (LOGIN_NAME,))
RESET_PASSWORD = Model("ResetPasswordRequest", shapes.ResetPasswordRequest, (LOGIN_NAME, CODE, NEW_PASSWORD))
TOTP_VERIFY = Model("TotpCodeRequest", shapes.TotpCodeRequest, (TOTP_CODE,))
LOGIN_MFA = Model("LoginMfaRequest", shapes.LoginMfaRequest, (MFA_SESSION, TOTP_CODE))
MFA_OFF = Model(
    "MfaOffRequest",
    shapes.MfaOffRequest,
    (OPTIONAL_TOTP_CODE, RECOVERY_CODE),
    description="Exactly one of code and recovery_code.",
    one_of=("code", "recovery_code"),
)
PROFILE_UPDATE = Model("ProfileUpdateRequest", shapes.ProfileUpdate, (FULL_NAME,), partial=True)

RANK = Field("rank", int, minimum=1, maximum=100_000, description="Unique rank, 1-100000.")
TITLE = Field("title", str, min_length=1, max_length=200, normalize=_strip, one_line=True)
ARTIST = Field("artist", str, min_length=1, max_length=200, normalize=_strip, one_line=True)
YEAR = Field("year", int, minimum=1900, maximum=next_year, description="1900 to next year.")
GENRE = Field("genre", str, min_length=1, max_length=50, normalize=_strip, one_line=True)
ALBUM_FIELDS = (RANK, TITLE, ARTIST, YEAR, GENRE)

ALBUM_CREATE = Model("AlbumCreateRequest", shapes.AlbumFields, ALBUM_FIELDS)
ALBUM_REPLACE = Model("AlbumReplaceRequest", shapes.AlbumFields, ALBUM_FIELDS)
ALBUM_PATCH = Model("AlbumPatchRequest", shapes.AlbumPatch, ALBUM_FIELDS, partial=True)


def parse_limit(raw: str | None, default: int = 50, maximum: int = 100) -> int:
    """`?limit=`: 1..100, default 50; anything else is a 400 naming the parameter."""
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= maximum:
        problem = FieldError("limit", f"must be an integer from 1 to {maximum}")
        raise ValidationError([problem], "Invalid query parameter.")
    return int(raw)
