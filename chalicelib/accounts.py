"""Account use cases: the rules every identity backend shares, on top of the provider.

- the password policy (length, blocklist, no own names), before any backend sees it;
- accounts cannot be discovered by email: a sign-up with a taken address answers like a
  fresh one and mails the owner a notice instead;
- sign-in lockout per identifier as typed, known or not (1 s doubling to 15 min after 5
  failures), counted with conditional writes so parallel tries cannot slip through;
- one resend-code / forgot-password mail per identifier every 30 s;
- answers for known and unknown identifiers take the same time.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from chalicelib import password_policy
from chalicelib.clock import Clock, SystemClock
from chalicelib.errors import EmailTaken, Forbidden, InvalidCredentials, Throttled, TooManyRequests
from chalicelib.identity import IdentityProvider, Principal, Profile, ProfilePage, Registration, TokenSet
from chalicelib.mail import Mailer
from chalicelib.repository.attempts import AttemptRepository, LockState

if TYPE_CHECKING:
    from chalicelib.two_step.service import TwoStep

log = logging.getLogger("bandstand.accounts")

LOCK_AFTER_FAILURES = 5
LOCK_MAX_SECONDS = 15 * 60
MAIL_INTERVAL_SECONDS = 30
COUNT_ATTEMPTS = 20  # conditional-write retries when parallel failures race


def lock_seconds(failures: int) -> int:
    """Cognito-style lockout: after 5 straight failures, 1 s, doubling to at most 15 min."""
    if failures < LOCK_AFTER_FAILURES:
        return 0
    return int(min(2 ** (failures - LOCK_AFTER_FAILURES), LOCK_MAX_SECONDS))


def identifier_of(typed: str) -> str:
    """What failures and throttles are counted against: the name as typed, lower-cased."""
    return typed.strip().lower()


class Accounts:
    def __init__(
        self,
        identity: IdentityProvider,
        attempts: AttemptRepository,
        mailer: Mailer,
        *,
        web_base_url: str = "",
        equal_time_seconds: float = 0.1,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.identity = identity
        self._attempts = attempts
        self._mailer = mailer
        self._web = web_base_url.rstrip("/")
        self._floor = equal_time_seconds
        self._clock = clock or SystemClock()
        self._sleep = sleep
        self.two_step: TwoStep | None = None  # set by chalicelib.services (it needs these accounts' lock)

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
        return self.identity.confirm(username, code)

    def resend_code(self, username_or_email: str) -> None:
        with self._equal_time(), self._mail_slot("resend", username_or_email):
            self.identity.resend_code(username_or_email)

    # -- sessions --------------------------------------------------------------------

    def login(self, username_or_email: str, password: str, recovery_code: str | None = None) -> TokenSet:
        key = identifier_of(username_or_email)
        # The backend reads the lockout record with the user (or on its own when it has no
        # such read) and refuses before the password is checked, as a read here would.
        guard = self._attempts.guard(key, self._refuse_if_locked)
        # Two-step sign-in's hook: may raise ChallengeIssued (the route answers the challenge).
        gate = self.two_step.gate(key, recovery_code) if self.two_step is not None else None
        try:
            tokens = self.identity.login(username_or_email, password, guard, gate)
        except InvalidCredentials:
            self._count_failure(key, guard.seen)
            raise
        if guard.seen.failures and not guard.cleared:
            self._attempts.clear(key)  # a success resets the streak (a backend without a session write)
        return tokens

    def refresh(self, refresh_token: str) -> TokenSet:
        return self.identity.refresh(refresh_token)

    def logout(self, principal: Principal) -> None:
        self.identity.logout(principal)

    def authenticate(self, access_token: str) -> Principal:
        return self.identity.authenticate(access_token)

    # -- passwords -------------------------------------------------------------------

    def forgot_password(self, username_or_email: str) -> None:
        with self._equal_time(), self._mail_slot("reset", username_or_email):
            self.identity.forgot_password(username_or_email)

    def reset_password(self, username_or_email: str, code: str, new_password: str) -> None:
        def check(username: str, email: str | None) -> None:
            password_policy.require_acceptable(new_password, username, email, field="new_password")

        self.identity.reset_password(username_or_email, code, new_password, check)

    # -- profiles --------------------------------------------------------------------

    def profile(self, principal: Principal) -> Profile:
        return self.identity.get_profile(principal.username)

    def view_user(self, principal: Principal, username: str) -> Profile:
        """A profile is visible to its owner and to admins; others get 403 (not 404, so the
        answer does not depend on whether the name exists)."""
        name = username.lower()
        if name != principal.username and not principal.is_admin:
            raise Forbidden("You can only view your own profile.")
        return self.identity.get_profile(name)

    def update_full_name(self, principal: Principal, full_name: str | None) -> Profile:
        return self.identity.update_full_name(principal, full_name)

    def delete(self, principal: Principal) -> None:
        self.identity.delete_user(principal)

    def list_users(self, limit: int, page_token: str | None) -> ProfilePage:
        return self.identity.list_users(limit, page_token)

    def grant(self, username: str, group: str) -> None:
        self.identity.add_to_group(username.lower(), group)

    # -- helpers ---------------------------------------------------------------------

    def _refuse_if_locked(self, state: LockState) -> None:
        now = self._clock.now_ms()
        if state.locked_until_ms > now:
            raise TooManyRequests(math.ceil((state.locked_until_ms - now) / 1000))

    def _count_failure(self, key: str, state: LockState) -> None:
        """One more failure for `key`. Each counted failure is one conditional write on
        top of the count it saw, so of N parallel wrong tries exactly the first five are
        401s; the rest find the lock when they re-read and get 429."""
        for _ in range(COUNT_ATTEMPTS):
            now = self._clock.now_ms()
            failures = state.failures + 1
            lock = lock_seconds(failures)
            if self._attempts.record_failure(key, state, now + lock * 1000 if lock else 0, now):
                log.info("sign-in failed", extra={"failures": failures})
                return
            state = self._attempts.lock_state(key)
            self._refuse_if_locked(state)
        raise TooManyRequests(1)

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
