"""The pure-Python RS256 verifier (identity/cognito/rs256.py) agrees with `cryptography`
(a dev dependency only) on good signatures and refuses every kind of bad one."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from chalicelib.identity.cognito import rs256

PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(n: int) -> str:
    return base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def jwk_of(private: rsa.RSAPrivateKey) -> dict:
    numbers = private.public_key().public_numbers()
    return {"kty": "RSA", "n": b64(numbers.n), "e": b64(numbers.e)}


def sign(message: bytes, private: rsa.RSAPrivateKey = PRIVATE) -> bytes:
    return private.sign(message, padding.PKCS1v15(), hashes.SHA256())


KEY = rs256.RsaPublicKey.from_jwk(jwk_of(PRIVATE))


@pytest.mark.parametrize("message", [b"", b"header.payload", bytes(range(256)) * 40])
def test_a_good_signature_verifies(message):
    assert rs256.verify(KEY, message, sign(message))


def test_another_message_or_key_does_not():
    signature = sign(b"header.payload")
    assert not rs256.verify(KEY, b"header.payloae", signature)
    assert not rs256.verify(KEY, b"header.payload", sign(b"header.payload", OTHER))


def test_every_single_bit_flip_is_refused():
    signature = bytearray(sign(b"m"))
    for index in range(0, len(signature), 17):
        flipped = bytearray(signature)
        flipped[index] ^= 0x01
        assert not rs256.verify(KEY, b"m", bytes(flipped))


@pytest.mark.parametrize(
    "signature",
    [b"", b"\x00" * 255, b"\x00" * 257, b"\xff" * 256],  # wrong length, and s >= n
)
def test_malformed_signatures_are_refused(signature):
    assert not rs256.verify(KEY, b"m", signature)


def test_a_pss_or_sha1_signature_is_not_rs256():
    pss = PRIVATE.sign(b"m", padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    sha1 = PRIVATE.sign(b"m", padding.PKCS1v15(), hashes.SHA1())  # SHA-1: the point of the test
    assert not rs256.verify(KEY, b"m", pss)
    assert not rs256.verify(KEY, b"m", sha1)


@pytest.mark.parametrize(
    "entry",
    [
        {"kty": "EC", "n": "AQAB", "e": "AQAB"},
        {"kty": "RSA", "e": "AQAB"},
        {"kty": "RSA", "n": "not base64!", "e": "AQAB"},
        {"kty": "RSA", "n": b64(2**1023 + 1), "e": "AQAB"},  # 1024-bit: too weak
        {**jwk_of(PRIVATE), "e": b64(1)},
        {**jwk_of(PRIVATE), "e": b64(65536)},
        {**jwk_of(PRIVATE), "n": "AQAB=="},
    ],
)
def test_unusable_keys_are_refused(entry):
    with pytest.raises(rs256.UnusableKey):
        rs256.RsaPublicKey.from_jwk(entry)


@pytest.mark.parametrize("text", ["a", "ab=", "a+b/", "ab cd", "é"])
def test_base64url_is_strict(text):
    with pytest.raises(ValueError):
        rs256.b64url_decode(text)
