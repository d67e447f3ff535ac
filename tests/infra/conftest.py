"""The packaged template (`make package`, into a temp folder) for every infra test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGE = "prod"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.infra)


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `make package STAGE=prod` writes: sam.json and deployment.zip."""
    from infra.package import package

    work = tmp_path_factory.mktemp("package")
    out = work / "out"
    package(STAGE, out, work=work)
    return out


@pytest.fixture(scope="session")
def template(package_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((package_dir / "sam.json").read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"]
    return found
