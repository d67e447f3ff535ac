"""The catalog seed (scripts.admin.seed) on moto: complete, idempotent, never overwriting,
and polite to DynamoDB (batches of at most 25 items, unprocessed items retried)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib import services
from chalicelib.storage.albums import BATCH_WRITE_MAX, AlbumRecord, AlbumRepository
from chalicelib.usecases.catalog import Albums
from chalicelib.usecases.inputs import AlbumFields, AlbumPatch
from scripts.admin import SEED_FILE, load_seed, seed
from tests.conftest import ALBUMS_TABLE


def cases(repo: AlbumRepository) -> Albums:
    """The album use cases on this repository."""
    return Albums(repo, services.page_tokens())


def every_album(repo: AlbumRepository) -> list[AlbumRecord]:
    """The whole catalog, walked page by page through the ranked list."""
    albums: list[AlbumRecord] = []
    key = None
    while True:
        page = repo.list(100, key)
        albums += page.items
        key = page.last_key
        if not key:
            return albums


def fields(album: AlbumRecord) -> dict[str, Any]:
    return {"rank": album.rank, "title": album.title, "artist": album.artist, "year": album.year, "genre": album.genre}


class RecordingClient:
    """Delegates to the real client; remembers every BatchWriteItem request's size."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.batch_sizes: list[int] = []
        self.batch_requests: list[list[dict[str, Any]]] = []

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        writes = [w for table_writes in RequestItems.values() for w in table_writes]
        self.batch_sizes.append(len(writes))
        self.batch_requests.append(writes)
        return self._client.batch_write_item(RequestItems=RequestItems)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class FlakyClient(RecordingClient):
    """The first BatchWriteItem writes only `keep` items and hands the rest back as
    UnprocessedItems, as DynamoDB does under throttling; the first BatchGetItem likewise
    answers half its keys and returns the rest as UnprocessedKeys."""

    def __init__(self, client: Any, keep: int) -> None:
        super().__init__(client)
        self.keep = keep
        self.unprocessed: list[dict[str, Any]] = []
        self.unprocessed_keys: list[dict[str, Any]] = []
        self.get_calls = 0

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        if self.unprocessed or len(self.batch_sizes) > 0:
            return super().batch_write_item(RequestItems)
        ((table, writes),) = RequestItems.items()
        self.batch_sizes.append(len(writes))
        self.batch_requests.append(writes)
        done, self.unprocessed = writes[: self.keep], writes[self.keep :]
        self._client.batch_write_item(RequestItems={table: done})
        return {"UnprocessedItems": {table: self.unprocessed}}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.get_calls += 1
        if self.get_calls > 1:
            return self._client.batch_get_item(RequestItems=RequestItems)
        ((table, request),) = RequestItems.items()
        keys = request["Keys"]
        half, self.unprocessed_keys = keys[: len(keys) // 2], keys[len(keys) // 2 :]
        response = self._client.batch_get_item(RequestItems={table: {**request, "Keys": half}})
        response["UnprocessedKeys"] = {table: {**request, "Keys": self.unprocessed_keys}}
        return dict(response)


@pytest.fixture
def entries() -> list[dict[str, Any]]:
    return load_seed(SEED_FILE)


@pytest.fixture
def some(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Enough of the seed for many batches (8 albums each) and BatchGetItem chunks
    (100 keys each), small enough that moto walks it quickly."""
    return entries[:150]


def test_seed_file_is_valid_and_has_unique_ranks_and_names(entries):
    assert len(entries) >= 100
    assert len({e["rank"] for e in entries}) == len(entries)
    assert len({(e["artist"].casefold(), e["title"].casefold()) for e in entries}) == len(entries)


def test_seed_loads_every_album(aws, entries):
    repo = services.album_repository()
    assert repo.is_empty()
    written, skipped = seed(repo, entries, progress=False)
    assert (written, skipped) == (len(entries), 0)
    albums = every_album(repo)
    assert [fields(a) for a in albums] == sorted(entries, key=lambda e: e["rank"])
    assert len({a.album_id for a in albums}) == len(entries)
    assert all(a.version == 1 for a in albums)
    assert not repo.is_empty()
    # Running it again over the whole file writes nothing and changes nothing.
    assert seed(repo, entries, progress=False) == (0, len(entries))
    assert every_album(repo) == albums


def test_seeded_albums_hold_their_claims(aws, some):
    repo = services.album_repository()
    seed(repo, some, progress=False)
    first = min(some, key=lambda e: e["rank"])
    other = {"rank": 99_999, "title": "Somebody Else", "artist": "Nobody", "year": 2000, "genre": "Pop"}
    with pytest.raises(Exception) as rank_taken:
        cases(repo).create(AlbumFields(**{**other, "rank": first["rank"]}))
    assert getattr(rank_taken.value, "code", None) == "rank_taken"
    with pytest.raises(Exception) as duplicate:
        cases(repo).create(AlbumFields(**{**other, "title": first["title"].upper(), "artist": first["artist"]}))
    assert getattr(duplicate.value, "code", None) == "duplicate_album"


def test_second_run_writes_nothing_and_changes_nothing(aws, some):
    repo = services.album_repository()
    seed(repo, some, progress=False)
    before = every_album(repo)
    client = RecordingClient(services.dynamodb_client())
    written, skipped = seed(AlbumRepository(client, ALBUMS_TABLE), some, progress=False)
    assert (written, skipped) == (0, len(some))
    assert client.batch_sizes == []  # not a single write
    assert every_album(repo) == before  # same ids, same timestamps, same versions


def test_admin_changes_are_never_overwritten(aws, some):
    repo = services.album_repository()
    first, second, third = sorted(some, key=lambda e: e["rank"])[:3]
    # An admin took the first seed album's rank for another album ...
    squatter = cases(repo).create(
        AlbumFields(rank=first["rank"], title="Not In The Seed", artist="Admin", year=2001, genre="Jazz")
    )
    # ... and created the second seed album by hand at another rank.
    by_hand = cases(repo).create(AlbumFields(**{**second, "rank": 77_777, "title": second["title"].lower()}))
    written, skipped = seed(repo, some, progress=False)
    assert (written, skipped) == (len(some) - 2, 2)
    assert repo.get(squatter.album_id) == squatter
    assert repo.get(by_hand.album_id) == by_hand
    albums = every_album(repo)
    assert len(albums) == len(some)
    assert [a.album_id for a in albums if a.rank == first["rank"]] == [squatter.album_id]
    assert not [a for a in albums if a.rank == second["rank"]]

    # An edit of a seeded album survives a re-seed too.
    seeded = next(a for a in albums if a.rank == third["rank"])
    edited = cases(repo).update(seeded.album_id, AlbumPatch(genre="Edited", rank=88_888))
    assert seed(repo, some, progress=False) == (0, len(some))
    assert repo.get(seeded.album_id) == edited
    assert not [a for a in every_album(repo) if a.rank == third["rank"]]


def test_a_deleted_seed_album_comes_back_on_the_next_run(aws, some):
    repo = services.album_repository()
    seed(repo, some, progress=False)
    gone = next(a for a in every_album(repo) if a.rank == some[0]["rank"])
    cases(repo).delete(gone.album_id)
    assert seed(repo, some, progress=False) == (1, len(some) - 1)
    back = repo.get(gone.album_id)
    assert back is not None
    assert fields(back) == fields(gone)


def write_seed(tmp_path: Path, entries: list[Any]) -> Path:
    path = tmp_path / "albums.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


GOOD = {"rank": 1, "title": "Pet Sounds", "artist": "The Beach Boys", "year": 1966, "genre": "Pop"}


@pytest.mark.parametrize(
    "bad",
    [
        {**GOOD, "rank": 2, "year": "1999"},
        {**GOOD, "rank": 0},
        {**GOOD, "rank": True},
        {k: v for k, v in GOOD.items() if k != "genre"},
        {**GOOD, "rank": 2, "label": "Capitol"},
        {**GOOD, "rank": 2, "title": ""},
        {**GOOD, "rank": 2, "year": 1899},
        "Pet Sounds",
    ],
)
def test_load_seed_rejects_an_invalid_entry(tmp_path, bad):
    path = write_seed(tmp_path, [GOOD, bad])
    with pytest.raises(SystemExit) as refused:
        load_seed(path)
    assert "entry 1 is not a valid album" in str(refused.value)


def test_load_seed_normalizes_like_the_api(tmp_path):
    path = write_seed(tmp_path, [{**GOOD, "title": "  Pet Sounds ", "genre": " Pop"}])
    assert load_seed(path) == [GOOD]


def test_batches_never_exceed_25_items_and_keep_albums_with_their_claims(aws, some):
    client = RecordingClient(services.dynamodb_client())
    written, _ = seed(AlbumRepository(client, ALBUMS_TABLE), some, progress=False)
    assert written == len(some)
    assert client.batch_sizes
    assert max(client.batch_sizes) <= BATCH_WRITE_MAX
    assert sum(client.batch_sizes) == 3 * len(some)  # album + rank claim + name claim each
    assert all(size % 3 == 0 for size in client.batch_sizes)
    for writes in client.batch_requests:
        keys = [w["PutRequest"]["Item"]["pk"]["S"] for w in writes]
        assert len(keys) == len(set(keys))  # BatchWriteItem refuses duplicate keys
    assert len(every_album(services.album_repository())) == len(some)


def test_unprocessed_items_and_keys_are_retried(aws, some):
    client = FlakyClient(services.dynamodb_client(), keep=5)
    written, skipped = seed(AlbumRepository(client, ALBUMS_TABLE), some, progress=False)
    assert (written, skipped) == (len(some), 0)
    assert client.unprocessed  # the first batch really came back partly unprocessed
    assert client.batch_requests[1] == client.unprocessed  # and exactly those items were sent again
    assert max(client.batch_sizes) <= BATCH_WRITE_MAX
    assert client.unprocessed_keys and client.get_calls > 1
    albums = every_album(services.album_repository())
    assert [fields(a) for a in albums] == sorted(some, key=lambda e: e["rank"])


def test_unprocessed_keys_are_not_mistaken_for_free_ones(aws, some):
    """A retried BatchGetItem must still find what exists: the second run skips all."""
    repo = services.album_repository()
    seed(repo, some, progress=False)
    before = every_album(repo)
    client = FlakyClient(services.dynamodb_client(), keep=5)
    assert seed(AlbumRepository(client, ALBUMS_TABLE), some, progress=False) == (0, len(some))
    assert client.batch_sizes == []
    assert every_album(repo) == before


def test_load_seed_refuses_repeated_ranks_and_names(tmp_path):
    import json

    import pytest as _pytest

    from scripts.admin import load_seed

    base = {"rank": 1, "title": "Blue", "artist": "Joni Mitchell", "year": 1971, "genre": "Folk"}
    for second in ({**base, "title": "Court and Spark"}, {**base, "rank": 2, "title": " BLUE "}):
        path = tmp_path / "albums.json"
        path.write_text(json.dumps([base, second]))
        with _pytest.raises(SystemExit, match="repeats a rank or an artist"):
            load_seed(path)
