"""Fixtures of the album route tests: an admin, a member, and a 5xx watch on every reply."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import services


@pytest.fixture(autouse=True)
def no_server_errors(api):
    """Client input never produces a 5xx: every reply in this module is checked."""
    replies = []
    original = api.call

    def recording_call(*args: Any, **kwargs: Any) -> Any:
        reply = original(*args, **kwargs)
        replies.append((args[:2], reply))
        return reply

    api.call = recording_call
    yield
    server_errors = [(request, reply.status, reply.raw[:200]) for request, reply in replies if reply.status >= 500]
    assert not server_errors


@pytest.fixture
def admin(api) -> str:
    token = api.signup("alice")["access_token"]
    services.accounts().grant("alice", "admin")
    return token


@pytest.fixture
def user(api) -> str:
    return api.signup("bob")["access_token"]
