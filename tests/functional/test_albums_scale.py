"""Scale (moto edition): the access pattern of the ranked list, cheaply, on every run.

The full-size measurement (300 vs 30,000 albums) runs on DynamoDB Local in
tests/integration/test_albums_scale.py: moto is too slow for it (~30 s to insert 30,000
albums and ~13 s per Query, as moto sorts the whole partition on every call). Here the
same property is checked at 300 and 3,000 albums: a page of the ranked list is one Query
on the `by_rank` index that examines `limit` items, whatever the catalog size — a Scan,
a filter or an in-memory sort would show up as a growing ScannedCount or a second call.
Run with `pytest -s -k scale` to see the figures.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from chalicelib import services
from chalicelib.core.config import get_settings
from chalicelib.storage.albums import AlbumRecord, AlbumRepository
from scripts.synthetic_albums import index_key, records

SMALL, LARGE, LIMIT = 300, 3_000, 50


class CountingClient:
    """Delegates to the real client, counting calls by operation."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._client, name)
        if not callable(target) or name.startswith("_") or name in ("meta", "exceptions"):
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return target(*args, **kwargs)

        return counted


def measure(repo: AlbumRepository, client: CountingClient, albums: list[AlbumRecord]) -> tuple[int, int]:
    middle = albums[len(albums) // 2]
    client.calls.clear()
    first = repo.list(LIMIT, None)
    mid = repo.list(LIMIT, index_key(middle))
    assert client.calls == ["query", "query"]  # one request per page, nothing else
    assert [a.rank for a in first.items] == list(range(1, LIMIT + 1))
    assert [a.rank for a in mid.items] == list(range(middle.rank + 1, middle.rank + 1 + LIMIT))
    return first.scanned, mid.scanned


@pytest.mark.scale
def test_scale_list_reads_one_page_at_300_and_3000_albums(aws):
    client = CountingClient(aws)
    repo = AlbumRepository(client, get_settings().albums_table)
    small = records(1, SMALL)
    assert sum(services.album_repository().put_batches(small)) == SMALL
    at_small = measure(repo, client, small)

    started = time.perf_counter()
    more = records(SMALL + 1, LARGE - SMALL)
    assert sum(services.album_repository().put_batches(more)) == LARGE - SMALL
    insert_s = time.perf_counter() - started
    at_large = measure(repo, client, small + more)

    print(
        f"\n[scale/moto] inserted {LARGE - SMALL} albums in {insert_s:.1f} s"
        f"\n[scale/moto] ScannedCount (first page, middle page): {SMALL} albums {at_small}, {LARGE} albums {at_large}"
    )
    assert at_small == at_large == (LIMIT, LIMIT)
