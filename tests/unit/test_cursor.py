"""Signed page tokens (chalicelib.core.paging): a cursor names its list, carries the
DynamoDB key to continue from, is MAC'd with the server key and expires."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from chalicelib.core import paging
from chalicelib.core.errors import InvalidCursor

SECRET = "unit-test-secret-" + "s" * 32
KEY = {
    "pk": {"S": "ALBUM#1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
    "sk": {"S": "ALBUM"},
    "catalog": {"S": "ALBUMS"},
    "rank": {"N": "7"},
}


def forge(payload: Any, secret: str = SECRET) -> str:
    """A cursor built exactly as encode_cursor builds one, from any payload."""
    raw = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
    return f"{paging._b64(raw)}.{paging._b64(paging.PageTokens(secret)._mac(raw))}"


B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def flip(char: str) -> str:
    """Another base64url character differing in the top bit: a data bit even in the last
    character, whose low bits may be padding that decoders ignore."""
    return B64URL[B64URL.index(char) ^ 32]


def test_round_trip_returns_the_key():
    cursor = paging.PageTokens(SECRET).encode("albums", KEY)
    assert isinstance(cursor, str)
    assert paging.PageTokens(SECRET).decode("albums", cursor) == KEY


def test_cursor_is_url_safe_and_opaque():
    cursor = paging.PageTokens(SECRET).encode("albums", KEY)
    assert cursor is not None
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert "ALBUM#" not in cursor


def test_no_key_means_no_cursor_and_no_cursor_means_first_page():
    assert paging.PageTokens(SECRET).encode("albums", None) is None
    assert paging.PageTokens(SECRET).encode("albums", {}) is None
    assert paging.PageTokens(SECRET).decode("albums", None) is None
    assert paging.PageTokens(SECRET).decode("albums", "") is None


def test_cursor_of_another_list_is_refused():
    cursor = paging.PageTokens(SECRET).encode("users", KEY)
    with pytest.raises(InvalidCursor):
        paging.PageTokens(SECRET).decode("albums", cursor)


def test_cursor_signed_with_another_key_is_refused():
    cursor = paging.PageTokens("another-secret-" + "x" * 32).encode("albums", KEY)
    with pytest.raises(InvalidCursor):
        paging.PageTokens(SECRET).decode("albums", cursor)


def test_tampered_payload_is_refused():
    cursor = paging.PageTokens(SECRET).encode("albums", KEY)
    assert cursor is not None
    payload_b64, mac_b64 = cursor.split(".")
    payload = json.loads(paging._unb64(payload_b64))
    payload["k"]["rank"] = {"N": "8"}  # skip ahead without a valid MAC
    tampered = f"{paging._b64(json.dumps(payload, separators=(',', ':')).encode())}.{mac_b64}"
    with pytest.raises(InvalidCursor):
        paging.PageTokens(SECRET).decode("albums", tampered)


@pytest.mark.parametrize("position", [0, 5, -3, -1])
def test_flipped_character_is_refused(position):
    cursor = paging.PageTokens(SECRET).encode("albums", KEY)
    assert cursor is not None
    chars = list(cursor)
    if chars[position] == ".":
        position += 1
    chars[position] = flip(chars[position])
    with pytest.raises(InvalidCursor):
        paging.PageTokens(SECRET).decode("albums", "".join(chars))


def test_expired_cursor_is_refused_with_its_own_detail():
    issued = int(time.time()) - paging.TOKEN_TTL_SECONDS - 5
    cursor = forge({"l": "albums", "k": KEY, "t": issued})
    with pytest.raises(InvalidCursor) as caught:
        paging.PageTokens(SECRET).decode("albums", cursor)
    assert "expired" in caught.value.detail


def test_cursor_just_inside_its_lifetime_is_accepted():
    issued = int(time.time()) - paging.TOKEN_TTL_SECONDS + 60
    assert paging.PageTokens(SECRET).decode("albums", forge({"l": "albums", "k": KEY, "t": issued})) == KEY


def test_cursor_from_the_future_is_refused():
    cursor = forge({"l": "albums", "k": KEY, "t": int(time.time()) + 3600})
    with pytest.raises(InvalidCursor):
        paging.PageTokens(SECRET).decode("albums", cursor)


@pytest.mark.parametrize("issued", [None, "0", 1.5, True])
def test_cursor_without_an_integer_time_is_refused(issued):
    payload: dict[str, Any] = {"l": "albums", "k": KEY}
    if issued is not None:
        payload["t"] = issued
    with pytest.raises(InvalidCursor):
        paging.PageTokens(SECRET).decode("albums", forge(payload))


@pytest.mark.parametrize(
    "garbage",
    ["garbage", ".", "a.b.c", "!!!.???", "é.é", "abc.", ".abc", "a" * 40, "%%%%"],
)
def test_garbage_is_refused(garbage):
    with pytest.raises(InvalidCursor):
        paging.PageTokens(SECRET).decode("albums", garbage)


def test_too_long_cursor_is_refused_before_any_work():
    # Validly signed, but over the 2048-character cap.
    big_key = {"pk": {"S": "x" * 3000}}
    cursor = forge({"l": "albums", "k": big_key, "t": int(time.time())})
    assert len(cursor) > 2048
    with pytest.raises(InvalidCursor):
        paging.PageTokens(SECRET).decode("albums", cursor)


@pytest.mark.parametrize("payload", [[1, 2, 3], "albums", 42, None])
def test_signed_non_object_payload_is_refused(payload):
    with pytest.raises(InvalidCursor):
        paging.PageTokens(SECRET).decode("albums", forge(payload))


@pytest.mark.parametrize("key", [None, [], "ALBUM#x", 7])
def test_signed_payload_whose_key_is_not_an_object_is_refused(key):
    with pytest.raises(InvalidCursor):
        paging.PageTokens(SECRET).decode("albums", forge({"l": "albums", "k": key, "t": int(time.time())}))


def test_signed_payload_that_is_not_json_is_refused():
    with pytest.raises(InvalidCursor):
        paging.PageTokens(SECRET).decode("albums", forge(b"\xff\xfe not json"))
