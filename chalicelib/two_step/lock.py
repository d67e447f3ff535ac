"""Wrong second-step codes count toward the identifier's sign-in lock (API.md), through
the same records and rule as wrong passwords (chalicelib.accounts)."""

from __future__ import annotations

import math

from chalicelib.accounts import COUNT_ATTEMPTS, lock_seconds
from chalicelib.clock import Clock
from chalicelib.errors import TooManyRequests
from chalicelib.repository.attempts import AttemptRepository, LockState


class SignInLock:
    def __init__(self, attempts: AttemptRepository, clock: Clock) -> None:
        self._attempts = attempts
        self._clock = clock

    def refuse_if_locked(self, identifier: str) -> LockState:
        """The identifier's lock state (one GetItem); TooManyRequests while it is locked."""
        state = self._attempts.lock_state(identifier)
        self._refuse(state)
        return state

    def count_failure(self, identifier: str) -> None:
        """One conditional write on top of the count read, as a wrong password."""
        state = self._attempts.lock_state(identifier)
        for _ in range(COUNT_ATTEMPTS):
            now = self._clock.now_ms()
            lock = lock_seconds(state.failures + 1)
            if self._attempts.record_failure(identifier, state, now + lock * 1000 if lock else 0, now):
                return
            state = self._attempts.lock_state(identifier)
            self._refuse(state)
        raise TooManyRequests(1)

    def clear(self, identifier: str) -> None:
        self._attempts.clear(identifier)

    def _refuse(self, state: LockState) -> None:
        now = self._clock.now_ms()
        if state.locked_until_ms > now:
            raise TooManyRequests(math.ceil((state.locked_until_ms - now) / 1000))
