"""The local server secret: made once, owner-only, and kept across the rename from
`jwt-secret` (sealed two-step secrets and code hashes in DynamoDB Local depend on it)."""

from __future__ import annotations

import stat
from pathlib import Path

from scripts.devstack.stack import ensure_server_secret


def test_made_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / ".local" / "server-secret"
    ensure_server_secret(path)
    first = path.read_text()
    ensure_server_secret(path)
    assert path.read_text() == first
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_earlier_key_is_kept(tmp_path: Path) -> None:
    earlier = tmp_path / "jwt-secret"
    earlier.write_text("k" * 48)
    path = tmp_path / "server-secret"
    ensure_server_secret(path)
    assert path.read_text() == "k" * 48
    assert not earlier.exists()


def test_a_new_key_wins_over_a_leftover(tmp_path: Path) -> None:
    (tmp_path / "jwt-secret").write_text("old" * 16)
    path = tmp_path / "server-secret"
    path.write_text("new" * 16)
    ensure_server_secret(path)
    assert path.read_text() == "new" * 16
