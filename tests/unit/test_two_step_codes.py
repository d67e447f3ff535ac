"""Authenticator codes, recovery codes and sealed secrets (chalicelib/usecases/two_step), no I/O."""

from __future__ import annotations

import base64
import re

# RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" and its codes (last 6 digits).
from chalicelib.core import totp
from chalicelib.usecases.two_step import keys, recovery

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = {59: "287082", 1111111109: "081804", 1111111111: "050471", 1234567890: "005924", 2000000000: "279037"}


def test_codes_match_rfc_6238():
    for seconds, code in RFC_VECTORS.items():
        assert totp.code_at(RFC_SECRET, totp.step_at(seconds * 1000)) == code


def test_a_code_is_accepted_in_its_step_and_the_ones_beside_it():
    now_ms = 1_111_111_111_000
    step = totp.step_at(now_ms)
    for offset in (-1, 0, 1):
        assert totp.match(RFC_SECRET, totp.code_at(RFC_SECRET, step + offset), now_ms) == step + offset
    for offset in (-3, -2, 2, 3):
        assert totp.match(RFC_SECRET, totp.code_at(RFC_SECRET, step + offset), now_ms) is None


def test_malformed_codes_never_match():
    for code in ("", "12345", "1234567", "abcdef", " 12345", "\uff11\uff12\uff13\uff14\uff15\uff16"):  # fullwidth
        assert totp.match(RFC_SECRET, code, 59_000) is None


def test_a_new_secret_has_160_bits_and_an_otpauth_uri():
    secret = totp.new_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret) and len(base64.b32decode(secret)) == 20
    assert totp.new_secret() != secret
    uri = totp.otpauth_uri(secret, "alice")
    assert uri.startswith("otpauth://totp/Bandstand:alice?") and f"secret={secret}" in uri and "issuer=Bandstand" in uri


def test_recovery_codes_are_ten_distinct_codes_of_a_z_2_7():
    codes = recovery.new_set()
    assert len(codes) == 10 == len(set(codes))
    assert all(re.fullmatch(r"[a-z2-7]{5}-[a-z2-7]{5}", c) for c in codes)


def test_recovery_codes_ignore_case_and_the_dash_and_refuse_anything_else():
    assert recovery.normalize("ABCDE-fgh23") == "abcdefgh23"
    assert recovery.normalize(" abcde fgh23 ") == "abcdefgh23"
    for bad in ("abcde-fgh2", "abcde-fgh231", "abcde-fgh21", "abcde_fgh23", ""):
        assert recovery.normalize(bad) is None


def test_recovery_digests_are_keyed_and_per_user():
    key, other = keys.derive("k" * 40, "recovery-codes"), keys.derive("z" * 40, "recovery-codes")
    digest = recovery.digest(key, "alice", "abcde-fgh23")
    assert digest == recovery.digest(key, "alice", "ABCDEFGH23")
    assert digest not in {recovery.digest(key, "bob", "abcde-fgh23"), recovery.digest(other, "alice", "abcde-fgh23")}
    assert digest is not None and "abcde" not in digest
    assert recovery.digest(key, "alice", "nope") is None


def test_sealed_secrets_open_only_with_the_key():
    key = keys.derive("k" * 40, "totp-seal")
    secret = totp.new_secret()
    sealed = keys.seal(key, secret)
    assert secret not in sealed and keys.seal(key, secret) != sealed  # a fresh nonce each time
    assert keys.unseal(key, sealed) == secret
    garbage = keys.unseal(keys.derive("z" * 40, "totp-seal"), sealed)
    assert garbage != secret
    assert totp.match(garbage, "123456", 59_000) is None  # no code matches it, nothing crashes
    long_secret = "ASDF" * 25  # moto's Cognito secret: longer than one HMAC block
    assert keys.unseal(key, keys.seal(key, long_secret)) == long_secret
