"""Keys derived from the server secret, one per use, and sealing of TOTP secrets at rest.

The TOTP secret must be stored readable (codes are computed from it), so it is sealed:
XOR with an HMAC-SHA256 key stream (counter mode) under a per-record random nonce and a
key only the server has. A leaked table alone then gives no authenticator away."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def derive(secret_key: str, purpose: str) -> bytes:
    return hmac.new(secret_key.encode(), f"bandstand-two-step:{purpose}".encode(), hashlib.sha256).digest()


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        counter += 1
    return out[:length]


def seal(key: bytes, secret: str) -> str:
    nonce = secrets.token_bytes(16)
    data = secret.encode()
    sealed = bytes(a ^ b for a, b in zip(data, _stream(key, nonce, len(data)), strict=True))
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(key: bytes, sealed: str) -> str:
    blob = base64.urlsafe_b64decode(sealed.encode())
    nonce, data = blob[:16], blob[16:]
    opened = bytes(a ^ b for a, b in zip(data, _stream(key, nonce, len(data)), strict=True))
    # Another server key (rotated) opens garbage: no code matches it, nothing crashes.
    return opened.decode("utf-8", errors="replace")
