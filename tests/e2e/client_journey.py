"""One user's journey through the client that openapi-python-client generated from the
stack's /openapi.json (package `bandstand_client`). tests/e2e/test_generated_client.py
runs it with .venv-client's Python, where the generated client's libraries live, and
checks what it prints: one JSON record per call (status, the parsed model's class, its
fields). Usage: client_journey.py API_URL OUTBOX_DIR"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bandstand_client import AuthenticatedClient, Client
from bandstand_client.api.albums import list_albums
from bandstand_client.api.auth import confirm, login, logout, refresh, register
from bandstand_client.api.users import get_me, list_users
from bandstand_client.models import (
    AlbumPage,
    ConfirmRequest,
    LoginAnswer,
    LoginRequest,
    RefreshRequest,
    RegisterRequest,
    Tokens,
)
from bandstand_client.types import Response

from tests.support.api import STRONG_PASSWORD, latest_code

USERNAME = "clientuser"
EMAIL = "client-user@example.com"


def record(step: str, response: Response[Any]) -> dict[str, Any]:
    parsed = response.parsed
    return {
        "step": step,
        "status": int(response.status_code),
        "type": type(parsed).__name__,
        "body": None if parsed is None else parsed.to_dict(),
    }


def journey(base_url: str, outbox: Path) -> list[dict[str, Any]]:
    # Any status the document does not declare raises instead of parsing to None.
    public = Client(base_url=base_url, raise_on_unexpected_status=True)
    steps = []

    registration = RegisterRequest(username=USERNAME, email=EMAIL, password=STRONG_PASSWORD, full_name="Client User")
    steps.append(record("register", register.sync_detailed(client=public, body=registration)))
    code = latest_code(outbox, EMAIL)
    steps.append(
        record("confirm", confirm.sync_detailed(client=public, body=ConfirmRequest(username=USERNAME, code=code)))
    )

    signed_in = login.sync_detailed(client=public, body=LoginRequest(username=EMAIL, password=STRONG_PASSWORD))
    steps.append(record("login", signed_in))
    tokens = signed_in.parsed
    # A sign-in answers tokens or, with two-step sign-in on, a challenge: one schema whose
    # token fields are set here (this user has no second step).
    assert isinstance(tokens, LoginAnswer), steps
    assert isinstance(tokens.access_token, str) and isinstance(tokens.refresh_token, str), steps
    user = AuthenticatedClient(base_url=base_url, token=tokens.access_token, raise_on_unexpected_status=True)
    steps.append(record("get_me", get_me.sync_detailed(client=user)))

    first = list_albums.sync_detailed(client=user, limit=2)
    steps.append(record("list_albums", first))
    assert isinstance(first.parsed, AlbumPage) and first.parsed.next_ is not None, steps
    steps.append(record("list_albums_next", list_albums.sync_detailed(client=user, limit=2, next_=first.parsed.next_)))

    renewed = refresh.sync_detailed(client=public, body=RefreshRequest(refresh_token=tokens.refresh_token))
    steps.append(record("refresh", renewed))
    assert isinstance(renewed.parsed, Tokens), steps
    user = AuthenticatedClient(base_url=base_url, token=renewed.parsed.access_token, raise_on_unexpected_status=True)

    steps.append(record("list_users", list_users.sync_detailed(client=user)))  # admins only
    steps.append(record("logout", logout.sync_detailed(client=user)))
    steps.append(record("get_me_after_logout", get_me.sync_detailed(client=user)))
    return steps


if __name__ == "__main__":
    json.dump(journey(sys.argv[1], Path(sys.argv[2])), sys.stdout)
