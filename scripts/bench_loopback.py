"""How long `/health` takes over one keep-alive loopback connection (a benchmark, not a test).

    .venv/bin/python -m scripts.bench_loopback                  # our server (local_api.py)
    .venv/bin/python -m scripts.bench_loopback --plain-chalice  # stock `chalice local`
    .venv/bin/python -m scripts.bench_loopback --url http://127.0.0.1:8000  # a running one

Starts the API server on a free port with the local stage's environment (/health needs no
DynamoDB), sends `--warmup` then `--requests` GETs on one connection, and prints p50, p95
and max in milliseconds.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from scripts.devstack.processes import HOST, Child, find_free_port, http_status, wait_until
from scripts.devstack.stack import Stack, ensure_server_secret

REPO_ROOT = Path(__file__).resolve().parent.parent


def server_command(port: int, plain_chalice: bool) -> list[str]:
    if plain_chalice:
        chalice = Path(sys.executable).parent / "chalice"  # the venv's console script
        args = ["local", "--stage", "local", "--host", HOST, "--port", str(port), "--no-autoreload"]
        return [sys.executable, str(chalice), *args]
    args = ["--host", HOST, "--port", str(port), "--project-dir", str(REPO_ROOT)]
    return [sys.executable, "-m", "scripts.devstack.local_api", *args]


def measure(base_url: str, requests: int, warmup: int) -> list[float]:
    """Milliseconds per GET /health (status line to last body byte) on one connection."""
    url = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname or HOST, url.port or 80, timeout=10)
    timings: list[float] = []
    try:
        for i in range(warmup + requests):
            began = time.perf_counter()
            connection.request("GET", "/health")
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - began) * 1000
            if response.status != 200:
                raise SystemExit(f"/health answered {response.status}")
            if i >= warmup:
                timings.append(elapsed)
    finally:
        connection.close()
    return timings


def server_timings(plain_chalice: bool, requests: int, warmup: int) -> list[float]:
    """Start the API server alone on a free port (stock or ours) and time its /health."""
    with tempfile.TemporaryDirectory(prefix="bench-loopback-") as tmp:
        port = find_free_port()
        stack = Stack(api_port=port, web_port=find_free_port(), dynamodb_port=find_free_port(), local_dir=Path(tmp))
        ensure_server_secret(stack.local_dir / "server-secret")
        log = Path(tmp) / "server.log"
        child = Child("api", server_command(port, plain_chalice), log_path=log, env=stack.environment())
        try:
            wait_until(child, lambda: http_status(stack.api_url + "/health") == 200, 60, "no 200 from /health")
            return measure(stack.api_url, requests, warmup)
        finally:
            child.stop()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(label: str, timings: list[float]) -> None:
    print(
        f"{label}: {len(timings)} keep-alive GET /health: p50 {percentile(timings, 0.5):.2f} ms, "
        f"p95 {percentile(timings, 0.95):.2f} ms, max {max(timings):.2f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--plain-chalice", action="store_true", help="measure stock `chalice local` instead")
    parser.add_argument("--url", help="measure a server that is already running")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args(argv)

    if args.url:
        report(args.url, measure(args.url, args.requests, args.warmup))
        return 0
    label = "chalice local" if args.plain_chalice else "scripts/devstack/local_api.py"
    report(label, server_timings(args.plain_chalice, args.requests, args.warmup))
    return 0


if __name__ == "__main__":
    sys.exit(main())
