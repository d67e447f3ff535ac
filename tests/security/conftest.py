"""Fixtures of the security layer: tests that play the attacker, on both
identity backends, in-process (moto) and over HTTP against the local stack."""

from __future__ import annotations

import threading
from typing import Any

from tests.e2e.conftest import make_stack  # noqa: F401  (a fixture, used by name: the local stack)


class AtomicCalls:
    """A DynamoDB client whose every API call is atomic, as each request to DynamoDB is.
    moto evaluates a condition and applies the write in separate steps, so parallel
    threads could both pass one condition; real DynamoDB (and DynamoDB Local) never lets
    them. Only one call at a time: the checks the tests hold at a gate run outside."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._lock = threading.Lock()
        operations = getattr(getattr(real, "meta", None), "method_to_api_mapping", None)
        self._operations = set(operations or ())

    @property
    def meta(self) -> Any:
        return self._real.meta

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._real, name)
        if name not in self._operations:
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return target(*args, **kwargs)

        return call
