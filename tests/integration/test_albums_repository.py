"""The album repository and use cases against a real DynamoDB Local: transactions that keep
an album and its rank and artist+title claims in step, under concurrency."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import services
from chalicelib.core.config import get_settings
from chalicelib.core.errors import DuplicateAlbum, InvalidCursor, NotFound, RankTaken, VersionConflict
from chalicelib.storage.albums import AlbumRecord, AlbumRepository, name_key
from chalicelib.usecases.catalog import PATCH_ATTEMPTS, Albums
from chalicelib.usecases.inputs import AlbumFields, AlbumPatch
from tests.support.concurrency import race as race_threads

THREADS = 8
PET_SOUNDS = {"rank": 1, "title": "Pet Sounds", "artist": "The Beach Boys", "year": 1966, "genre": "Pop"}


def cases(repo: AlbumRepository) -> Albums:
    """The album use cases on this repository."""
    return Albums(repo, services.page_tokens())


@pytest.fixture
def repo(local_db: Any) -> AlbumRepository:
    return services.album_repository()


def race(fn: Callable[[int], Any], count: int = THREADS) -> list[Any]:
    return race_threads(fn, count)


def all_items(client: Any) -> list[dict[str, Any]]:
    table = get_settings().albums_table
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        response = client.scan(**kwargs)
        items += response["Items"]
        if "LastEvaluatedKey" not in response:
            return items
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def claims(client: Any, prefix: str) -> dict[str, str]:
    """Claim pk -> owning album id, for the claims whose pk starts with `prefix`."""
    return {i["pk"]["S"]: i["album_id"]["S"] for i in all_items(client) if i["pk"]["S"].startswith(prefix)}


def assert_consistent(client: Any, repo: AlbumRepository) -> list[AlbumRecord]:
    """Every album holds exactly its rank claim and its name claim, and nothing else exists."""
    albums = [cases(repo).get(i["album_id"]["S"]) for i in all_items(client) if i["sk"]["S"] == "ALBUM"]
    assert claims(client, "RANK#") == {f"RANK#{a.rank}": a.album_id for a in albums}
    assert claims(client, "NAME#") == {f"NAME#{name_key(a.artist, a.title)}": a.album_id for a in albums}
    assert len(all_items(client)) == 3 * len(albums)
    listed = repo.list(100, None).items
    assert sorted(listed, key=lambda a: a.album_id) == sorted(albums, key=lambda a: a.album_id)
    return albums


def test_list_works_on_real_dynamodb(repo, local_db):
    """Regression: `catalog` is a DynamoDB reserved word (moto does not care)."""
    assert repo.is_empty()
    for rank in (3, 1, 2):
        cases(repo).create(AlbumFields(**{**PET_SOUNDS, "rank": rank, "title": f"Title {rank}"}))
    page = repo.list(2, None)
    assert [a.rank for a in page.items] == [1, 2]
    assert page.last_key
    rest = repo.list(2, page.last_key)
    assert [a.rank for a in rest.items] == [3]


def test_a_start_key_of_the_wrong_shape_is_an_invalid_cursor(repo, local_db):
    cases(repo).create(AlbumFields(**PET_SOUNDS))
    for key in ({"pk": {"S": "USER#bob"}, "sk": {"S": "PROFILE"}}, {"gsi1pk": {"S": "USERS"}, "gsi1sk": {"S": "x"}}):
        with pytest.raises(InvalidCursor):
            repo.list(5, key)


def test_eight_creates_at_one_rank_exactly_one_wins(repo, local_db):
    def attempt(i: int) -> AlbumRecord:
        return cases(repo).create(AlbumFields(**{**PET_SOUNDS, "rank": 42, "title": f"Contender {i}"}))

    results = race(attempt)
    winners = [r for r in results if isinstance(r, AlbumRecord)]
    assert len(winners) == 1, results
    assert all(isinstance(r, RankTaken) for r in results if r is not winners[0]), results
    albums = assert_consistent(local_db, repo)
    assert albums == [winners[0]]
    assert claims(local_db, "RANK#") == {"RANK#42": winners[0].album_id}


def test_eight_creates_of_one_name_exactly_one_wins(repo, local_db):
    results = race(
        lambda i: cases(repo).create(
            AlbumFields(**{**PET_SOUNDS, "rank": 100 + i, "title": "pet sounds" if i % 2 else "PET SOUNDS"})
        )
    )
    winners = [r for r in results if isinstance(r, AlbumRecord)]
    assert len(winners) == 1, results
    assert all(isinstance(r, DuplicateAlbum) for r in results if r is not winners[0]), results
    assert assert_consistent(local_db, repo) == winners


def test_concurrent_patches_of_different_fields_all_land(repo, local_db):
    """Without If-Match, update() re-reads and retries (PATCH_ATTEMPTS times). A writer
    loses a round only to another writer's success, so with at most PATCH_ATTEMPTS
    concurrent writers every PATCH is guaranteed to succeed, and none is lost."""
    album = cases(repo).create(AlbumFields(**PET_SOUNDS))
    changes = [{"rank": 9}, {"title": "Smile"}, {"artist": "Brian Wilson"}, {"year": 1967}, {"genre": "Baroque Pop"}]
    assert len(changes) <= PATCH_ATTEMPTS
    results = race(lambda i: cases(repo).update(album.album_id, AlbumPatch(**changes[i])), len(changes))
    assert all(isinstance(r, AlbumRecord) for r in results), results
    final = repo.get(album.album_id)
    assert final is not None
    assert (final.rank, final.title, final.artist, final.year, final.genre) == (
        9,
        "Smile",
        "Brian Wilson",
        1967,
        "Baroque Pop",
    )
    assert final.version == 1 + len(changes)
    assert sorted(r.version for r in results) == list(range(2, 2 + len(changes)))
    assert assert_consistent(local_db, repo) == [final]


def test_eight_concurrent_patches_never_lose_an_update(repo, local_db):
    """More writers than attempts: each PATCH either lands or is refused with
    VersionConflict (409), never silently overwritten. Every success gets its own version,
    and the album ends as the last success left it, with claims to match."""
    album = cases(repo).create(AlbumFields(**PET_SOUNDS))
    results = race(lambda i: cases(repo).update(album.album_id, AlbumPatch(**{"title": f"Take {i}", "genre": f"G{i}"})))
    successes = [r for r in results if isinstance(r, AlbumRecord)]
    failures = [r for r in results if not isinstance(r, AlbumRecord)]
    assert all(isinstance(r, VersionConflict) for r in failures), failures
    assert successes
    final = repo.get(album.album_id)
    assert final is not None
    assert final.version == 1 + len(successes)
    assert sorted(r.version for r in successes) == list(range(2, 2 + len(successes)))
    assert final == max(successes, key=lambda r: r.version)
    assert assert_consistent(local_db, repo) == [final]
    print(f"\n{len(successes)} of {THREADS} unconditional PATCHes landed, {len(failures)} got VersionConflict")


def test_with_if_match_exactly_one_of_eight_wins(repo, local_db):
    album = cases(repo).create(AlbumFields(**PET_SOUNDS))
    seen = album.version
    results = race(
        lambda i: cases(repo).update(album.album_id, AlbumPatch(**{"genre": f"Genre {i}", "rank": 50 + i}), seen)
    )
    winners = [r for r in results if isinstance(r, AlbumRecord)]
    assert len(winners) == 1, results
    assert all(isinstance(r, VersionConflict) for r in results if r is not winners[0]), results
    assert repo.get(album.album_id) == winners[0]
    assert winners[0].version == 2
    assert assert_consistent(local_db, repo) == winners


def test_stale_if_match_is_refused_and_current_one_accepted(repo, local_db):
    album = cases(repo).create(AlbumFields(**PET_SOUNDS))
    changed = cases(repo).update(album.album_id, AlbumPatch(**{"genre": "Rock"}), album.version)
    with pytest.raises(VersionConflict):
        cases(repo).update(album.album_id, AlbumPatch(**{"genre": "Jazz"}), album.version)
    with pytest.raises(VersionConflict):
        cases(repo).delete(album.album_id, album.version)
    assert repo.get(album.album_id) == changed
    cases(repo).delete(album.album_id, changed.version)
    assert repo.get(album.album_id) is None


def test_replace_with_a_stale_record_is_a_version_conflict(repo, local_db):
    album = cases(repo).create(AlbumFields(**PET_SOUNDS))
    cases(repo).update(album.album_id, AlbumPatch(**{"rank": 2}))
    from dataclasses import replace

    with pytest.raises(VersionConflict):
        repo.replace(album, replace(album, rank=3, version=2))  # old rank claim is no longer ours either
    assert claims(local_db, "RANK#") == {"RANK#2": album.album_id}


def test_rank_move_frees_the_old_rank(repo, local_db):
    album = cases(repo).create(AlbumFields(**PET_SOUNDS))
    moved = cases(repo).update(album.album_id, AlbumPatch(**{"rank": 2}))
    assert moved.rank == 2
    assert claims(local_db, "RANK#") == {"RANK#2": album.album_id}
    other = cases(repo).create(AlbumFields(**{**PET_SOUNDS, "title": "Smile"}))  # takes rank 1
    with pytest.raises(RankTaken):
        cases(repo).update(other.album_id, AlbumPatch(**{"rank": 2}))
    assert claims(local_db, "RANK#") == {"RANK#1": other.album_id, "RANK#2": album.album_id}
    assert_consistent(local_db, repo)


def test_name_change_frees_the_old_name(repo, local_db):
    album = cases(repo).create(AlbumFields(**PET_SOUNDS))
    cases(repo).update(album.album_id, AlbumPatch(**{"title": "Smile", "artist": "Brian Wilson"}))
    again = cases(repo).create(AlbumFields(**{**PET_SOUNDS, "rank": 2}))
    with pytest.raises(DuplicateAlbum):
        cases(repo).update(again.album_id, AlbumPatch(**{"title": "SMILE", "artist": "brian wilson"}))
    assert len(assert_consistent(local_db, repo)) == 2


def test_delete_frees_both_claims(repo, local_db):
    album = cases(repo).create(AlbumFields(**PET_SOUNDS))
    keep = cases(repo).create(AlbumFields(**{**PET_SOUNDS, "rank": 2, "title": "Smile"}))
    cases(repo).delete(album.album_id)
    assert all_items(local_db) and all(i.get("album_id", {}).get("S") == keep.album_id for i in all_items(local_db))
    with pytest.raises(NotFound):
        cases(repo).get(album.album_id)
    with pytest.raises(NotFound):
        cases(repo).delete(album.album_id)
    again = cases(repo).create(AlbumFields(**PET_SOUNDS))
    assert sorted(a.album_id for a in assert_consistent(local_db, repo)) == sorted([again.album_id, keep.album_id])


def test_a_rank_move_races_a_create_for_the_same_rank(repo, local_db):
    mover = cases(repo).create(AlbumFields(**PET_SOUNDS))

    def act(i: int) -> Any:
        if i == 0:
            return cases(repo).update(mover.album_id, AlbumPatch(**{"rank": 7}))
        return cases(repo).create(AlbumFields(**{**PET_SOUNDS, "rank": 7, "title": f"Newcomer {i}"}))

    results = race(act)
    winners = [r for r in results if isinstance(r, AlbumRecord)]
    assert len(winners) == 1, results
    assert all(isinstance(r, RankTaken) for r in results if r is not winners[0]), results
    albums = assert_consistent(local_db, repo)
    assert [a.album_id for a in albums if a.rank == 7] == [winners[0].album_id]


def test_concurrent_delete_and_patch(repo, local_db):
    album = cases(repo).create(AlbumFields(**PET_SOUNDS))

    def act(i: int) -> Any:
        if i == 0:
            return cases(repo).delete(album.album_id)
        return cases(repo).update(album.album_id, AlbumPatch(**{"genre": f"G{i}"}))

    results = race(act)
    assert all(r is None or isinstance(r, AlbumRecord | NotFound | VersionConflict) for r in results), results
    albums = assert_consistent(local_db, repo)
    if results[0] is None:  # the delete went through: nothing is left, not even a claim
        assert albums == []
        assert all_items(local_db) == []


# -- the HTTP routes on DynamoDB Local -----------------------------------------------------------


@pytest.fixture
def local_api(local_db: Any, app_env: Path) -> Iterator[Any]:
    from chalice.test import Client

    from app import app
    from tests.support.api import Api

    with Client(app) as client:
        yield Api(client, app_env)


def test_album_routes_on_real_dynamodb(local_api):
    token = local_api.signup("alice")["access_token"]
    services.accounts().grant("alice", "admin")
    created = local_api.post("/albums", PET_SOUNDS, token=token)
    assert created.status == 201, created.json
    album_id = created.json["album_id"]
    for rank in range(2, 6):
        assert local_api.post("/albums", {**PET_SOUNDS, "rank": rank, "title": f"T{rank}"}, token=token).status == 201
    first = local_api.get("/albums?limit=2", token=token)
    assert first.status == 200, first.json
    assert [a["rank"] for a in first.json["items"]] == [1, 2]
    second = local_api.get(f"/albums?limit=2&next={first.json['next']}", token=token)
    assert [a["rank"] for a in second.json["items"]] == [3, 4]
    dup = local_api.post("/albums", {**PET_SOUNDS, "rank": 9, "title": " pet SOUNDS "}, token=token)
    assert (dup.status, dup.json["code"]) == (409, "duplicate_album")
    taken = local_api.post("/albums", {**PET_SOUNDS, "rank": 2, "title": "Other"}, token=token)
    assert (taken.status, taken.json["code"]) == (409, "rank_taken")
    patched = local_api.patch(f"/albums/{album_id}", {"rank": 10}, token=token, headers={"If-Match": '"1"'})
    assert patched.status == 200
    stale = local_api.patch(f"/albums/{album_id}", {"rank": 11}, token=token, headers={"If-Match": '"1"'})
    assert (stale.status, stale.json["code"]) == (409, "version_conflict")
    assert local_api.delete(f"/albums/{album_id}", token=token).status == 204
    assert local_api.get(f"/albums/{album_id}", token=token).status == 404
    again = local_api.post("/albums", {**PET_SOUNDS, "rank": 10}, token=token)
    assert again.status == 201


def test_timing_of_one_create(repo, local_db):
    """Not a benchmark; a guard against a create that got accidentally chatty."""
    started = time.perf_counter()
    for i in range(20):
        cases(repo).create(AlbumFields(**{**PET_SOUNDS, "rank": 1000 + i, "title": str(uuid.uuid4())}))
    assert time.perf_counter() - started < 20
