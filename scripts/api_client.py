"""Talking to a running Bandstand API from outside: one JSON call over urllib, and a
password the policy accepts. Shared by the smoke journey, the tests that drive a real
stack and the bench (tests and bench may import scripts; scripts import neither)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, NamedTuple

# Long, unlisted and not made of the username or address: every password rule takes it.
PASSWORD = "Xylo-Quartz 9 Pumpkin Fjord"


class Answer(NamedTuple):
    status: int
    body: Any  # the JSON body, None when empty
    headers: dict[str, str]


def call(
    base: str,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    origin: str = "",
    timeout: float = 60,
) -> Answer:
    """One request; an HTTP error status is an answer like any other, not an exception."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if origin:
        headers["Origin"] = origin
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base.rstrip("/") + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return Answer(response.status, json.loads(raw) if raw else None, dict(response.headers))
    except urllib.error.HTTPError as error:
        raw = error.read()
        return Answer(error.code, json.loads(raw) if raw else None, dict(error.headers))
