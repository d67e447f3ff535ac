"""A real Amazon DynamoDB Local for the session (in memory), fresh tables per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts import devstack
from tests.support.prerequisites import require_dynamodb_local


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def identity_backend() -> str:
    """Repositories do not depend on the identity backend: run these once, not per backend
    (the Cognito backend's repository has its own tests here)."""
    return "builtin"


@pytest.fixture(scope="session")
def dynamodb_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_dynamodb_local()
    port = devstack.find_free_port()
    log = tmp_path_factory.mktemp("dynamodb") / "dynamodb.log"
    child = devstack.start_dynamodb_local(port, None, log_path=log)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        child.stop()


@pytest.fixture
def local_db(dynamodb_local: str, monkeypatch: pytest.MonkeyPatch, app_env: Path) -> Iterator[Any]:
    """A DynamoDB Local client with freshly created, uniquely named tables."""
    from chalicelib import services
    from scripts.tables import create_tables

    suffix = uuid.uuid4().hex[:8]
    users, albums = f"it-users-{suffix}", f"it-albums-{suffix}"
    monkeypatch.setenv("DYNAMODB_ENDPOINT", dynamodb_local)
    monkeypatch.setenv("USERS_TABLE", users)
    monkeypatch.setenv("ALBUMS_TABLE", albums)
    services.reset()
    client = services.dynamodb_client()
    create_tables(client, users, albums)
    yield client
    for table in (users, albums):
        client.delete_table(TableName=table)
