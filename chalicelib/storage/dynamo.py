"""Small helpers for the low-level DynamoDB client: attribute values and error codes.

The low-level client is used (not the resource layer) because it is lighter to import and
TransactWriteItems needs it anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.aws import error_code
from chalicelib.core.errors import InvalidCursor

Item = dict[str, dict[str, Any]]


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def get_s(item: Item, name: str, default: str | None = None) -> str | None:
    value = item.get(name)
    return value["S"] if value and "S" in value else default


def get_n(item: Item, name: str, default: int = 0) -> int:
    value = item.get(name)
    return int(value["N"]) if value and "N" in value else default


def get_ss(item: Item, name: str) -> tuple[str, ...]:
    value = item.get(name)
    return tuple(sorted(value["SS"])) if value and "SS" in value else ()


def cancellation_codes(exc: ClientError) -> list[str]:
    """Per-item reasons of a cancelled transaction, in request order ('None' = fine)."""
    reasons = exc.response.get("CancellationReasons")
    if reasons:
        return [str(r.get("Code", "None")) for r in reasons]
    # Some emulators only put the reasons in the message: "... reasons [A, None]".
    message = str(exc.response.get("Error", {}).get("Message", ""))
    if "[" in message and message.endswith("]"):
        return [part.strip() for part in message[message.rindex("[") + 1 : -1].split(",")]
    return []


def query_page(client: Any, request: dict[str, Any], limit: int, start_key: Item | None) -> dict[str, Any]:
    """One Query of at most `limit` items from `start_key`. The key came from a signed
    cursor, so a key DynamoDB refuses (another index's shape) is still the client's 400."""
    request = {**request, "Limit": limit}
    if start_key:
        request["ExclusiveStartKey"] = start_key
    try:
        response: dict[str, Any] = client.query(**request)
    except ClientError as exc:
        if start_key and error_code(exc) == "ValidationException":
            raise InvalidCursor() from exc
        raise
    return response


def drain(send: Callable[..., dict[str, Any]], request: dict[str, Any], leftover: str) -> list[dict[str, Any]]:
    """Send a batch request until DynamoDB has done all of it: it may hand part back
    (`UnprocessedKeys` / `UnprocessedItems`), which is sent again with backoff."""
    responses = []
    for attempt in range(10):
        response = send(RequestItems=request)
        responses.append(response)
        request = response.get(leftover) or {}
        if not request:
            return responses
        time.sleep(min(0.05 * 2**attempt, 2))
    raise RuntimeError("DynamoDB kept part of a batch unprocessed; try again")
