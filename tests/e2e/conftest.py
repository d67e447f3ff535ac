"""End-to-end fixtures: the whole local stack, started the way `make dev` starts it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scripts import devstack
from tests.support.prerequisites import require_dynamodb_local


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


# The one place other suites (tests/failure) reach the local stack from: when the runner
# changes, only these helpers follow it.
Stack = devstack.Stack
StackChild = devstack.Child


def free_port() -> int:
    return devstack.find_free_port()


def new_stack(local_dir: Path, seed: bool = False, identity_backend: str = "builtin") -> devstack.Stack:
    """A stack on free ports (not started) keeping its data and logs in `local_dir`."""
    return devstack.Stack(
        api_port=free_port(),
        web_port=free_port(),
        dynamodb_port=free_port(),
        cognito_port=free_port(),
        local_dir=local_dir,
        seed=seed,
        log_to_files=True,
        identity_backend=identity_backend,
    )


def start_database(port: int, data_dir: Path | None, log_path: Path) -> devstack.Child:
    """DynamoDB Local alone (data_dir None: in memory), answering when this returns."""
    return devstack.start_dynamodb_local(port, data_dir, log_path=log_path)


def kill_stack(stack: devstack.Stack) -> None:
    """SIGKILL every process group of the stack at once: no graceful shutdown at all."""
    import signal

    for child in stack.children:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
    for child in stack.children:
        child.wait(timeout=30)
    stack.children.clear()


@pytest.fixture
def make_stack(tmp_path: Path) -> Iterator[Callable[..., devstack.Stack]]:
    """Start stacks on free ports sharing one LOCAL_DIR (so a restart finds its data), on
    the builtin identity backend unless told `identity_backend="cognito"`."""
    require_dynamodb_local()
    started: list[devstack.Stack] = []

    def start(seed: bool = False, identity_backend: str = "builtin") -> devstack.Stack:
        stack = new_stack(tmp_path / "local", seed, identity_backend)
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
