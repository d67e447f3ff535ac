"""Wrong second-step codes count toward the identifier's sign-in lock and its daily code
cap (docs/api.md), through the same records and rules as wrong passwords and wrong
confirmation or reset codes (chalicelib.usecases.accounts)."""

from __future__ import annotations

import math

from chalicelib.core.clock import Clock
from chalicelib.core.errors import TooManyRequests
from chalicelib.storage.attempts import AttemptRepository, LockState
from chalicelib.usecases.accounts import lock_seconds


class SignInLock:
    def __init__(self, attempts: AttemptRepository, clock: Clock) -> None:
        self._attempts = attempts
        self._codes = attempts.code_cap()
        self._clock = clock

    def refuse_if_locked(self, identifier: str) -> LockState:
        """The identifier's lock state; TooManyRequests while it is locked or its daily
        code cap is full (two GetItem: the lock and the cap)."""
        state = self._attempts.lock_state(identifier)
        self._refuse(state)
        self._codes.refuse_if_full(identifier, self._clock.now_ms())
        return state

    def count_failure(self, identifier: str) -> None:
        """One wrong code: one more failure on the sign-in streak (the conditional write
        wrong passwords use, so the lock starts at the fifth) and one wrong code under the
        daily cap (never given back). Both raise TooManyRequests once their limit is hit."""
        self._codes.check(identifier, self._clock.now_ms())
        state = self._attempts.lock_state(identifier)
        self._attempts.take_try(identifier, state, self._refuse, lock_seconds, self._clock)

    def refuse_if_capped(self, identifier: str) -> None:
        """TooManyRequests while the identifier's daily code cap is full (one GetItem)."""
        self._codes.refuse_if_full(identifier, self._clock.now_ms())

    def count_wrong_code(self, identifier: str) -> None:
        """A wrong code whose sign-in try was counted already (a recovery code sent with
        the password to /auth/login: the try taken before the password check stays): only
        the daily cap is left to count."""
        self._codes.check(identifier, self._clock.now_ms())

    def clear(self, identifier: str) -> None:
        self._attempts.clear(identifier)

    def _refuse(self, state: LockState) -> None:
        now = self._clock.now_ms()
        if state.locked_until_ms > now:
            raise TooManyRequests(math.ceil((state.locked_until_ms - now) / 1000))
