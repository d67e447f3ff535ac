"""A local Amazon Cognito for `IDENTITY_BACKEND=cognito make dev`: moto in server mode.

    from scripts.cognito_emulator import start_emulator
    emulator = start_emulator(port=28010, log_file=Path(".local/logs/cognito.log"))
    env.update(emulator.env)      # COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID, COGNITO_ENDPOINT
    save_env(emulator, Path(".local/cognito.json"))   # for `make admin` in another process
    ...
    emulator.stop()

    # elsewhere (make admin / the CLI): env.update(load_env(Path(".local/cognito.json")) or {})

`start_emulator` starts `moto_server` on 127.0.0.1:PORT as a child process, waits until it
answers, creates the user pool (API.md's password policy), the app client (no secret,
USER_PASSWORD_AUTH + refresh) and the `admin` group, and returns the variables the API
needs. moto keeps everything in memory: a restart starts with no users. The users table in
DynamoDB Local is persisted, so call `forget_users(dynamodb, users_table)` when starting
the emulator: it removes the Cognito backend's user records and email claims (albums,
lockouts and throttles stay), so the table and the pool agree. Why moto and not
cognito-local: docs/cognito-backend.md.

Run alone: python -m scripts.cognito_emulator --port 28010 (prints the variables; Ctrl-C stops).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

REGION = "us-east-1"
POOL_NAME = "bandstand-local"
CLIENT_NAME = "bandstand-web"
ADMIN_GROUP = "admin"
READY_TIMEOUT_SECONDS = 30.0


def create_pool(cognito: Any) -> tuple[str, str]:
    """Create the pool, app client and admin group with this client; (pool id, client id).
    The same shape as the deployed pool: usernames case-insensitive, email as a plain
    attribute (uniqueness is the app's email claim), minimum length 15 and no composition
    rules (API.md), self sign-up, codes by email, refresh tokens 30 days, access and ID
    tokens 60 minutes, user existence errors prevented."""
    pool = cognito.create_user_pool(
        PoolName=POOL_NAME,
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 15,
                "RequireUppercase": False,
                "RequireLowercase": False,
                "RequireNumbers": False,
                "RequireSymbols": False,
            }
        },
        AutoVerifiedAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": False},
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
        Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}],
    )["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=CLIENT_NAME,
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors="ENABLED",
        EnableTokenRevocation=True,
        AccessTokenValidity=60,
        IdTokenValidity=60,
        RefreshTokenValidity=30,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
        ReadAttributes=["email", "email_verified"],
    )["UserPoolClient"]
    cognito.create_group(UserPoolId=pool["Id"], GroupName=ADMIN_GROUP)
    return str(pool["Id"]), str(client["ClientId"])


@dataclass
class Emulator:
    """A running moto server with Bandstand's pool in it."""

    process: subprocess.Popen[bytes]
    endpoint: str
    pool_id: str
    client_id: str
    env: dict[str, str] = field(default_factory=dict)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _server_command(port: int) -> list[str]:
    exe = Path(sys.executable).with_name("moto_server")
    command = str(exe) if exe.exists() else shutil.which("moto_server")
    if command is None:
        raise RuntimeError("moto_server not found: install requirements-dev.txt (moto[server])")
    return [command, "-H", "127.0.0.1", "-p", str(port)]


def _wait_ready(endpoint: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}; see its log")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"moto_server did not answer on {endpoint} within {timeout:.0f} s")


def start_emulator(port: int, log_file: Path | None = None, region: str = REGION) -> Emulator:
    """Start moto_server on 127.0.0.1:`port`, create the pool; the running Emulator.
    `.env` holds COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID, COGNITO_ENDPOINT and
    IDENTITY_BACKEND=cognito for the API process."""
    import boto3

    endpoint = f"http://127.0.0.1:{port}"
    out: IO[bytes] | int = subprocess.DEVNULL
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        out = log_file.open("ab")
    env = {**os.environ, "AWS_DEFAULT_REGION": region}
    process = subprocess.Popen(_server_command(port), stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_ready(endpoint, process, READY_TIMEOUT_SECONDS)
        cognito = boto3.client(
            "cognito-idp",
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # moto accepts any key
        )
        pool_id, client_id = create_pool(cognito)
    except BaseException:
        process.kill()
        process.wait()
        raise
    emulator = Emulator(process, endpoint, pool_id, client_id)
    emulator.env = {
        "IDENTITY_BACKEND": "cognito",
        "COGNITO_USER_POOL_ID": pool_id,
        "COGNITO_CLIENT_ID": client_id,
        "COGNITO_ENDPOINT": endpoint,
        "AWS_REGION": region,
    }
    return emulator


def save_env(emulator: Emulator, path: Path) -> None:
    """Write the emulator's variables where other commands find them: `make admin` runs
    in another process than `make dev` and needs the pool id of the running emulator."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(emulator.env, indent=2) + "\n", encoding="utf-8")


def load_env(path: Path) -> dict[str, str] | None:
    """The variables `save_env` wrote, if that emulator still answers; None otherwise."""
    try:
        env = json.loads(path.read_text(encoding="utf-8"))
        with urllib.request.urlopen(f"{env['COGNITO_ENDPOINT']}/moto-api/", timeout=1):
            pass
    except (OSError, ValueError, KeyError):
        return None
    return {str(k): str(v) for k, v in env.items()}


def forget_users(dynamodb: Any, users_table: str) -> int:
    """Delete the user records and email claims (pk USER#… / EMAIL#…) of the users table;
    the number deleted. For a fresh emulator, whose pool has no users."""
    deleted = 0
    request: dict[str, Any] = {
        "TableName": users_table,
        "ProjectionExpression": "pk, sk",
        "FilterExpression": "begins_with(pk, :u) OR begins_with(pk, :e)",
        "ExpressionAttributeValues": {":u": {"S": "USER#"}, ":e": {"S": "EMAIL#"}},
    }
    while True:
        page = dynamodb.scan(**request)
        for item in page.get("Items", []):
            dynamodb.delete_item(TableName=users_table, Key={"pk": item["pk"], "sk": item["sk"]})
            deleted += 1
        if "LastEvaluatedKey" not in page:
            return deleted
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the local Cognito emulator (moto server)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("COGNITO_PORT", "8002")))
    args = parser.parse_args()
    # SIGTERM as well as Ctrl-C stops moto_server with us, never leaving it behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    emulator = start_emulator(args.port)
    for name, value in emulator.env.items():
        print(f"export {name}={value}")
    sys.stdout.flush()
    try:
        emulator.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
