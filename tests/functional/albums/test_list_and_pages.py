"""GET /albums and walking its pages (limit, cursors)."""

from __future__ import annotations

import json
import time
from typing import Any

from chalicelib.core import paging
from tests.support.album_api import (
    BLUE,
    PET_SOUNDS,
    REVOLVER,
    create,
    cursor_of,
    field_errors,
    problem,
    put_albums,
)

# -- GET /albums ----------------------------------------------------------------------------


def test_empty_catalog_lists_nothing(api, user):
    reply = api.get("/albums", token=user)
    assert reply.status == 200
    assert reply.header("Content-Type") == "application/json"
    assert reply.json == {"items": [], "next": None}


def test_list_is_in_ascending_rank_with_full_albums(api, admin, user):
    created = [create(api, admin, a) for a in (BLUE, PET_SOUNDS, REVOLVER)]  # out of rank order
    reply = api.get("/albums", token=user)
    assert reply.status == 200
    assert [a["rank"] for a in reply.json["items"]] == [1, 2, 3]
    assert reply.json["next"] is None
    by_id = {a["album_id"]: a for a in created}
    for item in reply.json["items"]:
        assert item == by_id[item["album_id"]]
        assert set(item) == {"album_id", "rank", "title", "artist", "year", "genre", "created_at", "updated_at"}


def test_default_limit_is_50(api, user):
    put_albums(60)
    first = api.get("/albums", token=user)
    assert first.status == 200
    assert [a["rank"] for a in first.json["items"]] == list(range(1, 51))
    assert first.json["next"]
    second = api.get(f"/albums?next={first.json['next']}", token=user)
    assert second.status == 200
    assert [a["rank"] for a in second.json["items"]] == list(range(51, 61))
    assert second.json["next"] is None


def test_limit_within_bounds(api, user):
    put_albums(120)
    for limit, expected in [("1", 1), ("7", 7), ("100", 100), ("", 50)]:
        reply = api.get(f"/albums?limit={limit}", token=user)
        assert reply.status == 200, limit
        assert [a["rank"] for a in reply.json["items"]] == list(range(1, expected + 1)), limit
        assert reply.json["next"], limit


def test_bad_limit_is_400(api, user):
    put_albums(3)
    for limit in ["0", "101", "-1", "abc", "1.5", "1e2", "99999", "%205", "0x10", "%E2%91%A0"]:
        reply = api.get(f"/albums?limit={limit}", token=user)
        assert field_errors(reply, limit) == {"limit"}, limit


def test_list_needs_a_token(api):
    reply = api.get("/albums")
    problem(reply, 401, "invalid_token")
    assert reply.header("WWW-Authenticate")
    problem(api.get("/albums", token="not-a-token"), 401, "invalid_token")


# -- pagination -----------------------------------------------------------------------------------


def test_walking_every_page_sees_every_album_once_in_rank_order(api, user):
    records = put_albums(120, first_rank=3, step=7)  # sparse ranks 3, 10, 17, ...
    seen: list[dict[str, Any]] = []
    pages = 0
    path = "/albums?limit=7"
    while True:
        reply = api.get(path, token=user)
        assert reply.status == 200
        assert len(reply.json["items"]) <= 7
        seen += reply.json["items"]
        pages += 1
        assert pages <= 20
        if reply.json["next"] is None:
            break
        path = f"/albums?limit=7&next={reply.json['next']}"
    assert [a["album_id"] for a in seen] == [r.album_id for r in sorted(records, key=lambda r: r.rank)]
    assert len({a["album_id"] for a in seen}) == 120
    assert [a["rank"] for a in seen] == sorted(a["rank"] for a in seen)
    assert pages in (18, 19)  # 17 full pages and 1 of 1; maybe an empty last page


def test_cursor_continues_where_the_page_ended(api, admin, user):
    put_albums(10)
    first = api.get("/albums?limit=4", token=user)
    second = api.get(f"/albums?limit=4&next={first.json['next']}", token=user)
    assert [a["rank"] for a in second.json["items"]] == [5, 6, 7, 8]
    # A cursor may be reused, and the limit may change between pages.
    again = api.get(f"/albums?limit=2&next={first.json['next']}", token=user)
    assert [a["rank"] for a in again.json["items"]] == [5, 6]


def test_malformed_cursor_is_400(api, user):
    put_albums(3)
    for cursor in ["garbage", "a.b", "....", "x" * 3000, "%00", "eyJsIjoiYWxidW1zIn0.AAAA", "%E2%9C%93.%E2%9C%93"]:
        problem(api.get(f"/albums?next={cursor}", token=user), 400, "invalid_cursor", cursor)


def test_tampered_cursor_is_400(api, user):
    put_albums(10)
    cursor = api.get("/albums?limit=3", token=user).json["next"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for position in (0, len(cursor) // 3, cursor.index(".") - 1, cursor.index(".") + 1, len(cursor) - 1):
        chars = list(cursor)
        chars[position] = alphabet[alphabet.index(chars[position]) ^ 32]
        problem(api.get(f"/albums?next={''.join(chars)}", token=user), 400, "invalid_cursor")


def test_cursor_from_another_list_is_400(api, admin, user):
    put_albums(3)
    users_page = api.get("/users?limit=1", token=admin)  # alice and bob: there is a next page
    assert users_page.status == 200
    foreign = users_page.json["next"]
    assert foreign
    problem(api.get(f"/albums?next={foreign}", token=user), 400, "invalid_cursor")


def test_stale_cursor_is_400(api, user):
    put_albums(10)
    cursor = api.get("/albums?limit=3", token=user).json["next"]
    payload = json.loads(paging._unb64(cursor.split(".")[0]))
    assert payload["l"] == "albums"
    fresh = cursor_of("albums", payload["k"], int(time.time()) - 60)
    assert [a["rank"] for a in api.get(f"/albums?limit=3&next={fresh}", token=user).json["items"]] == [4, 5, 6]
    stale = cursor_of("albums", payload["k"], int(time.time()) - paging.TOKEN_TTL_SECONDS - 1)
    body = problem(api.get(f"/albums?limit=3&next={stale}", token=user), 400, "invalid_cursor")
    assert "expired" in body["detail"]


def test_cursor_signed_with_another_key_is_400(api, user):
    put_albums(10)
    cursor = api.get("/albums?limit=3", token=user).json["next"]
    payload = paging._unb64(cursor.split(".")[0])
    forged = f"{paging._b64(payload)}.{paging._b64(paging.PageTokens('some-other-secret-' + 'z' * 30)._mac(payload))}"
    problem(api.get(f"/albums?next={forged}", token=user), 400, "invalid_cursor")
