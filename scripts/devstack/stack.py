"""The local stack: which components run for which identity backend, the environment
they share, and starting and stopping them together.

    with Stack(api_port=a, web_port=w, dynamodb_port=d, local_dir=tmp) as stack:
        urllib.request.urlopen(stack.api_url + "/health")
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from scripts.devstack.components import ApiServer, CognitoEmulator, Component, DynamoDbLocal, StaticSite
from scripts.devstack.dynamodb import REGION, REPO_ROOT
from scripts.devstack.processes import HOST, STARTUP_TIMEOUT_SECONDS, Child, StackError, console, wait_until

# What runs locally for each IDENTITY_BACKEND (the local stage's, in .chalice/config.json),
# in start order (a component marked before_the_rest is up before the next one launches).
COMPONENTS: dict[str, tuple[type[Component], ...]] = {
    "builtin": (DynamoDbLocal, ApiServer, StaticSite),
    "cognito": (DynamoDbLocal, CognitoEmulator, ApiServer, StaticSite),
}
DEFAULT_IDENTITY_BACKEND = "builtin"

# Settings that could lead boto3 to real AWS: a profile, a session, an endpoint.
_AWS_VARS_TO_DROP = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
)


def local_identity_backend(project_dir: Path = REPO_ROOT) -> str:
    """The local stack's IDENTITY_BACKEND: the local stage's in .chalice/config.json if it
    sets one (chalice applies it over the environment), else the environment's, else
    builtin."""
    config = json.loads((project_dir / ".chalice" / "config.json").read_text())
    stage_env = config.get("stages", {}).get("local", {}).get("environment_variables", {})
    configured = stage_env.get("IDENTITY_BACKEND") or config.get("environment_variables", {}).get("IDENTITY_BACKEND")
    return str(configured or os.environ.get("IDENTITY_BACKEND") or DEFAULT_IDENTITY_BACKEND)


def ensure_server_secret(path: Path) -> None:
    """Create the local server secret once, readable by the owner only. A folder made
    before the rename keeps its key (`jwt-secret`): sealed two-step secrets, code hashes
    and sessions stay readable."""
    earlier = path.with_name("jwt-secret")
    if not path.exists() and earlier.exists():
        earlier.rename(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    path.chmod(0o600)


def cli_command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "scripts.admin", "--stage", "local", *args]


class Stack:
    """The components of one identity backend, started and stopped together. Each backend
    keeps its tables in its own DynamoDB data dir (components.dynamodb_data_dir)."""

    def __init__(
        self,
        *,
        api_port: int = 8000,
        web_port: int = 8080,
        dynamodb_port: int = 8001,
        cognito_port: int = 8002,
        local_dir: Path | None = None,
        seed: bool = False,
        log_to_files: bool = False,
        in_memory: bool = False,
        outbox_dir: Path | None = None,
        project_dir: Path = REPO_ROOT,
        timeout: float = STARTUP_TIMEOUT_SECONDS,
        identity_backend: str | None = None,
    ) -> None:
        self.api_port = api_port
        self.web_port = web_port
        self.dynamodb_port = dynamodb_port
        self.cognito_port = cognito_port
        self.local_dir = (local_dir or REPO_ROOT / ".local").resolve()
        self.outbox_dir = (outbox_dir or self.local_dir / "outbox").resolve()
        self.seed = seed
        self.log_to_files = log_to_files
        self.in_memory = in_memory
        self.project_dir = project_dir
        self.timeout = timeout
        self.identity_backend = identity_backend or local_identity_backend(project_dir)
        if self.identity_backend not in COMPONENTS:
            known = ", ".join(sorted(COMPONENTS))
            raise StackError(f"no local stack for IDENTITY_BACKEND={self.identity_backend!r} (known: {known})")
        self.components: list[Component] = [make() for make in COMPONENTS[self.identity_backend]]
        self.children: list[Child] = []

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def web_url(self) -> str:
        return f"http://{HOST}:{self.web_port}"

    @property
    def dynamodb_url(self) -> str:
        return f"http://{HOST}:{self.dynamodb_port}"

    @property
    def logs_dir(self) -> Path:
        return self.local_dir / "logs"

    def environment(self) -> dict[str, str]:
        """The environment for the API server and scripts.admin: this process's, less
        anything pointing at real AWS, plus each component's wiring. STAGE, table names
        and the identity backend come from the local stage in .chalice/config.json."""
        env = dict(os.environ)
        for name in _AWS_VARS_TO_DROP:
            env.pop(name, None)
        env.update(
            {
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "local",  # DynamoDB Local accepts any key
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_EC2_METADATA_DISABLED": "true",  # never look for instance roles
                "SERVER_SECRET_FILE": str(self.local_dir / "server-secret"),
                "OUTBOX_DIR": str(self.outbox_dir),
                "PYTHONUNBUFFERED": "1",  # log lines reach the terminal as they happen
                "IDENTITY_BACKEND": self.identity_backend,  # this stack's, whatever the shell says
            }
        )
        for component in self.components:
            env.update(component.environment(self))
        return env

    def start(self) -> Stack:
        """Start everything and wait until it answers; on failure stop what started."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.local_dir.mkdir(parents=True, exist_ok=True)
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        ensure_server_secret(self.local_dir / "server-secret")
        # Launch all, then wait for each in order: the API boots while the tables are made.
        # A component the later ones need set up first is waited for at once.
        started: list[tuple[Component, Child]] = []
        for component in self.components:
            child = component.launch(self)
            self.children.append(child)
            if component.before_the_rest:
                self._wait_and_set_up(component, child)
            else:
                started.append((component, child))
        for component, child in started:
            self._wait_and_set_up(component, child)

    def _wait_and_set_up(self, component: Component, child: Child) -> None:
        wait_until(child, functools.partial(component.ready, self), self.timeout, component.not_ready)
        component.setup(self)

    def run_cli(self, args: Sequence[str], *, check: bool = True) -> int:
        """Run scripts.admin with the app environment; its exit code."""
        argv, env = cli_command(args), self.environment()
        child = Child("cli", argv, log_path=self.log_path("cli"), env=env, cwd=self.project_dir)
        try:
            code = child.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            child.stop()
            raise child.failure(f"`cli {' '.join(args)}` timed out") from None
        finally:
            child.flush_output()
        if check and code != 0:
            raise child.failure(f"`cli {' '.join(args)}` failed")
        return code

    def dead_child(self) -> Child | None:
        """The first component that has exited, if any."""
        return next((c for c in self.children if c.poll() is not None), None)

    def stop(self) -> None:
        """Stop every process group started, newest first. Safe to call twice, and to call
        again after an interruption: a child leaves the list only once it is stopped."""
        while self.children:
            self.children[-1].stop()
            self.children.pop()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def log_path(self, name: str) -> Path | None:
        """Where a process's output goes: a file under logs/, or None for the terminal."""
        return self.logs_dir / f"{name}.log" if self.log_to_files else None

    def notice(self, message: str) -> None:
        if not self.log_to_files:
            console(f"[devstack] {message}")
            return
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        with (self.logs_dir / "devstack.log").open("a") as handle:
            handle.write(message + "\n")
