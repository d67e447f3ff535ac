"""Verifying the pool's RS256 access tokens against its JWKS, where API Gateway has not.

The key set is fetched once per container and cached (module level: it outlives one
request, and every provider built in the container shares it). A token whose `kid` is not
in the cache makes one refetch (Cognito rotates keys), at most one per
REFETCH_INTERVAL_SECONDS, so a flood of made-up `kid`s cannot turn into a flood of
fetches. The algorithm is pinned to RS256: `alg: none`, HS256 (with the public key as the
"secret") and any other algorithm are refused before a key is looked up. PyJWT parses the
token and checks the signature (with rs256.py registered as its RS256: pure Python, as the
Lambda package carries no `cryptography`) and the registered claims; the Cognito ones
(`token_use`, `client_id`) are checked here.

When the first fetch fails (the pool's endpoint down or slow), the failure is remembered:
requests within the back-off answer 503 with Retry-After at once instead of each waiting
FETCH_TIMEOUT_SECONDS for a fetch that will likely fail too. The back-off starts at
BACKOFF_FIRST_SECONDS and doubles with each failed fetch up to BACKOFF_MAX_SECONDS; a
success forgets it. Fetches are made under the lock, so a burst of requests makes one.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import jwt

from chalicelib.core.errors import InvalidToken, ServiceUnavailable
from chalicelib.identity.cognito import rs256

log = logging.getLogger("bandstand.identity")

ALGORITHM = "RS256"
ACCESS = "access"  # the token_use of access tokens (ID tokens say "id")
LEEWAY_SECONDS = 5  # clock skew between Cognito and Lambda
REFETCH_INTERVAL_SECONDS = 60.0
FETCH_TIMEOUT_SECONDS = 3.0
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
MAX_TOKEN_CHARS = 8192  # Cognito tokens are a few KB; bigger input is not worth parsing


def fetch_json(url: str) -> dict[str, Any]:
    """GET a JSON document (the JWKS). The URL comes from configuration, never a client."""
    if not url.startswith(("https://", "http://127.0.0.1:", "http://localhost:")):
        raise ValueError("JWKS URL must be https, or a local emulator")
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 - scheme checked above
        data: dict[str, Any] = json.loads(response.read())
    return data


def jwks_url(region: str, pool_id: str, endpoint: str | None = None) -> str:
    base = endpoint.rstrip("/") if endpoint else f"https://cognito-idp.{region}.amazonaws.com"
    return f"{base}/{pool_id}/.well-known/jwks.json"


def issuer(region: str, pool_id: str) -> str:
    """The `iss` of the pool's tokens (emulators use the AWS form too)."""
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


class KeySet:
    """The public keys of one pool, by `kid`."""

    def __init__(
        self,
        url: str,
        fetch: Callable[[str], dict[str, Any]] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        refetch_interval: float = REFETCH_INTERVAL_SECONDS,
    ) -> None:
        self.url = url
        self._fetch = fetch
        self._monotonic = monotonic
        self._interval = refetch_interval
        self._keys: dict[str, rs256.RsaPublicKey] | None = None
        self._refetched_at = -float("inf")
        self._lock = threading.Lock()
        self._failures = 0  # failed first fetches in a row
        self._retry_at = -float("inf")  # no first fetch before this (monotonic seconds)
        self.fetches = 0  # for tests and the report

    def key(self, kid: str) -> rs256.RsaPublicKey:
        """The public key for `kid`; InvalidToken when the pool has no such key."""
        with self._lock:
            if self._keys is None:
                self._first_load()
            elif kid not in self._keys and self._may_refetch():
                # Only refetches for unknown kids are rate-limited: a key rotated
                # right after the first fetch is still found at once.
                self._refetched_at = self._monotonic()
                self._load()
            assert self._keys is not None
            found = self._keys.get(kid)
        if found is None:
            raise InvalidToken()
        return found

    def _first_load(self) -> None:
        """Load the keys, or raise ServiceUnavailable: at once while backing off after a
        failed fetch, else after one more failed fetch (which lengthens the back-off)."""
        now = self._monotonic()
        if now < self._retry_at:
            raise self._unavailable(self._retry_at - now)
        try:
            self._load()
        except RuntimeError:
            self._failures += 1
            wait = min(BACKOFF_FIRST_SECONDS * 2 ** (self._failures - 1), BACKOFF_MAX_SECONDS)
            self._retry_at = self._monotonic() + wait
            log.warning("signing keys not loaded", extra={"failures": self._failures, "retry_in": wait})
            raise self._unavailable(wait) from None
        self._failures = 0
        self._retry_at = -float("inf")

    @staticmethod
    def _unavailable(seconds: float) -> ServiceUnavailable:
        return ServiceUnavailable(max(1, math.ceil(seconds)), "Sign-in is briefly unavailable. Try again shortly.")

    def _may_refetch(self) -> bool:
        return self._monotonic() - self._refetched_at >= self._interval

    def _load(self) -> None:
        fetch = self._fetch or fetch_json  # looked up late: tests swap the module function
        self.fetches += 1
        try:
            document = fetch(self.url)
            keys = {}
            for entry in document.get("keys", []):
                if entry.get("kty") == "RSA" and entry.get("kid") and entry.get("alg", ALGORITHM) == ALGORITHM:
                    keys[str(entry["kid"])] = rs256.RsaPublicKey.from_jwk(entry)
        except Exception as exc:
            # Keep what we had: a failed refetch must not log everyone out.
            if self._keys is None:
                raise RuntimeError("cannot load the user pool's signing keys") from exc
            return
        self._keys = keys


_key_sets: dict[str, KeySet] = {}
_key_sets_lock = threading.Lock()


def key_set(url: str) -> KeySet:
    """The container-wide key set of the pool at `url`."""
    with _key_sets_lock:
        found = _key_sets.get(url)
        if found is None:
            found = _key_sets[url] = KeySet(url)
        return found


@dataclass(frozen=True)
class AccessClaims:
    sub: str
    username: str
    groups: tuple[str, ...]
    issued_at: int  # epoch seconds (Cognito's `iat` has whole seconds)


# Checked present by PyJWT; exp, iat (and nbf if there) and iss it checks itself.
REQUIRED_CLAIMS = ("exp", "iat", "iss", "sub", "token_use", "client_id", "username")


def _pyjwt(jws: jwt.PyJWS) -> jwt.PyJWT:
    """A PyJWT of our own over `jws` (the global one, which the builtin tokens use, stays as
    it is). `aud` is not checked: access tokens carry `client_id` instead, checked below;
    nor `jti`, which we do not use."""
    api = jwt.PyJWT(options={"verify_aud": False, "verify_jti": False, "require": list(REQUIRED_CLAIMS)})
    api._jws = jws  # PyJWT takes no PyJWS in its constructor; jwt/api_jwt.py sets it the same way
    return api


_JWS = jwt.PyJWS(algorithms=[])  # none of PyJWT's own algorithms: no `none`, no HS256
_JWS.register_algorithm(ALGORITHM, rs256.PurePythonRS256())
_JWT = _pyjwt(_JWS)


def _is_time(value: Any) -> bool:
    return type(value) in (int, float)


class AccessTokenVerifier:
    """Signature, expiry, issuer = the pool, `client_id` = our app client, `token_use` = access."""

    def __init__(self, keys: KeySet, issuer: str, client_id: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._client_id = client_id

    def verify(self, token: str) -> AccessClaims:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
            raise InvalidToken()
        try:
            header = _JWS.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken() from exc
        kid = header.get("kid")
        # Pinned before a key is looked up: a made-up alg costs no fetch.
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise InvalidToken()
        key = self._keys.key(kid)
        try:
            claims = _JWT.decode(
                token, cast(Any, key), algorithms=[ALGORITHM], issuer=self._issuer, leeway=LEEWAY_SECONDS
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken() from exc
        return self._checked(claims)

    def _checked(self, claims: dict[str, Any]) -> AccessClaims:
        # PyJWT reads times with int(), which takes "123" and true too: Cognito's are numbers,
        # and `iat` whole seconds (the revocation cut-off compares it).
        nbf = claims.get("nbf")
        if not _is_time(claims["exp"]) or type(claims["iat"]) is not int or (nbf is not None and not _is_time(nbf)):
            raise InvalidToken()
        # An ID token has `aud` instead of `client_id`, and token_use "id".
        if claims["token_use"] != ACCESS or claims["client_id"] != self._client_id:
            raise InvalidToken()
        groups = claims.get("cognito:groups") or []
        username, sub = claims["username"], claims["sub"]
        if not isinstance(username, str) or not isinstance(sub, str):
            raise InvalidToken()
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise InvalidToken()
        return AccessClaims(sub, username, tuple(sorted(groups)), claims["iat"])
