"""Tools a test layer needs from the machine: skipped on a laptop without them, a failure
in CI (where a skip would hide the gap)."""

from __future__ import annotations

import os

import pytest

from scripts.devstack import missing_prerequisites


def skip_or_fail(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def require_dynamodb_local() -> None:
    """Java and the npm package, as scripts/devstack/dynamodb.py checks them."""
    problem = missing_prerequisites()
    if problem is not None:
        skip_or_fail(problem)
