"""Password hashing (argon2id through passlib) and the password policy of API.md.

The policy follows NIST SP 800-63B-4: length 15-128, a blocklist of common passwords, no
password built from the account's own names, and no composition rules.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from passlib.context import CryptContext

from chalicelib.errors import FieldError
from chalicelib.validation import PASSWORD_MAX, PASSWORD_MIN

BLOCKLIST_FILE = Path(__file__).parent / "data" / "common-passwords.txt"

# OWASP's argon2id minimum: 19 MiB, 2 iterations, parallelism 1. Raising any of these
# later makes `needs_update` true for old hashes, and sign-in rehashes them.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_ROUNDS = 2
ARGON2_PARALLELISM = 1


def make_context(memory_kib: int = ARGON2_MEMORY_KIB, rounds: int = ARGON2_ROUNDS) -> CryptContext:
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
        self._context = context or make_context()
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return str(self._context.hash(password))

    def verify(self, password: str, stored_hash: str) -> tuple[bool, str | None]:
        """(matches, new_hash_or_None): a new hash when the stored one uses old parameters."""
        ok, new_hash = self._context.verify_and_update(password, stored_hash)
        return bool(ok), new_hash

    def burn(self, password: str) -> None:
        """Spend the same time as a real check, so unknown usernames cannot be timed apart."""
        if self._dummy is None:
            self._dummy = self.hash("bandstand-timing-equalizer")
        self._context.verify(password, self._dummy)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The blocklist, loaded on first use (not at import) and kept for the process."""
    lines = BLOCKLIST_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, username: str, email: str | None, field: str = "password") -> list[FieldError]:
    """Every rule the password breaks, as field errors; empty when it is acceptable."""
    problems: list[FieldError] = []
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        problems.append(FieldError(field, f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters"))
        return problems
    folded = password.casefold()
    if folded in common_passwords():
        problems.append(FieldError(field, "is too common; choose a less predictable password"))
    names = [username.casefold()]
    if email and "@" in email:
        names.append(email.split("@", 1)[0].casefold())
    if any(len(name) >= 3 and name in folded for name in names):
        problems.append(FieldError(field, "must not contain your username or email name"))
    return problems
