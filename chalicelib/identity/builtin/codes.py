"""One-time codes: 6 random digits, stored only as a keyed hash, with expiry and a try limit."""

from __future__ import annotations

import hashlib
import hmac

from chalicelib.core.mail import new_code

# What the user record keeps of a code: storage owns the shape, the provider names it here.
from chalicelib.storage.users import StoredCode as StoredCode

MAX_TRIES = 5
CONFIRM_TTL_SECONDS = 24 * 3600
RESET_TTL_SECONDS = 3600


class CodeCheck:
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"  # too many wrong tries: the code is dead, ask for a new one


def digest_code(secret_key: str, username: str, purpose: str, code: str) -> str:
    # A keyed hash: 6 digits are brute-forced in a moment, so a plain hash of a leaked
    # table would give the codes away; the server-side key prevents that.
    message = f"{purpose}:{username}:{code}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def issue(secret_key: str, username: str, purpose: str, now: int) -> tuple[str, StoredCode]:
    ttl = CONFIRM_TTL_SECONDS if purpose == "confirm" else RESET_TTL_SECONDS
    code = new_code()
    return code, StoredCode(purpose, digest_code(secret_key, username, purpose, code), now + ttl)


def check(secret_key: str, username: str, stored: StoredCode | None, purpose: str, code: str, now: int) -> str:
    if stored is None or stored.purpose != purpose:
        return CodeCheck.WRONG
    if stored.tries >= MAX_TRIES:
        return CodeCheck.LOCKED
    if now >= stored.expires_at:
        return CodeCheck.EXPIRED
    expected = digest_code(secret_key, username, purpose, code)
    return CodeCheck.OK if hmac.compare_digest(expected, stored.digest) else CodeCheck.WRONG
