"""End-to-end fixtures: the whole local stack, started the way `make dev` starts it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scripts import devstack
from tests.support.prerequisites import require_dynamodb_local


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def make_stack(tmp_path: Path) -> Iterator[Callable[..., devstack.Stack]]:
    """Start stacks on free ports sharing one LOCAL_DIR (so a restart finds its data), on
    the builtin identity backend unless told `identity_backend="cognito"`."""
    require_dynamodb_local()
    started: list[devstack.Stack] = []

    def start(seed: bool = False, identity_backend: str = "builtin") -> devstack.Stack:
        stack = devstack.Stack(
            api_port=devstack.find_free_port(),
            web_port=devstack.find_free_port(),
            dynamodb_port=devstack.find_free_port(),
            cognito_port=devstack.find_free_port(),
            local_dir=tmp_path / "local",
            seed=seed,
            log_to_files=True,
            identity_backend=identity_backend,
        )
        started.append(stack)
        return stack.start()

    yield start
    for stack in started:
        stack.stop()


@pytest.fixture(scope="session")
def shared_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[devstack.Stack]:
    """One unseeded in-memory stack for the tests that only read or add (fuzzing, the
    local API server's edge cases): started once, not per test."""
    require_dynamodb_local()
    stack = devstack.Stack(
        api_port=devstack.find_free_port(),
        web_port=devstack.find_free_port(),
        dynamodb_port=devstack.find_free_port(),
        local_dir=tmp_path_factory.mktemp("shared-stack"),
        in_memory=True,
        log_to_files=True,
    )
    with stack:
        yield stack
