"""JSON-lines logging through the standard `logging` module.

Every record is one JSON object on stdout (CloudWatch on AWS, the terminal locally).
Callers pass context with `extra=`; keys that could carry a secret are dropped here too,
as a second line of defence behind "never log a password, hash, token or code".
"""

from __future__ import annotations

import contextvars
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
