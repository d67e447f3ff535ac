"""The layer rule of chalicelib, without exceptions (docs/architecture.md, "Layout"):

    core  <  storage  <  identity  <  usecases  <  web  <  services (the wiring)

A module imports its own layer and the layers below it, never one above: storage imports
no identity provider, and nothing below the HTTP edge imports `chalicelib.web` or Chalice.
Nothing under chalicelib is there for a laptop only: no import of the local stack
(scripts), the tests, moto or tqdm, and no word of moto's or DynamoDB Local's quirks.
Every import counts, those under TYPE_CHECKING too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"
ORDER = ("core", "storage", "identity", "usecases", "web", "services")
LOCAL_ONLY_IMPORTS = ("scripts", "tests", "bench", "infra", "moto", "tqdm", "boto3")
LOCAL_ONLY_WORDS = ("x-moto", "moto-confirmation-code", "commit_barrier", "CommitBarrier", "OutboxMailer", "tqdm")


def layer_of(module: str) -> str:
    """`chalicelib.storage.users` -> storage; chalicelib/__init__ is the core's."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ORDER else "core"


def module_of(path: Path) -> str:
    relative = path.relative_to(CHALICELIB.parent).with_suffix("")
    return ".".join(relative.parts).removesuffix(".__init__")


def imports(path: Path) -> set[str]:
    """Every module `path` imports, as dotted names. chalicelib imports absolutely only."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module, f"{path}: a relative import"
            base = node.module
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names if base == "chalicelib"}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


MODULES = sorted(CHALICELIB.rglob("*.py"))


def test_every_module_is_in_a_layer():
    assert len(MODULES) > 50
    top = {path.relative_to(CHALICELIB).parts[0] for path in MODULES}
    assert top == {"__init__.py", "core", "storage", "identity", "usecases", "web", "services.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CHALICELIB)))
def test_a_module_imports_only_its_layer_and_those_below(path):
    own = ORDER.index(layer_of(module_of(path)))
    above = {name for name in imports(path) if name.startswith("chalicelib.") and ORDER.index(layer_of(name)) > own}
    assert above == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CHALICELIB)))
def test_only_the_http_edge_knows_http(path):
    if layer_of(module_of(path)) in ("web", "services"):
        return
    http = {name for name in imports(path) if name.split(".")[0] == "chalice" or name.startswith("chalicelib.web")}
    assert http == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CHALICELIB)))
def test_nothing_is_there_for_a_laptop_only(path):
    local = {name for name in imports(path) if name.split(".")[0] in LOCAL_ONLY_IMPORTS}
    words = [word for word in LOCAL_ONLY_WORDS if word in path.read_text(encoding="utf-8")]
    assert (local, words) == (set(), [])


def test_the_checks_see_what_they_forbid(tmp_path):
    probe = CHALICELIB / "storage" / "probe.py"  # a path in storage, read from elsewhere
    source = (
        "from chalicelib.web.validation import Model\n"
        "from chalicelib import services\n"
        "from chalicelib.identity.builtin.provider import BuiltinIdentityProvider\n"
        "from chalicelib.core.errors import NotFound\n"
        "import chalice\n"
        "from scripts.devstack.parts import LOCAL_PARTS\n"
    )
    copy = tmp_path / "probe.py"
    copy.write_text(source)
    found = imports(copy)
    own = ORDER.index(layer_of(module_of(probe)))
    above = {name for name in found if name.startswith("chalicelib.") and ORDER.index(layer_of(name)) > own}
    assert above == {"chalicelib.web.validation", "chalicelib.services", "chalicelib.identity.builtin.provider"}
    assert {name for name in found if name.split(".")[0] in LOCAL_ONLY_IMPORTS} == {"scripts.devstack.parts"}
    assert "chalice" in found
