"""Security review: security events were not traceable (failed sign-ins logged a
count only; lockouts, resets, code caps and sign-outs not at all).

Each is now one JSON record on the `bandstand.security` logger (chalicelib.core.logs.
security_event) with the event's name, a keyed hash of the identifier (`id_hash`) and the
account's `sub` when known, and never the identifier itself.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.config import get_settings
from chalicelib.core.logs import JsonFormatter, identifier_hash
from tests.support.api import NEW_PASSWORD, STRONG_PASSWORD

WRONG = "not the password at all"
EVENTS = {
    "sign-in failed",
    "lockout started",
    "sign-in succeeded",
    "code wrong",
    "code cap reached",
    "reset requested",
    "password reset",
    "sign-out",
    "account deleted",
}


@pytest.fixture
def captured(api: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Everything the app logs at INFO and above, formatted as it goes to CloudWatch."""
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    get_settings.cache_clear()
    # Read now, from the test's environment: chalice's test client sets its config's
    # stage variables while it runs a request.
    assert get_settings().log_level == "INFO"
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("bandstand")
    logger.addHandler(handler)
    yield out
    logger.removeHandler(handler)


def sub_of(access_token: str) -> str:
    payload = access_token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


def login(api: Any, name: str, password: str, status: int) -> Any:
    reply = api.post("/auth/login", {"username": name, "password": password})
    assert reply.status == status, reply.json
    return reply.json


def test_every_security_event_is_logged_without_the_identifier(api, clock, captured):
    api.signup("alice")
    for _ in range(5):
        login(api, "alice", WRONG, 401)
    clock.advance(2)  # past the first lock (1 s)
    sub = sub_of(login(api, "ALICE", STRONG_PASSWORD, 200)["access_token"])
    assert api.post("/auth/forgot-password", {"username": "alice@example.com"}).status == 202
    code = api.code_for("alice@example.com", "reset")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    body = {"username": "alice", "new_password": NEW_PASSWORD}
    assert api.post("/auth/reset-password", {**body, "code": wrong}).status == 400
    assert api.post("/auth/reset-password", {**body, "code": code}).status == 200
    token = login(api, "alice", NEW_PASSWORD, 200)["access_token"]
    assert api.post("/auth/logout", token=token).status == 204
    token = login(api, "alice", NEW_PASSWORD, 200)["access_token"]
    assert api.delete("/users/me", token).status == 204
    for _ in range(20):
        assert api.post("/auth/reset-password", {**body, "username": "ghost@example.com", "code": wrong}).status == 400

    text = captured.getvalue()
    for secret in ("alice", "ghost", "example.com", STRONG_PASSWORD, NEW_PASSWORD, code):
        assert secret.casefold() not in text.casefold(), secret
    records = [json.loads(line) for line in text.splitlines()]
    events = [r for r in records if r["logger"] == "bandstand.security"]
    assert {e["event"] for e in events} >= EVENTS, [e["event"] for e in events]
    alice, ghost = identifier_hash("alice"), identifier_hash("ghost@example.com")
    assert identifier_hash("ALICE") == alice and re.fullmatch(r"[0-9a-f]{16}", alice)

    def named(name: str) -> list[dict[str, Any]]:
        return [e for e in events if e["event"] == name]

    assert [(e["id_hash"], e["failures"]) for e in named("sign-in failed")] == [(alice, n) for n in range(1, 6)]
    assert [(e["id_hash"], e["failures"], e["retry_after"]) for e in named("lockout started")] == [(alice, 5, 1)]
    assert [(e["id_hash"], e["user_sub"]) for e in named("sign-in succeeded")] == [(alice, sub)] * 4
    assert [e["id_hash"] for e in named("reset requested")] == [identifier_hash("alice@example.com")]
    assert [(e["id_hash"], e["purpose"]) for e in named("code wrong")] == [(alice, "reset")] + [(ghost, "reset")] * 20
    assert [(e["id_hash"], e["retry_after"]) for e in named("code cap reached")] == [(ghost, 24 * 3600)]
    assert [e["id_hash"] for e in named("password reset")] == [alice]
    assert [e["user_sub"] for e in named("sign-out")] == [sub]
    assert [e["user_sub"] for e in named("account deleted")] == [sub]
    for event in events:  # every record names its subject, by hash or sub only
        assert event.keys() & {"id_hash", "user_sub"}, event
