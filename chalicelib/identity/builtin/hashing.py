"""Password hashing for the builtin backend: argon2id through passlib (libpass).

The password *policy* is not here: it lives in chalicelib/core/password_policy.py, above the
provider, so it applies to every backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from passlib.context import CryptContext

# OWASP's argon2id minimum: 19 MiB, 2 iterations, parallelism 1. Raising any of these
# later makes `needs_update` true for old hashes, and sign-in rehashes them.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_ROUNDS = 2
ARGON2_PARALLELISM = 1


def make_context(memory_kib: int = ARGON2_MEMORY_KIB, rounds: int = ARGON2_ROUNDS) -> CryptContext:
    # Imported here: passlib and argon2 cost ~100 ms of a cold start, and most requests
    # (every signed-in one) never hash a password.
    from passlib.context import CryptContext

    return CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__memory_cost=memory_kib,
        argon2__rounds=rounds,
        argon2__parallelism=ARGON2_PARALLELISM,
    )


class PasswordHasher:
    """Hash and verify; `verify` also says whether the stored hash should be upgraded."""

    def __init__(self, context: CryptContext | None = None) -> None:
        self._given = context
        self._dummy: str | None = None

    @property
    def _context(self) -> CryptContext:
        """Built on first use (see make_context); passlib's context is thread-safe."""
        if self._given is None:
            self._given = make_context()
        return self._given

    def hash(self, password: str) -> str:
        return str(self._context.hash(password))

    def verify(self, password: str, stored_hash: str | None) -> tuple[bool, str | None]:
        """(matches, new_hash_or_None): a new hash when the stored one uses old parameters.
        A stored value that is no hash this context knows (a record another identity
        backend wrote, a damaged one) is a failed check, not an error, and takes the time
        of a real one, so it cannot be told apart by timing either."""
        if not isinstance(stored_hash, str) or not self._context.identify(stored_hash):
            self.burn(password)
            return False, None
        try:
            ok, new_hash = self._context.verify_and_update(password, stored_hash)
        except (ValueError, TypeError):  # passlib's UnknownHashError, a malformed argon2 hash
            self.burn(password)
            return False, None
        return bool(ok), new_hash

    def burn(self, password: str) -> None:
        """Spend the same time as a real check, so unknown usernames cannot be timed apart."""
        if self._dummy is None:
            self._dummy = self.hash("bandstand-timing-equalizer")
        self._context.verify(password, self._dummy)
