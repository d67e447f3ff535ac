"""GET /albums/{id} and DELETE /albums/{id}."""

from __future__ import annotations

import uuid

from tests.support.album_api import (
    PET_SOUNDS,
    create,
    fetch,
    list_all,
    problem,
)

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
