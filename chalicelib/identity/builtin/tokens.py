"""Issuing and verifying JWTs shaped like Amazon Cognito's (docs/api.md, "Tokens").

HS256 with a key from configuration. Verification pins the algorithm (so `alg: none` and
algorithm swaps fail), and checks signature, expiry, issuer, audience or client id, and
token use. Revocation (the per-user cut-off) needs the user record, so the identity
provider checks it after this module has verified the token itself.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from chalicelib.core.errors import InvalidToken

ALGORITHM = "HS256"
LEEWAY_SECONDS = 5  # clock skew between Lambda containers


@dataclass(frozen=True)
class AccessClaims:
    sub: str
    username: str
    groups: tuple[str, ...]
    issued_at_ms: int
    jti: str


@dataclass(frozen=True)
class TokenSubject:
    """Who a token is for: the parts of a user record that tokens carry."""

    sub: str
    username: str
    email: str
    email_verified: bool
    groups: tuple[str, ...]


class TokenService:
    def __init__(self, secret: str, issuer: str, client_id: str, lifetime_seconds: int = 3600) -> None:
        if len(secret) < 32:
            raise ValueError("the signing key must hold at least 32 characters")
        self._secret = secret
        self.issuer = issuer
        self.client_id = client_id
        self.lifetime_seconds = lifetime_seconds

    def issue(self, subject: TokenSubject, now_ms: int | None = None) -> tuple[str, str]:
        """(id_token, access_token) for one sign-in or refresh."""
        now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        iat = now_ms // 1000
        common: dict[str, Any] = {
            "sub": subject.sub,
            "iss": self.issuer,
            "iat": iat,
            "exp": iat + self.lifetime_seconds,
        }
        if subject.groups:
            common["cognito:groups"] = list(subject.groups)
        id_claims = {
            **common,
            "aud": self.client_id,
            "token_use": "id",
            "cognito:username": subject.username,
            "email": subject.email,
            "email_verified": subject.email_verified,
        }
        access_claims = {
            **common,
            "token_use": "access",
            "client_id": self.client_id,
            "username": subject.username,
            "scope": "aws.cognito.signin.user.admin",
            "jti": str(uuid.uuid4()),
            # Millisecond issue time: a sign-in in the same second as a sign-out must
            # still land after the revocation cut-off.
            "iat_ms": now_ms,
        }
        return self._encode(id_claims), self._encode(access_claims)

    def _encode(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify_access(self, token: str) -> AccessClaims:
        claims = self._decode(token, audience=None)
        if claims.get("token_use") != "access" or claims.get("client_id") != self.client_id:
            raise InvalidToken()
        username, sub, jti = claims.get("username"), claims.get("sub"), claims.get("jti")
        groups = claims.get("cognito:groups", [])
        iat_ms = claims.get("iat_ms", int(claims["iat"]) * 1000)
        if not (isinstance(username, str) and isinstance(sub, str) and isinstance(jti, str)):
            raise InvalidToken()
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups) or type(iat_ms) is not int:
            raise InvalidToken()
        return AccessClaims(sub=sub, username=username, groups=tuple(groups), issued_at_ms=iat_ms, jti=jti)

    def verify_id(self, token: str) -> dict[str, Any]:
        claims = self._decode(token, audience=self.client_id)
        if claims.get("token_use") != "id":
            raise InvalidToken()
        return claims

    def _decode(self, token: str, audience: str | None) -> dict[str, Any]:
        options = {"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": audience is not None}
        try:
            return jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                audience=audience,
                leeway=LEEWAY_SECONDS,
                options=options,  # type: ignore[arg-type]
            )
        except (jwt.PyJWTError, ValueError) as exc:  # ValueError: text UTF-8 cannot carry (a lone surrogate)
            raise InvalidToken() from exc
