"""One frozen Settings object, parsed once from the environment; fails fast on a missing value.

Chalice sets each stage's `environment_variables` from .chalice/config.json; values that
depend on the laptop (ports, folders, the signing key) come from the process environment
that `make dev` builds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

IDENTITY_BACKENDS = ("builtin", "cognito")
MAILERS = ("outbox", "ses")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable stage."""


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    users_table: str
    albums_table: str
    identity_backend: str
    secret_key: str  # signs JWTs (builtin), cursors, and peppers code hashes
    jwt_issuer: str
    jwt_audience: str
    mailer: str
    mail_from: str
    outbox_dir: Path
    cors_origins: tuple[str, ...]
    web_base_url: str = ""
    dynamodb_endpoint: str | None = None
    log_level: str = "INFO"
    access_token_seconds: int = 3600
    refresh_token_seconds: int = 30 * 24 * 3600
    # Resend-code and forgot-password answer no sooner than this, known account or not.
    equal_time_seconds: float = 0.1
    # The Cognito backend (IDENTITY_BACKEND=cognito); checked when settings are read.
    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None  # the web client: signs in, issues every token
    # The sign-up client: the only one that may write `email` (SignUp); it signs no one in.
    # None: sign up through the web client (a pool made before there were two clients).
    cognito_signup_client_id: str | None = None
    cognito_endpoint: str | None = None  # a local emulator; None on AWS


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"environment variable {name} is required for this stage")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = env.get(name, default).strip() or default
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _secret_key(env: Mapping[str, str], region: str) -> str:
    """The server secret, which keys everything the server alone must be able to make:
    page tokens, code hashes, sealed two-step secrets, security-event hashes, and the
    builtin backend's JWTs. From SERVER_SECRET, the file SERVER_SECRET_FILE names (local
    stage), or the SSM SecureString SERVER_SECRET_PARAMETER names (AWS stages: never in
    clear in the template or the environment)."""
    secret = env.get("SERVER_SECRET", "").strip()
    path = env.get("SERVER_SECRET_FILE", "").strip()
    parameter = env.get("SERVER_SECRET_PARAMETER", "").strip()
    if not secret and path:
        try:
            secret = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read SERVER_SECRET_FILE: {exc.strerror}") from exc
    if not secret and parameter:
        secret = _ssm_secret(parameter, region)
    if len(secret) < 32:
        raise ConfigError(
            "SERVER_SECRET (or SERVER_SECRET_FILE, SERVER_SECRET_PARAMETER) must hold at least 32 characters"
        )
    return secret


def _ssm_secret(name: str, region: str) -> str:
    """Read once per container, at start-up (settings are cached): one GetParameter."""
    from botocore.exceptions import BotoCoreError, ClientError  # only AWS stages get here

    from chalicelib.core import aws

    try:
        response = aws.client("ssm", region).get_parameter(Name=name, WithDecryption=True)
    except (BotoCoreError, ClientError) as exc:
        raise ConfigError(f"cannot read the signing key from SSM parameter {name}: {exc}") from exc
    value: str = response["Parameter"]["Value"]
    return value.strip()


# "<region>_<id>", as Cognito names pools; the region part must match the stage's region.
POOL_ID_RE = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-[0-9])_[0-9A-Za-z]+$")
CLIENT_ID_RE = re.compile(r"^[0-9a-z]{1,128}$")


def _cognito(env: Mapping[str, str], region: str) -> tuple[str, str, str | None, str | None]:
    """Pool id, client id, endpoint and sign-up client id, validated now so a misconfigured
    stage fails at once rather than on the first sign-in. The clients' secrets are not
    configuration: the provider reads them from the pool (DescribeUserPoolClient)."""
    pool_id = _required(env, "COGNITO_USER_POOL_ID")
    client_id = _required(env, "COGNITO_CLIENT_ID")
    signup_client_id = env.get("COGNITO_SIGNUP_CLIENT_ID", "").strip() or None
    endpoint = env.get("COGNITO_ENDPOINT", "").strip() or None
    match = POOL_ID_RE.match(pool_id)
    if not match:
        raise ConfigError(f"COGNITO_USER_POOL_ID must look like {region}_AbC123, not {pool_id!r}")
    if match.group(1) != region and endpoint is None:
        raise ConfigError(f"COGNITO_USER_POOL_ID is in {match.group(1)}, but the stage runs in {region}")
    if not CLIENT_ID_RE.match(client_id):
        raise ConfigError("COGNITO_CLIENT_ID must be the app client id (lower-case letters and digits)")
    if signup_client_id is not None and not CLIENT_ID_RE.match(signup_client_id):
        raise ConfigError("COGNITO_SIGNUP_CLIENT_ID must be an app client id (lower-case letters and digits)")
    if endpoint is not None and not endpoint.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise ConfigError("COGNITO_ENDPOINT is for a local emulator on 127.0.0.1 only")
    return pool_id, client_id, endpoint, signup_client_id


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number of seconds") from exc
    if not 0 <= value <= 5:
        raise ConfigError(f"{name} must be between 0 and 5 seconds")
    return value


def load_settings(env: Mapping[str, str]) -> Settings:
    stage = _required(env, "STAGE")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    identity = _choice(env, "IDENTITY_BACKEND", IDENTITY_BACKENDS, "builtin")
    mailer = _choice(env, "MAILER", MAILERS, "outbox" if stage == "local" else "ses")
    pool_id = client_id = endpoint = signup_client_id = None
    if identity == "cognito":
        pool_id, client_id, endpoint, signup_client_id = _cognito(env, region)
    origins = tuple(o.strip().rstrip("/") for o in env.get("CORS_ORIGINS", "").split(",") if o.strip())
    return Settings(
        stage=stage,
        region=region,
        users_table=_required(env, "USERS_TABLE"),
        albums_table=_required(env, "ALBUMS_TABLE"),
        identity_backend=identity,
        secret_key=_secret_key(env, region),
        jwt_issuer=env.get("JWT_ISSUER", f"bandstand-{stage}"),
        jwt_audience=env.get("JWT_AUDIENCE", f"bandstand-{stage}-web"),
        mailer=mailer,
        mail_from=env.get("MAIL_FROM", "Bandstand <no-reply@bandstand.invalid>"),
        outbox_dir=Path(env.get("OUTBOX_DIR", ".local/outbox")),
        cors_origins=origins,
        web_base_url=env.get("WEB_BASE_URL", origins[0] if origins else ""),
        dynamodb_endpoint=env.get("DYNAMODB_ENDPOINT") or None,
        log_level=env.get("LOG_LEVEL", "INFO").upper(),
        equal_time_seconds=_seconds(env, "EQUAL_TIME_SECONDS", 0.1),
        cognito_user_pool_id=pool_id,
        cognito_client_id=client_id,
        cognito_signup_client_id=signup_client_id,
        cognito_endpoint=endpoint,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings for this process, read on first use (not at import: cold start and tests)."""
    return load_settings(os.environ)
