"""The local API server (scripts/devstack/local_api.py) on the wire: every method a path
lacks is a 405 problem with Allow, unknown paths a 404 problem, HEAD has no body, broken
framing a 400, and a response is one write on a keep-alive connection."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any

import pytest

from scripts.devstack import HOST, Stack

PROBLEM = "application/problem+json"


def exchange(stack: Stack, method: str, path: str, **kw: Any) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection(HOST, stack.api_port, timeout=10)
    try:
        connection.request(method, path, **kw)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def problem(response: http.client.HTTPResponse, raw: bytes, status: int, code: str) -> dict[str, Any]:
    assert response.status == status, raw
    assert response.headers["Content-Type"] == PROBLEM
    body: dict[str, Any] = json.loads(raw)
    assert body["status"] == status and body["code"] == code and body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    return body


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW", "DELETE", "PUT"])
def test_a_method_the_path_lacks_is_a_405_problem_with_allow(shared_stack: Stack, method: str) -> None:
    response, raw = exchange(shared_stack, method, "/health")
    problem(response, raw, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "OPTIONS"}
    response, raw = exchange(shared_stack, method, "/auth/login")
    problem(response, raw, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_an_unknown_path_is_a_404_problem(shared_stack: Stack) -> None:
    for method in ("GET", "POST", "TRACE"):
        response, raw = exchange(shared_stack, method, "/no/such/thing")
        problem(response, raw, 404, "not_found")


def test_head_answers_without_a_body(shared_stack: Stack) -> None:
    response, raw = exchange(shared_stack, "HEAD", "/health")
    assert response.status == 405 and raw == b""
    assert int(response.headers["Content-Length"]) > 0  # the size a GET-like answer would have


def send_raw(stack: Stack, data: bytes) -> bytes:
    """Send bytes, stop sending (a short body ends there), read until the server closes."""
    with socket.create_connection((HOST, stack.api_port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: sock.recv(65536), b""))


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}", b"400"),
        (b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", b"400"),
        (b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", b"400"),
        (b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{}", b"400"),  # short body
        (b"NONSENSE\r\n\r\n", b"400"),
        (b"GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", b"411"),
        (b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", b"413"),
    ],
)
def test_broken_framing_is_a_problem_and_closes_the_connection(
    shared_stack: Stack, request_bytes: bytes, status: bytes
) -> None:
    reply = send_raw(shared_stack, request_bytes)  # returns: the server closed the connection
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == status, reply
    assert b"content-type: application/problem+json" in head.lower()
    assert json.loads(body)["status"] == int(status)


def test_keep_alive_requests_share_one_connection(shared_stack: Stack) -> None:
    connection = http.client.HTTPConnection(HOST, shared_stack.api_port, timeout=10)
    try:
        local_ends = set()
        for _ in range(3):
            connection.request("GET", "/health")
            response = connection.getresponse()
            assert response.status == 200 and json.loads(response.read()) == {"status": "ok"}
            assert connection.sock is not None
            local_ends.add(connection.sock.getsockname())
        assert len(local_ends) == 1  # http.client would have reconnected had the server closed
    finally:
        connection.close()
