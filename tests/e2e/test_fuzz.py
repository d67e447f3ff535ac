"""Schemathesis against the running local stack's /openapi.json with every check, signed
out and signed in as an admin. Bounded: a fixed number of examples per operation, a fixed
seed, one worker, no example database, so a run is repeatable and ends by itself."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from scripts.devstack import Stack
from tests.support.api import STRONG_PASSWORD, latest_code

HERE = Path(__file__).resolve().parent
SCHEMATHESIS = Path(sys.executable).parent / "st"  # the venv's console script
MAX_EXAMPLES = 15
SEED = 20261202
RUN_TIMEOUT_SECONDS = 240


def schemathesis(stack: Stack, *extra: str) -> str:
    argv = [
        str(SCHEMATHESIS),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{stack.api_url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "10",
        *extra,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, cwd=stack.local_dir)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # Every part of the document resolves, so nothing is skipped.
    assert "Unresolvable reference" not in output, output
    return output


def post(stack: Stack, path: str, body: dict[str, str]) -> dict[str, str]:
    request = urllib.request.Request(
        stack.api_url + path, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, str] = json.load(response)
        return answer


def admin_token(stack: Stack) -> str:
    email = "fuzz-admin@example.com"
    post(stack, "/auth/register", {"username": "fuzzadmin", "email": email, "password": STRONG_PASSWORD})
    post(stack, "/auth/confirm", {"username": "fuzzadmin", "code": latest_code(stack.outbox_dir, email)})
    stack.run_cli(["grant-admin", "fuzzadmin"])
    return post(stack, "/auth/login", {"username": "fuzzadmin", "password": STRONG_PASSWORD})["access_token"]


def test_fuzzing_signed_out_finds_nothing(shared_stack: Stack) -> None:
    schemathesis(shared_stack)


def test_fuzzing_signed_in_as_admin_finds_nothing(shared_stack: Stack) -> None:
    token = admin_token(shared_stack)
    output = schemathesis(
        shared_stack,
        "--header",
        f"Authorization: Bearer {token}",
        # These two would end the admin's session (logout, account deletion) halfway
        # through; the signed-out run covers them.
        "--exclude-operation-id",
        "logout",
        "--exclude-operation-id",
        "delete_me",
    )
    # The token stayed good for the whole run: every operation was really tested signed in.
    assert "Authentication failed" not in output, output
