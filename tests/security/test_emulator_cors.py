"""Finding 11: the local Cognito emulator answers local programs only, over HTTP: a
request with a web Origin, a cross-site fetch or another Host name gets 403 and no answer
carries CORS headers (scripts/cognito_emulator.py, LocalOnly)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from scripts.cognito_emulator import Emulator, start_emulator

LIST_POOLS = json.dumps({"MaxResults": 10}).encode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    running = start_emulator(free_port(), tmp_path_factory.mktemp("cognito") / "cognito.log")
    yield running
    running.stop()


def call(emulator: Emulator, method: str = "POST", **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        emulator.endpoint + "/",
        data=LIST_POOLS if method == "POST" else None,
        method=method,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools",
            "Authorization": "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/cognito-idp/aws4_request, "
            "SignedHeaders=host, Signature=0",
            **headers,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def cors_headers(headers: dict[str, str]) -> list[str]:
    return [name for name in headers if name.lower().startswith("access-control-")]


def test_a_local_program_is_served_without_cors_headers(emulator):
    status, headers, body = call(emulator)
    assert status == 200 and "UserPools" in json.loads(body)
    assert cors_headers(headers) == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:8080"},  # even the local web app: it never calls the pool
        {"Sec-Fetch-Site": "cross-site"},
        {"Host": "rebound.example:1234"},  # DNS rebinding: a page's own name pointed at 127.0.0.1
    ],
)
def test_browser_requests_are_refused(emulator, headers):
    status, answer, body = call(emulator, **headers)
    assert status == 403 and b"local programs only" in body
    assert cors_headers(answer) == []


def test_a_preflight_is_refused_without_cors_headers(emulator):
    status, headers, _ = call(
        emulator, "OPTIONS", Origin="https://evil.example", **{"Access-Control-Request-Method": "POST"}
    )
    assert status == 403 and cors_headers(headers) == []
