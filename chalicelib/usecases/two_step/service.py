"""Two-step sign-in use cases (docs/api.md "Two-step sign-in"), the same on both backends.

DynamoDB and Cognito calls per route, after the caller's authenticate GetItem (counted in
tests/functional/test_two_step_calls.py; Cognito calls in brackets, builtin has none):
  POST /users/me/mfa/totp          GetItem + UpdateItem  [+ AssociateSoftwareToken]
  POST /users/me/mfa/totp/verify   GetItem + GetItem (lock) + UpdateItem
                                   [+ VerifySoftwareToken + SetUserMFAPreference]
  POST /users/me/mfa/recovery-codes  GetItem + GetItem (lock) + UpdateItem
  DELETE /users/me/mfa             GetItem + GetItem (lock) + UpdateItem
                                   [+ AdminSetUserMFAPreference]
  (a wrong code at these three: + UpdateItem, the lock's count)
  DELETE /users/{username}/mfa     UpdateItem            [+ AdminSetUserMFAPreference]
  GET /users/me                    + GetItem (the `mfa` state)
  POST /auth/login, two-step on    + GetItem + PutItem (the challenge session); with a
                                   recovery code + GetItem + UpdateItem (the code) [+ 2
                                   UpdateItem (the window) + AdminSetUserMFAPreference x2
                                   + InitiateAuth]; two-step off: builtin nothing more (the
                                   flag comes with the user), Cognito + GetItem
  POST /auth/login/mfa             GetItem (session) + GetItem (lock) + GetItem (state)
                                   + UpdateItem (step) + DeleteItem (session) [+ Respond-
                                   ToAuthChallenge]; builtin + GetItem (user) + PutItem
                                   (refresh token); + DeleteItem when a streak is reset
Mails go out when two-step is turned on or off (by the user or an admin) and when a
recovery code signs someone in. Logs name the event and the user's opaque sub only.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

from chalicelib.core import totp
from chalicelib.core.clock import Clock, SystemClock
from chalicelib.core.errors import (
    FieldError,
    InvalidCode,
    InvalidSession,
    MfaAlreadyOn,
    MfaOff,
    NoPendingAuthenticator,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    ValidationError,
)
from chalicelib.core.identifiers import USERNAME_PATTERN, USERNAME_RE
from chalicelib.core.logs import security_event
from chalicelib.core.mail import Mailer
from chalicelib.core.users import Principal, TokenSet
from chalicelib.storage.two_step import ChallengeRecord, TwoStepRecord, TwoStepRepository
from chalicelib.usecases.two_step import keys, messages, recovery
from chalicelib.usecases.two_step.factor import Challenge, ChallengeIssued, PoolSignIn, SecondFactor
from chalicelib.usecases.two_step.lock import SignInLock

log = logging.getLogger("bandstand.two_step")

CHALLENGE_SECONDS = 180  # Cognito's default AuthSessionValidity (3 min); docs/api.md: at most 5
MAX_WRONG_CODES = 5
SIGN_IN_WINDOW_MS = 10_000  # how long a recovery-code sign-in may hold the pool's switch
# "<username>.<43 url-safe chars>": the name says whose partition holds the session.
SESSION_RE = re.compile(rf"^({USERNAME_PATTERN})\.([A-Za-z0-9_-]{{43}})$")


@dataclass(frozen=True)
class MfaStatus:
    totp: bool
    recovery_codes_left: int


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()  # 256 random bits: a fast hash will do


class TwoStep:
    def __init__(
        self,
        store: TwoStepRepository,
        factor: SecondFactor,
        lock: SignInLock,
        mailer: Mailer,
        secret_key: str,
        *,
        pool: PoolSignIn | None = None,
        clock: Clock | None = None,
        web_base_url: str = "",
    ) -> None:
        self._store = store
        self._factor = factor
        self._lock = lock
        self._mailer = mailer
        self._seal_key = keys.derive(secret_key, "totp-seal")
        self._recovery_key = keys.derive(secret_key, "recovery-codes")
        self._pool = pool
        self._clock = clock or SystemClock()
        self._web = web_base_url.rstrip("/")

    # -- the profile ---------------------------------------------------------------------

    def status(self, username: str) -> MfaStatus:
        record = self._store.read(username)
        if record is None or not record.on:
            return MfaStatus(False, 0)
        return MfaStatus(True, len(record.recovery))

    # -- turning it on -------------------------------------------------------------------

    def enrol(self, principal: Principal, access_token: str) -> Enrolment:
        record = self._read(principal.username)
        if record.on:
            raise MfaAlreadyOn()
        secret = self._factor.begin_enrolment(principal.username, access_token)
        if not self._store.set_pending(principal.username, keys.seal(self._seal_key, secret)):
            raise MfaAlreadyOn()  # turned on by a parallel request (or the account is gone: 401 next)
        self._event("mfa_enrolment_started", principal.sub)
        return Enrolment(secret, totp.otpauth_uri(secret, principal.username))

    def verify(self, principal: Principal, access_token: str, code: str) -> list[str]:
        record = self._read(principal.username)
        if record.on or record.pending is None:
            raise NoPendingAuthenticator()
        with self._counted(principal.username):
            step = totp.match(keys.unseal(self._seal_key, record.pending), code, self._clock.now_ms())
            if step is None:
                raise InvalidCode()
            self._factor.confirm_enrolment(principal.username, access_token, code)
        codes = recovery.new_set()
        if not self._store.turn_on(principal.username, record.pending, step, self._digests(principal.username, codes)):
            raise NoPendingAuthenticator()  # replaced or confirmed by a parallel request
        self._event("mfa_enabled", principal.sub)
        self._mail(record.email, "mfa-on", messages.turned_on(record.greeting, self._web))
        return codes

    # -- with it on ----------------------------------------------------------------------

    def regenerate(self, principal: Principal, code: str) -> list[str]:
        record = self._read_on(principal.username)
        codes = recovery.new_set()
        assert record.secret is not None
        with self._counted(principal.username):
            step = self._step(record, code)
            if not self._store.replace_recovery(
                principal.username, record.secret, step, self._digests(principal.username, codes)
            ):
                raise InvalidCode()  # the step was used meanwhile (a replay), or it was turned off
        self._event("mfa_recovery_codes_replaced", principal.sub)
        return codes

    def turn_off(self, principal: Principal, code: str | None, recovery_code: str | None) -> None:
        if (code is None) == (recovery_code is None):
            raise ValidationError([FieldError("code", "give either code or recovery_code")])
        record = self._read_on(principal.username)
        with self._counted(principal.username):
            if code is not None:
                step = self._step(record, code)
                assert record.secret is not None
                done = self._store.turn_off_with_step(principal.username, record.secret, step)
            else:
                digest = recovery.digest(self._recovery_key, principal.username, recovery_code or "")
                done = digest is not None and self._store.turn_off_with_recovery(principal.username, digest)
            if not done:
                raise InvalidCode()
        self._factor.disable(principal.username)
        self._event("mfa_disabled", principal.sub)
        self._mail(record.email, "mfa-off", messages.turned_off(record.greeting, self._web))

    def admin_reset(self, admin: Principal, username: str) -> None:
        name = username.lower()
        before = self._store.turn_off(name) if USERNAME_RE.fullmatch(name) else None
        if before is None:
            raise NotFound("No such user.")
        self._factor.disable(before.username)
        if before.on:
            security_event("mfa admin reset", sub=before.sub, by=admin.sub)
            self._mail(before.email, "mfa-admin-reset", messages.admin_reset(before.greeting, self._web))

    # -- sign-in ---------------------------------------------------------------------------

    def gate(self, identifier: str, recovery_code: str | None) -> LoginGate:
        """The hook one sign-in hands its provider (see LoginGate)."""
        return LoginGate(self, identifier, recovery_code)

    def complete(self, session: str, code: str) -> TokenSet:
        """POST /auth/login/mfa: the challenge's code; the tokens."""
        match = SESSION_RE.match(session)
        if not match:
            raise InvalidSession()
        username, secret = match.groups()
        challenge = self._store.get_session(username, _digest(secret))
        if challenge is None or challenge.expires_ms <= self._clock.now_ms() or challenge.wrong >= MAX_WRONG_CODES:
            raise InvalidSession()
        lock = self._lock.refuse_if_locked(challenge.identifier)
        record = self._store.read(username)
        if record is None or not record.on or record.sub != challenge.sub or record.secret is None:
            raise InvalidSession()  # turned off, or another account of the same name now
        step = totp.match(keys.unseal(self._seal_key, record.secret), code, self._clock.now_ms())
        if step is None or not self._store.use_step(username, record.secret, step):
            self._wrong_code(challenge)
        try:
            tokens = self._factor.answer_challenge(username, challenge.pool_session, code)
        except InvalidCode:
            self._wrong_code(challenge)
        self._store.end_session(challenge)
        if lock.failures:
            self._lock.clear(challenge.identifier)  # a success resets the streak
        self._event("mfa_sign_in", record.sub)
        return tokens

    # -- the hook's work -------------------------------------------------------------------

    def open_challenge(self, record: TwoStepRecord, identifier: str, pool_session: str = "") -> Challenge:
        secret = secrets.token_urlsafe(32)
        expires_ms = self._clock.now_ms() + CHALLENGE_SECONDS * 1000
        self._store.create_session(
            ChallengeRecord(record.username, _digest(secret), record.sub, identifier, pool_session, 0, expires_ms)
        )
        return Challenge(f"{record.username}.{secret}", CHALLENGE_SECONDS)

    def use_recovery_code(self, record: TwoStepRecord, identifier: str, typed: str) -> None:
        """A recovery code sent with the right password: used up, or InvalidCode (counted
        like a wrong code)."""
        self._lock.refuse_if_capped(identifier)
        digest = recovery.digest(self._recovery_key, record.username, typed)
        after = self._store.use_recovery(record.username, digest) if digest else None
        if after is None:
            self._lock.count_wrong_code(identifier)  # the sign-in's own try counts as the failure
            raise InvalidCode()
        self._event("mfa_recovery_code_used", record.sub)
        self._mail(
            record.email,
            "mfa-recovery-used",
            messages.recovery_code_used(record.greeting, len(after.recovery), self._web),
        )

    def pool_recovery_sign_in(self, record: TwoStepRecord, identifier: str, typed: str, password: str) -> TokenSet:
        """Cognito: the pool challenges whenever the preference is on, and a started
        challenge only takes an authenticator code. So with the password proven (the pool
        challenged) and the recovery code used, the preference goes off for one
        InitiateAuth and on again. While it is off, the user's record says two-step is on,
        and every sign-in that gets tokens straight from the pool is refused
        (LoginGate.pool_signed_in): a parallel sign-in with the password alone cannot pass."""
        assert self._pool is not None
        now = self._clock.now_ms()
        until = now + SIGN_IN_WINDOW_MS
        if not self._store.hold_sign_in(record.username, now, until):
            raise TooManyRequests(1, "Another sign-in with a recovery code is in progress. Try again in a moment.")
        try:
            self.use_recovery_code(record, identifier, typed)
            return self._pool.sign_in_past_challenge(record.username, password)
        finally:
            self._store.release_sign_in(record.username, until)

    def pool_signed_in(self, record: TwoStepRecord) -> NoReturn:
        """Cognito gave tokens without a challenge to a user whose record says two-step is
        on: a recovery-code sign-in holds the preference off right now (or its window did
        not close). Refuse; after a window that did not close, switch the preference back."""
        if record.signin_until_ms <= self._clock.now_ms():
            assert self._pool is not None
            self._pool.restore(record.username)
        self._event("mfa_sign_in_refused_in_window", record.sub)
        raise TooManyRequests(1, "Sign-in is busy for this account. Try again in a moment.")

    def pool_out_of_step(self, username: str) -> NoReturn:
        """The pool challenged a user whose record says two-step is off (a turn-off whose
        pool call failed): the record is the truth; switch the pool's preference off."""
        self._factor.disable(username)
        raise ServiceUnavailable(1, "Try signing in again.")

    # -- helpers ---------------------------------------------------------------------------

    def read_state(self, username: str) -> TwoStepRecord | None:
        return self._store.read(username)

    def _read(self, username: str) -> TwoStepRecord:
        record = self._store.read(username)
        if record is None:
            raise NotFound("No such user.")
        return record

    def _read_on(self, username: str) -> TwoStepRecord:
        record = self._read(username)
        if not record.on or record.secret is None:
            raise MfaOff()
        return record

    def _step(self, record: TwoStepRecord, code: str) -> int:
        assert record.secret is not None
        step = totp.match(keys.unseal(self._seal_key, record.secret), code, self._clock.now_ms())
        if step is None or step <= record.last_step:
            raise InvalidCode()
        return step

    @contextmanager
    def _counted(self, identifier: str) -> Iterator[None]:
        """A code check of a signed-in caller: refused while the name is locked, and a
        wrong code counts toward its sign-in lock (docs/api.md), so a stolen access token cannot
        try codes without end."""
        self._lock.refuse_if_locked(identifier)
        try:
            yield
        except InvalidCode:
            self._lock.count_failure(identifier)
            raise

    def _wrong_code(self, challenge: ChallengeRecord) -> NoReturn:
        """Count a wrong code on the session (5 allowed) and toward the identifier's
        sign-in lock; always raises."""
        seen = challenge
        while not self._store.count_wrong(seen):
            again = self._store.get_session(seen.username, seen.digest)
            if again is None or again.wrong >= MAX_WRONG_CODES:
                raise InvalidSession()
            seen = again
        self._lock.count_failure(challenge.identifier)
        raise InvalidCode()

    def _digests(self, username: str, codes: list[str]) -> list[str]:
        digests = [recovery.digest(self._recovery_key, username, c) for c in codes]
        return [d for d in digests if d is not None]

    def _event(self, event: str, sub: str) -> None:
        security_event(event.replace("_", " "), sub=sub)  # "mfa_sign_in" -> "mfa sign in"

    def _mail(self, to: str, kind: str, message: tuple[str, str]) -> None:
        subject, body = message
        try:
            self._mailer.send(to, subject, body, kind=kind)
        except Exception:
            # The change stands; a missing notice must not undo it.
            log.exception("mail not sent", extra={"kind": kind})


class LoginGate:
    """What a provider's login calls once the password is right (the hook):

    builtin: `password_accepted(username, on)` before the session starts: returns when the
      sign-in may go on (two-step off, or a recovery code used); raises ChallengeIssued
      (no session may start) or InvalidCode (a wrong recovery code).
    cognito: `pool_challenged(username, password, session)` when InitiateAuth answered
      SOFTWARE_TOKEN_MFA: the tokens (a recovery code) or ChallengeIssued;
      `pool_signed_in(username)` when InitiateAuth gave tokens: raises when two-step is on.
    """

    def __init__(self, two_step: TwoStep, identifier: str, recovery_code: str | None) -> None:
        self._two_step = two_step
        self.identifier = identifier
        self.recovery_code = recovery_code

    def password_accepted(self, username: str, two_step_on: bool) -> None:
        if not two_step_on:
            return  # read with the user; a recovery code sent without two-step on is ignored
        record = self._two_step.read_state(username)
        if record is None or not record.on:
            return  # a recovery code sent without two-step on is ignored
        if self.recovery_code is not None:
            self._two_step.use_recovery_code(record, self.identifier, self.recovery_code)
            return
        raise ChallengeIssued(self._two_step.open_challenge(record, self.identifier))

    def pool_challenged(self, username: str, password: str, pool_session: str) -> TokenSet:
        record = self._two_step.read_state(username)
        if record is None or not record.on:
            self._two_step.pool_out_of_step(username)
        assert record is not None
        if self.recovery_code is not None:
            return self._two_step.pool_recovery_sign_in(record, self.identifier, self.recovery_code, password)
        raise ChallengeIssued(self._two_step.open_challenge(record, self.identifier, pool_session))

    def pool_signed_in(self, username: str) -> None:
        record = self._two_step.read_state(username)
        if record is not None and record.on:
            self._two_step.pool_signed_in(record)
