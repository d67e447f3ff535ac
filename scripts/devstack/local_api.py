"""Serve the Chalice app locally: chalice local's gateway (routing, Lambda events) behind
a request handler of ours.

    python -m scripts.devstack.local_api --port 8000 [--stage local] [--project-dir .]

Why not plain `chalice local`:
- It writes the headers and the body in separate small writes. With Nagle's algorithm
  the second write waits for the client's delayed ACK, so every keep-alive response took
  ~40 ms. Here Nagle is off and each response goes out in one write.
- TRACE, CONNECT and unknown methods got the stdlib's 501 HTML page; here every method
  reaches the app, whose edge answers a method a path lacks with a 405 problem + Allow.
- Unknown paths got API Gateway's 403 "Missing Authentication Token"; here a 404 problem.
- A bad Content-Length dropped the connection without an answer; here a 400 problem.
- Its listen backlog of 5 reset concurrent connects; here 128.
- With --wait-for-tables (what `make dev` runs): until both tables exist and are ACTIVE,
  every request, /health included, is a 503 problem with Retry-After, so /health 200
  means the stack can serve a sign-up. The check runs in this local server only, once at
  start: the deployed function's /health never calls DynamoDB.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import sys
import threading
import time
import traceback
from http import HTTPStatus
from pathlib import Path
from typing import Any

from chalice import local
from chalice.cli.factory import CLIFactory
from chalice.deploy.validate import validate_routes

LISTEN_BACKLOG = 128
MAX_REQUEST_BODY = 1024 * 1024  # the app refuses over 64 KiB itself (413); this bounds reads
IDLE_TIMEOUT_SECONDS = 300  # an idle keep-alive connection's thread ends after this
PROBLEM_JSON = "application/problem+json"
READY_POLL_SECONDS = 0.1


def problem_body(status: int, code: str, detail: str) -> bytes:
    """The app's problem document shape (chalicelib/web/problems.py, docs/api.md), for answers given
    before the app is reached."""
    return json.dumps(
        {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail, "code": code},
        separators=(",", ":"),
    ).encode()


class FramingError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


class BandstandRequestHandler(local.ChaliceRequestHandler):
    """chalice local's handler with one write per response, Nagle off, and problem
    documents for everything it would otherwise answer in HTML or not at all."""

    disable_nagle_algorithm = True  # StreamRequestHandler sets TCP_NODELAY on the socket
    timeout = IDLE_TIMEOUT_SECONDS
    stack_ready: threading.Event | None = None  # set: the tables can be used (see main)
    # BaseHTTPRequestHandler's own attributes (chalice's classes are untyped to mypy).
    _headers_buffer: list[bytes]
    request_version: str

    def __getattr__(self, name: str) -> Any:
        # The stdlib answers a method without a do_<METHOD> with 501: send them all to the
        # gateway instead, so the app's 405 logic (with Allow) sees TRACE, CONNECT, FOO...
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except FramingError as exc:
            self.close_connection = True  # the rest of the stream cannot be trusted
            self._send_problem(exc.status, exc.code, exc.detail)
            return
        if self.stack_ready is not None and not self.stack_ready.is_set():
            detail = "The local stack is still starting (the database is not ready). Try again in a moment."
            self._send_problem(503, "service_unavailable", detail, [("Retry-After", "1")])
            return
        try:
            response = self.local_gateway.handle_request(
                method=self.command, path=self.path, headers=dict(self.headers), body=body
            )
        except local.ForbiddenError:
            # chalice local's stand-in for API Gateway's "no such route"
            self._send_problem(404, "not_found", "There is nothing at this path.")
            return
        except Exception:
            traceback.print_exc()
            self._send_problem(500, "internal_error", "Something went wrong on our side. Try again later.")
            return
        headers = [(name, str(value)) for name, value in response["headers"].items()]
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers += [(name, str(value)) for value in values]
        payload = response.get("body")
        if response.get("isBase64Encoded") and payload is not None:
            payload = base64.b64decode(payload)
        raw = b"" if payload is None else payload if isinstance(payload, bytes) else str(payload).encode()
        self._send(response["statusCode"], headers, raw)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def _read_body(self) -> bytes | None:
        if "transfer-encoding" in self.headers:
            raise FramingError(411, "length_required", "Send the request body with a Content-Length header.")
        lengths = self.headers.get_all("content-length") or []
        if not lengths:
            return None
        if len(set(lengths)) != 1 or not lengths[0].strip().isdigit() or not lengths[0].strip().isascii():
            raise FramingError(400, "malformed_request", "The Content-Length header is not valid.")
        length = int(lengths[0])
        if length > MAX_REQUEST_BODY:
            raise FramingError(413, "payload_too_large", "The request body is larger than 64 KiB.")
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise FramingError(400, "malformed_request", "The request body ended before its Content-Length.")
        return body or None

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        """Status line, headers and body in one write (a HEAD response has no body)."""
        self.send_response(status)
        if not any(name.lower() == "content-type" for name, _ in headers) and body:
            headers.append(("Content-Type", "application/json"))
        for name, value in headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self._headers_buffer.append(b"\r\n")
        message = b"".join(self._headers_buffer) + (b"" if self.command == "HEAD" else body)
        self._headers_buffer = []
        self.wfile.write(message)

    def _send_problem(self, status: int, code: str, detail: str, extra: list[tuple[str, str]] | None = None) -> None:
        headers = [
            ("Content-Type", PROBLEM_JSON),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "no-store"),
            *(extra or []),
        ]
        self._send(status, headers, problem_body(status, code, detail))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib's errors (bad request line, headers too long, ...) as problems. The
        stdlib's message echoes the request line; the detail here does not."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # unparsed: answer in HTTP/1.1, with headers
            self.request_version = self.protocol_version
        status = HTTPStatus(code)
        if code == 400:
            problem_code, detail = "malformed_request", "The request is not valid HTTP/1.1."
        else:
            problem_code, detail = status.phrase.lower().replace(" ", "_").replace("-", "_"), status.description
        self._send_problem(code, problem_code, detail)


class BacklogServer(local.ThreadedHTTPServer):
    """chalice local's threaded server with a listen backlog for bursts of connects."""

    request_queue_size = LISTEN_BACKLOG


def create_server(project_dir: Path, stage: str, host: str, port: int) -> local.LocalDevServer:
    """What `chalice local` builds, with our handler and server classes."""
    factory = CLIFactory(project_dir=str(project_dir), environ=os.environ)  # chalice sets the stage vars here
    config = factory.create_config_obj(chalice_stage_name=stage)
    app = config.chalice_app  # imports app.py with the stage's environment variables
    from chalicelib import services
    from scripts.devstack.parts import LOCAL_PARTS

    services.use_local_parts(LOCAL_PARTS)  # the outbox, the emulator's mail, the commit barrier
    validate_routes(app.routes)
    # chalice local keeps current_request per thread by swapping the app's class.
    local.CustomLocalChalice.__bases__ = (local.LocalChalice, app.__class__)
    app.__class__ = local.CustomLocalChalice
    return local.LocalDevServer(app, config, host, port, handler_cls=BandstandRequestHandler, server_cls=BacklogServer)


def tables_active() -> bool:
    """Whether the app's two tables exist and are ACTIVE: one DescribeTable each, on the
    endpoint and names the app itself uses (its settings, after chalice set the stage's)."""
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.core import aws
    from chalicelib.core.config import get_settings

    settings = get_settings()
    quick = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1})
    client = aws.client("dynamodb", settings.region, settings.dynamodb_endpoint, quick)
    try:
        for table in (settings.users_table, settings.albums_table):
            if client.describe_table(TableName=table)["Table"]["TableStatus"] != "ACTIVE":
                return False
    except (BotoCoreError, ClientError):  # not answering yet, or no such table yet
        return False
    return True


def watch_readiness(ready: threading.Event) -> None:
    while not tables_active():
        time.sleep(READY_POLL_SECONDS)
    ready.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the Chalice app on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument("--wait-for-tables", action="store_true", help="503 to every request until the tables exist")
    args = parser.parse_args(argv)
    # As `chalice local` does: plain log lines on stdout (the app's own logger is JSON).
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    server = create_server(args.project_dir.resolve(), args.stage, args.host, args.port)
    if args.wait_for_tables:
        BandstandRequestHandler.stack_ready = ready = threading.Event()
        threading.Thread(target=watch_readiness, args=(ready,), name="readiness", daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
