"""Serve the web app in static/ on 127.0.0.1 with the headers CloudFront adds on AWS.

    python -m scripts.devstack.static_server --port 8080 --dir static --api-origin http://127.0.0.1:8000

Stdlib only. No directory listings; every response carries the security headers.
With --api-origin, /config.js is generated in memory from it and never written to
static/ (so each server instance points at its own API, even when several stacks share
one checkout).
"""

from __future__ import annotations

import argparse
import functools
import sys
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from webpolicy import content_security_policy  # one policy with CloudFront's (infra/template/site.py)

if TYPE_CHECKING:
    from _typeshed import StrPath

# Explicit, because mimetypes differs between machines (.js may come out as
# text/plain from /etc/mime.types) and browsers refuse modules with a wrong type.
MIME_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}


def config_js(api_base_url: str) -> str:
    """The module the web app imports to find the API."""
    return f'export const API_BASE_URL = "{api_base_url}";\n'


class StaticHandler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, api_origin: str, **kwargs: Any) -> None:
        self.api_origin = api_origin
        self.extensions_map = {**self.extensions_map, **MIME_TYPES}
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        # On every response, errors included, like CloudFront's response policy.
        self.send_header("Content-Security-Policy", content_security_policy(self.api_origin))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        if self._is_config_js():
            self._send_config_js(with_body=True)
        else:
            super().do_GET()

    def do_HEAD(self) -> None:
        if self._is_config_js():
            self._send_config_js(with_body=False)
        else:
            super().do_HEAD()

    def _is_config_js(self) -> bool:
        return bool(self.api_origin) and self.path.split("?", 1)[0] == "/config.js"

    def _send_config_js(self, *, with_body: bool) -> None:
        body = config_js(self.api_origin).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", MIME_TYPES[".js"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def list_directory(self, path: StrPath) -> None:
        # A folder without index.html is not a page: 404 rather than a listing.
        self.send_error(HTTPStatus.NOT_FOUND, "Not found")
        return None

    def log_error(self, format: str, *args: Any) -> None:
        pass  # the access line below already carries the status

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{format % args}\n")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = code.value if isinstance(code, HTTPStatus) else code
        sys.stderr.write(f"{self.command} {self.path} {status}\n")


def make_server(port: int, directory: Path, api_origin: str = "") -> ThreadingHTTPServer:
    """A server bound to 127.0.0.1 only; call serve_forever() on it."""
    handler = functools.partial(
        StaticHandler,
        directory=str(directory.resolve()),
        api_origin=api_origin.rstrip("/"),
    )
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--dir", type=Path, default=Path(__file__).resolve().parents[2] / "static")
    parser.add_argument("--api-origin", default="", help="e.g. http://127.0.0.1:8000")
    args = parser.parse_args(argv)
    if not args.dir.is_dir():
        parser.error(f"{args.dir} is not a directory")
    server = make_server(args.port, args.dir, args.api_origin)
    sys.stderr.write(f"serving {args.dir} on http://127.0.0.1:{args.port}/\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
