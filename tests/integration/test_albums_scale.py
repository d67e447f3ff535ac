"""Scale: the ranked album list reads what it returns, however big the catalog.

GET /albums is one Query on the `by_rank` index with Limit: DynamoDB examines (and bills)
`limit` items per page whether the catalog holds 300 albums or 30,000. A Scan, a filter
expression or an in-memory sort would make ScannedCount grow with the table; this test
measures it at both sizes, at the first page and in the middle, on DynamoDB Local
(moto needs ~13 s per query at 30,000 albums, too slow for the suite).
Run with `pytest -s -k scale` to see the figures.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from chalicelib import services
from chalicelib.storage.albums import AlbumRecord, AlbumRepository
from scripts.synthetic_albums import index_key, records

SMALL, LARGE, LIMIT = 300, 30_000, 50


def measure(repo: AlbumRepository, albums: list[AlbumRecord]) -> dict[str, Any]:
    middle = albums[len(albums) // 2]
    started = time.perf_counter()
    first = repo.list(LIMIT, None)
    first_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    mid = repo.list(LIMIT, index_key(middle))
    mid_ms = (time.perf_counter() - started) * 1000
    assert [a.rank for a in first.items] == list(range(1, LIMIT + 1))
    assert [a.rank for a in mid.items] == list(range(middle.rank + 1, middle.rank + 1 + LIMIT))
    assert first.last_key and mid.last_key
    return {"first": first.scanned, "middle": mid.scanned, "first_ms": first_ms, "middle_ms": mid_ms}


@pytest.mark.scale
def test_scale_list_reads_one_page_at_300_and_30000_albums(local_db):
    repo = services.album_repository()
    small = records(1, SMALL)
    assert sum(repo.put_batches(small)) == SMALL
    at_small = measure(repo, small)

    more = records(SMALL + 1, LARGE - SMALL)
    started = time.perf_counter()
    assert sum(repo.put_batches(more)) == LARGE - SMALL
    insert_s = time.perf_counter() - started
    large = small + more
    at_large = measure(repo, large)

    print(
        f"\n[scale] inserted {LARGE - SMALL} albums ({3 * (LARGE - SMALL)} items, "
        f"{-(-(LARGE - SMALL) // 8)} BatchWriteItem calls) in {insert_s:.1f} s on DynamoDB Local"
        f"\n[scale] {SMALL:>6} albums: ScannedCount first page {at_small['first']}, middle {at_small['middle']}"
        f" ({at_small['first_ms']:.0f} ms, {at_small['middle_ms']:.0f} ms)"
        f"\n[scale] {LARGE:>6} albums: ScannedCount first page {at_large['first']}, middle {at_large['middle']}"
        f" ({at_large['first_ms']:.0f} ms, {at_large['middle_ms']:.0f} ms)"
    )
    assert at_small["first"] == at_small["middle"] == LIMIT
    assert at_large["first"] == at_large["middle"] == LIMIT

    # The last page reads only what is left.
    last = repo.list(LIMIT, index_key(large[-11]))
    assert [a.rank for a in last.items] == list(range(LARGE - 9, LARGE + 1))
    assert last.scanned == 10
