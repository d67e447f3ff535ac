"""A local Amazon Cognito for `IDENTITY_BACKEND=cognito make dev`: moto's server app, run
in our own process so that its state survives a restart.

    from scripts.cognito_emulator import start_emulator
    emulator = start_emulator(port=28010, log_file=Path(".local/logs/cognito.log"),
                              state_file=Path(".local/cognito/state.pickle"))
    env.update(emulator.env)      # COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID,
                                  # COGNITO_SIGNUP_CLIENT_ID, COGNITO_ENDPOINT
    save_env(emulator, Path(".local/cognito.json"))   # for `make admin` in another process
    ...
    emulator.stop()

    # elsewhere (make admin / the CLI): env.update(load_env(Path(".local/cognito.json")) or {})

`start_emulator` starts `python -m scripts.cognito_emulator serve` on 127.0.0.1:PORT as a
child process, waits until it answers, finds Bandstand's pool in it (restored from the state
file) or creates the pool (docs/api.md's password policy), the two app clients as deployed (see
create_pool) and the `admin` group, and returns the variables the API needs.

`serve` is moto's WSGI app (what `moto_server` runs) behind scripts/cognito_state.py's
middleware: after every request that changes cognito-idp state, the state is written to
the state file (0600; moto keeps passwords in clear, so local use only) before the answer
goes out, and it is loaded again at start. Pool and client ids, users, groups and refresh
tokens survive a restart, a SIGKILL included. Without a state file it is in memory only.
In front of both, `LocalOnly` keeps web pages out: moto answers every origin with CORS
headers; here a request that carries an Origin (or a cross-site Sec-Fetch-Site), names
another host than the loopback one, or comes from another address gets 403, and no answer
carries CORS headers (as DynamoDB Local runs with `-cors` set to an origin that cannot exist).

If the pool had to be created anew while the users table still has users (state file
deleted, or unreadable after a moto upgrade), call `forget_users(dynamodb, users_table)`:
it removes the Cognito backend's user records and email claims (albums, lockouts and
throttles stay), so the table and the empty pool agree. Why moto and not cognito-local:
docs/cognito-backend.md.

Run alone: python -m scripts.cognito_emulator --port 28010 [--state-file F] (prints the
variables; Ctrl-C stops).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
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
SIGNUP_CLIENT_NAME = "bandstand-signup"
# What the deployed clients have (infra/template/identity.py): secrets, token lifetimes, and
# `email` writable through the sign-up client only.
TOKEN_SETTINGS: dict[str, Any] = {
    "PreventUserExistenceErrors": "ENABLED",
    "EnableTokenRevocation": True,
    "AccessTokenValidity": 60,
    "IdTokenValidity": 60,
    "RefreshTokenValidity": 30,
    "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
}
WEB_CLIENT_SETTINGS: dict[str, Any] = {
    "GenerateSecret": True,
    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    "ReadAttributes": ["email", "email_verified"],
    # Cognito reads an absent or empty list as "every standard attribute": one the app
    # never reads, so an access token can write nothing that matters (no `email`).
    "WriteAttributes": ["locale"],
    **TOKEN_SETTINGS,
}
SIGNUP_CLIENT_SETTINGS: dict[str, Any] = {
    "GenerateSecret": True,
    "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],  # no sign-in flow: it issues no token
    "ReadAttributes": ["email", "email_verified"],
    "WriteAttributes": ["email"],  # SignUp sets the address
    **TOKEN_SETTINGS,
}
ADMIN_GROUP = "admin"
READY_TIMEOUT_SECONDS = 30.0
HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[1]


def create_pool(cognito: Any) -> tuple[str, str]:
    """Create the pool, app client and admin group with this client; (pool id, client id).
    The same shape as the deployed pool: usernames case-insensitive, email as a plain
    attribute (uniqueness is the app's email claim), minimum length 15 and no composition
    rules (docs/api.md), self sign-up, codes by email, refresh tokens 30 days, access and ID
    tokens 60 minutes, user existence errors prevented; the web client and the sign-up
    client of the deployed stack (secrets; only the sign-up client may write `email`)."""
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
    client = cognito.create_user_pool_client(UserPoolId=pool["Id"], ClientName=CLIENT_NAME, **WEB_CLIENT_SETTINGS)[
        "UserPoolClient"
    ]
    cognito.create_user_pool_client(UserPoolId=pool["Id"], ClientName=SIGNUP_CLIENT_NAME, **SIGNUP_CLIENT_SETTINGS)
    cognito.create_group(UserPoolId=pool["Id"], GroupName=ADMIN_GROUP)
    # Two-step sign-in: optional per user, authenticator apps only (as the template).
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool["Id"], SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )
    return str(pool["Id"]), str(client["ClientId"])


def find_pool(cognito: Any) -> tuple[str, str] | None:
    """Bandstand's pool and app client in an emulator restored from its state file, if any."""
    for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]:
        if pool["Name"] != POOL_NAME:
            continue
        clients = cognito.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)["UserPoolClients"]
        for client in clients:
            if client["ClientName"] == CLIENT_NAME:
                return str(pool["Id"]), str(client["ClientId"])
    return None


def signup_client_id(cognito: Any, pool_id: str) -> str | None:
    """The sign-up client of Bandstand's pool; None for a pool made before it existed."""
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    return next((str(c["ClientId"]) for c in clients if c["ClientName"] == SIGNUP_CLIENT_NAME), None)


def cognito_client(endpoint: str, region: str = REGION) -> Any:
    import boto3

    return boto3.client(
        "cognito-idp",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # moto accepts any key
    )


def ensure_pool(endpoint: str, region: str = REGION) -> tuple[str, str, bool]:
    """(pool id, client id, created): the pool the emulator restored, or a new one."""
    cognito = cognito_client(endpoint, region)
    found = find_pool(cognito)
    if found is not None:
        return found[0], found[1], False
    pool_id, client_id = create_pool(cognito)
    return pool_id, client_id, True


def emulator_env(endpoint: str, pool_id: str, client_id: str, region: str = REGION) -> dict[str, str]:
    """What the API process needs to use the emulator's pool (asks it for the sign-up client)."""
    signup = signup_client_id(cognito_client(endpoint, region), pool_id)
    return {
        "IDENTITY_BACKEND": "cognito",
        "COGNITO_USER_POOL_ID": pool_id,
        "COGNITO_CLIENT_ID": client_id,
        **({"COGNITO_SIGNUP_CLIENT_ID": signup} if signup else {}),
        "COGNITO_ENDPOINT": endpoint,
        "AWS_REGION": region,
    }


@dataclass
class Emulator:
    """A running emulator process with Bandstand's pool in it."""

    process: subprocess.Popen[bytes]
    endpoint: str
    pool_id: str
    client_id: str
    created: bool = True  # False: the pool came back from the state file
    env: dict[str, str] = field(default_factory=dict)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def serve_command(port: int, state_file: Path | None) -> list[str]:
    """The emulator process: this module's `serve`, from the repository root."""
    argv = [sys.executable, "-m", "scripts.cognito_emulator", "serve", "--port", str(port)]
    return [*argv, "--state-file", str(state_file)] if state_file is not None else argv


def emulator_answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
            return True
    except OSError:
        return False


def _wait_ready(endpoint: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Cognito emulator exited with {process.returncode}; see its log")
        if emulator_answers(endpoint):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the Cognito emulator did not answer on {endpoint} within {timeout:.0f} s")


def start_emulator(
    port: int, log_file: Path | None = None, region: str = REGION, state_file: Path | None = None
) -> Emulator:
    """Start the emulator on 127.0.0.1:`port` (durable when given a state file), find or
    create the pool; the running Emulator. `.env` holds COGNITO_USER_POOL_ID,
    COGNITO_CLIENT_ID, COGNITO_ENDPOINT and IDENTITY_BACKEND=cognito for the API process."""
    endpoint = f"http://{HOST}:{port}"
    out: IO[bytes] | int = subprocess.DEVNULL
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        out = log_file.open("ab")
    env = {**os.environ, "AWS_DEFAULT_REGION": region}
    process = subprocess.Popen(
        serve_command(port, state_file), stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT
    )
    try:
        _wait_ready(endpoint, process, READY_TIMEOUT_SECONDS)
        pool_id, client_id, created = ensure_pool(endpoint, region)
    except BaseException:
        process.kill()
        process.wait()
        raise
    emulator = Emulator(process, endpoint, pool_id, client_id, created)
    emulator.env = emulator_env(endpoint, pool_id, client_id, region)
    return emulator


def save_env(emulator: Emulator | dict[str, str], path: Path) -> None:
    """Write the emulator's variables where other commands find them: `make admin` runs
    in another process than `make dev` and needs the pool id of the running emulator."""
    env = emulator.env if isinstance(emulator, Emulator) else emulator
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(env, indent=2) + "\n", encoding="utf-8")


def load_env(path: Path) -> dict[str, str] | None:
    """The variables `save_env` wrote, if that emulator still answers; None otherwise."""
    try:
        env = json.loads(path.read_text(encoding="utf-8"))
        endpoint = str(env["COGNITO_ENDPOINT"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not emulator_answers(endpoint):
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


def _exit_on_sigterm(lock: Any = None) -> None:
    """SIGTERM (how the stack stops children) and Ctrl-C end us. Every acknowledged change
    is already on disk; with the state lock held, no save is cut short on the way out."""

    def stop(*_: Any) -> None:
        if lock is not None:
            lock.acquire()  # waits for a save in progress; released by exiting
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    if lock is not None:
        signal.signal(signal.SIGINT, stop)


def _load_or_set_aside(app: Any, state_file: Path) -> None:
    try:
        restored = app.load()
    except Exception as exc:  # any unpickling failure, e.g. after a moto upgrade changed its classes
        aside = state_file.with_name(f"{state_file.name}.unreadable-{int(time.time())}")
        state_file.replace(aside)
        print(f"cognito emulator: cannot read {state_file} ({exc!r}); moved to {aside}, starting empty", flush=True)
        return
    where = "restored from" if restored else "no state yet; will save to"
    print(f"cognito emulator: {where} {state_file}", flush=True)


LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")


class LocalOnly:
    """WSGI middleware: only local programs (boto3, urllib: no Origin header) reach moto.
    A browser sends Origin on every cross-origin request and on POSTs, so a page on any
    site (or one that rebinds its DNS name to 127.0.0.1: then the Host is its name) gets
    403 and reads nothing; no answer carries CORS headers, so none can be read by a page."""

    def __init__(self, app: Any, port: int) -> None:
        self._app = app
        self._hosts = {f"{HOST}:{port}", f"localhost:{port}"}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        refused = (
            environ.get("HTTP_ORIGIN") is not None
            or environ.get("HTTP_SEC_FETCH_SITE", "none") not in ("none", "same-origin")
            or environ.get("HTTP_HOST", "") not in self._hosts
            or environ.get("REMOTE_ADDR", "") not in LOOPBACK_ADDRESSES
        )
        if refused:
            body = b'{"message": "The local Cognito emulator answers local programs only."}'
            start_response("403 Forbidden", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]

        def without_cors(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            return start_response(status, kept, exc_info) if exc_info else start_response(status, kept)

        return self._app(environ, without_cors)


def serve(port: int, state_file: Path | None) -> int:
    """Serve moto's app on 127.0.0.1:`port` until SIGTERM or Ctrl-C; with a state file,
    every change is on disk before it is acknowledged."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from scripts.cognito_state import DurableCognito

    os.environ.setdefault("MOTO_PORT", str(port))  # as moto_server does
    # moto checks authenticator codes only when asked to (two-step sign-in must be real).
    os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    # One access-log line per Cognito call would drown the stack's own output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app: Any = DomainDispatcherApplication(create_backend_app)
    lock = None
    if state_file is not None:
        app = DurableCognito(app, state_file)
        _load_or_set_aside(app, state_file)
        lock = app.lock
    app = LocalOnly(app, port)
    server = make_server(HOST, port, app, threaded=True, request_handler=MotoRequestHandler)
    _exit_on_sigterm(lock)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the local Cognito emulator (moto, durable with a state file)")
    parser.add_argument(
        "mode",
        nargs="?",
        choices=("run", "serve"),
        default="run",
        help="run: serve and create the pool, print its variables (default); serve: the server only",
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("COGNITO_PORT", "8002")))
    parser.add_argument("--state-file", type=Path, default=None, help="keep the pools here (else in memory)")
    args = parser.parse_args(argv)
    if args.mode == "serve":
        return serve(args.port, args.state_file)
    _exit_on_sigterm()  # stops the server process with us, never leaving it behind
    emulator = start_emulator(args.port, state_file=args.state_file)
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
