"""The builtin identity provider: users in DynamoDB, argon2id hashes, own JWTs, emailed codes.

DynamoDB round trips per call (the repository makes exactly these):
  register        1 TransactWriteItems (user + email claim)
  confirm         1 GetItem + 1 UpdateItem
  login           1 BatchGetItem (the user + the caller's lockout record; by email the
                  claim + the record, then 1 GetItem of the user) + 1 UpdateItem (the
                  try, taken before the hash is checked; none when locked) + on success
                  1 TransactWriteItems (the session, the streak's reset, an upgraded hash)
  refresh         1 BatchGetItem (user + refresh token)
  logout          1 UpdateItem (the cut-off)  [+ the authenticate read]
  authenticate    1 GetItem (revocation cut-off, current groups)
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from dataclasses import replace

from chalicelib.core.clock import Clock, SystemClock
from chalicelib.core.errors import (
    AlreadyConfirmed,
    EmailTaken,
    ExpiredCode,
    InvalidCode,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    TooManyRequests,
    UserNotConfirmed,
)
from chalicelib.core.identifiers import USERNAME_PATTERN, USERNAME_RE, normal_form
from chalicelib.core.mail import Mailer, code_message
from chalicelib.core.users import Principal, Profile, Registration, TokenSet
from chalicelib.identity import PasswordCheck, SecondStepGate, SessionGuard
from chalicelib.identity.builtin import codes
from chalicelib.identity.builtin.hashing import PasswordHasher
from chalicelib.identity.builtin.tokens import TokenService, TokenSubject
from chalicelib.storage.profiles import to_profile
from chalicelib.storage.users import RefreshRecord, UserRecord, UserRepository

log = logging.getLogger("bandstand.identity")

# "<username>.<43 url-safe chars>": the name says whose record to check in one read.
REFRESH_TOKEN_RE = re.compile(rf"^({USERNAME_PATTERN})\.([A-Za-z0-9_-]{{43}})$")


_unusable: list[str] = []


def _unusable_hash(hasher: PasswordHasher) -> str:
    """A hash of a random secret nobody knows, made once per container (one argon2 hash,
    not one per held name): a held username's record carries it, so no password matches."""
    if not _unusable:
        _unusable.append(hasher.hash(secrets.token_urlsafe(32)))
    return _unusable[0]


def _digest(secret: str) -> str:
    # Refresh secrets carry 256 random bits, so a fast hash is enough to make a leaked
    # table useless; no need for a password hash here.
    return hashlib.sha256(secret.encode()).hexdigest()


class BuiltinIdentityProvider:
    def __init__(
        self,
        users: UserRepository,
        tokens: TokenService,
        mailer: Mailer,
        secret_key: str,
        hasher: PasswordHasher | None = None,
        clock: Clock | None = None,
        refresh_token_seconds: int = 30 * 24 * 3600,
        web_base_url: str = "",
    ) -> None:
        self._users = users
        self._tokens = tokens
        self._mailer = mailer
        self._secret_key = secret_key
        self._hasher = hasher or PasswordHasher()
        self._clock = clock or SystemClock()
        self._refresh_seconds = refresh_token_seconds
        self._web = web_base_url.rstrip("/")

    # -- registration ------------------------------------------------------------------

    def register(self, request: Registration) -> Profile:
        now = self._clock.now_ms()
        code, stored = codes.issue(self._secret_key, request.username, "confirm", now // 1000)
        user = UserRecord(
            username=request.username,
            sub=str(uuid.uuid4()),
            email=request.email,
            password_hash=self._hasher.hash(request.password),
            status="UNCONFIRMED",
            created_ms=now,
            full_name=request.full_name or None,
            tokens_valid_after_ms=now,
            code=stored,
        )
        try:
            self._users.create(user)
        except EmailTaken:
            # Hold the username exactly as a fresh sign-up holds it (a repeat answers 409
            # either way), without the address: UsernameTaken if a twin took the name.
            self._users.hold(request.username, now, _unusable_hash(self._hasher))
            raise
        self._send_code(user, code, "confirm")
        log.info("user registered", extra={"user_sub": user.sub})
        return to_profile(user)

    def confirm(self, username: str, code: str) -> Profile:
        user = self._users.get(normal_form(username))
        if user is not None and user.confirmed:
            raise AlreadyConfirmed()
        stored = self._check_code(user, "confirm", code)
        assert user is not None  # _check_code raises for a missing user
        if not self._users.confirm(user.username, stored.digest):
            raise InvalidCode()  # a new code was issued in between
        return to_profile(replace(user, status="CONFIRMED", code=None))

    def resend_code(self, username: str) -> None:
        user = self._find(username)
        if user is None or user.confirmed:
            return  # the same 202 either way: no enumeration
        self._issue_and_send(user, "confirm")

    # -- sessions ----------------------------------------------------------------------

    def login(
        self, username_or_email: str, password: str, guard: SessionGuard, second_step: SecondStepGate | None = None
    ) -> TokenSet:
        user = self._find_guarded(username_or_email, guard)
        if user is None:
            self._hasher.burn(password)
            raise InvalidCredentials()
        ok, new_hash = self._hasher.verify(password, user.password_hash)
        if not ok:
            raise InvalidCredentials()
        if not user.confirmed:
            raise UserNotConfirmed()
        if second_step is not None:
            second_step.password_accepted(user.username, user.two_step_on)  # may raise ChallengeIssued
        now = self._clock.now_ms()
        secret = secrets.token_urlsafe(32)
        refresh = RefreshRecord(user.username, _digest(secret), now, now // 1000 + self._refresh_seconds)
        self._users.start_session(refresh, new_hash, guard.streak_to_end())
        id_token, access_token = self._tokens.issue(self._subject(user), now)
        return TokenSet(id_token, access_token, self._tokens.lifetime_seconds, f"{user.username}.{secret}")

    def refresh(self, refresh_token: str) -> TokenSet:
        match = REFRESH_TOKEN_RE.match(refresh_token)
        if not match:
            raise InvalidToken()
        username, secret = match.groups()
        user, stored = self._users.get_with_refresh(username, _digest(secret))
        now = self._clock.now_ms()
        if (
            user is None
            or stored is None
            or not user.confirmed
            or stored.expires_at * 1000 <= now
            or stored.issued_ms < user.tokens_valid_after_ms
        ):
            raise InvalidToken()
        id_token, access_token = self._tokens.issue(self._subject(user), now)
        return TokenSet(id_token, access_token, self._tokens.lifetime_seconds)

    def logout(self, principal: Principal) -> None:
        self._users.revoke_sessions(principal.username, self._clock.now_ms())

    def authenticate(self, access_token: str) -> Principal:
        claims = self._tokens.verify_access(access_token)
        user = self._users.get(claims.username)
        if user is None or user.sub != claims.sub or claims.issued_at_ms < user.tokens_valid_after_ms:
            raise InvalidToken()
        # Groups from the record, not the token: taking someone out of `admin` takes
        # effect at once instead of when their token expires.
        return Principal(user.username, user.sub, user.groups, user.email)

    # -- passwords ---------------------------------------------------------------------

    def forgot_password(self, username_or_email: str) -> None:
        user = self._find(username_or_email)
        if user is None or not user.confirmed:
            return
        self._issue_and_send(user, "reset")

    def reset_password(
        self, username_or_email: str, code: str, new_password: str, password_check: PasswordCheck
    ) -> None:
        # The code first: a wrong, used or expired code answers the same whatever the new
        # password is, so the answer cannot depend on the account's names; only the holder
        # of the right code learns which rule the password breaks (the code stays valid).
        user = self._find(username_or_email)
        stored = self._check_code(user, "reset", code)
        assert user is not None
        password_check(user.username, user.email)
        new_hash = self._hasher.hash(new_password)
        if not self._users.reset_password(user.username, new_hash, self._clock.now_ms(), stored.digest):
            raise InvalidCode()

    # -- the account ----------------------------------------------------------------------

    def delete_user(self, principal: Principal) -> None:
        # The principal comes from `authenticate`, which read the record: no second read.
        self._users.delete(principal.username, principal.email)
        log.info("user deleted", extra={"user_sub": principal.sub})

    def add_to_group(self, username: str, group: str) -> None:
        if not self._users.add_group(username, group):
            raise NotFound("No such user.")

    # -- helpers -----------------------------------------------------------------------

    def _find(self, username_or_email: str) -> UserRecord | None:
        """Resolve a sign-in name: an address (has @) through its claim, else the username."""
        name = normal_form(username_or_email)
        if "@" in name:
            username = self._users.username_for_email(name)
            return self._users.get(username) if username else None
        if not USERNAME_RE.fullmatch(name):
            return None  # can't exist; skip the read
        user = self._users.get(name)
        return None if user is None or user.held else user  # a held name has no account

    def _find_guarded(self, username_or_email: str, guard: SessionGuard) -> UserRecord | None:
        """`_find` with the guard's record read in the same round trip, and the try taken
        (admitted) before the password is looked at."""
        name = normal_form(username_or_email)
        if "@" in name:
            username, lock = self._users.username_for_email_with(name, guard.lock)
            guard.admit(lock)
            return self._users.get(username) if username else None
        if not USERNAME_RE.fullmatch(name):
            guard.check()  # no read to share: the try is taken blind
            return None
        user, lock = self._users.get_user_with(name, guard.lock)
        guard.admit(lock)
        return user

    def _check_code(self, user: UserRecord | None, purpose: str, code: str) -> codes.StoredCode:
        now = self._clock.now_ms() // 1000
        if user is None:
            raise InvalidCode()
        result = codes.check(self._secret_key, user.username, user.code, purpose, code, now)
        if result == codes.CodeCheck.LOCKED:
            raise TooManyRequests(1, "Too many wrong codes. Ask for a new code.")
        if result == codes.CodeCheck.EXPIRED:
            raise ExpiredCode()
        if result == codes.CodeCheck.WRONG:
            if user.code is not None and user.code.purpose == purpose:
                self._users.count_code_failure(user.username, user.code.digest)
            raise InvalidCode()
        assert user.code is not None
        return user.code

    def _issue_and_send(self, user: UserRecord, purpose: str) -> None:
        code, stored = codes.issue(self._secret_key, user.username, purpose, self._clock.now_ms() // 1000)
        if self._users.set_code(user.username, stored):
            self._send_code(user, code, purpose)

    def _send_code(self, user: UserRecord, code: str, purpose: str) -> None:
        subject, body = code_message(purpose, user.full_name or user.username, code, self._web)
        try:
            self._mailer.send(user.email, subject, body, kind=purpose)
        except Exception:
            # The account change stands; the person can ask for the code again.
            log.exception("mail not sent", extra={"kind": purpose, "user_sub": user.sub})

    @staticmethod
    def _subject(user: UserRecord) -> TokenSubject:
        return TokenSubject(user.sub, user.username, user.email, user.confirmed, user.groups)
