"""Mailer protocol and the text of every code mail. Amazon SES delivers on AWS stages; the
local stack plugs in its outbox (scripts/devstack/parts.py), one .eml file per message."""

from __future__ import annotations

import logging
import secrets
import unicodedata
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("bandstand.mail")


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str, kind: str) -> None:
        """Deliver one plain-text message. `kind` names it in the log (never the body)."""


GREETING_MAX = 100  # a full name's limit (docs/api.md)
_NOT_IN_A_LINE = frozenset({"Cc", "Cs", "Zl", "Zp"})
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line(text: str, limit: int = GREETING_MAX) -> str:
    """`text` as one line of at most `limit` characters, for a mail body: each control
    character, line or paragraph separator (Unicode Cc, Zl, Zp), lone surrogate and bidi
    embedding, override or isolate (which reorder the text around them) becomes a space;
    runs of spaces become one.
    The API refuses such names already; this keeps a record written before that rule,
    or by another path, from starting a paragraph of its own in a mail."""
    cleaned = "".join(" " if ch in _BIDI_CONTROLS or unicodedata.category(ch) in _NOT_IN_A_LINE else ch for ch in text)
    return " ".join(cleaned.split())[:limit]


def new_code() -> str:
    """A one-time code as the code mails carry it: 6 random digits (docs/api.md). The builtin
    backend issues these; the Cognito backend mails them where a local pool makes none."""
    return f"{secrets.randbelow(1_000_000):06d}"


def code_message(purpose: str, greeting_name: str, code: str, web_base_url: str = "") -> tuple[str, str]:
    """(subject, body) of a mailed code, `purpose` confirm or reset. One text for every
    identity backend, so the web app, the tests and people read the same mail. The name
    is made one line here, whoever calls."""
    web = web_base_url.rstrip("/")
    greeting_name = one_line(greeting_name) or "there"
    if purpose == "confirm":
        subject = "Your Bandstand verification code"
        body = (
            f"Hello {greeting_name},\n\n"
            f"Your Bandstand verification code is {code}\n\n"
            f"It is valid for 24 hours. Enter it on the Verify email page of Bandstand"
            f"{' at ' + web if web else ''}.\n\n"
            "If you did not create an account, ignore this message.\n"
        )
    else:
        subject = "Your Bandstand password reset code"
        body = (
            f"Hello {greeting_name},\n\n"
            f"Your Bandstand password reset code is {code}\n\n"
            "It is valid for 1 hour. If you did not ask to reset your password, ignore this message.\n"
        )
    return subject, body


class SesMailer:
    """Amazon SES. The client is made with the first mail (`client` is its factory): most
    requests send none, and a cold start should not pay for a client it does not use."""

    def __init__(self, client: Callable[[], Any], sender: str) -> None:
        self._make_client = client
        self._client: Any = None
        self._sender = sender

    def send(self, to: str, subject: str, body: str, kind: str) -> None:
        if self._client is None:
            self._client = self._make_client()
        self._client.send_email(
            Source=self._sender,
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            },
        )
        log.info("mail sent", extra={"kind": kind})
