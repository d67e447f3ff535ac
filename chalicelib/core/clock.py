"""Time, behind a tiny seam so tests can move it instead of sleeping."""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SystemClock:
    def now_ms(self) -> int:
        return int(time.time() * 1000)


def iso_utc(ms: int) -> str:
    """ISO 8601 in UTC with a Z, to the second (docs/api.md "Times")."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
