"""Helpers for the album route tests: sample albums, problem checks, and shortcuts."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from typing import Any

from chalicelib import services
from chalicelib.core import paging
from chalicelib.core.config import get_settings
from chalicelib.storage.albums import AlbumRecord

PROBLEM_JSON = "application/problem+json"
FIELDS = ("rank", "title", "artist", "year", "genre")
NEXT_YEAR = dt.datetime.now(dt.UTC).year + 1
PET_SOUNDS = {"rank": 1, "title": "Pet Sounds", "artist": "The Beach Boys", "year": 1966, "genre": "Pop"}
REVOLVER = {"rank": 2, "title": "Revolver", "artist": "The Beatles", "year": 1966, "genre": "Rock"}
BLUE = {"rank": 3, "title": "Blue", "artist": "Joni Mitchell", "year": 1971, "genre": "Folk"}


def problem(reply: Any, status: int, code: str, case: Any = None) -> dict[str, Any]:
    """Assert a problem document; `case` names the input in a failure message."""
    assert reply.status == status, (case, reply.status, reply.raw[:300])
    assert (reply.header("Content-Type") or "").startswith(PROBLEM_JSON), (case, reply.headers)
    body = reply.json
    assert body["status"] == status, case
    assert body["code"] == code, (case, body)
    assert body["type"] == "about:blank", case
    assert body["title"] and body["detail"], case
    return body


def field_errors(reply: Any, case: Any = None) -> set[str]:
    body = problem(reply, 400, "validation_error", case)
    return {e["field"] for e in body["errors"]}


def create(api: Any, token: str, album: dict[str, Any]) -> dict[str, Any]:
    reply = api.post("/albums", album, token=token)
    assert reply.status == 201, reply.json
    return dict(reply.json)


def fetch(api: Any, token: str, album_id: str) -> tuple[dict[str, Any], str]:
    reply = api.get(f"/albums/{album_id}", token=token)
    assert reply.status == 200, reply.json
    return reply.json, reply.header("ETag") or ""


def list_all(api: Any, token: str, limit: int = 100) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    path = f"/albums?limit={limit}"
    while True:
        reply = api.get(path, token=token)
        assert reply.status == 200, reply.json
        items += reply.json["items"]
        if reply.json["next"] is None:
            return items
        path = f"/albums?limit={limit}&next={reply.json['next']}"


def put_albums(count: int, first_rank: int = 1, step: int = 1) -> list[AlbumRecord]:
    """Write albums straight through the repository's bulk path (what the seed uses)."""
    now = int(time.time() * 1000)
    records = [
        AlbumRecord(
            album_id=str(uuid.uuid4()),
            rank=first_rank + i * step,
            title=f"Title {i}",
            artist=f"Artist {i}",
            year=1950 + i % 70,
            genre="Rock",
            created_ms=now,
            updated_ms=now,
        )
        for i in range(count)
    ]
    assert sum(services.album_repository().put_batches(records)) == count
    return records


def cursor_of(list_name: str, key: dict[str, Any], issued: int) -> str:
    """A page token signed with the server key exactly as paging.PageTokens signs one."""
    payload = json.dumps({"l": list_name, "k": key, "t": issued}, separators=(",", ":")).encode()
    return f"{paging._b64(payload)}.{paging._b64(paging.PageTokens(get_settings().secret_key)._mac(payload))}"


def public(album: dict[str, Any]) -> dict[str, Any]:
    return {k: album[k] for k in FIELDS}
