"""Counts DynamoDB calls per route, per identity backend. Run by bench/roundtrips.py as
`pytest tests/failure/roundtrip_probe.py` (the name keeps it out of the test run): the app
fixtures of the test suite (moto, chalice.test.Client, one run per backend the conftest
offers) do the setup. It lives with the tests it borrows from, so bench imports no test.

Calls are counted from botocore's `before-call` events on the app's DynamoDB client
while one request runs; results are appended as JSON lines to $BENCH_ROUNDTRIPS_OUT.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from tests.failure.test_throttling import ROUTES, send, world  # noqa: F401  (world is a fixture)


@pytest.mark.parametrize("name", list(ROUTES))
def test_count(name: str, world: Any, aws: Any, identity_backend: str) -> None:  # noqa: F811
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    aws.meta.events.register("before-call.dynamodb", count)
    try:
        reply = send(world, ROUTES[name])
    finally:
        aws.meta.events.unregister("before-call.dynamodb", count)
    assert reply.status in ROUTES[name].done, (name, reply.status, reply.raw[:300])
    authed = ROUTES[name].token(world) is not None
    line = {"backend": identity_backend, "route": name, "calls": calls, "authed": authed, "status": reply.status}
    with open(os.environ["BENCH_ROUNDTRIPS_OUT"], "a") as out:
        out.write(json.dumps(line) + "\n")
