"""JSON-lines logging through the standard `logging` module.

Every record is one JSON object on stdout (CloudWatch on AWS, the terminal locally).
Callers pass context with `extra=`; keys that could carry a secret are dropped here too,
as a second line of defence behind "never log a password, hash, token or code".

Security events (sign-ins, lockouts, codes, resets, sign-outs, deletions; two-step sign-in
adds its own) go through `security_event`: one record each on the `bandstand.security`
logger, with `event` set, the account's `sub` when known, and the identifier only as
`id_hash`, a keyed hash: the events of one name can be followed without logging the name,
and the hash cannot be reversed by trying addresses without the server's secret.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
import sys
import time
from typing import Any

# The current request's id, set by the HTTP middleware, stamped on every record.
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
# Personal data stays out too: users are logged by their opaque `sub`.
_SECRET_KEYS = {
    "email",
    "username",
    "password",
    "new_password",
    "password_hash",
    "token",
    "access_token",
    "id_token",
    "refresh_token",
    "code",
    "authorization",
    "secret",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and key.lower() not in _SECRET_KEYS:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(level: str = "INFO") -> None:
    """Idempotent: attach one JSON handler to the `bandstand` logger."""
    logger = logging.getLogger("bandstand")
    logger.setLevel(level)
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.propagate = False  # chalice local configures the root logger with plain text


security_log = logging.getLogger("bandstand.security")
ID_HASH_HEX = 16  # 64 bits: enough to follow one name through the logs, too short to be a key


def identifier_hash(identifier: str, key: str | None = None) -> str:
    """A keyed hash of an identifier in its normal form: HMAC-SHA256 under a key derived
    from the server secret (its own purpose, so it is never the signing key), truncated."""
    from chalicelib.core.identifiers import normal_form

    secret = key if key is not None else _server_secret()
    derived = hmac.new(secret.encode(), b"bandstand security events", hashlib.sha256).digest()
    return hmac.new(derived, normal_form(identifier).encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[
        :ID_HASH_HEX
    ]


def _server_secret() -> str:
    from chalicelib.core.config import get_settings

    return get_settings().secret_key


def security_event(name: str, *, identifier: str | None = None, sub: str | None = None, **fields: Any) -> None:
    """Log one security event. `identifier` (a username or an email as typed) is logged
    as its keyed hash only; `fields` are extra facts (counts, seconds, a purpose), never
    personal data. Logging must not break the request it describes: a failure here is
    swallowed after a plain warning."""
    try:
        extra: dict[str, Any] = {"event": name, **fields}
        if identifier is not None:
            extra["id_hash"] = identifier_hash(identifier)
        if sub:
            extra["user_sub"] = sub
        security_log.info(name, extra=extra)
    except Exception:
        security_log.warning("security event not logged", extra={"event": name})
