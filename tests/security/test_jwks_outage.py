"""Finding 10: a JWKS outage is a 503 with Retry-After, and a back-off instead of a fetch
per request (identity/cognito/jwks.py), tested with a fake fetcher and a fake clock."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.identity.cognito import jwks
from chalicelib.identity.cognito.jwks import AccessTokenVerifier, KeySet

URL = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


class FlakyJwks:
    """The pool's JWKS endpoint: down until `up` is set; counts the fetches."""

    def __init__(self) -> None:
        self.up = False
        self.calls = 0

    def __call__(self, url: str) -> dict[str, Any]:
        self.calls += 1
        if not self.up:
            raise OSError("timed out")  # what urlopen raises after FETCH_TIMEOUT_SECONDS
        entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
        return {"keys": [{**entry, "kid": "k1", "alg": "RS256"}]}


def unavailable(keys: KeySet) -> ServiceUnavailable:
    with pytest.raises(ServiceUnavailable) as caught:
        keys.key("k1")
    return caught.value


def test_a_failed_first_fetch_is_a_503_and_is_not_repeated_within_the_back_off() -> None:
    fetch, clock = FlakyJwks(), Clock()
    keys = KeySet(URL, fetch, monotonic=clock)
    first = unavailable(keys)
    assert (first.code, first.retry_after, fetch.calls) == ("service_unavailable", 1, 1)
    for _ in range(50):  # a burst of requests within the second: answered at once, no fetch
        assert unavailable(keys).retry_after == 1
    assert fetch.calls == 1


def test_the_back_off_grows_and_is_capped_and_a_success_forgets_it() -> None:
    fetch, clock = FlakyJwks(), Clock()
    keys = KeySet(URL, fetch, monotonic=clock)
    waits = [unavailable(keys).retry_after]
    for _ in range(7):
        clock.now += waits[-1]  # the client waits as told, then tries again
        waits.append(unavailable(keys).retry_after)
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]
    assert fetch.calls == 8  # one fetch per back-off window, never more
    clock.now += 1
    assert unavailable(keys).retry_after == 29  # still inside the last window: no fetch
    assert fetch.calls == 8
    clock.now += 29
    fetch.up = True
    assert keys.key("k1") is not None
    assert fetch.calls == 9
    # Keys in hand: a later outage does not matter (refetches keep what they had).
    fetch.up = False
    assert keys.key("k1") is not None and fetch.calls == 9


def test_retry_after_says_what_is_left_of_the_window() -> None:
    fetch, clock = FlakyJwks(), Clock()
    keys = KeySet(URL, fetch, monotonic=clock)
    unavailable(keys)
    clock.now += 1
    unavailable(keys)  # second failure: 2 s
    clock.now += 0.5
    assert unavailable(keys).retry_after == 2  # 1.5 s left, rounded up
    assert fetch.calls == 2


def test_the_app_answers_503_with_retry_after_while_the_keys_cannot_be_fetched(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the app (moto's pool): a signed-in request during a JWKS outage."""
    tokens = api.signup("jwksuser")
    fetch = FlakyJwks()
    monkeypatch.setattr(jwks, "fetch_json", fetch)
    jwks._key_sets.clear()  # a cold container: no keys cached yet
    from chalicelib import services

    services.reset()
    first = api.get("/users/me", tokens["access_token"])
    second = api.get("/users/me", tokens["access_token"])
    for reply in (first, second):
        assert reply.status == 503, reply.json
        assert reply.json["code"] == "service_unavailable"
        assert int(reply.headers["Retry-After"]) >= 1
    assert fetch.calls == 1


@pytest.fixture(params=["cognito"])
def identity_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


def test_verifier_passes_the_503_through(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = KeySet(URL, FlakyJwks(), monotonic=Clock())
    verifier = AccessTokenVerifier(keys, "https://issuer", "client")
    token = jwt.encode({"sub": "s"}, KEY, algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(ServiceUnavailable):
        verifier.verify(token)
