"""Security review: the local stack said ready too soon, kept a cut-short seed for
ever, and could be left running by a second signal or a killed supervisor.

- `/health` 200 means a sign-up is served: the API answers 503 until the tables exist.
- A seed stopped halfway finishes on the next start; a finished one is never repeated.
- A SIGTERM to `make dev`'s process group, then more signals while it stops, leaves no
  child running; a SIGKILLed supervisor takes its children with it (Linux).

The supervisor runs as `make dev` runs it: `python -m scripts.devstack` in a process group
of its own, on free ports and a temporary LOCAL_DIR."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.storage.albums import AlbumRepository
from scripts.admin import SEED_FILE, load_seed, seed
from scripts.api_client import call
from scripts.devstack import HOST, Stack, find_free_port
from scripts.devstack.components import SEED_MARKER, ApiServer, dynamodb_data_dir
from scripts.devstack.dynamodb import REPO_ROOT
from scripts.devstack.processes import accepts
from scripts.devstack.stack import ensure_server_secret
from tests.e2e.conftest import new_stack, start_database
from tests.failure.stack_client import dynamodb
from tests.support.api import STRONG_PASSWORD
from tests.support.prerequisites import require_dynamodb_local

pytestmark = pytest.mark.e2e
LOCAL_ALBUMS_TABLE = "bandstand-local-albums"  # the local stage's, .chalice/config.json
START_TIMEOUT = 120.0


# -- the supervisor, as `make dev` runs it ----------------------------------------------


class Supervisor:
    def __init__(self, local_dir: Path, identity_backend: str = "builtin", seeded: bool = False) -> None:
        if seeded:  # as after a finished seed: the start skips it (quicker to "up")
            marker = dynamodb_data_dir(local_dir, identity_backend) / SEED_MARKER
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text("albums.json: 705 albums\n")
        self.ports = {name: find_free_port() for name in ("API_PORT", "WEB_PORT", "DYNAMODB_PORT", "COGNITO_PORT")}
        self.log = local_dir.parent / f"devstack-{identity_backend}.log"
        env = {**os.environ, **{k: str(v) for k, v in self.ports.items()}}
        env.update({"LOCAL_DIR": str(local_dir), "IDENTITY_BACKEND": identity_backend, "PYTHONUNBUFFERED": "1"})
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scripts.devstack"],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as in a terminal
            )

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.ports['API_PORT']}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while "Bandstand is up" not in self.output():
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.2)

    def children(self) -> list[int]:
        return [pid for pid, parent in processes().items() if parent == self.process.pid]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def processes() -> dict[int, int]:
    """pid -> parent pid of every live process (zombies are dead: nobody may reap them)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, parent = stat.rsplit(")", 1)[1].split()[:2]
            if state not in ("Z", "X"):
                found[int(entry.name)] = int(parent)
    return found


def still_running(pids: list[int], within: float) -> list[int]:
    deadline = time.monotonic() + within
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        live = processes()
        alive = [pid for pid in alive if pid in live]
    return alive


@pytest.fixture
def supervisors(tmp_path: Path) -> Iterator[list[Supervisor]]:
    require_dynamodb_local()
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc; PR_SET_PDEATHSIG is Linux's")
    started: list[Supervisor] = []
    yield started
    for supervisor in started:
        supervisor.stop()


# -- stopping --------------------------------------------------------------------------


def test_more_signals_while_stopping_leave_no_child_running(supervisors: list[Supervisor], tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path / "local", seeded=True)
    supervisors.append(supervisor)
    supervisor.wait_up()
    children = supervisor.children()
    assert len(children) == 3  # DynamoDB Local, the API, the web server

    os.killpg(supervisor.process.pid, signal.SIGTERM)  # what a terminal, CI or docker sends
    # make passes the group's signal on, people press Ctrl-C again: a stream of both
    # while the stack stops (the clean-up takes a second or more).
    for round_ in range(200):
        if supervisor.process.poll() is not None:
            break
        sent = signal.SIGINT if round_ % 2 else signal.SIGTERM
        try:
            os.killpg(supervisor.process.pid, sent)
        except ProcessLookupError:
            break
        time.sleep(0.01)
    assert supervisor.process.wait(timeout=60) == 0, supervisor.output()
    assert still_running(children, within=2) == []
    assert "Traceback" not in supervisor.output(), supervisor.output()
    for port in ("API_PORT", "WEB_PORT", "DYNAMODB_PORT"):
        assert not accepts(HOST, supervisor.ports[port]), port


def test_children_do_not_outlive_a_sigkilled_supervisor(supervisors: list[Supervisor], tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path / "local", "cognito", seeded=True)
    supervisors.append(supervisor)
    supervisor.wait_up()
    children = supervisor.children()
    assert len(children) == 4  # DynamoDB Local, the Cognito emulator, the API, the web server
    os.kill(supervisor.process.pid, signal.SIGKILL)  # no clean-up at all
    supervisor.process.wait(timeout=10)
    assert still_running(children, within=5) == []
    # And the next `make dev` finds its ports free.
    for port in ("API_PORT", "WEB_PORT", "DYNAMODB_PORT", "COGNITO_PORT"):
        assert not accepts(HOST, supervisor.ports[port]), port


# -- ready means ready -----------------------------------------------------------------


def register(api_url: str, name: str) -> tuple[int, Any]:
    body = {"username": name, "email": f"{name}@example.com", "password": STRONG_PASSWORD}
    status, reply, _ = call(api_url, "POST", "/auth/register", body, timeout=30)
    return status, reply


@pytest.mark.parametrize("identity_backend", ["builtin", "cognito"])
def test_health_200_means_a_sign_up_is_served(
    supervisors: list[Supervisor], tmp_path: Path, identity_backend: str
) -> None:
    """A script that waits for /health, then signs up, as fast as it can: the first 200
    is followed at once by eight parallel registrations, which all succeed."""
    supervisor = Supervisor(tmp_path / "local", identity_backend)
    supervisors.append(supervisor)
    deadline = time.monotonic() + START_TIMEOUT
    seen: list[int | None] = []
    while True:
        try:
            status, _, _ = call(supervisor.api_url, "GET", "/health", timeout=5)
        except OSError:
            status = None  # not listening yet
        seen.append(status)
        if status == 200:
            break
        assert status in (None, 503), (status, supervisor.output())
        assert supervisor.process.poll() is None and time.monotonic() < deadline, supervisor.output()
        time.sleep(0.01)
    results: list[tuple[int, Any]] = []
    workers = [
        threading.Thread(target=lambda i=i: results.append(register(supervisor.api_url, f"eager{i}"))) for i in range(8)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [status for status, _ in results] == [201] * 8, (results, seen)


def test_the_api_answers_503_until_the_tables_exist(tmp_path: Path) -> None:
    """The readiness gate itself, step by step: no database, a database without tables,
    then the tables. (In the stack the same steps take a few seconds.)"""
    require_dynamodb_local()
    stack = Stack(
        api_port=find_free_port(),
        web_port=find_free_port(),
        dynamodb_port=find_free_port(),
        local_dir=tmp_path / "local",
        log_to_files=True,
        in_memory=True,
        identity_backend="builtin",
    )
    stack.outbox_dir.mkdir(parents=True)
    ensure_server_secret(stack.local_dir / "server-secret")
    api = ApiServer().launch(stack)
    database = None
    try:

        def health() -> tuple[int | None, Any, dict[str, str]]:
            try:
                return call(stack.api_url, "GET", "/health", timeout=5)
            except OSError:
                return None, None, {}

        deadline = time.monotonic() + START_TIMEOUT
        while (answer := health())[0] is None:
            assert api.poll() is None and time.monotonic() < deadline, api.tail()
            time.sleep(0.1)
        status, body, headers = answer
        assert status == 503, body
        assert body["code"] == "service_unavailable" and body["status"] == 503
        assert headers["Retry-After"] == "1" and headers["Content-Type"] == "application/problem+json"
        assert register(stack.api_url, "early")[0] == 503  # every route, not /health only

        database = start_database(stack.dynamodb_port, None, tmp_path / "dynamodb.log")
        time.sleep(1.0)  # a database without tables is not ready either
        assert health()[0] == 503
        stack.run_cli(["create-tables"])
        deadline = time.monotonic() + 10
        while health()[0] != 200:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert register(stack.api_url, "ready")[0] == 201
    finally:
        api.stop()
        if database is not None:
            database.stop()


# -- the seed --------------------------------------------------------------------------


def album_count(url: str) -> int:
    client = dynamodb(url)
    return sum(
        page["Count"]
        for page in client.get_paginator("scan").paginate(
            TableName=LOCAL_ALBUMS_TABLE,
            FilterExpression="begins_with(pk, :a)",
            ExpressionAttributeValues={":a": {"S": "ALBUM#"}},
            ConsistentRead=True,
        )
    )


def test_a_seed_cut_short_is_finished_by_the_next_start_and_never_repeated(tmp_path: Path) -> None:
    require_dynamodb_local()
    catalog = load_seed(SEED_FILE)
    local_dir = tmp_path / "local"
    marker = dynamodb_data_dir(local_dir, "builtin") / SEED_MARKER

    # A first `make dev` stopped while the catalog loaded: 200 of the albums stored.
    first = new_stack(local_dir, seed=False).start()
    try:
        repo = AlbumRepository(dynamodb(first.dynamodb_url), LOCAL_ALBUMS_TABLE)
        assert seed(repo, catalog[:200], progress=False) == (200, 0)
    finally:
        first.stop()
    assert not marker.exists()

    second = new_stack(local_dir, seed=True).start()
    try:
        assert album_count(second.dynamodb_url) == len(catalog) == 705
        assert marker.exists()
        # An admin deletes an album; the finished seed does not bring it back: the next
        # start's set-up (what DynamoDbLocal runs) leaves the catalog as it is.
        repo = AlbumRepository(dynamodb(second.dynamodb_url), LOCAL_ALBUMS_TABLE)
        repo.delete(repo.list(1, None).items[0])
        second.components[0].setup(second)
        assert album_count(second.dynamodb_url) == 704
    finally:
        second.stop()
    log = (local_dir / "logs" / "cli.log").read_text()
    assert "seeded 505 albums, 200 already there" in log, log
    assert "catalog seeded already" in log, log
    assert marker.read_text() == "albums.json: 705 albums\n"
