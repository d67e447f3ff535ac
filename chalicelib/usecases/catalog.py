"""Album use cases: create, read, change and delete, on top of the album repository.

Built like the account use cases (chalicelib/usecases/accounts.py): a class whose repository,
clock and sleep are handed in by the container (chalicelib/services.py), so tests can
move time and skip the retry pauses."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, NamedTuple

from chalicelib.core.clock import Clock, SystemClock
from chalicelib.core.errors import NotFound, VersionConflict
from chalicelib.usecases.inputs import AlbumFields, AlbumPatch

if TYPE_CHECKING:  # the repository (and botocore) load with the first request, not with app.py
    from chalicelib.core.paging import PageTokens
    from chalicelib.storage.albums import AlbumRecord, AlbumRepository

PATCH_ATTEMPTS = 10
# An expected version (If-Match, parsed at the HTTP edge): None for "no condition", else
# the version the caller last read. Versions start at 1, so these two name none of them.
ANY_VERSION = 0  # If-Match: *: whichever version is current, but a concurrent change is a 409
NO_VERSION = -1  # an If-Match that names no version at all: always a 409


def _valid_id(album_id: str) -> bool:
    try:
        return str(uuid.UUID(album_id)) == album_id
    except ValueError:
        return False


class Page(NamedTuple):
    items: list[AlbumRecord]
    next_token: str | None


class Albums:
    def __init__(
        self,
        repository: AlbumRepository,
        page_tokens: PageTokens,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.repository = repository
        self._tokens = page_tokens
        self._clock = clock or SystemClock()
        self._sleep = sleep

    def list_page(self, limit: int, page_token: str | None) -> Page:
        """One page in rank order; the tokens hide the DynamoDB key from clients."""
        page = self.repository.list(limit, self._tokens.decode("albums", page_token))
        return Page(page.items, self._tokens.encode("albums", page.last_key))

    def get(self, album_id: str) -> AlbumRecord:
        album = self.repository.get(album_id) if _valid_id(album_id) else None
        if album is None:
            raise NotFound("No such album.")
        return album

    def create(self, fields: AlbumFields) -> AlbumRecord:
        from chalicelib.storage.albums import AlbumRecord

        now = self._clock.now_ms()
        album = AlbumRecord(album_id=str(uuid.uuid4()), created_ms=now, updated_ms=now, version=1, **asdict(fields))
        self.repository.create(album)
        return album

    def update(
        self, album_id: str, changes: AlbumFields | AlbumPatch, expected_version: int | None = None
    ) -> AlbumRecord:
        """PUT (all fields) or PATCH (some). With an expected version, a stale one is a 409;
        without, a concurrent change is re-read and the request's fields applied on top, so
        neither edit is silently lost."""
        fields = {name: value for name, value in asdict(changes).items() if value is not None}
        for attempt in range(PATCH_ATTEMPTS):
            if attempt:
                self._sleep(random.uniform(0, 0.01 * attempt))  # jitter: racers spread out
            current = self.get(album_id)
            if expected_version is not None and expected_version not in (current.version, ANY_VERSION):
                raise VersionConflict()
            changed = replace(current, **fields, updated_ms=self._clock.now_ms(), version=current.version + 1)
            try:
                self.repository.replace(current, changed)
                return changed
            except VersionConflict:
                if expected_version is not None:
                    raise
        raise VersionConflict()

    def delete(self, album_id: str, expected_version: int | None = None) -> None:
        current = self.get(album_id)
        if expected_version is not None and expected_version not in (current.version, ANY_VERSION):
            raise VersionConflict()
        self.repository.delete(current)
