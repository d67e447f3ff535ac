"""Below the HTTP edge, nothing imports it: the providers, two-step sign-in, storage and
the use cases take their domain rules (the username pattern, the password bounds) from
domain modules, never from the request parser or the HTTP plumbing."""

from __future__ import annotations

import ast
from pathlib import Path

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"
HTTP_EDGE = {"validation", "rules", "http", "routing", "openapi", "bodies", "edge"}
BELOW_THE_EDGE = [
    *sorted((CHALICELIB / "identity").rglob("*.py")),
    *sorted((CHALICELIB / "two_step").rglob("*.py")),
    *sorted((CHALICELIB / "repository").rglob("*.py")),
    *(CHALICELIB / name for name in ("accounts.py", "albums.py", "identifiers.py", "password_policy.py")),
]


def imported(path: Path) -> set[str]:
    """The chalicelib modules `path` imports, as names under chalicelib."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("chalicelib"):
            inner = node.module.removeprefix("chalicelib").lstrip(".")
            names |= {inner.split(".")[0]} if inner else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[1] for a in node.names if a.name.startswith("chalicelib.")}
    return names


def test_no_module_below_the_edge_imports_it():
    assert len(BELOW_THE_EDGE) > 20
    offenders = {
        str(path.relative_to(CHALICELIB)): sorted(imported(path) & HTTP_EDGE)
        for path in BELOW_THE_EDGE
        if imported(path) & HTTP_EDGE
    }
    assert offenders == {}


def test_the_check_sees_an_edge_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from chalicelib.validation import Model\nfrom chalicelib import http\nimport chalicelib.rules\n")
    assert imported(probe) & HTTP_EDGE == {"validation", "http", "rules"}
