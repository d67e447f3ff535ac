"""Made-up album catalogs of any size, for the scale tests and the bench (bench/loopback.py)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from chalicelib.storage.albums import CATALOG, AlbumRecord, album_key


def records(first_rank: int, count: int) -> list[AlbumRecord]:
    """`count` distinct albums ranked from `first_rank` up."""
    now = int(time.time() * 1000)
    return [
        AlbumRecord(
            album_id=str(uuid.uuid4()),
            rank=rank,
            title=f"Title {rank}",
            artist=f"Artist {rank}",
            year=1950 + rank % 70,
            genre="Rock",
            created_ms=now,
            updated_ms=now,
        )
        for rank in range(first_rank, first_rank + count)
    ]


def index_key(album: AlbumRecord) -> dict[str, Any]:
    """The by_rank key DynamoDB hands back as LastEvaluatedKey after `album`."""
    return {**album_key(album.album_id), "catalog": {"S": CATALOG}, "rank": {"N": str(album.rank)}}
