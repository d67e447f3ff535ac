"""A Python client generated from the running stack's /openapi.json by openapi-python-client
(in its own venv, .venv-client, which `make test` makes from requirements-client.txt) reads
like the API: a module per tag, a function per operationId, named models, and it runs a
user's journey over HTTP (tests/e2e/client_journey.py) with problems parsed as `Problem`."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app import OPERATIONS
from chalicelib.web.openapi import document
from scripts.devstack import Stack
from tests.support.prerequisites import skip_or_fail

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENT_BIN = REPO_ROOT / ".venv-client" / "bin"  # the Makefile's $(CLIENT) venv
GENERATOR = CLIENT_BIN / "openapi-python-client"
JOURNEY = Path(__file__).with_name("client_journey.py")
PACKAGE = "bandstand_client"
# No post hooks: formatting the generated code with ruff only costs time here.
GENERATOR_CONFIG = {"package_name_override": PACKAGE, "post_hooks": []}


@pytest.fixture
def client_dir(tmp_path: Path) -> Path:
    """Where the client is generated (as the package `bandstand_client` in it)."""
    if not GENERATOR.exists():
        skip_or_fail(f"no {GENERATOR.relative_to(REPO_ROOT)}: `make .venv-client/.installed` makes it")
    return tmp_path / "client"


def generate(source: list[str], out: Path) -> Path:
    """Generate the client from `--url URL` or `--path FILE` into `out`; the package path."""
    out.mkdir(exist_ok=True)
    config = out / "config.json"
    config.write_text(json.dumps(GENERATOR_CONFIG))
    package = out / PACKAGE
    argv = [str(GENERATOR), "generate", *source, "--output-path", str(package)]
    argv += ["--meta", "none", "--config", str(config), "--fail-on-warning"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    # A warning means some operation or schema did not make it into the client.
    assert done.returncode == 0, done.stdout + done.stderr
    return package


def run_journey(stack: Stack, client_dir: Path) -> dict[str, dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(client_dir), str(REPO_ROOT)])}
    argv = [str(CLIENT_BIN / "python"), str(JOURNEY), stack.api_url, str(stack.outbox_dir)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return {step["step"]: step for step in json.loads(done.stdout)}


def test_the_generated_client_names_things_like_the_api(client_dir: Path) -> None:
    doc = document(OPERATIONS)
    client_dir.mkdir()
    source = client_dir / "openapi.json"
    source.write_text(json.dumps(doc))
    package = generate(["--path", str(source)], client_dir)
    modules = {(path.parent.name, path.stem) for path in (package / "api").glob("*/*.py") if path.stem != "__init__"}
    operations = {(op["tags"][0], op["operationId"]) for methods in doc["paths"].values() for op in methods.values()}
    assert modules == operations
    assert {("auth", "register"), ("users", "get_me"), ("albums", "list_albums")} <= modules
    models = {path.stem for path in (package / "models").glob("*.py")} - {"__init__"}
    assert {"album_page", "profile_page", "album_body", "profile_body", "problem", "tokens"} <= models
    assert [name for name in models if "response" in name] == []  # no `GetalbumsResponse200`


def test_a_journey_through_the_generated_client(
    make_stack: Callable[..., Stack], client_dir: Path, tmp_path: Path
) -> None:
    stack = make_stack()
    catalog = json.loads((REPO_ROOT / "data" / "albums.json").read_text())[:5]
    (tmp_path / "albums.json").write_text(json.dumps(catalog))
    stack.run_cli(["seed", "--file", str(tmp_path / "albums.json"), "--no-progress"])
    stack = make_stack(seed=True)
    generate(["--url", f"{stack.api_url}/openapi.json"], client_dir)  # the document the stack serves
    steps = run_journey(stack, client_dir)

    assert steps["register"] == {
        "step": "register",
        "status": 201,
        "type": "Registered",
        "body": {
            "username": "clientuser",
            "email": "client-user@example.com",
            "full_name": "Client User",
            "status": "UNCONFIRMED",
        },
    }
    confirmed = {"username": "clientuser", "status": "CONFIRMED"}
    assert steps["confirm"] == {"step": "confirm", "status": 200, "type": "Confirmed", "body": confirmed}
    assert (steps["login"]["status"], steps["login"]["type"]) == (200, "LoginAnswer"), steps["login"]
    assert (steps["refresh"]["status"], steps["refresh"]["type"]) == (200, "Tokens"), steps["refresh"]
    for step in ("login", "refresh"):
        assert steps[step]["body"]["token_type"] == "Bearer" and steps[step]["body"]["expires_in"] > 0
    assert "refresh_token" in steps["login"]["body"] and "refresh_token" not in steps["refresh"]["body"]

    me = steps["get_me"]
    assert (me["status"], me["type"]) == (200, "MeBody")  # the profile and its two-step state
    assert {k: me["body"][k] for k in ("username", "email", "full_name", "status", "groups")} == {
        "username": "clientuser",
        "email": "client-user@example.com",
        "full_name": "Client User",
        "status": "CONFIRMED",
        "groups": [],
    }

    first, second = steps["list_albums"], steps["list_albums_next"]
    for page in (first, second):
        assert (page["status"], page["type"]) == (200, "AlbumPage"), page
        assert len(page["body"]["items"]) == 2
    # The second page goes on where the first stopped, in rank order.
    listed = [album for page in (first, second) for album in page["body"]["items"]]
    assert [{field: album[field] for field in catalog[0]} for album in listed] == catalog[:4]
    assert first["body"]["next"] and all(album["album_id"] and album["created_at"] for album in listed)

    for step, status, code in (("list_users", 403, "forbidden"), ("get_me_after_logout", 401, "invalid_token")):
        problem = steps[step]
        assert (problem["status"], problem["type"]) == (status, "Problem"), problem
        assert problem["body"]["status"] == status and problem["body"]["code"] == code, problem
    assert steps["logout"] == {"step": "logout", "status": 204, "type": "NoneType", "body": None}
