"""The parts of a local stack. Each component says what the app needs to reach it (env
wiring), how to launch it, when it is ready, and what to do once it is (setup). A new
local service is one more subclass listed in stack.py."""

from __future__ import annotations

import json
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from scripts import cognito_emulator
from scripts.devstack.dynamodb import REGION, REPO_ROOT, dynamodb_answers, launch_dynamodb_local
from scripts.devstack.processes import HOST, Child, accepts, http_status


class StackView(Protocol):
    """What a component may read from, or ask of, the stack it is part of."""

    identity_backend: str
    api_port: int
    web_port: int
    dynamodb_port: int
    cognito_port: int
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
    # True: the components after it need what its setup makes (in their environment), so
    # the stack waits for it and sets it up before launching them.
    before_the_rest: bool = False

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


def dynamodb_data_dir(local_dir: Path, identity_backend: str) -> Path:
    """Where DynamoDB Local keeps one identity backend's tables under LOCAL_DIR.

    Each backend has its own database: a user record means "credentials in this table"
    to the builtin backend and "credentials in the pool" to the Cognito one, so neither
    may read, or clean up, what the other wrote. The album catalog goes with it (it is
    seeded per database, and its admins are the backend's users). The builtin backend
    keeps the folder every LOCAL_DIR had before, with the users and albums in it."""
    return local_dir / ("dynamodb" if identity_backend == "builtin" else f"dynamodb-{identity_backend}")


SEED_MARKER = "bandstand-seeded"  # in the data dir: the catalog's seed ran to its end


class DynamoDbLocal(Component):
    name = "dynamodb"

    def environment(self, stack: StackView) -> dict[str, str]:
        return {"DYNAMODB_ENDPOINT": f"http://{HOST}:{stack.dynamodb_port}"}

    def data_dir(self, stack: StackView) -> Path | None:
        return None if stack.in_memory else dynamodb_data_dir(stack.local_dir, stack.identity_backend)

    def launch(self, stack: StackView) -> Child:
        return launch_dynamodb_local(stack.dynamodb_port, self.data_dir(stack), log_path=stack.log_path(self.name))

    def ready(self, stack: StackView) -> bool:
        return dynamodb_answers(stack.dynamodb_port)

    def setup(self, stack: StackView) -> None:
        stack.run_cli(["create-tables"])
        if stack.seed and stack.run_cli(self.seed_command(stack), check=False) != 0:
            stack.notice("`cli seed` failed: continuing unseeded; the next start tries again")

    def seed_command(self, stack: StackView) -> list[str]:
        """Seed until a seed has run to its end: one cut short (the stack stopped while
        the catalog loaded) writes what is missing on the next start; once it has
        finished, albums an admin deleted stay deleted."""
        data_dir = self.data_dir(stack)
        marker = [] if data_dir is None else ["--done-marker", str(data_dir / SEED_MARKER)]
        return ["seed", "--no-progress", *marker]


class ApiServer(Component):
    """The Chalice app, served by scripts/devstack/local_api.py (chalice local's gateway
    behind our request handler)."""

    name = "api"
    not_ready = "no 200 from /health"

    def launch(self, stack: StackView) -> Child:
        args = ["--host", HOST, "--port", str(stack.api_port), "--stage", "local"]
        # /health is 503 until the tables exist: 200 means a sign-up can be served.
        args += ["--project-dir", str(stack.project_dir), "--wait-for-tables"]
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


STARTUP_WAIT_SECONDS = 90.0  # DynamoDB Local's start, at worst (the stack's own timeout)


def users_table_name(project_dir: Path) -> str:
    """The local stage's users table, from .chalice/config.json (chalice applies it)."""
    config = json.loads((project_dir / ".chalice" / "config.json").read_text())
    return str(config["stages"]["local"]["environment_variables"]["USERS_TABLE"])


class CognitoEmulator(Component):
    """The local Cognito (scripts/cognito_emulator.py): moto's app in our own process,
    durable through LOCAL_DIR/cognito/state.pickle. The API's environment needs the pool
    and client ids, which exist once the emulator answers, so it starts before the API."""

    name = "cognito"
    not_ready = "no answer from /moto-api/"
    before_the_rest = True

    def __init__(self) -> None:
        self.env: dict[str, str] = {}

    @staticmethod
    def endpoint(stack: StackView) -> str:
        return f"http://{HOST}:{stack.cognito_port}"

    @staticmethod
    def state_file(stack: StackView) -> Path | None:
        return None if stack.in_memory else stack.local_dir / "cognito" / "state.pickle"

    @staticmethod
    def env_file(stack: StackView) -> Path:
        return stack.local_dir / "cognito.json"

    def environment(self, stack: StackView) -> dict[str, str]:
        # In `make admin` / `make seed` (another process) the running emulator's saved ids.
        return dict(self.env) or cognito_emulator.load_env(self.env_file(stack)) or {}

    @staticmethod
    def pairing_file(stack: StackView) -> Path:
        """Names the DynamoDB data dir whose users table goes with the saved pool."""
        return stack.local_dir / "cognito" / "tables"

    def launch(self, stack: StackView) -> Child:
        self._set_aside_unpaired_pool(stack)
        argv = cognito_emulator.serve_command(stack.cognito_port, self.state_file(stack))
        return Child(self.name, argv, log_path=stack.log_path(self.name), cwd=REPO_ROOT)

    def _set_aside_unpaired_pool(self, stack: StackView) -> None:
        """A pool saved when both backends shared LOCAL_DIR/dynamodb has its user records
        in what is now the builtin backend's database, not in this backend's own: keep
        the file (renamed, nothing deleted) and start a pool that matches the tables."""
        state = self.state_file(stack)
        if state is None or not state.exists():
            return
        data_dir = dynamodb_data_dir(stack.local_dir, stack.identity_backend).name
        pairing = self.pairing_file(stack)
        if pairing.exists() and pairing.read_text().strip() == data_dir:
            return
        aside = state.with_name(f"{state.name}.before-{data_dir}-{time.strftime('%Y%m%dT%H%M%S')}")
        state.rename(aside)
        stack.notice(
            f"the saved Cognito pool belongs with the users in {stack.local_dir / 'dynamodb'} (now the builtin "
            f"backend's alone): kept as {aside}; this backend starts a new pool beside {data_dir}"
        )

    def ready(self, stack: StackView) -> bool:
        return cognito_emulator.emulator_answers(self.endpoint(stack))

    def setup(self, stack: StackView) -> None:
        endpoint = self.endpoint(stack)
        pool_id, client_id, created = cognito_emulator.ensure_pool(endpoint, REGION)
        self.env = cognito_emulator.emulator_env(endpoint, pool_id, client_id, REGION)
        cognito_emulator.save_env(self.env, self.env_file(stack))
        if stack.in_memory:
            return
        if created:
            self._forget_orphaned_users(stack)
        self.pairing_file(stack).parent.mkdir(parents=True, exist_ok=True)
        self.pairing_file(stack).write_text(dynamodb_data_dir(stack.local_dir, stack.identity_backend).name + "\n")

    def _forget_orphaned_users(self, stack: StackView) -> None:
        """A new, empty pool beside a users table that lasted (state file deleted or
        unreadable): the table's user records would claim names and addresses the pool
        does not have. Clearing them is the honest recovery; say so. The table is this
        backend's own (dynamodb_data_dir): the builtin backend's users are never in it."""
        deadline = time.monotonic() + STARTUP_WAIT_SECONDS
        while not dynamodb_answers(stack.dynamodb_port):
            if time.monotonic() > deadline:
                stack.notice("DynamoDB Local did not answer: users table not checked against the new pool")
                return
            time.sleep(0.2)
        from botocore.exceptions import ClientError

        try:
            deleted = cognito_emulator.forget_users(_dynamodb(stack), users_table_name(stack.project_dir))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            return  # a first start: no users table yet
        if deleted:
            stack.notice(
                f"the Cognito pool was created anew (no state in {self.state_file(stack)}): "
                f"removed {deleted} user records and email claims the new pool does not have"
            )


def _dynamodb(stack: StackView) -> Any:
    import boto3

    return boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=f"http://{HOST}:{stack.dynamodb_port}",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # DynamoDB Local accepts any key
    )
