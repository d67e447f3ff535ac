import base64
import json
import time

import jwt
import pytest

from chalicelib.core.errors import InvalidToken
from chalicelib.identity.builtin.tokens import TokenService, TokenSubject

SECRET = "s" * 48
SUBJECT = TokenSubject("sub-1", "alice", "alice@example.com", True, ("admin",))


def service(**kw) -> TokenService:
    return TokenService(kw.get("secret", SECRET), kw.get("issuer", "iss"), kw.get("client_id", "web"))


def test_tokens_are_shaped_like_cognitos():
    id_token, access = service().issue(SUBJECT)
    id_claims = jwt.decode(id_token, SECRET, algorithms=["HS256"], audience="web")
    assert id_claims["token_use"] == "id"
    assert id_claims["cognito:username"] == "alice"
    assert id_claims["email"] == "alice@example.com" and id_claims["email_verified"] is True
    assert id_claims["cognito:groups"] == ["admin"]
    assert id_claims["exp"] - id_claims["iat"] == 3600
    access_claims = jwt.decode(access, SECRET, algorithms=["HS256"])
    assert access_claims["token_use"] == "access"
    assert access_claims["client_id"] == "web" and access_claims["username"] == "alice"
    assert {"sub", "scope", "iss", "iat", "exp", "jti"} <= set(access_claims)


def test_access_token_round_trip():
    _, access = service().issue(SUBJECT)
    claims = service().verify_access(access)
    assert claims.username == "alice" and claims.groups == ("admin",) and claims.sub == "sub-1"


def test_expired_token_is_refused():
    _, access = service().issue(SUBJECT, now_ms=int((time.time() - 7200) * 1000))
    with pytest.raises(InvalidToken):
        service().verify_access(access)


def test_wrong_signature_is_refused():
    _, access = service(secret="t" * 48).issue(SUBJECT)
    with pytest.raises(InvalidToken):
        service().verify_access(access)


def test_alg_none_is_refused():
    _, access = service().issue(SUBJECT)
    claims = jwt.decode(access, SECRET, algorithms=["HS256"])

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    forged = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    with pytest.raises(InvalidToken):
        service().verify_access(forged)


def test_id_token_cannot_be_used_as_access_token():
    id_token, access = service().issue(SUBJECT)
    with pytest.raises(InvalidToken):
        service().verify_access(id_token)
    with pytest.raises(InvalidToken):
        service().verify_id(access)


def test_wrong_issuer_and_client_are_refused():
    _, access = service(issuer="other").issue(SUBJECT)
    with pytest.raises(InvalidToken):
        service().verify_access(access)
    _, access = service(client_id="other").issue(SUBJECT)
    with pytest.raises(InvalidToken):
        service().verify_access(access)
    id_token, _ = service(client_id="other").issue(SUBJECT)
    with pytest.raises(InvalidToken):
        service().verify_id(id_token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 5000])
def test_garbage_is_refused(garbage):
    with pytest.raises(InvalidToken):
        service().verify_access(garbage)


def test_short_keys_are_rejected():
    with pytest.raises(ValueError):
        TokenService("short", "iss", "web")
