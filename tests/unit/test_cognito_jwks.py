"""Verifying Cognito access tokens against the pool's JWKS (identity/cognito/jwks.py)."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.core.errors import InvalidToken
from chalicelib.identity.cognito.jwks import AccessTokenVerifier, KeySet, issuer, jwks_url

REGION, POOL, CLIENT = "eu-west-1", "eu-west-1_AbC123", "client0abc"
ISSUER = issuer(REGION, POOL)


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY_A, KEY_B, KEY_OTHER = new_key(), new_key(), new_key()


def jwk(private, kid: str) -> dict:
    entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    return {**entry, "kid": kid, "alg": "RS256", "use": "sig"}


class FakeJwks:
    """The pool's JWKS endpoint: which keys it publishes, and how often it was asked."""

    def __init__(self, *keys: tuple) -> None:
        self.keys = list(keys)
        self.calls = 0

    def __call__(self, url: str) -> dict:
        self.calls += 1
        assert url == jwks_url(REGION, POOL)
        return {"keys": [jwk(private, kid) for private, kid in self.keys]}


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def claims(**overrides) -> dict:
    now = int(time.time())
    base = {
        "sub": "0f9d-sub",
        "iss": ISSUER,
        "client_id": CLIENT,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "username": "alice",
        "iat": now,
        "exp": now + 3600,
        "jti": "j1",
        "cognito:groups": ["admin"],
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload: dict, private=KEY_A, kid: str = "a") -> str:
    return jwt.encode(payload, private, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def endpoint():
    return FakeJwks((KEY_A, "a"))


@pytest.fixture
def ticker():
    return Ticker()


@pytest.fixture
def verifier(endpoint, ticker):
    keys = KeySet(jwks_url(REGION, POOL), fetch=endpoint, monotonic=ticker, refetch_interval=60)
    return AccessTokenVerifier(keys, ISSUER, CLIENT)


def test_a_valid_access_token(verifier, endpoint):
    verified = verifier.verify(sign(claims()))
    assert verified.username == "alice" and verified.sub == "0f9d-sub" and verified.groups == ("admin",)
    verifier.verify(sign(claims()))
    assert endpoint.calls == 1  # fetched once, then cached


def test_unknown_kid_refetches_once_and_finds_a_rotated_key(verifier, endpoint):
    verifier.verify(sign(claims()))
    endpoint.keys.append((KEY_B, "b"))  # Cognito rotated its keys
    assert verifier.verify(sign(claims(), KEY_B, "b")).username == "alice"
    assert endpoint.calls == 2


def test_unknown_kids_do_not_refetch_more_than_once_per_interval(verifier, endpoint, ticker):
    verifier.verify(sign(claims()))
    for kid in ("x1", "x2", "x3"):
        with pytest.raises(InvalidToken):
            verifier.verify(sign(claims(), KEY_OTHER, kid))
    assert endpoint.calls == 2  # the first unknown kid refetched; the others waited
    ticker.now += 61
    with pytest.raises(InvalidToken):
        verifier.verify(sign(claims(), KEY_OTHER, "x4"))
    assert endpoint.calls == 3


def test_a_failed_refetch_keeps_the_known_keys(verifier, endpoint, ticker):
    verifier.verify(sign(claims()))

    def broken(url):
        raise OSError("network down")

    verifier._keys._fetch = broken
    with pytest.raises(InvalidToken):
        verifier.verify(sign(claims(), KEY_OTHER, "zz"))
    assert verifier.verify(sign(claims())).username == "alice"


def test_wrong_issuer(verifier):
    with pytest.raises(InvalidToken):
        verifier.verify(sign(claims(iss=issuer(REGION, "eu-west-1_Other"))))


def test_wrong_client(verifier):
    with pytest.raises(InvalidToken):
        verifier.verify(sign(claims(client_id="someoneelse")))


def test_id_token_used_as_access_token(verifier):
    id_claims = claims(token_use="id", client_id=None, aud=CLIENT, username=None, **{"cognito:username": "alice"})
    with pytest.raises(InvalidToken):
        verifier.verify(sign(id_claims))
    # even one that carries a client_id claim
    with pytest.raises(InvalidToken):
        verifier.verify(sign(claims(token_use="id")))


def test_expired(verifier):
    past = int(time.time()) - 7200
    with pytest.raises(InvalidToken):
        verifier.verify(sign(claims(iat=past, exp=past + 3600)))


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_alg_none_is_refused(verifier):
    token = f"{b64({'alg': 'none', 'kid': 'a', 'typ': 'JWT'})}.{b64(claims())}."
    with pytest.raises(InvalidToken):
        verifier.verify(token)


def test_hs256_with_the_public_key_as_secret_is_refused(verifier):
    public_pem = jwk(KEY_A, "a")["n"].encode()
    header = {"alg": "HS256", "kid": "a"}
    import hashlib
    import hmac

    signing_input = f"{b64(header)}.{b64(claims())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken):
        verifier.verify(f"{signing_input}.{b64(signature)}")


def test_bad_signature(verifier):
    forged = sign(claims(), KEY_OTHER, "a")  # the pool's kid, another key
    with pytest.raises(InvalidToken):
        verifier.verify(forged)
    header, _payload, signature = sign(claims()).split(".")
    tampered = b64(claims(username="mallory"))
    with pytest.raises(InvalidToken):
        verifier.verify(f"{header}.{tampered}.{signature}")


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "username", "client_id", "token_use"])
def test_required_claims(verifier, missing):
    with pytest.raises(InvalidToken):
        verifier.verify(sign(claims(**{missing: None})))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 9000])
def test_garbage(verifier, token):
    with pytest.raises(InvalidToken):
        verifier.verify(token)


def test_no_kid_in_header(verifier):
    token = jwt.encode(claims(), KEY_A, algorithm="RS256")
    with pytest.raises(InvalidToken):
        verifier.verify(token)


def test_urls():
    assert jwks_url(REGION, POOL) == f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}/.well-known/jwks.json"
    assert jwks_url(REGION, POOL, "http://127.0.0.1:28010/") == f"http://127.0.0.1:28010/{POOL}/.well-known/jwks.json"
