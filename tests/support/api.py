"""A thin JSON wrapper over chalice.test.Client, and outbox reading."""

from __future__ import annotations

import functools
import json
import re
import time
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any, Protocol

from scripts.api_client import PASSWORD as STRONG_PASSWORD  # the bench and smoke use it too

# Second and third passwords, for resets and changes: as strong, and unlike the first.
NEW_PASSWORD = "Walrus Octave 7 Marmalade Ink"
OTHER_PASSWORD = "Lantern Harbour 9 Velvet Moss"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw) if self.raw else None

    def header(self, name: str) -> str | None:
        lowered = {k.lower(): v for k, v in self.headers.items()}
        return lowered.get(name.lower())


class CodeReader(Protocol):
    """How a test reads the code a backend mailed (per backend: the outbox for builtin)."""

    def __call__(self, email: str, kind: str = "confirm") -> str: ...


class Api:
    def __init__(self, client: Any, outbox: Path, read_code: CodeReader | None = None) -> None:
        self._client = client
        self.outbox = outbox
        self._read_code: CodeReader = read_code or functools.partial(latest_code, outbox)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
    ) -> Reply:
        sent: dict[str, str] = {}
        if body is not None:
            sent["Content-Type"] = "application/json"
            raw = json.dumps(body)
        if token:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        response = self._client.http.request(method, path, headers=sent, body=raw or b"")
        return Reply(response.status_code, dict(response.headers), response.body or b"")

    def get(self, path: str, token: str | None = None, **kw: Any) -> Reply:
        return self.call("GET", path, token=token, **kw)

    def post(self, path: str, body: Any = None, token: str | None = None, **kw: Any) -> Reply:
        return self.call("POST", path, body, token, **kw)

    def patch(self, path: str, body: Any = None, token: str | None = None, **kw: Any) -> Reply:
        return self.call("PATCH", path, body, token, **kw)

    def put(self, path: str, body: Any = None, token: str | None = None, **kw: Any) -> Reply:
        return self.call("PUT", path, body, token, **kw)

    def delete(self, path: str, token: str | None = None, **kw: Any) -> Reply:
        return self.call("DELETE", path, token=token, **kw)

    # -- flows ---------------------------------------------------------------------------

    def register(
        self, username: str, email: str | None = None, password: str = STRONG_PASSWORD, full_name: str | None = None
    ) -> Reply:
        body: dict[str, Any] = {"username": username, "email": email or f"{username}@example.com", "password": password}
        if full_name is not None:
            body["full_name"] = full_name
        return self.post("/auth/register", body)

    def code_for(self, email: str, kind: str = "confirm") -> str:
        return self._read_code(email, kind)

    def signup(self, username: str, password: str = STRONG_PASSWORD, email: str | None = None) -> dict[str, Any]:
        """Register, confirm and sign in; the token set."""
        email = email or f"{username}@example.com"
        assert self.register(username, email, password).status == 201
        assert self.post("/auth/confirm", {"username": username, "code": self.code_for(email)}).status == 200
        reply = self.post("/auth/login", {"username": username, "password": password})
        assert reply.status == 200, reply.json
        return dict(reply.json)


def read_mail(outbox: Path) -> list[Message]:
    return [
        message_from_bytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    ]


def latest_code(outbox: Path, email: str, kind: str = "confirm", timeout: float = 5.0) -> str:
    """The newest code mailed to `email` (`kind`: confirm or reset)."""
    deadline = time.monotonic() + timeout
    marker = "verification code" if kind == "confirm" else "reset code"
    while True:
        for message in reversed(read_mail(outbox)):
            if message["To"] == email and marker in str(message["Subject"]):
                payload = message.get_payload(decode=True)
                assert isinstance(payload, bytes)
                found = re.search(r"\b(\d{6})\b", payload.decode())
                if found:
                    return found.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no {kind} code mailed to {email}")
        time.sleep(0.05)
