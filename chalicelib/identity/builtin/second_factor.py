"""The builtin backend's second factor: the app is the whole authority. Secrets are made
here (pyotp), the code is checked by TwoStep, and a passed challenge starts the session
exactly as a password sign-in does (a refresh token item + JWTs)."""

from __future__ import annotations

import hashlib
import secrets

from chalicelib.core import totp
from chalicelib.core.clock import Clock, SystemClock
from chalicelib.core.errors import InvalidSession
from chalicelib.core.users import TokenSet
from chalicelib.identity.builtin.tokens import TokenService, TokenSubject
from chalicelib.storage.users import RefreshRecord, UserRepository


class BuiltinSecondFactor:
    def __init__(
        self,
        users: UserRepository,
        tokens: TokenService,
        clock: Clock | None = None,
        refresh_token_seconds: int = 30 * 24 * 3600,
    ) -> None:
        self._users = users
        self._tokens = tokens
        self._clock = clock or SystemClock()
        self._refresh_seconds = refresh_token_seconds

    def begin_enrolment(self, username: str, access_token: str) -> str:
        return totp.new_secret()

    def confirm_enrolment(self, username: str, access_token: str, code: str) -> None:
        """Nothing beyond the app's own check: its record is the switch."""

    def disable(self, username: str) -> None:
        """Nothing beyond the app's record, which TwoStep has changed."""

    def answer_challenge(self, username: str, pool_session: str, code: str) -> TokenSet:
        """The session a password sign-in would start (provider.login's last lines, same
        refresh-token format `<username>.<secret>` and digest)."""
        user = self._users.get(username)
        if user is None or not user.confirmed:
            raise InvalidSession()
        now = self._clock.now_ms()
        secret = secrets.token_urlsafe(32)
        digest = hashlib.sha256(secret.encode()).hexdigest()
        self._users.start_session(RefreshRecord(username, digest, now, now // 1000 + self._refresh_seconds), None)
        subject = TokenSubject(user.sub, user.username, user.email, user.confirmed, user.groups)
        id_token, access_token = self._tokens.issue(subject, now)
        return TokenSet(id_token, access_token, self._tokens.lifetime_seconds, f"{username}.{secret}")
