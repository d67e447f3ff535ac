"""Domain exceptions. Free of chalice so use cases and repositories stay framework-agnostic.

`http.PROBLEMS` maps each class to its HTTP status and problem `title`, in one place.
Every message here may reach a client, so none may carry a secret or personal data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class BandstandError(Exception):
    """Base of every error a client may see. `code` is the stable problem code; `field`
    names the request field at fault, when there is one."""

    code = "error"
    default_detail = "The request could not be processed."
    field: tuple[str, str] | None = None  # (field, message) for the problem's `errors`

    def __init__(self, detail: str | None = None, *, code: str | None = None) -> None:
        super().__init__(detail or self.default_detail)
        self.detail = detail or self.default_detail
        if code is not None:
            self.code = code


class ValidationError(BandstandError):
    code = "validation_error"
    default_detail = "The request has invalid fields."

    def __init__(
        self,
        errors: list[FieldError] | None = None,
        detail: str | None = None,
        *,
        code: str | None = None,
    ) -> None:
        super().__init__(detail, code=code)
        self.errors: list[FieldError] = errors or []


class MalformedRequest(BandstandError):
    """The body is not valid JSON or not an object (400)."""

    code = "malformed_request"
    default_detail = "The request body is not valid JSON."


class UnsupportedMediaType(BandstandError):
    code = "unsupported_media_type"
    default_detail = "The request body must be JSON (Content-Type: application/json)."


class PayloadTooLarge(BandstandError):
    code = "payload_too_large"
    default_detail = "The request body is larger than 64 KiB."


class InvalidCursor(BandstandError):
    code = "invalid_cursor"
    default_detail = "The pagination cursor is not valid for this list."


class InvalidCode(BandstandError):
    code = "invalid_code"
    default_detail = "The code is not valid."


class ExpiredCode(BandstandError):
    code = "expired_code"
    default_detail = "The code has expired. Ask for a new one."


class Unauthorized(BandstandError):
    code = "unauthorized"
    default_detail = "Sign in to do this."


class InvalidToken(Unauthorized):
    code = "invalid_token"
    default_detail = "The token is missing, invalid, expired or revoked."


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    default_detail = "The username or password is incorrect."


class Forbidden(BandstandError):
    code = "forbidden"
    default_detail = "You are not allowed to do this."


class UserNotConfirmed(Forbidden):
    code = "user_not_confirmed"
    default_detail = "Confirm your email address before signing in."


class NotFound(BandstandError):
    code = "not_found"
    default_detail = "Not found."


class Conflict(BandstandError):
    code = "conflict"
    default_detail = "The request conflicts with the current state."


class UsernameTaken(Conflict):
    code = "username_taken"
    default_detail = "That username is already taken."
    field = ("username", "already taken")


class EmailTaken(Conflict):
    """Raised by a provider; chalicelib.usecases.accounts turns it into the enumeration-safe 201,
    so it never reaches a client (docs/api.md: accounts cannot be discovered by email)."""

    code = "email_taken"
    default_detail = "That email address is already registered."
    field = ("email", "already registered")


class AlreadyConfirmed(Conflict):
    code = "already_confirmed"
    default_detail = "This account is already confirmed."


class DuplicateAlbum(Conflict):
    code = "duplicate_album"
    default_detail = "An album with this artist and title already exists."
    field = ("title", "an album with this artist and title exists")


class RankTaken(Conflict):
    code = "rank_taken"
    default_detail = "Another album already has this rank."
    field = ("rank", "already taken")


class VersionConflict(Conflict):
    code = "version_conflict"
    default_detail = "The album was changed by someone else. Reload it and try again."


class TooManyRequests(BandstandError):
    code = "too_many_attempts"
    default_detail = "Too many attempts. Try again later."

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        self.retry_after = max(1, retry_after)
        unit = "second" if self.retry_after == 1 else "seconds"
        super().__init__(detail or f"Too many attempts. Try again in {self.retry_after} {unit}.")


class Throttled(TooManyRequests):
    """A mail-sending request (resend-code, forgot-password) came too soon."""

    code = "too_many_requests"


class ServiceUnavailable(BandstandError):
    """The database is throttling or out of reach (503 with Retry-After). Nothing of the
    request was stored: every write is one atomic request, so a 503 means "try again"."""

    code = "service_unavailable"
    default_detail = "The service is busy or briefly unavailable. Try again shortly."

    def __init__(self, retry_after: int = 1, detail: str | None = None) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(detail)


# -- two-step sign-in (docs/api.md "Two-step sign-in") -----------------------------------------


class InvalidSession(Unauthorized):
    code = "invalid_session"
    default_detail = "The sign-in session has expired or had too many wrong codes. Sign in again."


class MfaAlreadyOn(Conflict):
    code = "mfa_already_on"
    default_detail = "Two-step sign-in is already on. Turn it off first to change the authenticator."


class NoPendingAuthenticator(Conflict):
    code = "no_pending_authenticator"
    default_detail = "There is no authenticator waiting for its first code. Start again."


class MfaOff(Conflict):
    code = "mfa_off"
    default_detail = "Two-step sign-in is off."
