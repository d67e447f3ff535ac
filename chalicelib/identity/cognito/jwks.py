"""Verifying the pool's RS256 access tokens against its JWKS, where API Gateway has not.

The key set is fetched once per container and cached (module level: it outlives one
request, and every provider built in the container shares it). A token whose `kid` is not
in the cache makes one refetch (Cognito rotates keys), at most one per
REFETCH_INTERVAL_SECONDS, so a flood of made-up `kid`s cannot turn into a flood of
fetches. The algorithm is pinned to RS256: `alg: none`, HS256 (with the public key as the
"secret") and any other algorithm are refused before a key is looked up.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from chalicelib.errors import InvalidToken

ALGORITHM = "RS256"
LEEWAY_SECONDS = 5  # clock skew between Cognito and Lambda
REFETCH_INTERVAL_SECONDS = 60.0
FETCH_TIMEOUT_SECONDS = 3.0
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
        self._keys: dict[str, Any] | None = None
        self._refetched_at = -float("inf")
        self._lock = threading.Lock()
        self.fetches = 0  # for tests and the report

    def key(self, kid: str) -> Any:
        """The public key for `kid`; InvalidToken when the pool has no such key."""
        with self._lock:
            if self._keys is None:
                self._load()
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
                    keys[str(entry["kid"])] = jwt.PyJWK(entry, ALGORITHM).key
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


class AccessTokenVerifier:
    """Signature, expiry, issuer = the pool, `client_id` = our app client, `token_use` = access."""

    def __init__(self, keys: KeySet, issuer: str, client_id: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._client_id = client_id

    def verify(self, token: str) -> AccessClaims:
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken()
        try:
            header = jwt.get_unverified_header(token)
            kid = header.get("kid")
            if header.get("alg") != ALGORITHM or not isinstance(kid, str):
                raise InvalidToken()
            claims = jwt.decode(
                token,
                self._keys.key(kid),
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "sub", "token_use", "client_id", "username"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken() from exc
        # An ID token has `aud` instead of `client_id`, and token_use "id".
        if claims.get("token_use") != "access" or claims.get("client_id") != self._client_id:
            raise InvalidToken()
        groups = claims.get("cognito:groups") or []
        username, sub, iat = claims.get("username"), claims.get("sub"), claims.get("iat")
        if not isinstance(username, str) or not isinstance(sub, str) or type(iat) is not int:
            raise InvalidToken()
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise InvalidToken()
        return AccessClaims(sub, username, tuple(sorted(groups)), iat)
