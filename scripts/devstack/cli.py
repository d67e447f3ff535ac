"""The command line (what `make dev`, `make seed` and `make admin` run):

    python -m scripts.devstack [run]           # the whole stack until Ctrl-C
    python -m scripts.devstack cli ARGS...     # scripts.admin --stage local ARGS
                                               # against a running stack (seed, grant-admin ...)

Ports and folders come from API_PORT (8000), WEB_PORT (8080), DYNAMODB_PORT (8001),
COGNITO_PORT (8002, IDENTITY_BACKEND=cognito only), LOCAL_DIR (.local) and OUTBOX_DIR
(LOCAL_DIR/outbox). The identity backend comes from IDENTITY_BACKEND (builtin); `cli`
without it uses the Cognito emulator's pool when one is running for LOCAL_DIR.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from scripts import cognito_emulator
from scripts.devstack.components import CognitoEmulator, dynamodb_data_dir
from scripts.devstack.dynamodb import REPO_ROOT, dynamodb_answers, missing_prerequisites
from scripts.devstack.processes import StackError, console, port_in_use
from scripts.devstack.stack import Stack, cli_command


def stack_from_environment(*, seed: bool = False, identity_backend: str | None = None) -> Stack:
    """A Stack (not started) on the ports and folders the environment names."""
    env = os.environ
    outbox = env.get("OUTBOX_DIR")
    return Stack(
        api_port=int(env.get("API_PORT", "8000")),
        web_port=int(env.get("WEB_PORT", "8080")),
        dynamodb_port=int(env.get("DYNAMODB_PORT", "8001")),
        cognito_port=int(env.get("COGNITO_PORT", "8002")),
        local_dir=(REPO_ROOT / env.get("LOCAL_DIR", ".local")).resolve(),
        outbox_dir=Path(outbox).resolve() if outbox else None,
        seed=seed,
        identity_backend=identity_backend,
    )


def _box(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    edge = "+" + "-" * (width + 2) + "+"
    return "\n".join([edge, *(f"| {line.ljust(width)} |" for line in lines), edge])


def _banner(stack: Stack, seconds: float) -> list[str]:
    lines = [
        f"Bandstand is up (started in {seconds:.1f}s), identity: {stack.identity_backend}",
        "",
        f"web app         {stack.web_url}/",
        f"API             {stack.api_url}/",
        f"DynamoDB Local  {stack.dynamodb_url}/",
        f"data            {dynamodb_data_dir(stack.local_dir, stack.identity_backend)}",
    ]
    if stack.identity_backend == "cognito":
        lines += [
            f"Cognito (moto)  http://127.0.0.1:{stack.cognito_port}/",
            f"pool state      {stack.local_dir / 'cognito' / 'state.pickle'} (0600, passwords in clear)",
        ]
    return [*lines, f"outbox (.eml)   {stack.outbox_dir}", "", "Ctrl-C stops everything."]


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _block_stop_signals() -> None:
    """From here on SIGINT and SIGTERM wait, unhandled, until we exit: a second one (make
    passes a group's SIGTERM on, people press Ctrl-C twice) cannot cut the clean-up short."""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


_stop_raised = False


def _stop_requested(signum: int, frame: FrameType | None) -> None:
    """The first SIGINT or SIGTERM: block both, then stop the way Ctrl-C does (one
    KeyboardInterrupt). Signals that arrived before the block still reach this handler
    (Python runs handlers later than the kernel delivers): they are the same stop."""
    global _stop_raised
    _block_stop_signals()
    if not _stop_raised:
        _stop_raised = True
        raise KeyboardInterrupt


def run_stack() -> int:
    problem = missing_prerequisites()
    if problem is not None:
        console(f"error: {problem}")
        return 1
    try:
        stack = stack_from_environment(seed=True)
    except StackError as exc:
        console(f"error: {exc}")
        return 1
    ports = {"API_PORT": stack.api_port, "WEB_PORT": stack.web_port, "DYNAMODB_PORT": stack.dynamodb_port}
    if stack.identity_backend == "cognito":
        ports["COGNITO_PORT"] = stack.cognito_port
    busy = [f"{name}={port}" for name, port in ports.items() if port_in_use(port)]
    if busy:
        console(
            f"error: already in use: {', '.join(busy)}. Is `make dev` running?\n"
            "  Stop it, or choose other ports: make dev API_PORT=9000 WEB_PORT=9080"
            " DYNAMODB_PORT=9001 COGNITO_PORT=9002"
        )
        return 1

    # Explicitly for SIGINT too: a shell starting us in the background hands it ignored.
    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop_requested)
    began = time.monotonic()
    try:
        stack.start()
        console(_box(_banner(stack, time.monotonic() - began)))
        while (dead := stack.dead_child()) is None:
            time.sleep(0.5)
        console(f"[devstack] {dead.name} exited (code {dead.returncode}); stopping")
        return 1
    except KeyboardInterrupt:
        console("[devstack] stopping")
        return 0
    except StackError as exc:
        console(f"[devstack] error: {exc}")
        return 1
    finally:
        # However we got here (a signal, a dead child, an error), the clean-up completes:
        # the signals are blocked, and the one KeyboardInterrupt a signal may still raise
        # (delivered just before) only restarts it. Stack.stop is safe to repeat.
        while True:
            try:
                _block_stop_signals()
                stack.stop()
                break
            except KeyboardInterrupt:
                continue


def cli_identity_backend(local_dir: Path) -> str | None:
    """The backend for `cli`: IDENTITY_BACKEND if set; else cognito when the emulator of a
    `make dev` on this LOCAL_DIR answers (so `make admin` finds its pool); else the default."""
    if os.environ.get("IDENTITY_BACKEND"):
        return None
    if cognito_emulator.load_env(local_dir / "cognito.json") is not None:
        return "cognito"
    return None


def run_cli(args: Sequence[str]) -> int:
    local_dir = (REPO_ROOT / os.environ.get("LOCAL_DIR", ".local")).resolve()
    try:
        stack = stack_from_environment(identity_backend=cli_identity_backend(local_dir))
    except StackError as exc:
        console(f"error: {exc}")
        return 1
    if not dynamodb_answers(stack.dynamodb_port):
        console(f"error: no DynamoDB Local on port {stack.dynamodb_port}: start `make dev` first (in another terminal)")
        return 1
    env = stack.environment()
    if stack.identity_backend == "cognito" and "COGNITO_USER_POOL_ID" not in env:
        where = CognitoEmulator.env_file(stack)
        console(f"error: no Cognito emulator answers for {where}: start `IDENTITY_BACKEND=cognito make dev` first")
        return 1
    return subprocess.call(cli_command(args), env=env, cwd=REPO_ROOT)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args == ["run"]:
        return run_stack()
    if args[0] == "cli":
        return run_cli(args[1:])
    console(__doc__ or "")
    return 0 if args[0] in ("-h", "--help") else 2
