"""Account use cases: the rules every identity backend shares, on top of the provider.

- the password policy (length, blocklist, no own names), before any backend sees it;
- accounts cannot be discovered by email: a sign-up with a taken address answers like a
  fresh one and mails the owner a notice instead;
- every identifier is taken in its one normal form (chalicelib.core.identifiers);
- sign-in lockout per identifier, known or not (1 s doubling to 15 min after 5
  failures): each try is taken by a conditional write BEFORE the password is checked, so
  parallel tries check at most 5 passwords (storage/attempts.py);
- a daily cap of 20 wrong codes per identifier for every code check (confirmation, reset,
  and two-step sign-in through `checking_code`), taken the same way before the code is
  looked at; an account's username and email share it;
- one resend-code / forgot-password mail per identifier every 30 s;
- answers for known and unknown identifiers take the same time;
- every security event is logged (chalicelib.core.logs.security_event), never a name.

DynamoDB round trips this layer adds, on top of the backend's (the backends list theirs):
  login            the try: 1 conditional UpdateItem (+1 per write lost to a parallel
                   try); a success deletes the streak (in the builtin session's
                   transaction, else 1 DeleteItem)
  confirm, reset   the code cap: 1 PutItem (no window open) or 1 failed PutItem + 1 ADD;
                   by email +1 GetItem (the claim: the account's username is capped too,
                   one more try taken); a right code gives its try back (1 write each)
  resend, forgot   the mail slot: 1 conditional PutItem
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from chalicelib.core import password_policy
from chalicelib.core.clock import Clock, SystemClock
from chalicelib.core.errors import (
    AlreadyConfirmed,
    EmailTaken,
    ExpiredCode,
    Forbidden,
    InvalidCode,
    InvalidCredentials,
    Throttled,
    TooManyRequests,
    UserNotConfirmed,
    ValidationError,
)
from chalicelib.core.identifiers import normal_form
from chalicelib.core.logs import security_event
from chalicelib.core.mail import Mailer
from chalicelib.core.users import Principal, Profile, ProfilePage, Registration, TokenSet
from chalicelib.identity import IdentityProvider
from chalicelib.storage.attempts import AttemptRepository, CodeTry, LockState
from chalicelib.usecases.two_step.factor import ChallengeIssued

if TYPE_CHECKING:
    from chalicelib.storage.profiles import ProfileRepository
    from chalicelib.usecases.two_step.service import TwoStep

log = logging.getLogger("bandstand.accounts")

LOCK_AFTER_FAILURES = 5
LOCK_MAX_SECONDS = 15 * 60
MAIL_INTERVAL_SECONDS = 30
# A code check that ended in one of these looked at the code and found it wrong (or dead):
# the try it took stays counted. Any other outcome gives it back.
WRONG_CODE = (InvalidCode, ExpiredCode, TooManyRequests)
# Outcomes that say the code was right, or was never looked at.
CODE_NOT_WRONG = (AlreadyConfirmed, ValidationError)


def lock_seconds(failures: int) -> int:
    """Cognito-style lockout: after 5 straight failures, 1 s, doubling to at most 15 min."""
    if failures < LOCK_AFTER_FAILURES:
        return 0
    return int(min(2 ** (failures - LOCK_AFTER_FAILURES), LOCK_MAX_SECONDS))


def identifier_of(typed: str) -> str:
    """What failures, throttles and the code cap are counted against: the name as typed,
    in its normal form (NFKC, case-folded), so no spelling variant has a count of its own."""
    return normal_form(typed)


def _sub_of(tokens: TokenSet) -> str | None:
    """The `sub` of tokens this request was just issued, for the sign-in event only: the
    ID token came from the backend itself (our signer, or Cognito over TLS), so its
    payload is read without a signature check; nothing is decided on it."""
    try:
        payload = tokens.id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return sub if isinstance(sub, str) else None


class Accounts:
    def __init__(
        self,
        identity: IdentityProvider,
        attempts: AttemptRepository,
        mailer: Mailer,
        profiles: ProfileRepository,
        *,
        web_base_url: str = "",
        equal_time_seconds: float = 0.1,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.identity = identity  # proves who someone is
        self.profiles = profiles  # what a client may see of a user, for every backend
        self._attempts = attempts
        self._codes = attempts.code_cap()
        self._mailer = mailer
        self._web = web_base_url.rstrip("/")
        self._floor = equal_time_seconds
        self._clock = clock or SystemClock()
        self._sleep = sleep
        # Set by chalicelib.services (it needs these accounts' lock): a factory, so two-step
        # sign-in (and pyotp) is built by the first request that needs it, not by every
        # signed-in request of a cold start.
        self.two_step_factory: Callable[[], TwoStep] | None = None
        self._two_step: TwoStep | None = None

    @property
    def two_step(self) -> TwoStep | None:
        if self._two_step is None and self.two_step_factory is not None:
            self._two_step = self.two_step_factory()
        return self._two_step

    @two_step.setter
    def two_step(self, built: TwoStep) -> None:
        self._two_step = built

    # -- registration ----------------------------------------------------------------

    def register(self, request: Registration) -> Profile:
        password_policy.require_acceptable(request.password, request.username, request.email)
        # Under the floor too: a fresh sign-up's writes and code mail and a taken address's
        # notice differ by a few ms (measured: bench/enumeration_timing.py).
        with self._equal_time():
            try:
                return self.identity.register(request)
            except EmailTaken:
                # The provider did the same work (the hash, the write that failed); answer
                # as a fresh sign-up would and tell the address's owner instead.
                self._send_signup_notice(request.email)
                now = self._clock.now_ms()
                return Profile(request.username, request.email, request.full_name, "UNCONFIRMED", (), now)

    def confirm(self, username: str, code: str) -> Profile:
        with self.checking_code("confirm", username):
            return self.identity.confirm(username, code)

    def resend_code(self, username_or_email: str) -> None:
        with self._equal_time(), self._mail_slot("resend", username_or_email):
            self.identity.resend_code(username_or_email)

    # -- sessions --------------------------------------------------------------------

    def login(self, username_or_email: str, password: str, recovery_code: str | None = None) -> TokenSet:
        key = identifier_of(username_or_email)
        # The backend has the guard take the try (a conditional write, with the record it
        # reads with the user or blind) before the password is checked.
        guard = self._attempts.guard(key, self._refuse_if_locked, lock_seconds, self._clock)
        # Two-step sign-in's hook: may raise ChallengeIssued (the route answers the challenge).
        gate = self.two_step.gate(key, recovery_code) if self.two_step is not None else None
        try:
            tokens = self.identity.login(username_or_email, password, guard, gate)
        except ChallengeIssued:
            # The password was right: this try is given back, but the streak is not reset
            # (only a finished second step clears it), so knowing the password buys no
            # fresh set of code guesses: wrong codes keep counting toward the lock.
            if guard.taken is not None:
                self._attempts.give_back_try(key, guard.taken)
            raise
        except InvalidCredentials:
            self._failed_sign_in(key, guard.taken)
            raise
        except UserNotConfirmed:
            self._attempts.clear(key)  # the right password: the streak ends, as on a success
            raise
        if not guard.cleared:
            self._attempts.clear(key)  # a backend without a session write
        security_event("sign-in succeeded", identifier=key, sub=_sub_of(tokens))
        return tokens

    def refresh(self, refresh_token: str) -> TokenSet:
        return self.identity.refresh(refresh_token)

    def logout(self, principal: Principal) -> None:
        self.identity.logout(principal)
        security_event("sign-out", sub=principal.sub)

    def authenticate(self, access_token: str) -> Principal:
        return self.identity.authenticate(access_token)

    # -- passwords -------------------------------------------------------------------

    def forgot_password(self, username_or_email: str) -> None:
        with self._equal_time(), self._mail_slot("reset", username_or_email):
            self.identity.forgot_password(username_or_email)
        security_event("reset requested", identifier=username_or_email)

    def reset_password(self, username_or_email: str, code: str, new_password: str) -> None:
        def check(username: str, email: str | None) -> None:
            password_policy.require_acceptable(new_password, username, email, field="new_password")

        with self.checking_code("reset", username_or_email):
            self.identity.reset_password(username_or_email, code, new_password, check)
        security_event("password reset", identifier=username_or_email)

    @contextmanager
    def checking_code(self, purpose: str, username_or_email: str) -> Iterator[None]:
        """Run the block, which checks a code of `purpose` for this name, under the daily
        code cap: a wrong code is counted before the block runs (refused with 429 past the
        cap, the right code included) and given back unless the block found it wrong.
        By email, the account's username is capped too: its two names share one cap.
        Two-step codes fill the same cap through chalicelib/usecases/two_step/lock.py (counted after
        the check: their session and the sign-in lock bound parallel guesses)."""
        tries = self._take_code_tries(purpose, username_or_email)
        try:
            yield
        except WRONG_CODE:
            security_event("code wrong", identifier=username_or_email, purpose=purpose)
            for taken in tries:
                if taken.wrong >= self._codes.limit:
                    retry = math.ceil((taken.window_end_ms - self._clock.now_ms()) / 1000)
                    security_event("code cap reached", identifier=taken.identifier, purpose=purpose, retry_after=retry)
            raise
        except CODE_NOT_WRONG:
            self._give_back(tries)
            raise
        self._give_back(tries)

    # -- profiles --------------------------------------------------------------------

    def profile(self, principal: Principal) -> Profile:
        return self.profiles.get(principal.username)

    def view_user(self, principal: Principal, username: str) -> Profile:
        """A profile is visible to its owner and to admins; others get 403 (not 404, so the
        answer does not depend on whether the name exists)."""
        name = normal_form(username)
        if name != principal.username and not principal.is_admin:
            raise Forbidden("You can only view your own profile.")
        return self.profiles.get(name)

    def update_full_name(self, principal: Principal, full_name: str | None) -> Profile:
        return self.profiles.update_full_name(principal.username, full_name)

    def delete(self, principal: Principal) -> None:
        self.identity.delete_user(principal)
        security_event("account deleted", sub=principal.sub)

    def list_users(self, limit: int, page_token: str | None) -> ProfilePage:
        return self.profiles.list(limit, page_token)

    def grant(self, username: str, group: str) -> None:
        self.identity.add_to_group(normal_form(username), group)

    # -- helpers ---------------------------------------------------------------------

    def _refuse_if_locked(self, state: LockState) -> None:
        now = self._clock.now_ms()
        if state.locked_until_ms > now:
            raise TooManyRequests(math.ceil((state.locked_until_ms - now) / 1000))

    def _failed_sign_in(self, key: str, taken: LockState | None) -> None:
        """The try was counted before the password was checked: only the events are left."""
        failures = taken.failures if taken else 0
        security_event("sign-in failed", identifier=key, failures=failures)
        if taken is not None and taken.locked_until_ms:
            seconds = math.ceil((taken.locked_until_ms - self._clock.now_ms()) / 1000)
            security_event("lockout started", identifier=key, failures=failures, retry_after=max(1, seconds))

    def _take_code_tries(self, purpose: str, username_or_email: str) -> list[CodeTry]:
        """One try per name the check is capped under: the account's username (known when
        the address has a claim) and the name as typed."""
        typed = identifier_of(username_or_email)
        names = [typed]
        if "@" in typed:
            owner = self._attempts.owner_of(typed)
            if owner and owner != typed:
                names.insert(0, owner)
        tries: list[CodeTry] = []
        try:
            for name in names:
                tries.append(self._codes.check(name, self._clock.now_ms()))
        except TooManyRequests:
            self._give_back(tries)  # refused without a look at the code: nothing counts
            security_event("code refused", identifier=typed, purpose=purpose)
            raise
        return tries

    def _give_back(self, tries: list[CodeTry]) -> None:
        for taken in tries:
            try:
                self._codes.give_back(taken)
            except Exception:
                # DynamoDB unavailable: the try stays counted (failing closed), and the
                # answer stays what the code check did (a confirmation that happened is
                # not a 503).
                log.warning("code try not given back")

    @contextmanager
    def _mail_slot(self, kind: str, username_or_email: str) -> Iterator[None]:
        """Claim the identifier's next mail of `kind` for the block, which sends it. When the
        block fails (DynamoDB unavailable, any error before the send) the slot is given
        back, so the client's retry is not told to wait for a mail that never went."""
        identifier = identifier_of(username_or_email)
        now = self._clock.now_ms()
        interval = MAIL_INTERVAL_SECONDS * 1000
        wait_ms = self._attempts.take_slot(kind, identifier, now, interval)
        if wait_ms:
            seconds = math.ceil(wait_ms / 1000)
            raise Throttled(seconds, f"Wait {seconds} second{'s' if seconds != 1 else ''} before asking again.")
        try:
            yield
        except BaseException:
            try:
                self._attempts.release_slot(kind, identifier, now + interval)
            except Exception:
                # Still unavailable: the slot expires by itself in 30 s.
                log.warning("mail slot not released", extra={"kind": kind})
            raise

    @contextmanager
    def _equal_time(self) -> Iterator[None]:
        """Answer no sooner than the floor, whichever path ran: a known account's extra
        work (a write, a mail) must not be visible in the response time."""
        started = time.monotonic()
        try:
            yield
        finally:
            left = self._floor - (time.monotonic() - started)
            if left > 0:
                self._sleep(left)

    def _send_signup_notice(self, email: str) -> None:
        where = f" at {self._web}" if self._web else ""
        body = (
            "Hello,\n\n"
            f"Someone just tried to create a Bandstand account{where} with this email address, "
            "which already has an account. No new account was created.\n\n"
            "If it was you, sign in instead"
            f"{': ' + self._web + '/signin.html' if self._web else ''}\n"
            "Forgot your password? Reset it"
            f"{': ' + self._web + '/forgot.html' if self._web else ''}\n\n"
            "If it was not you, you can ignore this message; your account is unchanged.\n"
        )
        try:
            self._mailer.send(email, "Someone tried to sign up with your address", body, kind="signup-notice")
        except Exception:
            log.exception("mail not sent", extra={"kind": "signup-notice"})
