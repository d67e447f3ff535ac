"""The parts of a local stack. Each component says what the app needs to reach it (env
wiring), how to launch it, when it is ready, and what to do once it is (setup). A new
local service (a Cognito emulator, say) is one more subclass listed in stack.py."""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from scripts.devstack.dynamodb import REPO_ROOT, dynamodb_answers, launch_dynamodb_local
from scripts.devstack.processes import HOST, Child, accepts, http_status


class StackView(Protocol):
    """What a component may read from, or ask of, the stack it is part of."""

    api_port: int
    web_port: int
    dynamodb_port: int
    local_dir: Path
    outbox_dir: Path
    project_dir: Path
    in_memory: bool
    seed: bool

    @property
    def api_url(self) -> str: ...

    @property
    def web_url(self) -> str: ...

    def environment(self) -> dict[str, str]: ...

    def log_path(self, name: str) -> Path | None: ...

    def run_cli(self, args: Sequence[str], *, check: bool = True) -> int: ...

    def notice(self, message: str) -> None: ...


class Component(ABC):
    name: str
    not_ready: str = "no answer"  # how a readiness timeout reads in the error

    def environment(self, stack: StackView) -> dict[str, str]:
        """Variables the app (chalice local and the CLI) needs to reach this component."""
        return {}

    @abstractmethod
    def launch(self, stack: StackView) -> Child:
        """Start the process; do not wait for it."""

    @abstractmethod
    def ready(self, stack: StackView) -> bool:
        """One cheap probe: does it answer yet?"""

    def setup(self, stack: StackView) -> None:  # noqa: B027 (optional: most need none)
        """Work to do once it is ready (tables, seed data, ...)."""


def _python_module(
    name: str, module: str, args: Sequence[str], stack: StackView, env: Mapping[str, str] | None = None
) -> Child:
    # `-m scripts.devstack...` resolves from the repository root, whatever the project.
    argv = [sys.executable, "-m", module, *args]
    return Child(name, argv, log_path=stack.log_path(name), env=env, cwd=REPO_ROOT)


class DynamoDbLocal(Component):
    name = "dynamodb"

    def environment(self, stack: StackView) -> dict[str, str]:
        return {"DYNAMODB_ENDPOINT": f"http://{HOST}:{stack.dynamodb_port}"}

    def launch(self, stack: StackView) -> Child:
        data_dir = None if stack.in_memory else stack.local_dir / "dynamodb"
        return launch_dynamodb_local(stack.dynamodb_port, data_dir, log_path=stack.log_path(self.name))

    def ready(self, stack: StackView) -> bool:
        return dynamodb_answers(stack.dynamodb_port)

    def setup(self, stack: StackView) -> None:
        stack.run_cli(["create-tables"])
        if stack.seed and stack.run_cli(["seed", "--if-empty", "--no-progress"], check=False) != 0:
            stack.notice("`cli seed` failed: continuing unseeded")


class ApiServer(Component):
    """The Chalice app, served by scripts/devstack/local_api.py (chalice local's gateway
    behind our request handler)."""

    name = "api"
    not_ready = "no 200 from /health"

    def launch(self, stack: StackView) -> Child:
        args = ["--host", HOST, "--port", str(stack.api_port), "--stage", "local"]
        args += ["--project-dir", str(stack.project_dir)]
        return _python_module(self.name, "scripts.devstack.local_api", args, stack, env=stack.environment())

    def ready(self, stack: StackView) -> bool:
        return http_status(stack.api_url + "/health") == 200


class StaticSite(Component):
    """The web app in static/, with /config.js generated in memory for this stack's API."""

    name = "web"
    not_ready = "port closed"

    def environment(self, stack: StackView) -> dict[str, str]:
        return {
            "CORS_ORIGINS": f"http://localhost:{stack.web_port},http://{HOST}:{stack.web_port}",
            "WEB_BASE_URL": stack.web_url,
        }

    def launch(self, stack: StackView) -> Child:
        args = ["--port", str(stack.web_port), "--dir", str(stack.project_dir / "static")]
        return _python_module(
            self.name, "scripts.devstack.static_server", [*args, "--api-origin", stack.api_url], stack
        )

    def ready(self, stack: StackView) -> bool:
        return accepts(HOST, stack.web_port)
