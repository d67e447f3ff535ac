"""RS256 signature verification (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 section 8.2.2)
in pure Python.

Why not `cryptography`: its wheel is 4.7 MB of the 5 MiB deployment-package budget and
tens of milliseconds of cold start, for one modular exponentiation per new token.
Verification handles only public data, so it needs no constant-time arithmetic; the
encoded message is rebuilt and compared whole (never parsed), which rules out the
padding-parsing forgeries that lenient PKCS#1 v1.5 verifiers have suffered.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from jwt.algorithms import Algorithm
from jwt.exceptions import InvalidKeyError

# DER encoding of DigestInfo{sha256, NULL} before the 32-byte hash (RFC 8017 section 9.2, note 1).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
MIN_MODULUS_BITS = 2048  # Cognito signs with 2048-bit keys; anything weaker is not ours
MAX_MODULUS_BITS = 8192  # bounds the work a published key can ask of us
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class UnusableKey(ValueError):
    """A JWK that is not a usable RSA public key."""


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding (JWS compact form, RFC 7515 section 2)."""
    if not isinstance(text, str) or BASE64URL.fullmatch(text) is None or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


@dataclass(frozen=True)
class RsaPublicKey:
    n: int  # modulus
    e: int  # public exponent

    @property
    def size(self) -> int:
        """The modulus length in bytes: the length of every signature."""
        return (self.n.bit_length() + 7) // 8

    @classmethod
    def from_jwk(cls, entry: dict[str, Any]) -> RsaPublicKey:
        if entry.get("kty") != "RSA":
            raise UnusableKey("not an RSA key")
        try:
            n = int.from_bytes(b64url_decode(entry["n"]), "big")
            e = int.from_bytes(b64url_decode(entry["e"]), "big")
        except (KeyError, ValueError) as exc:
            raise UnusableKey("bad n or e") from exc
        if not MIN_MODULUS_BITS <= n.bit_length() <= MAX_MODULUS_BITS or n % 2 == 0:
            raise UnusableKey("unusable modulus")
        if e < 3 or e % 2 == 0 or e >= n:
            raise UnusableKey("unusable exponent")
        return cls(n, e)


def verify(key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
    """True when `signature` is key's RS256 signature of `message`."""
    k = key.size
    if len(signature) != k:
        return False
    s = int.from_bytes(signature, "big")
    if s >= key.n:
        return False
    encoded = pow(s, key.e, key.n).to_bytes(k, "big")
    t = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    # EM = 0x00 || 0x01 || PS (0xff, at least 8 bytes) || 0x00 || T
    expected = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return hmac.compare_digest(encoded, expected)


class PurePythonRS256(Algorithm):
    """`verify` above as a PyJWT algorithm, so PyJWT parses tokens and checks claims
    without `cryptography` (its own RS256 needs it). Verification only: the pool signs."""

    def prepare_key(self, key: Any) -> RsaPublicKey:
        if not isinstance(key, RsaPublicKey):
            raise InvalidKeyError("expected an RsaPublicKey")
        return key

    def sign(self, msg: bytes, key: Any) -> bytes:
        raise NotImplementedError("verification only")

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        return verify(self.prepare_key(key), msg, sig)

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        key = PurePythonRS256().prepare_key(key_obj)
        entry = {"kty": "RSA", "n": _b64url_uint(key.n), "e": _b64url_uint(key.e)}
        return entry if as_dict else json.dumps(entry)

    @staticmethod
    def from_jwk(jwk: Any) -> RsaPublicKey:
        try:
            entry = json.loads(jwk) if isinstance(jwk, str) else jwk
        except ValueError as exc:
            raise UnusableKey("not JSON") from exc
        if not isinstance(entry, dict):
            raise UnusableKey("not a JSON object")
        return RsaPublicKey.from_jwk(entry)


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
