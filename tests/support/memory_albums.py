"""An in-memory album repository that behaves like `AlbumRepository` on DynamoDB.

For fast use-case tests. It keeps the same three kinds of items as the table (the album,
its rank claim, its artist+title claim), checks the same conditions, and maps a refused
write to the same exception with the same precedence as `AlbumRepository._transact`.
tests/functional/test_album_repository_contract.py runs one set of behaviour tests against
both, so the two cannot drift apart.

Where DynamoDB and moto differ, this follows DynamoDB: a full page always carries a
`last_key` (the next page may then be empty), and a start key of the wrong shape is an
InvalidCursor.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from chalicelib.core.errors import DuplicateAlbum, InvalidCursor, NotFound, RankTaken, VersionConflict
from chalicelib.storage.albums import (
    BATCH_WRITE_MAX,
    CATALOG,
    AlbumPage,
    AlbumRecord,
    Records,
    album_key,
    name_key,
)
from chalicelib.storage.dynamo import Item, n, s

# The key shape of the rank index's LastEvaluatedKey: the table key plus the index key.
_START_KEY_SHAPE = {"pk": "S", "sk": "S", "catalog": "S", "rank": "N"}


def _position(album: AlbumRecord) -> tuple[int, str]:
    # Ranks are unique, so rank alone orders the index; the id only breaks ties that
    # put_batches (unconditional, like the real one) could create.
    return album.rank, album.album_id


def _start_position(start_key: Item) -> tuple[int, str]:
    """Where a page resumes; InvalidCursor when the key is not one this index hands out
    (DynamoDB answers such a key with a ValidationException, which query_page maps)."""
    try:
        if set(start_key) != set(_START_KEY_SHAPE):
            raise ValueError("not a rank-index key")
        values = {name: start_key[name][kind] for name, kind in _START_KEY_SHAPE.items()}
        if values["catalog"] != CATALOG or values["sk"] != "ALBUM" or not values["pk"].startswith("ALBUM#"):
            raise ValueError("not an album")
        return int(values["rank"]), values["pk"].removeprefix("ALBUM#")
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidCursor() from exc


def _last_key(album: AlbumRecord) -> Item:
    return {**album_key(album.album_id), "catalog": s(CATALOG), "rank": n(album.rank)}


class InMemoryAlbumRepository:
    """Same methods and observable behaviour as AlbumRepository; one lock stands in for
    DynamoDB's transactions, so each write is all-or-nothing and racing tests stay sound."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._albums: dict[str, AlbumRecord] = {}
        self._rank_claims: dict[int, str] = {}  # rank -> album id (RANK#<rank> / CLAIM)
        self._name_claims: dict[str, str] = {}  # name_key -> album id (NAME#<hash> / CLAIM)

    # -- reads --------------------------------------------------------------------------------

    def get(self, album_id: str) -> AlbumRecord | None:
        with self._lock:
            return self._albums.get(album_id)

    def list(self, limit: int, start_key: Item | None) -> AlbumPage:
        if limit < 1:  # DynamoDB's Limit is at least 1; botocore refuses a smaller one
            raise ValueError("limit must be at least 1")
        after = _start_position(start_key) if start_key else None
        with self._lock:
            ordered = sorted(self._albums.values(), key=_position)
        if after is not None:
            ordered = [a for a in ordered if _position(a) > after]
        items = ordered[:limit]
        # Like DynamoDB (not moto): a page that reached the limit says where to go on,
        # even when nothing follows.
        last_key = _last_key(items[-1]) if len(items) == limit else None
        return AlbumPage(items, last_key, len(items))

    def is_empty(self) -> bool:
        return not self.list(1, None).items

    def stored_keys(self) -> dict[str, str]:
        """Every item as the table would hold it: pk -> the album id it belongs to. For
        tests that check no claim is left behind or missing."""
        with self._lock:
            return {
                **{f"ALBUM#{album_id}": album_id for album_id in self._albums},
                **{f"RANK#{rank}": owner for rank, owner in self._rank_claims.items()},
                **{f"NAME#{key}": owner for key, owner in self._name_claims.items()},
            }

    # -- conditional writes -------------------------------------------------------------------

    def create(self, album: AlbumRecord) -> None:
        name = name_key(album.artist, album.title)
        with self._lock:
            # The same precedence as AlbumRepository._transact: album, then name, then rank.
            if album.album_id in self._albums:
                raise VersionConflict()
            if name in self._name_claims:
                raise DuplicateAlbum()
            if album.rank in self._rank_claims:
                raise RankTaken()
            self._albums[album.album_id] = album
            self._rank_claims[album.rank] = album.album_id
            self._name_claims[name] = album.album_id

    def replace(self, old: AlbumRecord, new: AlbumRecord) -> None:
        """Write `new` over `old` if the stored version is still old's; move the claims
        whose keys changed. Every condition is checked before anything is written."""
        old_name, new_name = name_key(old.artist, old.title), name_key(new.artist, new.title)
        moves_rank, moves_name = new.rank != old.rank, new_name != old_name
        with self._lock:
            stored = self._albums.get(new.album_id)
            if stored is None or stored.version != old.version:
                raise VersionConflict()
            if moves_name and new_name in self._name_claims:
                raise DuplicateAlbum()
            if moves_rank and new.rank in self._rank_claims:
                raise RankTaken()
            # An old claim no longer ours: someone changed the album meanwhile.
            if moves_rank and self._rank_claims.get(old.rank) != old.album_id:
                raise VersionConflict()
            if moves_name and self._name_claims.get(old_name) != old.album_id:
                raise VersionConflict()
            self._albums[new.album_id] = new
            if moves_rank:
                del self._rank_claims[old.rank]
                self._rank_claims[new.rank] = new.album_id
            if moves_name:
                del self._name_claims[old_name]
                self._name_claims[new_name] = new.album_id

    def delete(self, album: AlbumRecord) -> None:
        name = name_key(album.artist, album.title)
        with self._lock:
            stored = self._albums.get(album.album_id)
            if stored is None:
                raise NotFound("No such album.")
            if (
                stored.version != album.version
                or self._rank_claims.get(album.rank) != album.album_id
                or self._name_claims.get(name) != album.album_id
            ):
                raise VersionConflict()
            del self._albums[album.album_id]
            del self._rank_claims[album.rank]
            del self._name_claims[name]

    # -- bulk loading (the seed) --------------------------------------------------------------

    def not_yet_stored(self, albums: Records) -> Records:
        with self._lock:
            return [
                a
                for a in albums
                if a.album_id not in self._albums
                and a.rank not in self._rank_claims
                and name_key(a.artist, a.title) not in self._name_claims
            ]

    def put_batches(self, albums: Iterable[AlbumRecord]) -> Iterator[int]:
        """Unconditional, like the real one: overwrites the album and both claims, and
        leaves a replaced album's old claims where they were. Same batch sizes."""
        per_batch = BATCH_WRITE_MAX // 3
        pending = list(albums)
        for start in range(0, len(pending), per_batch):
            chunk = pending[start : start + per_batch]
            with self._lock:
                for album in chunk:
                    self._albums[album.album_id] = album
                    self._rank_claims[album.rank] = album.album_id
                    self._name_claims[name_key(album.artist, album.title)] = album.album_id
            yield len(chunk)
