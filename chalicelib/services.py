"""One way to wire the app: a `Container` made from settings holds the use cases
(accounts, albums, two-step sign-in), each built with its repositories, clock and sleep
handed in. Construction is lazy and cached: nothing is built at import time, and an
album request builds no identity provider (cold start). Tests call `reset()`, build a
container of their own (`build_container`) or override pieces with `install()`. What
only a laptop needs (the outbox, an emulator's mail, DynamoDB Local's commit barrier) is
not here: the local stack plugs it in with `use_local_parts()`."""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.core.config import ConfigError, Settings, get_settings

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.core.mail import Mailer
    from chalicelib.core.paging import PageTokens
    from chalicelib.identity import IdentityProvider
    from chalicelib.identity.cognito.delivery import CodeDelivery
    from chalicelib.storage.albums import AlbumRepository
    from chalicelib.storage.attempts import AttemptRepository
    from chalicelib.usecases.accounts import Accounts
    from chalicelib.usecases.catalog import Albums
    from chalicelib.usecases.two_step.service import TwoStep


# Timeouts and retries. On AWS, botocore's standard mode retries throttles with backoff
# within the Lambda's time. A local endpoint (DynamoDB Local) is either up or not: fail
# fast, so a stopped database answers 503 within seconds instead of hanging.
AWS_CLIENT_CONFIG: dict[str, Any] = {"connect_timeout": 2, "read_timeout": 5, "retries": {"mode": "standard"}}
LOCAL_CLIENT_CONFIG: dict[str, Any] = {
    "connect_timeout": 1,
    "read_timeout": 10,
    "retries": {"mode": "standard", "max_attempts": 2},
}


def dynamodb_client() -> Any:
    """The DynamoDB client every repository uses, guarded: throttles and an unreachable
    endpoint raise ServiceUnavailable (503). Tests may install their own (`install`)."""
    installed = _installed.get("dynamodb")
    return installed if installed is not None else _configured_dynamodb()


@lru_cache(maxsize=1)
def _configured_dynamodb() -> Any:
    from botocore.config import Config  # imported on first use: keeps import of app.py light

    from chalicelib.core import aws
    from chalicelib.storage.guard import guard

    settings = get_settings()
    options = LOCAL_CLIENT_CONFIG if settings.dynamodb_endpoint else AWS_CLIENT_CONFIG
    client = aws.client("dynamodb", settings.region, settings.dynamodb_endpoint, Config(**options))
    parts = _local_parts.get("parts")
    if settings.dynamodb_endpoint and parts is not None:  # DynamoDB Local: its commit barrier
        client = parts.dynamodb(client)
    return guard(client)


@lru_cache(maxsize=1)
def page_tokens() -> PageTokens:
    from chalicelib.core.paging import PageTokens

    return PageTokens(get_settings().secret_key)


def build_identity(settings: Settings, dynamodb: Any, clock: Clock | None = None) -> IdentityProvider:
    """The provider IDENTITY_BACKEND selects (the settings have validated its values)."""
    if settings.identity_backend == "cognito":
        return build_cognito_identity(settings, dynamodb, clock)
    from chalicelib.identity.builtin.provider import BuiltinIdentityProvider
    from chalicelib.identity.builtin.tokens import TokenService
    from chalicelib.storage.users import UserRepository

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


@lru_cache(maxsize=1)
def cognito_client() -> Any:
    from botocore.config import Config

    from chalicelib.core import aws
    from chalicelib.storage.guard import guard

    settings = get_settings()
    # Timeouts and a guard as DynamoDB's: an unreachable pool is a 503 with Retry-After.
    options = LOCAL_CLIENT_CONFIG if settings.cognito_endpoint else AWS_CLIENT_CONFIG
    return guard(aws.client("cognito-idp", settings.region, settings.cognito_endpoint, Config(**options)))


def build_cognito_identity(settings: Settings, dynamodb: Any, clock: Clock | None = None) -> IdentityProvider:
    """The Cognito provider. On a stage that mails to the outbox (MAILER=outbox: local,
    tests) the pool is an emulator that mails nothing, so the app writes the code mails
    there; on AWS (MAILER=ses) the pool sends them itself."""
    from chalicelib.identity.cognito import delivery, jwks
    from chalicelib.identity.cognito.provider import CognitoIdentityProvider
    from chalicelib.storage.cognito_users import CognitoUserRepository

    assert settings.cognito_user_pool_id and settings.cognito_client_id  # validated by config
    pool, client = settings.cognito_user_pool_id, settings.cognito_client_id
    keys = jwks.key_set(jwks.jwks_url(settings.region, pool, settings.cognito_endpoint))
    codes: delivery.CodeDelivery = (
        local_parts().code_delivery(build_mailer(settings), settings)
        if settings.mailer == "outbox"
        else delivery.PoolDelivery()
    )
    return CognitoIdentityProvider(
        cognito=cognito_client(),
        users=CognitoUserRepository(dynamodb, settings.users_table),
        verifier=jwks.AccessTokenVerifier(keys, jwks.issuer(settings.region, pool), client),
        delivery=codes,
        pool_id=pool,
        client_id=client,
        signup_client_id=settings.cognito_signup_client_id,
        clock=clock,
    )


def build_accounts(
    settings: Settings, dynamodb: Any, identity: IdentityProvider, clock: Clock | None = None
) -> Accounts:
    from chalicelib.storage.attempts import AttemptRepository
    from chalicelib.storage.profiles import ProfileRepository
    from chalicelib.usecases.accounts import Accounts

    attempts = AttemptRepository(dynamodb, settings.users_table)
    accounts = Accounts(
        identity,
        attempts,
        build_mailer(settings),
        ProfileRepository(dynamodb, settings.users_table, page_tokens()),
        web_base_url=settings.web_base_url,
        equal_time_seconds=settings.equal_time_seconds,
        clock=clock,
    )
    accounts.two_step_factory = lambda: build_two_step(settings, dynamodb, attempts, clock)
    return accounts


def build_two_step(
    settings: Settings, dynamodb: Any, attempts: AttemptRepository, clock: Clock | None = None
) -> TwoStep:
    """Two-step sign-in on the configured backend (chalicelib/usecases/two_step)."""
    from chalicelib.core.clock import SystemClock
    from chalicelib.storage.two_step import TwoStepRepository
    from chalicelib.usecases.two_step.factor import PoolSignIn, SecondFactor
    from chalicelib.usecases.two_step.lock import SignInLock
    from chalicelib.usecases.two_step.service import TwoStep

    factor: SecondFactor
    pool: PoolSignIn | None = None
    if settings.identity_backend == "cognito":
        from chalicelib.identity.cognito.second_factor import CognitoSecondFactor

        assert settings.cognito_user_pool_id and settings.cognito_client_id  # validated by config
        factor = pool = CognitoSecondFactor(cognito_client(), settings.cognito_user_pool_id, settings.cognito_client_id)
    else:
        from chalicelib.identity.builtin.second_factor import BuiltinSecondFactor
        from chalicelib.identity.builtin.tokens import TokenService
        from chalicelib.storage.users import UserRepository

        tokens = TokenService(
            settings.secret_key, settings.jwt_issuer, settings.jwt_audience, settings.access_token_seconds
        )
        factor = BuiltinSecondFactor(
            UserRepository(dynamodb, settings.users_table), tokens, clock, settings.refresh_token_seconds
        )
    time = clock or SystemClock()
    return TwoStep(
        TwoStepRepository(dynamodb, settings.users_table),
        factor,
        SignInLock(attempts, time),
        build_mailer(settings),
        settings.secret_key,
        pool=pool,
        clock=time,
        web_base_url=settings.web_base_url,
    )


@lru_cache(maxsize=4)
def build_mailer(settings: Settings) -> Mailer:
    """One mailer per settings, shared by the provider, the accounts and two-step sign-in:
    on AWS one SES client per container, made with its first mail."""
    if settings.mailer == "outbox":
        return local_parts().mailer(settings)
    from chalicelib.core import aws, mail

    return mail.SesMailer(lambda: aws.client("ses", settings.region), settings.mail_from)


class LocalParts(Protocol):
    """What a stage off AWS plugs in (scripts/devstack/parts.py), so nothing under
    chalicelib is there for a laptop only: its mailer (MAILER=outbox), how a Cognito
    emulator's codes reach people, and a layer over a local DynamoDB endpoint's client."""

    def mailer(self, settings: Settings) -> Mailer: ...

    def code_delivery(self, mailer: Mailer, settings: Settings) -> CodeDelivery: ...

    def dynamodb(self, client: Any) -> Any: ...


_local_parts: dict[str, LocalParts] = {}  # not forgotten by reset(): the process's, not a test's


def use_local_parts(parts: LocalParts) -> None:
    """Install the local stack's parts (its API server, the admin commands, the tests)."""
    _local_parts["parts"] = parts
    build_mailer.cache_clear()
    _configured_dynamodb.cache_clear()
    _configured_container.cache_clear()


def local_parts() -> LocalParts:
    parts = _local_parts.get("parts")
    if parts is None:
        raise ConfigError(
            "MAILER=outbox is the local stack's mailer: run the app through scripts/devstack "
            "(make dev), which plugs in its outbox"
        )
    return parts


def build_albums(settings: Settings, dynamodb: Any, clock: Clock | None = None) -> Albums:
    from chalicelib.storage.albums import AlbumRepository
    from chalicelib.usecases.catalog import Albums

    return Albums(AlbumRepository(dynamodb, settings.albums_table), page_tokens(), clock=clock)


class Container:
    """The use cases of one configuration, each built on first use from the same settings,
    DynamoDB client and clock. A test may set an attribute to override one piece."""

    def __init__(self, settings: Settings, dynamodb: Any = None, clock: Clock | None = None) -> None:
        self.settings = settings
        self._dynamodb = dynamodb  # None: the configured client (dynamodb_client())
        self.clock = clock

    @property
    def dynamodb(self) -> Any:
        return self._dynamodb if self._dynamodb is not None else dynamodb_client()

    @cached_property
    def accounts(self) -> Accounts:
        identity = build_identity(self.settings, self.dynamodb, self.clock)
        return build_accounts(self.settings, self.dynamodb, identity, self.clock)

    @cached_property
    def albums(self) -> Albums:
        return build_albums(self.settings, self.dynamodb, self.clock)

    @property
    def two_step(self) -> TwoStep:
        found = self.accounts.two_step
        assert found is not None  # build_accounts sets it
        return found


def build_container(settings: Settings, dynamodb: Any = None, clock: Clock | None = None) -> Container:
    """The app's use cases from these settings; `dynamodb` (guarded here) replaces the
    configured client, `clock` the system's."""
    if dynamodb is not None:
        from chalicelib.storage.guard import guard

        dynamodb = guard(dynamodb)
    return Container(settings, dynamodb, clock)


_installed: dict[str, Any] = {}


def install(*, container: Container | None = None, accounts: Accounts | None = None, dynamodb: Any = None) -> None:
    """The override hook: use this container, these accounts, or this DynamoDB client
    instead of the configured ones (tests pass their own in: a fake, or a client that
    fails on purpose). An installed client is guarded like the configured one, and the
    configured container is rebuilt on it; installed accounts stay until `reset()`."""
    if container is not None:
        _installed["container"] = container
    if accounts is not None:
        _installed["accounts"] = accounts
    if dynamodb is not None:
        from chalicelib.storage.guard import guard

        _installed["dynamodb"] = guard(dynamodb)
        _configured_container.cache_clear()


@lru_cache(maxsize=1)
def _configured_container() -> Container:
    return build_container(get_settings())


def container() -> Container:
    installed: Container | None = _installed.get("container")
    return installed or _configured_container()


def accounts() -> Accounts:
    installed: Accounts | None = _installed.get("accounts")
    return installed or container().accounts


def albums() -> Albums:
    """The album use cases (not the repository: `album_repository()`)."""
    return container().albums


def album_repository() -> AlbumRepository:
    return albums().repository


def two_step() -> TwoStep:
    found = accounts().two_step
    assert found is not None  # build_accounts sets it
    return found


def reset() -> None:
    """Forget every cached client and service (tests, or after changing the environment)."""
    get_settings.cache_clear()
    _configured_dynamodb.cache_clear()
    cognito_client.cache_clear()
    page_tokens.cache_clear()
    build_mailer.cache_clear()
    _configured_container.cache_clear()
    _installed.clear()
