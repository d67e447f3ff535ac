"""`make dev`'s runner: the whole local stack starts, answers, and stops cleanly."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.devstack import Child, Stack, find_free_port
from tests.support.prerequisites import require_dynamodb_local

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    require_dynamodb_local()
    stack = Stack(
        api_port=find_free_port(),
        web_port=find_free_port(),
        dynamodb_port=find_free_port(),
        local_dir=tmp_path / "local",
        seed=False,
        log_to_files=True,
        in_memory=True,
    )
    with stack:
        yield stack


def _wait_gone(children: list[Child], timeout: float = 10.0) -> list[str]:
    """Names of the children whose process group still has a live process."""
    deadline = time.monotonic() + timeout
    alive = children
    while alive and time.monotonic() < deadline:
        alive = [c for c in alive if c.poll() is None or c.group_alive()]
        time.sleep(0.1)
    return [c.name for c in alive]


def test_stack_serves_api_and_web_then_stops_every_process(stack: Stack) -> None:
    with urllib.request.urlopen(stack.api_url + "/health", timeout=10) as response:
        assert response.status == 200
        assert response.headers.get_content_type() == "application/json"
        assert json.load(response) == {"status": "ok"}

    with urllib.request.urlopen(stack.web_url + "/", timeout=10) as response:
        assert response.status == 200
        assert response.headers.get_content_type() == "text/html"
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert f"connect-src 'self' {stack.api_url} " in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert b"<html" in response.read().lower()

    with urllib.request.urlopen(stack.web_url + "/config.js", timeout=10) as response:
        expected = f'export const API_BASE_URL = "{stack.api_url}";\n'
        assert response.read().decode() == expected

    children = list(stack.children)
    assert sorted(c.name for c in children) == ["api", "dynamodb", "web"]
    stack.stop()
    assert stack.children == []
    assert _wait_gone(children) == []
    stack.stop()  # idempotent
