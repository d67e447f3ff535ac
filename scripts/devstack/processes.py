"""Child process supervision: start a command in its own process group, wait until it is
ready, stop it (SIGTERM, then SIGKILL), and keep its output in a log file or on the
terminal. Also the small port and HTTP probes the readiness checks use.

A child never outlives its supervisor: on Linux each child asks the kernel for a SIGKILL
when the supervisor dies (PR_SET_PDEATHSIG), so a `kill -9` of `make dev` takes DynamoDB
Local, the API and the web server with it (each of them is safe to kill: nothing it
acknowledged is lost)."""

from __future__ import annotations

import collections
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

HOST = "127.0.0.1"
STOP_GRACE_SECONDS = 5.0
STARTUP_TIMEOUT_SECONDS = 90.0

_console_lock = threading.Lock()


class StackError(RuntimeError):
    """A component failed to start; the message carries the tail of its output."""


def console(line: str) -> None:
    """The runner's own terminal output (one lock, so lines never interleave)."""
    with _console_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


# --- ports and probes ------------------------------------------------------------------


def find_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def port_in_use(port: int) -> bool:
    """Whether something listens on the port on any interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR ignores TIME_WAIT leftovers of a previous run, not listeners.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))  # DynamoDB Local binds every interface
        except OSError:
            return True
        return False


def accepts(host: str, port: int) -> bool:
    """Whether host:port accepts a TCP connection right now."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, timeout: float) -> None:
    """Return once host:port accepts a TCP connection; TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    while not accepts(host, port):
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s")
        time.sleep(0.1)


def http_status(url: str) -> int | None:
    """The status of a GET, or None if nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=2.0) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, ValueError):
        return None


# --- child processes -------------------------------------------------------------------


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _load_prctl() -> Callable[..., int] | None:
    """libc's prctl on Linux, looked up once here: a child between fork and exec must not
    load libraries."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


_PRCTL = _load_prctl()


def _child_setup(supervisor: int, tie_to_supervisor: bool) -> Callable[[], None]:
    """What runs in the child before exec: the signals the supervisor blocks while it
    stops (see cli.py) unblocked again, and, on Linux, death with the supervisor."""

    def setup() -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        if tie_to_supervisor and _PRCTL is not None:
            _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != supervisor:  # it died before the line above: go too
                os._exit(1)

    return setup


class Child(subprocess.Popen[bytes]):
    """A child in its own process group, so stopping it stops everything it
    started. Output goes to log_path, or to the terminal prefixed `[name]`."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.log_path = log_path
        self._tail: collections.deque[str] = collections.deque(maxlen=40)
        self._pump_thread: threading.Thread | None = None
        out: IO[bytes] | int = subprocess.PIPE
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            out = log_path.open("ab")
        try:
            super().__init__(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=None if env is None else dict(env),
                cwd=cwd,
                start_new_session=True,
                # The kernel ties a child to the *thread* that forked it: only children
                # of the main thread, which lives as long as the supervisor, are tied.
                preexec_fn=_child_setup(os.getpid(), threading.current_thread() is threading.main_thread()),
            )
        finally:
            if not isinstance(out, int):
                out.close()  # the child has its own copy of the descriptor
        if self.stdout is not None:
            self._pump_thread = threading.Thread(target=self._pump, daemon=True)
            self._pump_thread.start()

    def _pump(self) -> None:
        assert self.stdout is not None
        with contextlib.suppress(ValueError, OSError):
            for raw in self.stdout:
                line = raw.decode(errors="replace").rstrip()
                self._tail.append(line)
                console(f"[{self.name}] {line}")

    def flush_output(self) -> None:
        """Wait briefly until a finished child's last lines have been printed."""
        if self._pump_thread is not None:
            self._pump_thread.join(timeout=2.0)

    def tail(self, lines: int = 30) -> str:
        """The last lines of output, for error messages."""
        if self.log_path is None:
            return "\n".join(list(self._tail)[-lines:])
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def group_alive(self) -> bool:
        """Whether any process of this child's group still exists."""
        try:
            os.killpg(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """SIGTERM the whole group, SIGKILL it after `grace` seconds. Idempotent."""
        self._signal_group(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            self.poll()  # reap the leader: a zombie still counts as a group member
            if not self.group_alive():
                break
            time.sleep(0.05)
        else:
            self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.wait(timeout=grace)
        self.flush_output()

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):  # the group is already gone
            os.killpg(self.pid, sig)

    def failure(self, what: str) -> StackError:
        code = self.poll()
        state = "is still running" if code is None else f"exited with code {code}"
        where = f" (log: {self.log_path})" if self.log_path else ""
        tail = self.tail()
        return StackError(f"{self.name}: {what}; it {state}{where}. Output:\n{tail}")


def wait_until(child: Child, ready: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `ready` until it holds; StackError if the child dies or time runs out."""
    deadline = time.monotonic() + timeout
    while not ready():
        if child.poll() is not None:
            raise child.failure("died while starting")
        if time.monotonic() > deadline:
            raise child.failure(f"{what} after {timeout:.0f}s")
        time.sleep(0.2)
