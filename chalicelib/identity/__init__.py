"""The IdentityProvider protocol: what the app needs from an identity backend.

Two backends implement it: `builtin` (DynamoDB + argon2id + own JWTs, used locally and
optionally on AWS) and `cognito` (Amazon Cognito user pools). They do the credential work
only; the rules every backend shares (password policy, enumeration safety, lockout and
throttles) live one layer up, in chalicelib/usecases/accounts.py. Routes only see that layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # storage's type; not loaded with the protocol (cold start)
    from chalicelib.storage.attempts import LockRecord

from chalicelib.core.users import Principal, Profile, Registration, TokenSet


class SessionGuard(Protocol):
    """A precondition of the layer above (the sign-in lockout) that a backend meets inside
    the round trips it makes anyway. The backend knows only this shape, not what the
    record means; its storage reads and writes the record (storage/attempts.py's
    LockRecord), so no table key or write request passes through here.

    Before it checks the password, the backend has the guard take the try, a conditional
    write that refuses (TooManyRequests) once the limit is reached: a backend that reads
    the user from DynamoDB has its repository read `lock` in the same request and hands
    what was read to `admit`; one that does not calls `check`. So parallel sign-ins are
    ordered by those writes, and no more passwords are checked than the limit allows. A
    backend that stores the session in DynamoDB deletes `streak_to_end()` in that write
    (a success ends the streak)."""

    @property
    def lock(self) -> LockRecord:
        """The record to read with the user (not read yet)."""

    def admit(self, lock: LockRecord) -> None:
        """Take the try on top of `lock` as read; raises to refuse."""

    def check(self) -> None:
        """Take the try without a read (one conditional write; raises to refuse)."""

    def streak_to_end(self) -> LockRecord | None:
        """The record to delete atomically with a new session (None: nothing to delete)."""


class SecondStepGate(Protocol):
    """Two-step sign-in's hook in a provider's login (chalicelib/usecases/two_step/service.py,
    LoginGate): called once the password is right, before any session starts."""

    def password_accepted(self, username: str, two_step_on: bool) -> None:
        """Builtin, with the user record's flag (read with the user: no extra round trip
        when two-step is off): returns when the sign-in may go on; raises ChallengeIssued (a
        code is due: start no session) or InvalidCode (a wrong recovery code)."""

    def pool_challenged(self, username: str, password: str, pool_session: str) -> TokenSet:
        """Cognito answered SOFTWARE_TOKEN_MFA: the tokens (a recovery code came with the
        password) or ChallengeIssued."""

    def pool_signed_in(self, username: str) -> None:
        """Cognito gave tokens without a challenge: raises when two-step is on (another
        request's recovery-code sign-in holds the preference off)."""


PasswordCheck = Callable[[str, str | None], None]
"""Checks a new password against the rules for (username, email); raises ValidationError."""


class IdentityProvider(Protocol):
    """Credential work of one backend: it proves who someone is. Profiles are not its
    business: the use cases read and change them through one repository
    (storage/profiles.py), whichever backend holds the credentials. Errors are
    chalicelib.core.errors classes only; no backend exception (botocore, Cognito) may escape."""

    def register(self, request: Registration) -> Profile:
        """Create an unconfirmed account and mail its code. UsernameTaken / EmailTaken
        when a name is claimed (the caller turns EmailTaken into the enumeration-safe answer)."""

    def confirm(self, username: str, code: str) -> Profile: ...

    def resend_code(self, username_or_email: str) -> None:
        """Mail a new code when the account exists and is unconfirmed; silent otherwise."""

    def login(
        self, username_or_email: str, password: str, guard: SessionGuard, second_step: SecondStepGate | None = None
    ) -> TokenSet:
        """InvalidCredentials (same for unknown and wrong), UserNotConfirmed only with the
        right password. Lockout is the caller's: `guard` takes the try (admit or check)
        before the password is checked, and its writes go with the session's.
        `second_step` is called once the password is right (two-step sign-in)."""

    def refresh(self, refresh_token: str) -> TokenSet: ...

    def logout(self, principal: Principal) -> None:
        """Revoke every refresh token and reject access tokens issued before now."""

    def forgot_password(self, username_or_email: str) -> None:
        """Mail a reset code when a confirmed account has this name; silent otherwise."""

    def reset_password(
        self, username_or_email: str, code: str, new_password: str, password_check: PasswordCheck
    ) -> None:
        """Check the code and set the password; `password_check` runs first, with the
        account's names once known (the name as typed and None for an unknown account)."""

    def authenticate(self, access_token: str) -> Principal:
        """Verify an access token and the revocation cut-off: InvalidToken otherwise."""

    def delete_user(self, principal: Principal) -> None:
        """Delete the credentials and the records that name the account."""

    def add_to_group(self, username: str, group: str) -> None:
        """Group membership: the pool's when it has groups, mirrored on the record."""
