"""Albums in DynamoDB, with their rank and artist+title claims kept in step by transactions."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.aws import error_code
from chalicelib.core.errors import DuplicateAlbum, NotFound, RankTaken, VersionConflict
from chalicelib.storage.dynamo import Item, cancellation_codes, drain, get_n, get_s, n, query_page, s
from chalicelib.storage.schema import ALBUMS_BY_RANK

CATALOG = "ALBUMS"  # the one partition of the rank index; the catalog is small
BATCH_WRITE_MAX = 25
BATCH_GET_MAX = 100

# Module-level aliases: inside the class, `list` names the method, not the builtin.
Actions = list[dict[str, Any]]
Keys = list[Item]
Records = list["AlbumRecord"]


@dataclass(frozen=True)
class AlbumRecord:
    album_id: str
    rank: int
    title: str
    artist: str
    year: int
    genre: str
    created_ms: int
    updated_ms: int
    version: int = 1


@dataclass(frozen=True)
class AlbumPage:
    items: list[AlbumRecord]
    last_key: Item | None
    scanned: int  # items DynamoDB examined for this page (ScannedCount)


def name_key(artist: str, title: str) -> str:
    """Artist and title, case-folded and trimmed, hashed to a fixed-size key."""
    folded = f"{artist.strip().casefold()}\x1f{title.strip().casefold()}"
    return hashlib.sha256(folded.encode()).hexdigest()


def album_key(album_id: str) -> Item:
    return {"pk": s(f"ALBUM#{album_id}"), "sk": s("ALBUM")}


def rank_claim_key(rank: int) -> Item:
    return {"pk": s(f"RANK#{rank}"), "sk": s("CLAIM")}


def name_claim_key(artist: str, title: str) -> Item:
    return {"pk": s(f"NAME#{name_key(artist, title)}"), "sk": s("CLAIM")}


def _item(album: AlbumRecord) -> Item:
    return {
        **album_key(album.album_id),
        "catalog": s(CATALOG),
        "album_id": s(album.album_id),
        "rank": n(album.rank),
        "title": s(album.title),
        "artist": s(album.artist),
        "year": n(album.year),
        "genre": s(album.genre),
        "created_ms": n(album.created_ms),
        "updated_ms": n(album.updated_ms),
        "version": n(album.version),
    }


def _record(item: Item) -> AlbumRecord:
    return AlbumRecord(
        album_id=get_s(item, "album_id", "") or "",
        rank=get_n(item, "rank"),
        title=get_s(item, "title", "") or "",
        artist=get_s(item, "artist", "") or "",
        year=get_n(item, "year"),
        genre=get_s(item, "genre", "") or "",
        created_ms=get_n(item, "created_ms"),
        updated_ms=get_n(item, "updated_ms"),
        version=get_n(item, "version", 1),
    )


def _claims(album: AlbumRecord) -> tuple[Item, Item]:
    owner = {"album_id": s(album.album_id)}
    return {**rank_claim_key(album.rank), **owner}, {**name_claim_key(album.artist, album.title), **owner}


class AlbumRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._db = client
        self._table = table

    def get(self, album_id: str) -> AlbumRecord | None:
        response = self._db.get_item(TableName=self._table, Key=album_key(album_id), ConsistentRead=True)
        item = response.get("Item")
        return _record(item) if item else None

    def list(self, limit: int, start_key: Item | None) -> AlbumPage:
        request = {
            "TableName": self._table,
            "IndexName": ALBUMS_BY_RANK,
            "KeyConditionExpression": "#c = :c",  # CATALOG is a DynamoDB reserved word
            "ExpressionAttributeNames": {"#c": "catalog"},
            "ExpressionAttributeValues": {":c": s(CATALOG)},
        }
        response = query_page(self._db, request, limit, start_key)
        items = [_record(i) for i in response.get("Items", [])]
        return AlbumPage(items, response.get("LastEvaluatedKey"), int(response.get("ScannedCount", len(items))))

    def is_empty(self) -> bool:
        return not self.list(1, None).items

    def _put(self, item: Item, condition: str = "attribute_not_exists(pk)") -> dict[str, Any]:
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": condition}}

    def _delete(self, key: Item, album_id: str) -> dict[str, Any]:
        # A claim is only freed by the album that holds it.
        return {
            "Delete": {
                "TableName": self._table,
                "Key": key,
                "ConditionExpression": "album_id = :id",
                "ExpressionAttributeValues": {":id": s(album_id)},
            }
        }

    def _transact(self, actions: Actions, roles: tuple[str, ...]) -> None:
        """Run one transaction; map a cancelled one to the first claim that failed."""
        try:
            self._db.transact_write_items(TransactItems=actions)
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            codes = cancellation_codes(exc)
            failed = {role for role, code in zip(roles, codes, strict=False) if code == "ConditionalCheckFailed"}
            if "album" in failed:
                raise VersionConflict() from exc
            if "name" in failed:
                raise DuplicateAlbum() from exc
            if "rank" in failed:
                raise RankTaken() from exc
            if failed:  # an old claim no longer ours: someone changed the album meanwhile
                raise VersionConflict() from exc
            if "TransactionConflict" in codes:  # DynamoDB: another transaction held an item
                raise VersionConflict() from exc
            raise

    def create(self, album: AlbumRecord) -> None:
        rank_claim, name_claim = _claims(album)
        self._transact(
            [self._put(_item(album)), self._put(rank_claim), self._put(name_claim)],
            ("album", "rank", "name"),
        )

    def replace(self, old: AlbumRecord, new: AlbumRecord) -> None:
        """Write `new` over `old` if nobody changed it since it was read, moving the claims
        whose keys changed in the same transaction."""
        item = _item(new)
        actions: Actions = [self._put(item, "version = :v")]
        actions[0]["Put"]["ExpressionAttributeValues"] = {":v": n(old.version)}
        roles: tuple[str, ...] = ("album",)
        new_rank, new_name = _claims(new)
        if new.rank != old.rank:
            actions += [self._delete(rank_claim_key(old.rank), old.album_id), self._put(new_rank)]
            roles += ("old", "rank")
        if name_key(new.artist, new.title) != name_key(old.artist, old.title):
            actions += [self._delete(name_claim_key(old.artist, old.title), old.album_id), self._put(new_name)]
            roles += ("old", "name")
        self._transact(actions, roles)

    def delete(self, album: AlbumRecord) -> None:
        actions: Actions = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": album_key(album.album_id),
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeValues": {":v": n(album.version)},
                }
            },
            self._delete(rank_claim_key(album.rank), album.album_id),
            self._delete(name_claim_key(album.artist, album.title), album.album_id),
        ]
        try:
            self._transact(actions, ("album", "old", "old"))
        except VersionConflict as exc:
            if self.get(album.album_id) is None:
                raise NotFound("No such album.") from exc
            raise

    # -- bulk loading (the seed) -----------------------------------------------------------

    def not_yet_stored(self, albums: Records) -> Records:
        """The albums none of whose keys (id, rank claim, name claim) exist yet: what a
        seed may write without overwriting anything, an admin's edits included."""
        keys_of = {
            a.album_id: [album_key(a.album_id), rank_claim_key(a.rank), name_claim_key(a.artist, a.title)]
            for a in albums
        }
        taken = self._existing_keys([key for keys in keys_of.values() for key in keys])
        return [a for a in albums if not {k["pk"]["S"] for k in keys_of[a.album_id]} & taken]

    def _existing_keys(self, keys: Keys) -> set[str]:
        """Which of these keys exist, as 'pk' strings; BatchGetItem in chunks of 100."""
        found: set[str] = set()
        for start in range(0, len(keys), BATCH_GET_MAX):
            request: dict[str, Any] = {
                self._table: {"Keys": keys[start : start + BATCH_GET_MAX], "ProjectionExpression": "pk"}
            }
            for response in drain(self._db.batch_get_item, request, "UnprocessedKeys"):
                found.update(get_s(i, "pk", "") or "" for i in response.get("Responses", {}).get(self._table, []))
        return found

    def put_batches(self, albums: Iterable[AlbumRecord]) -> Iterator[int]:
        """Unconditional bulk write of albums with their claims, 25 items a request,
        retrying unprocessed items with backoff. Yields albums written, batch by batch.
        The caller makes sure nothing it writes is taken (`not_yet_stored`)."""
        per_batch = BATCH_WRITE_MAX // 3
        pending = list(albums)
        for start in range(0, len(pending), per_batch):
            chunk = pending[start : start + per_batch]
            writes = []
            for album in chunk:
                writes += [{"PutRequest": {"Item": item}} for item in (_item(album), *_claims(album))]
            drain(self._db.batch_write_item, {self._table: writes}, "UnprocessedItems")
            yield len(chunk)
