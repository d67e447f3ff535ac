"""POST /albums: the album, its field rules and its uniqueness."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

from chalicelib import services
from tests.support.album_api import (
    FIELDS,
    NEXT_YEAR,
    PET_SOUNDS,
    REVOLVER,
    create,
    field_errors,
    list_all,
    problem,
    public,
)

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
        api, admin, {**PET_SOUNDS, "title": "  Pet Sounds ", "artist": "\u00a0The Beach Boys  ", "genre": " Pop "}
    )
    assert public(body) == PET_SOUNDS


def test_text_fields_are_one_line_even_at_the_ends(api, admin):
    # docs/api.md: album fields contain no control characters; a tab or newline is not
    # whitespace to trim but a 400 naming the field.
    for field, value in [("artist", "\tThe Beach Boys\n"), ("title", "Pet\nSounds"), ("genre", "Pop\u2028")]:
        reply = api.post("/albums", {**PET_SOUNDS, field: value}, token=admin)
        assert field_errors(reply, field) == {field}


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
        ("\u00a0pEt SoUnDs", "the BEACH boys\u3000"),  # tabs and newlines are 400 now (one line)
    ]:
        reply = api.post("/albums", {**PET_SOUNDS, "rank": 50, "title": title, "artist": artist}, token=admin)
        problem(reply, 409, "duplicate_album", (title, artist))
    assert list_all(api, admin) == [original]


def test_a_name_spelled_with_combining_marks_is_the_same_album(api, admin):
    # "Björk" / "Début" typed precomposed and as a base letter + combining mark (NFD, as
    # some keyboards and file names give it) are one artist and title: the second is 409,
    # and the stored text is the composed form whichever way it was typed.
    composed = {**PET_SOUNDS, "rank": 30, "artist": "Bj\u00f6rk", "title": "D\u00e9but"}
    decomposed = {**composed, "rank": 31, "artist": "Bjo\u0308rk", "title": "De\u0301but"}
    first = create(api, admin, decomposed)
    assert (first["artist"], first["title"]) == ("Bj\u00f6rk", "D\u00e9but")
    problem(api.post("/albums", {**composed}, token=admin), 409, "duplicate_album")
    problem(
        api.patch(
            f"/albums/{create(api, admin, PET_SOUNDS)['album_id']}",
            {"artist": "BJO\u0308RK", "title": "de\u0301but"},
            token=admin,
        ),
        409,
        "duplicate_album",
    )
    assert len(list_all(api, admin)) == 2


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
