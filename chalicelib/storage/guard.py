"""Turns "DynamoDB cannot serve this now" into ServiceUnavailable (503 + Retry-After),
and text DynamoDB's JSON cannot carry into a ValidationError (400).

Every DynamoDB call of the app goes through `GuardedClient`: a throttle (after botocore's
own retries) or an unreachable endpoint becomes a domain error the routes answer with a
503 problem document, instead of a 500. No request is half-written by it: each use case
stores its change with one atomic request (a PutItem, UpdateItem or transaction), so the
failed call either happened whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from chalicelib.core.aws import error_code
from chalicelib.core.errors import ServiceUnavailable, ValidationError
from chalicelib.storage.dynamo import cancellation_codes

# Capacity: the table or account is over its limits; a retry a moment later may pass.
THROTTLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "Throttling",
        "ThrottlingError",  # a transaction's cancellation reason
        "ProvisionedThroughputExceeded",  # likewise
        "InternalServerError",  # DynamoDB's own 500: retryable, not our bug
        "ServiceUnavailable",
    }
)
THROTTLE_RETRY_AFTER = 1
UNREACHABLE_RETRY_AFTER = 5


def is_throttle(exc: ClientError) -> bool:
    code = error_code(exc)
    if code in THROTTLE_CODES:
        return True
    if code == "TransactionCanceledException":
        # Throttled inside a transaction, with no condition at fault: the caller's
        # condition handling has nothing to say, so this is capacity too.
        reasons = cancellation_codes(exc)
        return any(r in THROTTLE_CODES for r in reasons) and "ConditionalCheckFailed" not in reasons
    return False


def _guarded(operation: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return operation(*args, **kwargs)
        except ClientError as exc:
            if is_throttle(exc):
                raise ServiceUnavailable(THROTTLE_RETRY_AFTER) from exc
            raise
        except (ConnectionError, HTTPClientError) as exc:  # refused, reset, timed out
            raise ServiceUnavailable(UNREACHABLE_RETRY_AFTER) from exc
        except UnicodeEncodeError as exc:
            # Text no UTF-8 encoder takes (a lone surrogate) got past the request checks
            # (chalicelib/web/problems.py): still the client's input, so a 400, never a 500.
            raise ValidationError([], "The request holds text that is not valid Unicode.") from exc

    return call


class GuardedClient:
    """A boto3 DynamoDB client whose API operations raise ServiceUnavailable for throttles
    and connection failures. Everything else (meta, exceptions, waiters) passes through."""

    def __init__(self, client: Any) -> None:
        self.wrapped = client
        # The client's API methods by their Python name (get_item, transact_write_items...).
        # A stand-in without boto3's meta (a test fake) has every callable guarded.
        meta = getattr(client, "meta", None)
        mapping = getattr(meta, "method_to_api_mapping", None)
        self._operations: frozenset[str] | None = frozenset(mapping) if isinstance(mapping, dict) else None

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.wrapped, name)
        if name.startswith("_") or not callable(target):
            return target
        if self._operations is not None and name not in self._operations:
            return target
        return _guarded(target)


def guard(client: Any) -> Any:
    """The client, guarded once (guarding a guarded client changes nothing)."""
    return client if isinstance(client, GuardedClient) else GuardedClient(client)
