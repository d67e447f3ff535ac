"""Failure-test fixtures. The local stack comes from tests/e2e/conftest.py's helpers."""

from __future__ import annotations

from tests.e2e.conftest import make_stack  # noqa: F401  (a fixture, used by name)
