"""PUT and PATCH /albums/{id}: what changes, what is refused, which claims move."""

from __future__ import annotations

import uuid

import pytest

from tests.support.album_api import (
    BLUE,
    FIELDS,
    NEXT_YEAR,
    PET_SOUNDS,
    REVOLVER,
    create,
    fetch,
    field_errors,
    list_all,
    problem,
    public,
)

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
