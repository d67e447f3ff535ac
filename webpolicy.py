"""The web app's Content-Security-Policy: one definition for the local static server
(scripts/devstack/static_server.py) and CloudFront's response headers (infra/template/site.py).

Outside chalicelib, which serves no pages: the API function never needs it.
"""

from __future__ import annotations


def localhost_variant(origin: str) -> str:
    """The same origin with localhost for 127.0.0.1 (a page may use either)."""
    return origin.replace("://127.0.0.1", "://localhost")


def content_security_policy(api_origin: str) -> str:
    connect = " ".join(dict.fromkeys(["'self'", api_origin, localhost_variant(api_origin)]))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data:; connect-src {connect}; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'; object-src 'none'"
    )
