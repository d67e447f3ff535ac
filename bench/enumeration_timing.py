"""Known vs unknown identifiers: how long each answer takes on the local stack.

    .venv/bin/python -m bench.enumeration_timing [--tries 50]

Starts its own stack (DynamoDB Local in memory, free ports), prepares `tries` accounts,
then times login (wrong password), resend-code, forgot-password and register (taken
email vs fresh), alternating known and unknown so drift hits both alike. Prints the
median and p90 of each in milliseconds. Every identifier is used once, so neither the
lockout nor the 30 s mail throttle is what gets measured.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from email import message_from_bytes
from pathlib import Path
from typing import Any

from scripts import api_client
from scripts.devstack import Stack, find_free_port  # one place to re-point if the stack moves

PASSWORD = api_client.PASSWORD


class Client:
    """One keep-alive connection, as a browser would hold."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self._conn = http.client.HTTPConnection(host, int(port), timeout=30)

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, float]:
        data = json.dumps(body).encode()
        started = time.perf_counter()
        self._conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
        response = self._conn.getresponse()
        response.read()
        return response.status, (time.perf_counter() - started) * 1000


def codes_in(outbox: Path) -> dict[str, str]:
    """The newest code mailed to each address."""
    found: dict[str, str] = {}
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = message_from_bytes(path.read_bytes())
        payload = message.get_payload(decode=True)
        match = re.search(rb"\b(\d{6})\b", payload if isinstance(payload, bytes) else b"")
        if match:
            found[str(message["To"])] = match.group(1).decode()
    return found


def measure(pairs: list[tuple[Callable[[], tuple[int, float]], Callable[[], tuple[int, float]]]]) -> dict[str, Any]:
    known: list[float] = []
    unknown: list[float] = []
    statuses: set[tuple[int, int]] = set()
    for do_known, do_unknown in pairs:
        k_status, k_ms = do_known()
        u_status, u_ms = do_unknown()
        statuses.add((k_status, u_status))
        known.append(k_ms)
        unknown.append(u_ms)
    return {"known": known, "unknown": unknown, "statuses": sorted(statuses)}


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=50)
    parser.add_argument("--backend", choices=["builtin", "cognito"], default="builtin", help="identity backend")
    args = parser.parse_args(argv)
    n = args.tries
    with tempfile.TemporaryDirectory() as local:
        stack = Stack(
            api_port=find_free_port(),
            web_port=find_free_port(),
            dynamodb_port=find_free_port(),
            cognito_port=find_free_port(),
            local_dir=Path(local),
            in_memory=True,
            identity_backend=args.backend,
        )
        with stack:
            api = Client(stack.api_url)
            tag = secrets.token_hex(3)
            names = [f"k{tag}{i}" for i in range(n)]
            unconfirmed = [f"u{tag}{i}" for i in range(n)]
            for name in names + unconfirmed:
                api.post("/auth/register", {"username": name, "email": f"{name}@example.com", "password": PASSWORD})
            codes = codes_in(stack.outbox_dir)
            for name in names:
                api.post("/auth/confirm", {"username": name, "code": codes[f"{name}@example.com"]})

            def wrong_login(who: str) -> Callable[[], tuple[int, float]]:
                return lambda: api.post("/auth/login", {"username": who, "password": "wrong wrong wrong"})

            def ask(path: str, who: str) -> Callable[[], tuple[int, float]]:
                return lambda: api.post(path, {"username": who})

            def register(who: str, address: str) -> Callable[[], tuple[int, float]]:
                return lambda: api.post("/auth/register", {"username": who, "email": address, "password": PASSWORD})

            results = {
                "login (wrong password)": measure(
                    [(wrong_login(names[i]), wrong_login(f"x{tag}{i}")) for i in range(n)]
                ),
                "resend-code": measure(
                    [
                        (ask("/auth/resend-code", unconfirmed[i]), ask("/auth/resend-code", f"y{tag}{i}"))
                        for i in range(n)
                    ]
                ),
                "forgot-password": measure(
                    [
                        (ask("/auth/forgot-password", names[i]), ask("/auth/forgot-password", f"z{tag}{i}"))
                        for i in range(n)
                    ]
                ),
                "register (taken vs fresh email)": measure(
                    [
                        (
                            register(f"t{tag}{i}", f"{names[i]}@example.com"),
                            register(f"f{tag}{i}", f"f{tag}{i}@example.com"),
                        )
                        for i in range(n)
                    ]
                ),
            }
    print(f"Known vs unknown identifier, {n} tries each, local stack on loopback (ms)")
    print("| request | known median | unknown median | known p90 | unknown p90 | statuses (known, unknown) |")
    print("|---|---:|---:|---:|---:|---|")
    for name, r in results.items():
        print(
            f"| {name} | {statistics.median(r['known']):.1f} | {statistics.median(r['unknown']):.1f} "
            f"| {p90(r['known']):.1f} | {p90(r['unknown']):.1f} | {r['statuses']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
