"""Lazy, cached construction of clients and services: nothing is built at import time
(cold start), and tests call `reset()` or pass their own pieces in."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.config import Settings, get_settings
from chalicelib.identity import IdentityProvider

if TYPE_CHECKING:
    from chalicelib.repository.albums import AlbumRepository


@lru_cache(maxsize=1)
def dynamodb_client() -> Any:
    import boto3  # imported on first use: keeps import of app.py light

    settings = get_settings()
    return boto3.client("dynamodb", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint)


def build_identity(settings: Settings, dynamodb: Any, clock: Any = None) -> IdentityProvider:
    if settings.identity_backend != "builtin":
        raise NotImplementedError(f"identity backend {settings.identity_backend!r} is not available yet")
    from chalicelib.identity.builtin import BuiltinIdentityProvider
    from chalicelib.repository.users import UserRepository
    from chalicelib.tokens import TokenService

    return BuiltinIdentityProvider(
        users=UserRepository(dynamodb, settings.users_table),
        tokens=TokenService(
            settings.secret_key, settings.jwt_issuer, settings.jwt_audience, settings.access_token_seconds
        ),
        mailer=build_mailer(settings),
        secret_key=settings.secret_key,
        refresh_token_seconds=settings.refresh_token_seconds,
        web_base_url=settings.web_base_url,
        clock=clock,
    )


def build_mailer(settings: Settings) -> Any:
    from chalicelib import mail

    if settings.mailer == "outbox":
        return mail.OutboxMailer(settings.outbox_dir, settings.mail_from)
    import boto3

    return mail.SesMailer(boto3.client("ses", region_name=settings.region), settings.mail_from)


_installed: dict[str, Any] = {}


def install(*, identity: IdentityProvider | None = None) -> None:
    """Use this provider instead of the configured one (tests pass fakes in here)."""
    if identity is not None:
        _installed["identity"] = identity


@lru_cache(maxsize=1)
def _configured_identity() -> IdentityProvider:
    return build_identity(get_settings(), dynamodb_client())


def identity() -> IdentityProvider:
    return _installed.get("identity") or _configured_identity()


@lru_cache(maxsize=1)
def albums() -> AlbumRepository:
    from chalicelib.repository.albums import AlbumRepository

    return AlbumRepository(dynamodb_client(), get_settings().albums_table)


def reset() -> None:
    """Forget every cached client and service (tests, or after changing the environment)."""
    get_settings.cache_clear()
    dynamodb_client.cache_clear()
    _configured_identity.cache_clear()
    _installed.clear()
    albums.cache_clear()
