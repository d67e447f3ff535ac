"""Property tests: whatever a client sends, request parsing, page tokens and access tokens
give a value or a 4xx domain error (a BandstandError whose status is below 500), never
another exception (which would be a 500)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.core.errors import BandstandError
from chalicelib.core.paging import PageTokens
from chalicelib.identity.builtin.tokens import AccessClaims, TokenService
from chalicelib.web import problems, validation

SECRET = "p" * 48
ISSUER, CLIENT_ID = "https://issuer.example", "web"
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MODELS = [
    validation.REGISTER,
    validation.CONFIRM,
    validation.RESEND_CODE,
    validation.LOGIN,
    validation.REFRESH,
    validation.FORGOT_PASSWORD,
    validation.RESET_PASSWORD,
    validation.PROFILE_UPDATE,
    validation.ALBUM_CREATE,
    validation.ALBUM_REPLACE,
    validation.ALBUM_PATCH,
]
FIELD_NAMES = sorted({f.name for model in MODELS for f in model.fields})

# Text as json.loads can produce it: any code point, lone surrogates included.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=80) | st.sampled_from(
    ["\ud800", "a\udfff", "\x00", " ", "ALICE", "alice", "123456", "1e400"]
)
NUMBERS = st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0, -1, 2**63, 10**400])
SCALARS = st.none() | st.booleans() | NUMBERS | ANY_TEXT
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
# Bodies shaped like requests: known field names with any values, plus stray keys.
BODIES = st.dictionaries(st.sampled_from(FIELD_NAMES) | ANY_TEXT, JSON_VALUES, max_size=7) | JSON_VALUES


def is_client_error(exc: BandstandError) -> bool:
    return 400 <= problems.status_for(exc) < 500


@PROPERTY
@given(model=st.sampled_from(MODELS), body=BODIES)
def test_request_models_give_a_value_or_a_4xx(model, body):
    try:
        model.parse(body)
    except BandstandError as exc:
        assert is_client_error(exc)


@PROPERTY
@given(
    model=st.sampled_from(MODELS),
    raw=st.binary(max_size=300) | BODIES.map(lambda b: json.dumps(b).encode(errors="surrogatepass")),
    content_type=st.sampled_from(["application/json", "application/problem+json; charset=utf-8", "text/plain", ""]),
)
def test_raw_bodies_give_a_value_or_a_4xx(model, raw, content_type):
    try:
        problems.read_json({"content-type": content_type}, raw, model)
    except BandstandError as exc:
        assert is_client_error(exc)


@PROPERTY
@given(raw=st.none() | ANY_TEXT)
def test_limit_gives_a_value_or_a_4xx(raw):
    try:
        assert 1 <= validation.parse_limit(raw) <= 100
    except BandstandError as exc:
        assert is_client_error(exc)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_page_token(payload: bytes) -> str:
    """A token with a valid MAC around any payload: the checks after the signature."""
    mac = hmac.new(f"cursor:{SECRET}".encode(), payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(mac)}"


PAYLOADS = st.one_of(
    st.binary(max_size=120),
    JSON_VALUES.map(lambda v: json.dumps(v).encode(errors="surrogatepass")),
    st.fixed_dictionaries(
        {"l": st.sampled_from(["albums", "users"]) | ANY_TEXT, "k": JSON_VALUES, "t": NUMBERS | ANY_TEXT | st.none()}
    ).map(lambda v: json.dumps(v).encode(errors="surrogatepass")),
    st.just(json.dumps({"l": "albums", "k": {"pk": {"S": "x"}}, "t": int(time.time())}).encode()),
)


@PROPERTY
@given(token=st.none() | ANY_TEXT | st.text("ABCabc0123-_.=", max_size=3000) | PAYLOADS.map(signed_page_token))
def test_page_tokens_give_a_position_or_a_4xx(token):
    try:
        position = PageTokens(SECRET).decode("albums", token)
        assert position is None or isinstance(position, dict)
    except BandstandError as exc:
        assert is_client_error(exc)


CLAIMS = st.dictionaries(
    st.sampled_from(["sub", "iss", "iat", "exp", "nbf", "token_use", "client_id", "username", "jti"])
    | st.sampled_from(["cognito:groups", "iat_ms", "aud"])
    | ANY_TEXT,
    JSON_VALUES,
    max_size=12,
)


def good_claims() -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": "s",
        "iss": ISSUER,
        "iat": now,
        "exp": now + 60,
        "token_use": "access",
        "client_id": CLIENT_ID,
        "username": "alice",
        "jti": "j",
    }


def signed_jwt(claims: dict[str, Any], merge: bool) -> str:
    body = {**good_claims(), **claims} if merge else claims
    try:
        return jwt.encode(body, SECRET, algorithm="HS256")
    except (TypeError, ValueError, OverflowError):
        return "not.a.token"  # claims JSON cannot carry (e.g. lone surrogates)


@PROPERTY
@given(
    token=ANY_TEXT
    | st.text("ABCxyz0123-_.", max_size=400)
    | st.builds(signed_jwt, CLAIMS, st.booleans())
    | st.builds(lambda h, p: f"{_b64(h)}.{_b64(p)}.{_b64(b'sig')}", st.binary(max_size=60), st.binary(max_size=60))
)
def test_access_tokens_give_claims_or_a_4xx(token):
    try:
        claims = TokenService(SECRET, ISSUER, CLIENT_ID).verify_access(token)
        assert isinstance(claims, AccessClaims)
    except BandstandError as exc:
        assert is_client_error(exc)


# -- Cognito access tokens: our own JWT parsing and the pure-Python RS256 check --------------


def _cognito_verifier() -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from chalicelib.identity.cognito.jwks import AccessTokenVerifier, KeySet

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key())), "kid": "k", "alg": "RS256"}
    keys = KeySet("https://jwks.invalid", fetch=lambda url: {"keys": [public]})
    return AccessTokenVerifier(keys, ISSUER, CLIENT_ID), private


COGNITO_VERIFIER, COGNITO_KEY = _cognito_verifier()


def rs256_jwt(claims: dict[str, Any], merge: bool, header: dict[str, Any]) -> str:
    """Signed with the pool's key, any header (PyJWT refuses to encode a non-string kid)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    body = {**good_claims(), **claims} if merge else claims
    try:
        head = json.dumps({"alg": "RS256", "kid": "k", **header}).encode("utf-8")
        payload = json.dumps(body).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        return "not.a.token"  # JSON cannot carry it (e.g. lone surrogates)
    signing_input = f"{_b64(head)}.{_b64(payload)}"
    signature = COGNITO_KEY.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


@PROPERTY
@given(
    token=ANY_TEXT
    | st.text("ABCxyz0123-_.", max_size=400)
    | st.builds(rs256_jwt, CLAIMS, st.booleans(), st.dictionaries(st.sampled_from(["kid", "alg", "typ"]), SCALARS))
    | st.builds(lambda h, p: f"{_b64(h)}.{_b64(p)}.{_b64(b'sig')}", st.binary(max_size=60), st.binary(max_size=60))
)
def test_cognito_access_tokens_give_claims_or_a_4xx(token):
    try:
        claims = COGNITO_VERIFIER.verify(token)
        assert claims.username
    except BandstandError as exc:
        assert is_client_error(exc)


def test_the_cognito_strategy_reaches_valid_tokens():
    assert COGNITO_VERIFIER.verify(rs256_jwt({}, True, {})).username == "alice"
