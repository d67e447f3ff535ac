"""Failures of the real local stack: a stopped DynamoDB Local, a SIGKILL in the middle of
a stream of registrations, and a burst of parallel registrations with duplicate names."""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from chalicelib import services
from scripts.api_client import call
from scripts.tables import create_tables
from tests.conftest import ALBUMS_TABLE, USERS_TABLE
from tests.e2e.conftest import free_port, kill_stack, start_database
from tests.failure.stack_client import dynamodb, stored_users
from tests.support.album_api import problem
from tests.support.api import STRONG_PASSWORD, Api, latest_code
from tests.support.prerequisites import require_dynamodb_local

pytestmark = pytest.mark.e2e


# The real-socket outage on the builtin backend; on the cognito backend an unreachable
# database is injected at every call of every route by test_throttling.py instead (a
# stopped DynamoDB Local there would also need the pool, which lives in moto).
@pytest.mark.parametrize("identity_backend", ["builtin"])
def test_a_stopped_dynamodb_local_is_a_503_within_seconds(app_env: Path, monkeypatch, tmp_path):
    require_dynamodb_local()
    port = free_port()
    database = start_database(port, None, tmp_path / "dynamodb.log")
    try:
        monkeypatch.setenv("DYNAMODB_ENDPOINT", f"http://127.0.0.1:{port}")
        services.reset()
        create_tables(services.dynamodb_client(), USERS_TABLE, ALBUMS_TABLE)
        from chalice.test import Client

        from app import app

        with Client(app) as client:
            api = Api(client, app_env)
            token = api.signup("ursula")["access_token"]
            assert api.get("/albums", token=token).status == 200
            database.stop()
            for method, path, body in [
                ("GET", "/albums", None),
                ("GET", "/users/me", None),
                ("POST", "/auth/login", {"username": "ursula", "password": STRONG_PASSWORD}),
                ("POST", "/auth/register", {"username": "vera", "email": "v@example.com", "password": STRONG_PASSWORD}),
            ]:
                started = time.monotonic()
                reply = api.call(method, path, body, token=token if body is None else None)
                problem(reply, 503, "service_unavailable", path)
                assert reply.header("Retry-After") == "5"
                assert time.monotonic() - started < 10, path
    finally:
        database.stop()


def test_sigkill_during_registrations_loses_no_answered_registration(make_stack):
    stack = make_stack()
    answered: list[str] = []
    unanswered: list[str] = []
    unexpected: list[tuple[str, int, Any]] = []
    stop = threading.Event()

    def register_stream(worker: int) -> None:
        for i in range(10_000):
            if stop.is_set():
                return
            name = f"k{worker}x{i:04d}"
            body = {"username": name, "email": f"{name}@example.com", "password": STRONG_PASSWORD}
            try:
                status, reply, _ = call(stack.api_url, "POST", "/auth/register", body, timeout=20)
            except (OSError, http.client.HTTPException):
                unanswered.append(name)  # the stack died under this request
                return
            if status == 201:
                answered.append(name)
                continue
            unanswered.append(name)
            if status != 503:  # the API outlived the database by a moment: 503 is right
                unexpected.append((name, status, reply))
            return

    workers = [threading.Thread(target=register_stream, args=(w,)) for w in range(4)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 60
    while len(answered) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    kill_stack(stack)  # SIGKILL, mid-stream: requests are in flight
    stop.set()
    for worker in workers:
        worker.join(timeout=60)
    assert len(answered) >= 30
    assert not unexpected

    restarted = make_stack()
    stored = stored_users(dynamodb(restarted.dynamodb_url))
    assert not set(answered) - set(stored), sorted(set(answered) - set(stored))
    for name in answered:
        email = f"{name}@example.com"
        code = latest_code(restarted.outbox_dir, email)
        status, body, _ = call(restarted.api_url, "POST", "/auth/confirm", {"username": name, "code": code})
        assert status == 200, (name, status, body)
        status, body, _ = call(
            restarted.api_url, "POST", "/auth/login", {"username": name, "password": STRONG_PASSWORD}
        )
        assert status == 200 and body["access_token"], (name, status, body)
    # a request cut off by the kill was either stored whole or not at all
    for name in unanswered:
        assert stored.get(name) in (None, f"{name}@example.com")


def test_200_parallel_registrations_with_50_duplicate_names(make_stack):
    stack = make_stack()
    distinct = [f"p{i:03d}" for i in range(150)]
    # 50 names twice, each time with another address: exactly one of each pair may win
    requests = [(name, f"{name}@example.com") for name in distinct]
    requests += [(name, f"{name}.twin@example.com") for name in distinct[:50]]
    results: list[tuple[str, str, int, Any]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(requests))
    # `chalice local` listens with the stdlib's backlog of 5: 200 simultaneous connects
    # overflow it and are reset before the server sees them. So the connections are
    # opened a few at a time, and then all 200 requests go at once.
    connecting = threading.Semaphore(4)

    def register(name: str, email: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", stack.api_port, timeout=120)
        with connecting:
            conn.connect()
        barrier.wait(timeout=120)
        body = json.dumps({"username": name, "email": email, "password": STRONG_PASSWORD})
        conn.request("POST", "/auth/register", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        reply = json.loads(response.read() or b"null")
        conn.close()
        with lock:
            results.append((name, email, response.status, reply))

    threads = [threading.Thread(target=register, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert len(results) == 200
    assert not [r for r in results if r[2] >= 500]
    winners = {name: email for name, email, status, _ in results if status == 201}
    losers = [(name, body) for name, _, status, body in results if status != 201]
    assert set(winners) == set(distinct)
    assert len(losers) == 50
    assert all(body["code"] == "username_taken" for _, body in losers), losers
    assert sorted(name for name, _ in losers) == sorted(distinct[:50])
    stored = stored_users(dynamodb(stack.dynamodb_url))
    assert stored == winners
