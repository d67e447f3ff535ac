"""Concurrent edits: If-Match versions and DynamoDB transaction conflicts."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import services
from chalicelib.core.config import get_settings
from tests.support.album_api import (
    PET_SOUNDS,
    REVOLVER,
    create,
    fetch,
    problem,
    public,
)

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
    from chalicelib.core.errors import VersionConflict
    from chalicelib.storage.albums import AlbumRepository
    from chalicelib.usecases.catalog import Albums
    from chalicelib.usecases.inputs import AlbumFields, AlbumPatch

    table = get_settings().albums_table
    album = services.albums().create(AlbumFields(**PET_SOUNDS))
    # Without If-Match, update() reads again and retries: the edit lands.
    flaky = ConflictOnce(aws)
    changed = Albums(AlbumRepository(flaky, table), services.page_tokens()).update(album.album_id, AlbumPatch(rank=5))
    assert (changed.rank, flaky.calls) == (5, 2)
    assert services.album_repository().get(album.album_id) == changed
    # With If-Match, or on create and delete, it is a 409 version_conflict ("try again").
    flaky = ConflictOnce(aws)
    with pytest.raises(VersionConflict):
        Albums(AlbumRepository(flaky, table), services.page_tokens()).update(
            album.album_id, AlbumPatch(rank=6), changed.version
        )
    with pytest.raises(VersionConflict):
        Albums(AlbumRepository(ConflictOnce(aws), table), services.page_tokens()).create(AlbumFields(**REVOLVER))
    with pytest.raises(VersionConflict):
        Albums(AlbumRepository(ConflictOnce(aws), table), services.page_tokens()).delete(album.album_id)
    assert services.album_repository().get(album.album_id) == changed
    assert [a.album_id for a in services.album_repository().list(10, None).items] == [album.album_id]
