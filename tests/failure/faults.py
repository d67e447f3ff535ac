"""A DynamoDB client that fails on purpose, from the Nth call on."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError

THROTTLE_CODES = ("ProvisionedThroughputExceededException", "RequestLimitExceeded", "ThrottlingException")


def throttle_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "Rate exceeded (injected)"}}, operation)


class FaultyClient:
    """Delegates to a real client; from call number `fail_from` (0-based) on, every API
    call raises `error` instead (a ClientError code, or "unreachable"), or only the next
    `fail_count` calls."""

    def __init__(self, real: Any, error: str, fail_from: int = 0, fail_count: int | None = None) -> None:
        self._real = real
        self._error = error
        self._fail_from = fail_from
        # None: every call from `fail_from` on fails; else only that many (a passing blip).
        self._fail_until = None if fail_count is None else fail_from + fail_count
        self.calls: list[str] = []
        self.failed: list[str] = []
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
            index = len(self.calls)
            self.calls.append(name)
            if index >= self._fail_from and (self._fail_until is None or index < self._fail_until):
                self.failed.append(name)
                if self._error == "unreachable":
                    raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9/")
                raise throttle_error(self._error, name)
            return target(*args, **kwargs)

        return call
