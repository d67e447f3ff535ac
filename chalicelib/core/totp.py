"""Authenticator codes (RFC 6238: SHA-1, 6 digits, 30-second steps) through pyotp.

A code is accepted in its step or the one just before or after; `match` says which step
it was, so the caller can refuse a replay by storing the last step used (a conditional
write: only a later step passes)."""

from __future__ import annotations

import hmac

import pyotp

ISSUER = "Bandstand"
STEP_SECONDS = 30
DIGITS = 6
SECRET_CHARS = 32  # base32: 32 characters are 160 bits, RFC 4226's recommended length
WINDOW = 1  # steps either side of the current one


def new_secret() -> str:
    return pyotp.random_base32(SECRET_CHARS)


def otpauth_uri(secret: str, username: str) -> str:
    """What an authenticator app scans: issuer Bandstand, account the username."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=username, issuer_name=ISSUER)


def step_at(now_ms: int) -> int:
    return now_ms // 1000 // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def match(secret: str, code: str, now_ms: int) -> int | None:
    """The step whose code `code` is (the current one or a neighbour), or None."""
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    current = step_at(now_ms)
    found = None
    # Every candidate is compared (no early exit), in constant time each.
    try:
        for step in range(current - WINDOW, current + WINDOW + 1):
            if hmac.compare_digest(code_at(secret, step), code) and found is None:
                found = step
    except ValueError:  # not base32: a secret sealed under another server key
        return None
    return found
