"""Opaque page tokens for every list (`?next=`).

A token wraps whatever the backend needs to continue a list (a DynamoDB key, Cognito's
PaginationToken), bound to one list and signed with the server key, so a client can
neither forge one nor replay one against another list. Use cases and providers only see
`str | None`; what is inside stays the backend's business.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any

from chalicelib.core.errors import InvalidCursor

TOKEN_TTL_SECONDS = 24 * 3600  # an older token is stale: start the list again
MAX_TOKEN_CHARS = 2048


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PageTokens:
    def __init__(self, secret: str) -> None:
        self._key = f"cursor:{secret}".encode()

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:16]

    def encode(self, list_name: str, position: dict[str, Any] | None) -> str | None:
        """The token for `position` (None at the end of the list)."""
        if not position:
            return None
        payload = json.dumps({"l": list_name, "k": position, "t": int(time.time())}, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def decode(self, list_name: str, token: str | None) -> dict[str, Any] | None:
        """The position a token names, or None for the first page; InvalidCursor (400) otherwise."""
        if token is None or token == "":
            return None
        try:
            if len(token) > MAX_TOKEN_CHARS:
                raise ValueError("too long")
            payload_b64, mac_b64 = token.split(".")
            payload = _unb64(payload_b64)
            if not hmac.compare_digest(self._mac(payload), _unb64(mac_b64)):
                raise ValueError("bad signature")
            data = json.loads(payload)
        except (ValueError, binascii.Error) as exc:
            raise InvalidCursor() from exc
        if not isinstance(data, dict) or data.get("l") != list_name or not isinstance(data.get("k"), dict):
            raise InvalidCursor()
        issued = data.get("t")
        # Whole seconds on both sides: an int of any size compares without a float overflow.
        if type(issued) is not int or not 0 <= int(time.time()) - issued <= TOKEN_TTL_SECONDS:
            raise InvalidCursor("The pagination cursor has expired; start from the first page.")
        position: dict[str, Any] = data["k"]
        return position
