"""What each route declares: method, path, who may call it, its request and response
shapes. app.py's `route()` records one `Operation` per route function and enforces its
`auth`; the OpenAPI document is built from the same records, so the two cannot drift."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.web.validation import Model

Auth = Literal["public", "user", "admin"]

# operationIds become function and module names in generated clients: snake_case only.
OPERATION_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


@dataclass(frozen=True)
class Operation:
    method: str  # upper case, as chalice routes it
    path: str
    auth: Auth
    summary: str
    operation_id: str  # the view function's name unless the route names it
    success: int = 200
    request: Model[Any] | None = None
    response: type | None = None  # a TypedDict from chalicelib.web.shapes
    errors: tuple[int, ...] = ()
    paginated: bool = False
    conditional: bool = False  # takes If-Match


class OperationTable:
    """Every route's declaration, in the order app.py declares them."""

    def __init__(self) -> None:
        self._operations: list[Operation] = []

    def add(self, operation: Operation) -> None:
        if any(o.method == operation.method and o.path == operation.path for o in self._operations):
            raise ValueError(f"{operation.method} {operation.path} is declared twice")
        if not OPERATION_ID.fullmatch(operation.operation_id):
            raise ValueError(f"operation id {operation.operation_id!r} is not a snake_case identifier")
        if any(o.operation_id == operation.operation_id for o in self._operations):
            raise ValueError(f"operation id {operation.operation_id!r} is used twice")
        self._operations.append(operation)

    def __iter__(self) -> Any:
        return iter(self._operations)

    def methods(self, path: str) -> list[str]:
        return sorted(o.method for o in self._operations if o.path == path)
