"""AWS calls as botocore makes them, named `service:Operation`, for the round-trip tests."""

from __future__ import annotations

from typing import Any


class Calls:
    """Register on a client's `before-call.*.*` event; `take()` returns and forgets the calls
    seen so far (Cognito's as `cognito:`, DynamoDB's as `dynamodb:`)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        service = "cognito" if model.service_model.service_name == "cognito-idp" else "dynamodb"
        self.seen.append(f"{service}:{model.name}")

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen
