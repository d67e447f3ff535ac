"""Field rules: what a valid value of a request field is, and how it is normalised.

A request (chalicelib.web.shapes) is a frozen dataclass whose fields carry their rules in
their types: `username: Username` is `Annotated[str, Text(...)]`. The parser
(chalicelib.web.validation) and the OpenAPI document read the rules from there, so a field
and its rules are declared once, in one place.

Checks are strict: `"1999"` is not an int, `true` is not a rank.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from chalicelib.core.identifiers import USERNAME_RE
from chalicelib.core.password_policy import PASSWORD_MAX, PASSWORD_MIN

C = TypeVar("C", bound=type)

# Pragmatic address syntax: one @, no spaces, a dotted domain of sane labels.
EMAIL_RE = re.compile(
    r"^[^@\s\"(),:;<>\[\]\\]{1,64}@(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}$"
)
CODE_RE = re.compile(r"^[0-9]{6}$")
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


def _nfc_strip(value: str) -> str:
    # Album names are stored as NFC: "Café" typed precomposed or as e + U+0301 is one name,
    # so both spellings meet the same artist+title claim (a duplicate, 409), not two albums.
    return unicodedata.normalize("NFC", value).strip()


Checked = tuple[Any, str | None]  # the normalised value, and an error message (None when valid)


@dataclass(frozen=True)
class Text:
    """The rule of a string field."""

    description: str = ""
    min_length: int | None = None
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    pattern_message: str = "has an invalid format"
    normalize: Callable[[str], str] | None = None
    nullable: bool = False  # null is a value (it clears the field), not "must not be null"
    fmt: str | None = None  # JSON Schema "format" for documentation
    write_only: bool = False
    one_line: bool = False  # refuses control characters and line/paragraph separators

    def check(self, value: Any) -> Checked:
        if value is None:
            return (None, None) if self.nullable else (None, "must not be null")
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
        schema: dict[str, Any] = {"type": ["string", "null"] if self.nullable else "string"}
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
        return _documented(schema, self.description, self.write_only)


@dataclass(frozen=True)
class Integer:
    """The rule of an integer field (bool is never an int here)."""

    description: str = ""
    minimum: int | None = None
    maximum: int | Callable[[], int] | None = None  # a callable is asked on every check
    nullable: bool = False
    write_only: bool = False
    one_line = False  # for symmetry with Text: a number never breaks a line

    def max_value(self) -> int | None:
        return self.maximum() if callable(self.maximum) else self.maximum

    def check(self, value: Any) -> Checked:
        if value is None:
            return (None, None) if self.nullable else (None, "must not be null")
        if type(value) is not int:
            return None, "must be an integer"
        if self.minimum is not None and value < self.minimum:
            return None, f"must be at least {self.minimum}"
        top = self.max_value()
        if top is not None and value > top:
            return None, f"must be at most {top}"
        return value, None

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": ["integer", "null"] if self.nullable else "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        top = self.max_value()
        if top is not None:
            schema["maximum"] = top
        return _documented(schema, self.description, self.write_only)


Rule = Text | Integer


def _documented(schema: dict[str, Any], description: str, write_only: bool) -> dict[str, Any]:
    if description:
        schema["description"] = description
    if write_only:
        schema["writeOnly"] = True
    return schema


@dataclass(frozen=True)
class Whole:
    """Rules of a request as a whole, beyond its fields' own."""

    description: str = ""
    partial: bool = False  # every field optional, but at least one required (PATCH)
    one_of: tuple[str, ...] = ()  # exactly one of these fields must be given


WHOLE_ATTRIBUTE = "__request_rules__"


def request(*, description: str = "", partial: bool = False, one_of: tuple[str, ...] = ()) -> Callable[[C], C]:
    """Class decorator: the request's rules as a whole, read by the parser."""

    def mark(cls: C) -> C:
        setattr(cls, WHOLE_ATTRIBUTE, Whole(description, partial, one_of))
        return cls

    return mark


# -- the fields' types ------------------------------------------------------------------
# A field is required unless its dataclass field has a default.

Username = Annotated[
    str,
    Text(
        description="3-32 characters of a-z 0-9 . _ - starting with a letter or digit; case-insensitive.",
        min_length=3,
        max_length=32,
        pattern=USERNAME_RE,
        pattern_message="must be 3-32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
        normalize=_lower_strip,
        one_line=True,
    ),
]
# Sign-in and the "forgot" flows accept what the person typed; no pattern, so an unknown or
# odd name gets the same enumeration-safe answer as a known one.
LoginName = Annotated[
    str, Text(description="Username or email.", min_length=1, max_length=254, normalize=_strip, one_line=True)
]
EMAIL = Text(
    description="A valid email address, at most 254 characters; unique case-insensitively.",
    min_length=3,
    max_length=254,
    pattern=EMAIL_RE,
    pattern_message="must be a valid email address",
    normalize=_strip,
    fmt="email",
    one_line=True,
)
Email = Annotated[str, EMAIL]
# A new password: the policy's length here; the rest of the policy (chalicelib.core.password_policy)
# needs the account's names.
Password = Annotated[
    str,
    Text(
        description=f"{PASSWORD_MIN}-{PASSWORD_MAX} characters, not a common password, not containing the username.",
        min_length=PASSWORD_MIN,
        max_length=PASSWORD_MAX,
        normalize=_nfc,
        write_only=True,
    ),
]
# Sign-in checks any password against the hash; length rules only bound the work.
LoginPassword = Annotated[str, Text(min_length=1, max_length=PASSWORD_MAX, normalize=_nfc, write_only=True)]
FullName = Annotated[
    str,
    Text(
        nullable=True,
        max_length=100,
        normalize=_strip,
        description="One line of at most 100 characters.",
        one_line=True,
    ),
]


def _six_digits(description: str) -> Text:
    return Text(
        description=description,
        pattern=CODE_RE,
        normalize=_strip,
        pattern_message="must be 6 digits",
        min_length=1,
        max_length=16,
    )


MailedCode = Annotated[str, _six_digits("The 6-digit code from the email.")]
TotpCode = Annotated[str, _six_digits("A 6-digit code from the authenticator app.")]
# Checked by the two-step use case (a wrong one is invalid_code); this only bounds the input.
RecoveryCode = Annotated[
    str,
    Text(
        description="A recovery code (xxxxx-xxxxx; case and dashes ignored).",
        min_length=1,
        max_length=32,
        write_only=True,
    ),
]
MfaSession = Annotated[str, Text(description="The session from POST /auth/login.", min_length=1, max_length=128)]
RefreshToken = Annotated[str, Text(min_length=1, max_length=REFRESH_TOKEN_MAX, write_only=True)]

Rank = Annotated[int, Integer(minimum=1, maximum=100_000, description="Unique rank, 1-100000.")]
Title = Annotated[str, Text(min_length=1, max_length=200, normalize=_nfc_strip, one_line=True)]
Artist = Annotated[str, Text(min_length=1, max_length=200, normalize=_nfc_strip, one_line=True)]
Year = Annotated[int, Integer(minimum=1900, maximum=next_year, description="1900 to next year.")]
Genre = Annotated[str, Text(min_length=1, max_length=50, normalize=_nfc_strip, one_line=True)]
