"""Latency and throughput of the running local stack over loopback, /health as the floor,
and how many items DynamoDB examines for one album page at 300 and 30,000 albums."""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path
from typing import Any

from scripts import api_client
from scripts.bench_loopback import percentile

PASSWORD = api_client.PASSWORD
Request = tuple[str, str, Any, str | None]  # method, path, JSON body, token


class Connection:
    """One keep-alive HTTP connection with Nagle off on our side."""

    def __init__(self, base: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self._conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self._conn.connect()
        assert self._conn.sock is not None
        self._conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = self._conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None

    def close(self) -> None:
        self._conn.close()


def codes_by_address(outbox: Path) -> dict[str, str]:
    """The latest confirmation code per address, from the .eml files (read once)."""
    import re

    found: dict[str, tuple[int, str]] = {}
    for path in outbox.glob("*.eml"):
        message = message_from_bytes(path.read_bytes())
        if "verification code" not in str(message["Subject"]):
            continue
        payload = message.get_payload(decode=True)
        match = re.search(rb"\b(\d{6})\b", payload if isinstance(payload, bytes) else b"")
        if match:
            stamp = path.stat().st_mtime_ns
            if stamp >= found.get(str(message["To"]), (0, ""))[0]:
                found[str(message["To"])] = (stamp, match.group(1).decode())
    return {address: code for address, (_, code) in found.items()}


@dataclass(frozen=True)
class Latency:
    route: str
    p50_ms: float
    p95_ms: float
    count: int
    errors: int


def timed(conn: Connection, requests: list[Request], ok: set[int]) -> tuple[list[float], int]:
    times, errors = [], 0
    for method, path, body, token in requests:
        started = time.perf_counter()
        status, _ = conn.call(method, path, body, token)
        times.append((time.perf_counter() - started) * 1000)
        errors += status not in ok
    return times, errors


def latencies(base: str, outbox: Path, admin_token: str, n: int = 200) -> list[Latency]:
    """p50/p95 per route over `n` requests each, on one keep-alive connection."""
    conn = Connection(base)
    tag = uuid.uuid4().hex[:6]
    names = [f"b{tag}{i:04d}" for i in range(n)]
    user = names[0]
    results: list[Latency] = []

    def run(route: str, requests: list[Request], ok: set[int]) -> list[float]:
        times, errors = timed(conn, requests, ok)
        results.append(Latency(route, statistics.median(times), percentile(times, 0.95), len(times), errors))
        return times

    run("GET /health", [("GET", "/health", None, None)] * n, {200})
    registrations: list[Request] = [
        ("POST", "/auth/register", {"username": u, "email": f"{u}@example.com", "password": PASSWORD}, None)
        for u in names
    ]
    run("POST /auth/register", registrations, {201})
    codes = codes_by_address(outbox)
    run(
        "POST /auth/confirm",
        [
            ("POST", "/auth/confirm", {"username": u, "code": codes.get(f"{u}@example.com", "000000")}, None)
            for u in names
        ],
        {200},
    )
    login = ("POST", "/auth/login", {"username": user, "password": PASSWORD}, None)
    run("POST /auth/login", [login] * n, {200})
    _, tokens = conn.call(*login)
    token, refresh = tokens["access_token"], tokens["refresh_token"]
    run("POST /auth/refresh", [("POST", "/auth/refresh", {"refresh_token": refresh}, None)] * n, {200})
    run("GET /users/me", [("GET", "/users/me", None, token)] * n, {200})
    run("PATCH /users/me", [("PATCH", "/users/me", {"full_name": f"Name {i}"}, token) for i in range(n)], {200})
    run("GET /albums", [("GET", "/albums?limit=50", None, token)] * n, {200})
    first_rank = 50_000 + int(time.time()) % 40_000
    creates = [
        (
            "POST",
            "/albums",
            {"rank": first_rank + i, "title": f"Bench {tag} {i}", "artist": "Bench", "year": 2001, "genre": "Test"},
            admin_token,
        )
        for i in range(n)
    ]
    ids: list[str] = []
    times, errors = [], 0
    for request in creates:
        started = time.perf_counter()
        status, body = conn.call(*request)
        times.append((time.perf_counter() - started) * 1000)
        errors += status != 201
        if status == 201:
            ids.append(body["album_id"])
    results.append(Latency("POST /albums", statistics.median(times), percentile(times, 0.95), n, errors))
    run("GET /albums/{id}", [("GET", f"/albums/{ids[i % len(ids)]}", None, token) for i in range(n)], {200})
    run(
        "PATCH /albums/{id}",
        [("PATCH", f"/albums/{ids[i % len(ids)]}", {"genre": f"G{i}"}, admin_token) for i in range(n)],
        {200},
    )
    run("DELETE /albums/{id}", [("DELETE", f"/albums/{album}", None, admin_token) for album in ids], {204})
    conn.close()
    return results


def throughput(base: str, path: str, token: str | None, clients: int, seconds: float = 3.0) -> tuple[float, int]:
    """Requests per second with `clients` concurrent keep-alive connections; and errors."""
    done = [0] * clients
    errors = [0] * clients
    stop = time.perf_counter() + seconds

    def worker(index: int) -> None:
        conn = Connection(base)
        try:
            while time.perf_counter() < stop:
                status, _ = conn.call("GET", path, None, token)
                done[index] += 1
                errors[index] += status != 200
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - started), sum(errors)


def scanned_per_page(client: Any, table: str, progress: Callable[[str], None]) -> dict[int, int]:
    """ScannedCount of the first page (50) and a middle page at 300 and 30,000 albums,
    in a table of its own on the stack's DynamoDB Local."""
    from chalicelib.storage.albums import AlbumRepository
    from scripts.synthetic_albums import index_key, records
    from scripts.tables import create_tables

    create_tables(client, f"{table}-users", table)
    repo = AlbumRepository(client, table)
    result: dict[int, int] = {}
    stored: list[Any] = []
    for size in (300, 30_000):
        more = records(len(stored) + 1, size - len(stored))
        started = time.perf_counter()
        # Four writers: DynamoDB Local stores batches in parallel, and the bench has a budget.
        slices = [more[i::4] for i in range(4)]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda part: sum(repo.put_batches(part)), slices))
        progress(f"{size} albums stored ({time.perf_counter() - started:.0f} s)")
        stored += more
        first = repo.list(50, None)
        middle = repo.list(50, index_key(stored[len(stored) // 2]))
        result[size] = max(first.scanned, middle.scanned)
    return result
