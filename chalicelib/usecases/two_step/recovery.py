"""Recovery codes: 10 per set, each 10 characters of a-z 2-7 shown as `xxxxx-xxxxx`.

Only keyed hashes are stored (HMAC-SHA256 with a key derived from the server secret, per
user): 50 random bits per code would be guessed offline from a plain hash of a leaked
table; without the server key they cannot be. Case and the dash are ignored on input."""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
CODES_PER_SET = 10
CODE_CHARS = 10


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))
    return f"{raw[:5]}-{raw[5:]}"


def new_set() -> list[str]:
    codes: set[str] = set()
    while len(codes) < CODES_PER_SET:  # a repeat in 32**10 is unlikely, never impossible
        codes.add(new_code())
    return sorted(codes)


def normalize(typed: str) -> str | None:
    """The code's 10 characters, or None when it cannot be one (any case, dashes and
    spaces ignored)."""
    raw = "".join(c for c in typed.lower() if c not in "- ")
    if len(raw) != CODE_CHARS or any(c not in ALPHABET for c in raw):
        return None
    return raw


def digest(key: bytes, username: str, typed: str) -> str | None:
    raw = normalize(typed)
    if raw is None:
        return None
    return hmac.new(key, f"{username}:{raw}".encode(), hashlib.sha256).hexdigest()
