"""One way to wire: both use cases come from one container made from settings, with their
repository, clock and sleep handed in, and tests override pieces through one hook."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from chalicelib import services
from chalicelib.core.config import get_settings
from chalicelib.core.errors import VersionConflict
from chalicelib.core.paging import PageTokens
from chalicelib.storage.albums import AlbumRecord
from chalicelib.usecases.accounts import Accounts
from chalicelib.usecases.catalog import Albums
from chalicelib.usecases.inputs import AlbumFields, AlbumPatch
from tests.conftest import FakeClock

FIELDS = AlbumFields(rank=1, title="Pet Sounds", artist="The Beach Boys", year=1966, genre="Pop")


class LosesFirstRace:
    """An album repository whose first replace loses to a parallel writer (the case
    DynamoDB's condition reports as VersionConflict; its own tests cover that part)."""

    def __init__(self) -> None:
        self.stored: dict[str, AlbumRecord] = {}
        self.replaced = 0

    def create(self, album: AlbumRecord) -> None:
        self.stored[album.album_id] = album

    def get(self, album_id: str) -> AlbumRecord | None:
        return self.stored.get(album_id)

    def replace(self, current: AlbumRecord, changed: AlbumRecord) -> None:
        self.replaced += 1
        if self.replaced == 1:
            raise VersionConflict()
        self.stored[changed.album_id] = changed


def test_albums_take_their_time_and_their_pauses_from_what_they_are_given() -> None:
    repo, clock, pauses = LosesFirstRace(), FakeClock(), []
    albums = Albums(repo, PageTokens("k" * 40), clock=clock, sleep=pauses.append)  # type: ignore[arg-type]
    created = albums.create(FIELDS)
    assert (created.created_ms, created.updated_ms, created.version) == (clock.ms, clock.ms, 1)
    clock.advance(5)
    changed = albums.update(created.album_id, AlbumPatch(genre="Rock"))
    # Lost once, re-read, applied on top: one jittered pause, through the injected sleep.
    assert changed == replace(created, genre="Rock", updated_ms=created.created_ms + 5000, version=2)
    assert repo.replaced == 2 and len(pauses) == 1 and 0 <= pauses[0] <= 0.01
    assert repo.stored[created.album_id] == changed


@pytest.mark.parametrize("identity_backend", ["builtin"])
def test_the_container_builds_the_use_cases_and_install_overrides_them(app_env: Path) -> None:
    clock = FakeClock()
    container = services.build_container(get_settings(), dynamodb=_Unused(), clock=clock)
    assert isinstance(container.albums, Albums) and isinstance(container.accounts, Accounts)
    assert container.albums is container.albums  # built once
    assert container.two_step is container.accounts.two_step
    services.install(container=container)
    assert services.albums() is container.albums
    assert services.album_repository() is container.albums.repository
    assert services.accounts() is container.accounts
    assert services.two_step() is container.two_step
    other = services.build_container(get_settings(), dynamodb=_Unused())
    services.install(accounts=other.accounts)  # one piece overridden, the rest kept
    assert services.accounts() is other.accounts and services.albums() is container.albums
    services.reset()
    assert services.albums() is not container.albums


class _Unused:
    """A DynamoDB client without operations: building the use cases makes no request."""


@pytest.mark.parametrize("identity_backend", ["builtin"])  # the mailer is the same for both
def test_the_outbox_is_the_local_stacks_and_the_app_says_so_without_it(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, identity_backend: str
) -> None:
    # The app (what Lambda runs) holds no outbox: the local stack plugs it in
    # (scripts/devstack/parts.py). Without it, MAILER=outbox is a configuration error that
    # names the way to run the app, not a silent loss of every code mail.
    from chalicelib.core.config import ConfigError
    from chalicelib.core.mail import SesMailer
    from scripts.devstack.parts import LOCAL_PARTS, OutboxMailer

    monkeypatch.setattr(services, "_local_parts", {})
    with pytest.raises(ConfigError, match="make dev"):
        services.build_mailer(get_settings())
    monkeypatch.setenv("MAILER", "ses")
    services.reset()
    assert isinstance(services.build_mailer(get_settings()), SesMailer)  # no client made yet
    monkeypatch.setenv("MAILER", "outbox")
    services.reset()
    services.use_local_parts(LOCAL_PARTS)
    assert isinstance(services.build_mailer(get_settings()), OutboxMailer)


@pytest.mark.parametrize("identity_backend", ["builtin"])
def test_the_use_cases_share_one_mailer(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # On AWS each SES mailer makes its client with its first mail: one mailer, one client.
    monkeypatch.setenv("MAILER", "ses")
    services.reset()
    container = services.build_container(get_settings(), dynamodb=_Unused())
    mailer = container.accounts._mailer
    assert container.two_step._mailer is mailer
    assert container.accounts.identity._mailer is mailer  # type: ignore[attr-defined]
