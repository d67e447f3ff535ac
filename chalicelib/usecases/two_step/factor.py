"""The provider-specific part of two-step sign-in, and what a sign-in answers instead of
tokens when a second step is due."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.core.users import TokenSet


@dataclass(frozen=True)
class Challenge:
    """POST /auth/login's answer when two-step sign-in is on: `{challenge: "totp", ...}`."""

    session: str
    expires_in: int


class ChallengeIssued(Exception):
    """Raised through the provider's login when the password was right and a code is due:
    no session may start. The login route answers it with the challenge."""

    def __init__(self, challenge: Challenge) -> None:
        super().__init__("second step due")
        self.challenge = challenge


class SecondFactor(Protocol):
    """What differs between backends. The app checks every code itself first (window and
    replay); on Cognito the pool then checks it too and holds the real switch."""

    def begin_enrolment(self, username: str, access_token: str) -> str:
        """A new authenticator's secret (base32)."""

    def confirm_enrolment(self, username: str, access_token: str, code: str) -> None:
        """Make the pending authenticator the user's second step (InvalidCode if refused)."""

    def disable(self, username: str) -> None:
        """No second step for this user from now on (NotFound for no such user)."""

    def answer_challenge(self, username: str, pool_session: str, code: str) -> TokenSet:
        """The tokens of a sign-in whose code the app has accepted."""


class PoolSignIn(Protocol):
    """Cognito only: the pool challenges by itself, so a recovery-code sign-in switches the
    user's software-token preference off for one InitiateAuth (two_step/service.py)."""

    def sign_in_past_challenge(self, username: str, password: str) -> TokenSet: ...

    def restore(self, username: str) -> None:
        """The software-token preference on again (after a window that did not close)."""
