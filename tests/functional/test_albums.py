"""The album routes of API.md, row by row, through the Chalice test client on moto."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from typing import Any

import pytest

from chalicelib import paging, services
from chalicelib.config import get_settings
from chalicelib.repository.albums import AlbumRecord

PROBLEM_JSON = "application/problem+json"
FIELDS = ("rank", "title", "artist", "year", "genre")
NEXT_YEAR = dt.datetime.now(dt.UTC).year + 1
PET_SOUNDS = {"rank": 1, "title": "Pet Sounds", "artist": "The Beach Boys", "year": 1966, "genre": "Pop"}
REVOLVER = {"rank": 2, "title": "Revolver", "artist": "The Beatles", "year": 1966, "genre": "Rock"}
BLUE = {"rank": 3, "title": "Blue", "artist": "Joni Mitchell", "year": 1971, "genre": "Folk"}


# -- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_server_errors(api):
    """Client input never produces a 5xx: every reply in this module is checked."""
    replies = []
    original = api.call

    def recording_call(*args: Any, **kwargs: Any) -> Any:
        reply = original(*args, **kwargs)
        replies.append((args[:2], reply))
        return reply

    api.call = recording_call
    yield
    server_errors = [(request, reply.status, reply.raw[:200]) for request, reply in replies if reply.status >= 500]
    assert not server_errors


@pytest.fixture
def admin(api) -> str:
    token = api.signup("alice")["access_token"]
    services.accounts().grant("alice", "admin")
    return token


@pytest.fixture
def user(api) -> str:
    return api.signup("bob")["access_token"]


def problem(reply: Any, status: int, code: str, case: Any = None) -> dict[str, Any]:
    """Assert a problem document; `case` names the input in a failure message."""
    assert reply.status == status, (case, reply.status, reply.raw[:300])
    assert (reply.header("Content-Type") or "").startswith(PROBLEM_JSON), (case, reply.headers)
    body = reply.json
    assert body["status"] == status, case
    assert body["code"] == code, (case, body)
    assert body["type"] == "about:blank", case
    assert body["title"] and body["detail"], case
    return body


def field_errors(reply: Any, case: Any = None) -> set[str]:
    body = problem(reply, 400, "validation_error", case)
    return {e["field"] for e in body["errors"]}


def create(api: Any, token: str, album: dict[str, Any]) -> dict[str, Any]:
    reply = api.post("/albums", album, token=token)
    assert reply.status == 201, reply.json
    return dict(reply.json)


def fetch(api: Any, token: str, album_id: str) -> tuple[dict[str, Any], str]:
    reply = api.get(f"/albums/{album_id}", token=token)
    assert reply.status == 200, reply.json
    return reply.json, reply.header("ETag") or ""


def list_all(api: Any, token: str, limit: int = 100) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    path = f"/albums?limit={limit}"
    while True:
        reply = api.get(path, token=token)
        assert reply.status == 200, reply.json
        items += reply.json["items"]
        if reply.json["next"] is None:
            return items
        path = f"/albums?limit={limit}&next={reply.json['next']}"


def put_albums(count: int, first_rank: int = 1, step: int = 1) -> list[AlbumRecord]:
    """Write albums straight through the repository's bulk path (what the seed uses)."""
    now = int(time.time() * 1000)
    records = [
        AlbumRecord(
            album_id=str(uuid.uuid4()),
            rank=first_rank + i * step,
            title=f"Title {i}",
            artist=f"Artist {i}",
            year=1950 + i % 70,
            genre="Rock",
            created_ms=now,
            updated_ms=now,
        )
        for i in range(count)
    ]
    assert sum(services.albums().put_batches(records)) == count
    return records


def cursor_of(list_name: str, key: dict[str, Any], issued: int) -> str:
    """A page token signed with the server key exactly as paging.PageTokens signs one."""
    payload = json.dumps({"l": list_name, "k": key, "t": issued}, separators=(",", ":")).encode()
    return f"{paging._b64(payload)}.{paging._b64(paging.PageTokens(get_settings().secret_key)._mac(payload))}"


def public(album: dict[str, Any]) -> dict[str, Any]:
    return {k: album[k] for k in FIELDS}


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


# -- POST /albums ---------------------------------------------------------------------------


def test_create_returns_the_album_with_location_and_etag(api, admin):
    before = int(time.time())
    reply = api.post("/albums", PET_SOUNDS, token=admin)
    assert reply.status == 201
    assert reply.header("Content-Type") == "application/json"
    body = reply.json
    assert str(uuid.UUID(body["album_id"])) == body["album_id"]
    assert public(body) == PET_SOUNDS
    assert body["created_at"] == body["updated_at"]
    created = dt.datetime.strptime(body["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert before - 1 <= created.timestamp() <= time.time() + 1
    assert reply.header("Location") == f"/albums/{body['album_id']}"
    assert reply.header("ETag") == '"1"'
    again = api.get(reply.header("Location"), token=admin)
    assert again.status == 200
    assert again.json == body
    assert again.header("ETag") == '"1"'


def test_create_trims_text_fields(api, admin):
    body = create(
        api, admin, {**PET_SOUNDS, "title": "  Pet Sounds ", "artist": "\tThe Beach Boys\n", "genre": " Pop "}
    )
    assert public(body) == PET_SOUNDS


FIELD_RULES = [
    *[({"drop": f}, f) for f in FIELDS],
    ({"year": "1999"}, "year"),
    ({"year": 1999.0}, "year"),
    ({"year": None}, "year"),
    ({"rank": True}, "rank"),
    ({"rank": "1"}, "rank"),
    ({"rank": 1.5}, "rank"),
    ({"rank": 0}, "rank"),
    ({"rank": -1}, "rank"),
    ({"rank": 100_001}, "rank"),
    ({"year": 1899}, "year"),
    ({"year": NEXT_YEAR + 1}, "year"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": 5}, "title"),
    ({"title": ["Pet Sounds"]}, "title"),
    ({"artist": ""}, "artist"),
    ({"artist": "x" * 201}, "artist"),
    ({"artist": None}, "artist"),
    ({"genre": ""}, "genre"),
    ({"genre": "x" * 51}, "genre"),
    ({"label": "Capitol"}, "label"),
]


def test_create_rejects_each_field_rule(api, admin):
    for change, field in FIELD_RULES:
        album = dict(PET_SOUNDS)
        if "drop" in change:
            del album[change["drop"]]
        else:
            album.update(change)
        reply = api.post("/albums", album, token=admin)
        assert field_errors(reply, change) == {field}, change
    assert list_all(api, admin) == []


def test_create_reports_every_bad_field_at_once(api, admin):
    reply = api.post("/albums", {"rank": 0, "title": "", "year": "x", "extra": 1}, token=admin)
    assert field_errors(reply) == {"rank", "title", "artist", "year", "genre", "extra"}


def test_create_body_must_be_an_object(api, admin):
    for not_an_object in [[], [PET_SOUNDS], "album", 42, None, True]:
        reply = api.post(
            "/albums", raw=json.dumps(not_an_object), token=admin, headers={"Content-Type": "application/json"}
        )
        problem(reply, 400, "validation_error", not_an_object)


def test_create_accepts_the_boundaries(api, admin):
    for change in [
        {"rank": 1},
        {"rank": 100_000},
        {"year": 1900},
        {"year": NEXT_YEAR},
        {"title": "x" * 200},
        {"artist": "y" * 200},
        {"genre": "z" * 50},
        {"title": "A", "artist": "B", "genre": "C"},
        {"title": "Ünïcødé ✓ 日本語", "artist": "Björk"},
    ]:
        reply = api.post("/albums", {**PET_SOUNDS, **change}, token=admin)
        assert reply.status == 201, (change, reply.json)
        assert public(reply.json) == {**PET_SOUNDS, **change}
        assert api.delete(f"/albums/{reply.json['album_id']}", token=admin).status == 204


def test_create_is_admin_only(api, user):
    problem(api.post("/albums", PET_SOUNDS, token=user), 403, "forbidden")
    problem(api.post("/albums", PET_SOUNDS), 401, "invalid_token")
    assert list_all(api, user) == []


def test_admin_rights_are_read_on_every_request(api, user):
    problem(api.post("/albums", PET_SOUNDS, token=user), 403, "forbidden")
    services.accounts().grant("bob", "admin")
    assert api.post("/albums", PET_SOUNDS, token=user).status == 201


def test_duplicate_album_is_409(api, admin):
    original = create(api, admin, PET_SOUNDS)
    for title, artist in [
        ("Pet Sounds", "The Beach Boys"),
        ("pet sounds", "the beach boys"),
        ("PET SOUNDS", "THE BEACH BOYS"),
        ("  Pet Sounds  ", " The Beach Boys "),
        ("\tpEt SoUnDs", "the BEACH boys\n"),
    ]:
        reply = api.post("/albums", {**PET_SOUNDS, "rank": 50, "title": title, "artist": artist}, token=admin)
        problem(reply, 409, "duplicate_album", (title, artist))
    assert list_all(api, admin) == [original]


def test_same_title_by_another_artist_is_not_a_duplicate(api, admin):
    create(api, admin, PET_SOUNDS)
    create(api, admin, {**PET_SOUNDS, "rank": 9, "artist": "Someone Else"})
    create(api, admin, {**PET_SOUNDS, "rank": 10, "title": "Pet Sounds (Stereo)"})
    assert len(list_all(api, admin)) == 3


def test_taken_rank_is_409(api, admin):
    original = create(api, admin, PET_SOUNDS)
    reply = api.post("/albums", {**REVOLVER, "rank": PET_SOUNDS["rank"]}, token=admin)
    problem(reply, 409, "rank_taken")
    assert list_all(api, admin) == [original]


def test_taken_rank_and_name_together_is_still_one_409(api, admin):
    original = create(api, admin, PET_SOUNDS)
    reply = api.post("/albums", PET_SOUNDS, token=admin)
    assert problem(reply, 409, reply.json["code"])["code"] in {"duplicate_album", "rank_taken"}
    assert list_all(api, admin) == [original]


# -- GET /albums/{id} -------------------------------------------------------------------------


def test_get_one(api, admin, user):
    created = create(api, admin, PET_SOUNDS)
    reply = api.get(f"/albums/{created['album_id']}", token=user)
    assert reply.status == 200
    assert reply.header("Content-Type") == "application/json"
    assert reply.json == created
    assert reply.header("ETag") == '"1"'


def test_get_unknown_or_malformed_id_is_404(api, admin, user):
    created = create(api, admin, PET_SOUNDS)
    for album_id in [
        str(uuid.uuid4()),
        "not-an-id",
        "1",
        "ALBUM",
        created["album_id"].upper(),
        "{" + created["album_id"] + "}",
        created["album_id"].replace("-", ""),
        "%20",
        "x" * 300,
    ]:
        problem(api.get(f"/albums/{album_id}", token=user), 404, "not_found", album_id)


def test_get_one_needs_a_token(api, admin):
    created = create(api, admin, PET_SOUNDS)
    problem(api.get(f"/albums/{created['album_id']}"), 401, "invalid_token")


# -- PUT /albums/{id} -------------------------------------------------------------------------


def test_put_replaces_every_field(api, admin, user):
    created = create(api, admin, PET_SOUNDS)
    replacement = {"rank": 7, "title": "Smile", "artist": "Brian Wilson", "year": 2004, "genre": "Pop Rock"}
    reply = api.put(f"/albums/{created['album_id']}", replacement, token=admin)
    assert reply.status == 200
    assert reply.header("ETag") == '"2"'
    assert public(reply.json) == replacement
    assert reply.json["album_id"] == created["album_id"]
    assert reply.json["created_at"] == created["created_at"]
    assert reply.json["updated_at"] >= created["updated_at"]
    assert fetch(api, user, created["album_id"]) == (reply.json, '"2"')
    assert [a["album_id"] for a in list_all(api, user)] == [created["album_id"]]


def test_put_needs_all_five_fields(api, admin):
    created = create(api, admin, PET_SOUNDS)
    for missing in FIELDS:
        body = {k: v for k, v in REVOLVER.items() if k != missing}
        assert field_errors(api.put(f"/albums/{created['album_id']}", body, token=admin), missing) == {missing}
    assert field_errors(api.put(f"/albums/{created['album_id']}", {"genre": "Rock"}, token=admin)) == {
        "rank",
        "title",
        "artist",
        "year",
    }
    assert fetch(api, admin, created["album_id"]) == (created, '"1"')


def test_put_validates_like_create(api, admin):
    created = create(api, admin, PET_SOUNDS)
    reply = api.put(f"/albums/{created['album_id']}", {**PET_SOUNDS, "year": "1966", "rank": 0}, token=admin)
    assert field_errors(reply) == {"year", "rank"}


def test_put_unknown_album_is_404(api, admin):
    problem(api.put(f"/albums/{uuid.uuid4()}", PET_SOUNDS, token=admin), 404, "not_found")
    problem(api.put("/albums/nope", PET_SOUNDS, token=admin), 404, "not_found")
    assert list_all(api, admin) == []


def test_put_is_admin_only(api, admin, user):
    created = create(api, admin, PET_SOUNDS)
    problem(api.put(f"/albums/{created['album_id']}", REVOLVER, token=user), 403, "forbidden")
    problem(api.put(f"/albums/{created['album_id']}", REVOLVER), 401, "invalid_token")
    assert fetch(api, admin, created["album_id"]) == (created, '"1"')


@pytest.mark.parametrize(
    "change, code",
    [({"rank": 2}, "rank_taken"), ({"title": "revolver", "artist": "THE BEATLES"}, "duplicate_album")],
)
def test_refused_put_changes_nothing(api, admin, change, code):
    target = create(api, admin, PET_SOUNDS)
    other = create(api, admin, REVOLVER)
    reply = api.put(f"/albums/{target['album_id']}", {**PET_SOUNDS, "genre": "Changed", **change}, token=admin)
    problem(reply, 409, code)
    assert fetch(api, admin, target["album_id"]) == (target, '"1"')
    assert fetch(api, admin, other["album_id"]) == (other, '"1"')
    assert list_all(api, admin) == [target, other]
    # Its rank and name are still its own: nobody else can take them.
    problem(api.post("/albums", {**BLUE, "rank": 1}, token=admin), 409, "rank_taken")
    problem(api.post("/albums", {**PET_SOUNDS, "rank": 99}, token=admin), 409, "duplicate_album")


def test_put_moving_rank_frees_the_old_one(api, admin):
    created = create(api, admin, PET_SOUNDS)
    assert api.put(f"/albums/{created['album_id']}", {**PET_SOUNDS, "rank": 40}, token=admin).status == 200
    create(api, admin, {**REVOLVER, "rank": 1})
    assert [a["rank"] for a in list_all(api, admin)] == [1, 40]


# -- PATCH /albums/{id} -----------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(api, admin):
    created = create(api, admin, PET_SOUNDS)
    reply = api.patch(f"/albums/{created['album_id']}", {"genre": " Baroque Pop "}, token=admin)
    assert reply.status == 200
    assert reply.header("ETag") == '"2"'
    assert public(reply.json) == {**PET_SOUNDS, "genre": "Baroque Pop"}
    assert fetch(api, admin, created["album_id"]) == (reply.json, '"2"')
    reply = api.patch(f"/albums/{created['album_id']}", {"year": 1967, "title": "Pet Sounds (Mono)"}, token=admin)
    assert reply.status == 200
    assert reply.header("ETag") == '"3"'
    assert public(reply.json) == {**PET_SOUNDS, "genre": "Baroque Pop", "year": 1967, "title": "Pet Sounds (Mono)"}


def test_patch_empty_body_is_400(api, admin):
    created = create(api, admin, PET_SOUNDS)
    problem(api.patch(f"/albums/{created['album_id']}", {}, token=admin), 400, "validation_error")
    assert fetch(api, admin, created["album_id"]) == (created, '"1"')


def test_patch_validates_what_it_gets(api, admin):
    created = create(api, admin, PET_SOUNDS)
    for body, field in [
        ({"rank": True}, "rank"),
        ({"rank": 0}, "rank"),
        ({"year": "1966"}, "year"),
        ({"title": None}, "title"),
        ({"title": " "}, "title"),
        ({"genre": "g" * 51}, "genre"),
        ({"label": "x"}, "label"),
        ({"year": NEXT_YEAR + 1}, "year"),
        ({"genre": "Rock", "album_id": str(uuid.uuid4())}, "album_id"),
        ({"genre": "Rock", "created_at": "2020-01-01T00:00:00Z"}, "created_at"),
    ]:
        assert field_errors(api.patch(f"/albums/{created['album_id']}", body, token=admin), body) == {field}, body
    assert fetch(api, admin, created["album_id"]) == (created, '"1"')


def test_patch_rank_move_frees_the_old_rank(api, admin):
    created = create(api, admin, PET_SOUNDS)
    reply = api.patch(f"/albums/{created['album_id']}", {"rank": 5}, token=admin)
    assert reply.status == 200
    assert reply.json["rank"] == 5
    other = create(api, admin, {**REVOLVER, "rank": 1})
    problem(api.post("/albums", {**BLUE, "rank": 5}, token=admin), 409, "rank_taken")
    assert [(a["album_id"], a["rank"]) for a in list_all(api, admin)] == [
        (other["album_id"], 1),
        (created["album_id"], 5),
    ]


@pytest.mark.parametrize("change", [{"title": "Smiley Smile"}, {"artist": "Brian Wilson"}])
def test_patch_name_change_frees_the_old_name(api, admin, change):
    created = create(api, admin, PET_SOUNDS)
    assert api.patch(f"/albums/{created['album_id']}", change, token=admin).status == 200
    create(api, admin, {**PET_SOUNDS, "rank": 2})  # the old artist+title is free again
    problem(api.post("/albums", {**PET_SOUNDS, **change, "rank": 3}, token=admin), 409, "duplicate_album")


def test_patch_changing_only_the_case_of_the_name_is_allowed(api, admin):
    created = create(api, admin, PET_SOUNDS)
    reply = api.patch(f"/albums/{created['album_id']}", {"title": "PET SOUNDS"}, token=admin)
    assert reply.status == 200
    assert reply.json["title"] == "PET SOUNDS"
    problem(api.post("/albums", {**PET_SOUNDS, "rank": 2}, token=admin), 409, "duplicate_album")


def test_patch_to_its_own_rank_is_allowed(api, admin):
    created = create(api, admin, PET_SOUNDS)
    reply = api.patch(f"/albums/{created['album_id']}", {"rank": 1, "genre": "Pop"}, token=admin)
    assert reply.status == 200
    assert public(reply.json) == PET_SOUNDS


@pytest.mark.parametrize(
    "change, code",
    [
        ({"rank": 2}, "rank_taken"),
        ({"title": "Revolver", "artist": "the beatles"}, "duplicate_album"),
        ({"rank": 2, "genre": "Jazz"}, "rank_taken"),
    ],
)
def test_refused_patch_changes_nothing(api, admin, change, code):
    target = create(api, admin, PET_SOUNDS)
    other = create(api, admin, REVOLVER)
    problem(api.patch(f"/albums/{target['album_id']}", change, token=admin), 409, code)
    assert list_all(api, admin) == [target, other]
    assert fetch(api, admin, target["album_id"])[1] == '"1"'


def test_patch_unknown_album_is_404(api, admin):
    problem(api.patch(f"/albums/{uuid.uuid4()}", {"genre": "Pop"}, token=admin), 404, "not_found")
    problem(api.patch("/albums/not-a-uuid", {"genre": "Pop"}, token=admin), 404, "not_found")


def test_patch_is_admin_only(api, admin, user):
    created = create(api, admin, PET_SOUNDS)
    problem(api.patch(f"/albums/{created['album_id']}", {"genre": "X"}, token=user), 403, "forbidden")
    problem(api.patch(f"/albums/{created['album_id']}", {"genre": "X"}), 401, "invalid_token")
    assert fetch(api, admin, created["album_id"]) == (created, '"1"')


# -- DELETE /albums/{id} ----------------------------------------------------------------------


def test_delete_then_404(api, admin, user):
    created = create(api, admin, PET_SOUNDS)
    reply = api.delete(f"/albums/{created['album_id']}", token=admin)
    assert reply.status == 204
    assert reply.raw == b""
    problem(api.get(f"/albums/{created['album_id']}", token=user), 404, "not_found")
    problem(api.delete(f"/albums/{created['album_id']}", token=admin), 404, "not_found")
    problem(api.patch(f"/albums/{created['album_id']}", {"genre": "X"}, token=admin), 404, "not_found")
    assert list_all(api, user) == []


def test_delete_frees_rank_and_name(api, admin):
    created = create(api, admin, PET_SOUNDS)
    assert api.delete(f"/albums/{created['album_id']}", token=admin).status == 204
    again = create(api, admin, PET_SOUNDS)
    assert again["album_id"] != created["album_id"]
    assert list_all(api, admin) == [again]


def test_delete_is_admin_only(api, admin, user):
    created = create(api, admin, PET_SOUNDS)
    problem(api.delete(f"/albums/{created['album_id']}", token=user), 403, "forbidden")
    problem(api.delete(f"/albums/{created['album_id']}"), 401, "invalid_token")
    assert fetch(api, admin, created["album_id"]) == (created, '"1"')


def test_delete_unknown_is_404(api, admin):
    for album_id in [str(uuid.uuid4()), "not-a-uuid"]:
        problem(api.delete(f"/albums/{album_id}", token=admin), 404, "not_found", album_id)


# -- If-Match -----------------------------------------------------------------------------------


def test_patch_with_a_stale_etag_is_a_version_conflict(api, admin):
    created = create(api, admin, PET_SOUNDS)
    path = f"/albums/{created['album_id']}"
    first = api.patch(path, {"genre": "Baroque Pop"}, token=admin, headers={"If-Match": '"1"'})
    assert first.status == 200
    assert first.header("ETag") == '"2"'
    stale = api.patch(path, {"year": 1999}, token=admin, headers={"If-Match": '"1"'})
    problem(stale, 409, "version_conflict")
    assert fetch(api, admin, created["album_id"]) == (first.json, '"2"')
    current = api.patch(path, {"year": 1999}, token=admin, headers={"If-Match": first.header("ETag")})
    assert current.status == 200
    assert current.json["year"] == 1999
    assert current.json["genre"] == "Baroque Pop"
    assert current.header("ETag") == '"3"'


def test_put_with_a_stale_etag_is_a_version_conflict(api, admin):
    created = create(api, admin, PET_SOUNDS)
    path = f"/albums/{created['album_id']}"
    assert api.patch(path, {"genre": "Rock"}, token=admin).status == 200
    problem(api.put(path, REVOLVER, token=admin, headers={"If-Match": '"1"'}), 409, "version_conflict")
    reply = api.put(path, REVOLVER, token=admin, headers={"If-Match": '"2"'})
    assert reply.status == 200
    assert public(reply.json) == REVOLVER


def test_if_match_other_than_the_current_etag_is_refused(api, admin):
    created = create(api, admin, PET_SOUNDS)
    path = f"/albums/{created['album_id']}"
    for header in ['"7"', '"0"', "1", 'W/"1"', "garbage"]:
        reply = api.patch(path, {"genre": "Rock"}, token=admin, headers={"If-Match": header})
        problem(reply, 409, "version_conflict", header)
    assert fetch(api, admin, created["album_id"]) == (created, '"1"')


def test_if_match_star_matches_any_version(api, admin):
    created = create(api, admin, PET_SOUNDS)
    reply = api.patch(f"/albums/{created['album_id']}", {"genre": "Rock"}, token=admin, headers={"If-Match": "*"})
    assert reply.status == 200


def test_delete_with_a_stale_etag_keeps_the_album(api, admin):
    created = create(api, admin, PET_SOUNDS)
    path = f"/albums/{created['album_id']}"
    assert api.patch(path, {"genre": "Rock"}, token=admin).status == 200
    problem(api.delete(path, token=admin, headers={"If-Match": '"1"'}), 409, "version_conflict")
    assert fetch(api, admin, created["album_id"])[1] == '"2"'
    assert api.delete(path, token=admin, headers={"If-Match": '"2"'}).status == 204
    problem(api.get(path, token=admin), 404, "not_found")


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


# -- request bodies ---------------------------------------------------------------------------------


def test_body_over_64_kib_is_413(api, admin):
    big = json.dumps({**PET_SOUNDS, "title": "x" * (64 * 1024)})
    reply = api.post("/albums", raw=big, token=admin, headers={"Content-Type": "application/json"})
    problem(reply, 413, "payload_too_large")
    created = create(api, admin, PET_SOUNDS)
    reply = api.patch(
        f"/albums/{created['album_id']}", raw=big, token=admin, headers={"Content-Type": "application/json"}
    )
    problem(reply, 413, "payload_too_large")
    assert list_all(api, admin) == [created]


def test_non_json_body_is_415(api, admin):
    reply = api.post("/albums", raw=json.dumps(PET_SOUNDS), token=admin, headers={"Content-Type": "text/plain"})
    problem(reply, 415, "unsupported_media_type")
    reply = api.post("/albums", raw=json.dumps(PET_SOUNDS), token=admin)  # no Content-Type at all
    problem(reply, 415, "unsupported_media_type")
    created = create(api, admin, PET_SOUNDS)
    reply = api.put(
        f"/albums/{created['album_id']}",
        raw=json.dumps(REVOLVER),
        token=admin,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    problem(reply, 415, "unsupported_media_type")
    assert list_all(api, admin) == [created]


def test_json_with_a_charset_or_a_json_suffix_is_fine(api, admin):
    reply = api.post(
        "/albums", raw=json.dumps(PET_SOUNDS), token=admin, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert reply.status == 201
    reply = api.post(
        "/albums", raw=json.dumps(REVOLVER), token=admin, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert reply.status == 201


def test_broken_json_is_400(api, admin):
    for raw in ['{"rank": 1,', "{rank: 1}", "[1, 2", '{"rank": NaN}', '{"rank": Infinity}', b"\xff\xfe\x00", "   ", ""]:
        reply = api.post("/albums", raw=raw, token=admin, headers={"Content-Type": "application/json"})
        problem(reply, 400, "malformed_request", raw)
    assert list_all(api, admin) == []


def test_deeply_nested_json_is_400_not_500(api, admin):
    raw = "[" * 20_000 + "]" * 20_000
    reply = api.post("/albums", raw=raw, token=admin, headers={"Content-Type": "application/json"})
    assert reply.status == 400
    assert reply.json["code"] in {"malformed_request", "validation_error"}


def test_errors_never_leak_internals(api, admin):
    replies = [
        api.post("/albums", raw="{", token=admin, headers={"Content-Type": "application/json"}),
        api.get("/albums?next=garbage", token=admin),
        api.get(f"/albums/{uuid.uuid4()}", token=admin),
        api.post("/albums", {"rank": "x"}, token=admin),
    ]
    for reply in replies:
        text = reply.raw.decode()
        for leak in ("Traceback", "ClientError", "botocore", "Exception", "dynamodb", "ALBUM#", "RANK#"):
            assert leak not in text


# -- DynamoDB transaction conflicts ----------------------------------------------------------------


class ConflictOnce:
    """A DynamoDB client whose first TransactWriteItems is cancelled the way DynamoDB
    cancels one that collides with another in-flight transaction on the same item."""

    def __init__(self, client: Any, times: int = 1) -> None:
        self._client = client
        self.left = times
        self.calls = 0

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> Any:
        from botocore.exceptions import ClientError

        self.calls += 1
        if self.left > 0:
            self.left -= 1
            reasons = [{"Code": "None"}] * len(TransactItems)
            reasons[-1] = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                    "CancellationReasons": reasons,
                },
                "TransactWriteItems",
            )
        return self._client.transact_write_items(TransactItems=TransactItems)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_transaction_conflict_is_retried_or_a_409_never_a_500(aws):
    from chalicelib import albums as album_cases
    from chalicelib.bodies import etag
    from chalicelib.errors import VersionConflict
    from chalicelib.repository.albums import AlbumRepository
    from chalicelib.shapes import AlbumFields, AlbumPatch

    table = get_settings().albums_table
    album = album_cases.create(services.albums(), AlbumFields(**PET_SOUNDS))
    # Without If-Match, update() reads again and retries: the edit lands.
    flaky = ConflictOnce(aws)
    changed = album_cases.update(AlbumRepository(flaky, table), album.album_id, AlbumPatch(rank=5))
    assert (changed.rank, flaky.calls) == (5, 2)
    assert services.albums().get(album.album_id) == changed
    # With If-Match, or on create and delete, it is a 409 version_conflict ("try again").
    flaky = ConflictOnce(aws)
    with pytest.raises(VersionConflict):
        album_cases.update(AlbumRepository(flaky, table), album.album_id, AlbumPatch(rank=6), etag(changed))
    with pytest.raises(VersionConflict):
        album_cases.create(AlbumRepository(ConflictOnce(aws), table), AlbumFields(**REVOLVER))
    with pytest.raises(VersionConflict):
        album_cases.delete(AlbumRepository(ConflictOnce(aws), table), album.album_id)
    assert services.albums().get(album.album_id) == changed
    assert [a.album_id for a in services.albums().list(10, None).items] == [album.album_id]
