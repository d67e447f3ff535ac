"""The password policy of docs/api.md, applied above the identity provider so it holds for
every backend (Cognito's own policy cannot check a blocklist or the account's names).

NIST SP 800-63B-4: length 15-128, a blocklist of common passwords, no password built from
the account's own names, and no composition rules.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from chalicelib.core.errors import FieldError, ValidationError

PASSWORD_MIN, PASSWORD_MAX = 15, 128  # the request rules (chalicelib.core.rules) bound input by these too
BLOCKLIST_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"  # chalicelib/data


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


def require_acceptable(password: str, username: str, email: str | None, field: str = "password") -> None:
    problems = password_problems(password, username, email, field)
    if problems:
        raise ValidationError(
            problems, f"The {'new ' if field == 'new_password' else ''}password does not meet the rules."
        )
