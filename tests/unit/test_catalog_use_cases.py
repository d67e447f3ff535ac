"""The album use cases (chalicelib/usecases/catalog.py) on the in-memory repository: fast,
no moto. The fake's behaviour is held to the DynamoDB repository's by
tests/functional/test_album_repository_contract.py; the HTTP routes keep their own tests."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import cast

import pytest

from chalicelib.core.errors import DuplicateAlbum, InvalidCursor, NotFound, RankTaken, VersionConflict
from chalicelib.core.paging import PageTokens
from chalicelib.storage.albums import AlbumRecord, AlbumRepository, name_key
from chalicelib.usecases.catalog import ANY_VERSION, NO_VERSION, PATCH_ATTEMPTS, Albums
from chalicelib.usecases.inputs import AlbumFields, AlbumPatch
from tests.conftest import FakeClock
from tests.support.concurrency import race
from tests.support.memory_albums import InMemoryAlbumRepository

SECRET = "s" * 40
PET_SOUNDS = AlbumFields(rank=1, title="Pet Sounds", artist="The Beach Boys", year=1966, genre="Pop")
SMILE = AlbumFields(rank=2, title="Smile", artist="Brian Wilson", year=2004, genre="Baroque Pop")


class Catalog:
    """The use cases with their fake repository, clock and recorded pauses."""

    def __init__(self, repo: InMemoryAlbumRepository | None = None) -> None:
        self.repo = repo or InMemoryAlbumRepository()
        self.clock = FakeClock()
        self.pauses: list[float] = []
        # Albums is typed with the DynamoDB class; the fake has the same methods.
        self.albums = Albums(
            cast(AlbumRepository, self.repo), PageTokens(SECRET), clock=self.clock, sleep=self.pauses.append
        )

    def keys_of(self, *albums: AlbumRecord) -> dict[str, str]:
        keys: dict[str, str] = {}
        for a in albums:
            keys |= {f"ALBUM#{a.album_id}": a.album_id, f"RANK#{a.rank}": a.album_id}
            keys[f"NAME#{name_key(a.artist, a.title)}"] = a.album_id
        return keys


class Rivals(InMemoryAlbumRepository):
    """A repository where another writer changes the album just before each of our first
    `losses` replaces: our replace then really finds a newer version and is refused."""

    def __init__(self, losses: int) -> None:
        super().__init__()
        self.losses = losses
        self.attempts = 0

    def replace(self, old: AlbumRecord, new: AlbumRecord) -> None:
        self.attempts += 1
        if self.attempts <= self.losses:
            current = self.get(old.album_id)
            assert current is not None
            super().replace(current, replace(current, year=current.year + 1, version=current.version + 1))
        super().replace(old, new)


@pytest.fixture
def catalog() -> Catalog:
    return Catalog()


# -- create and get ----------------------------------------------------------------------------


def test_create_stamps_id_times_and_version_one(catalog: Catalog) -> None:
    created = catalog.albums.create(PET_SOUNDS)
    assert str(uuid.UUID(created.album_id, version=4)) == created.album_id
    assert created == AlbumRecord(
        album_id=created.album_id,
        rank=1,
        title="Pet Sounds",
        artist="The Beach Boys",
        year=1966,
        genre="Pop",
        created_ms=catalog.clock.ms,
        updated_ms=catalog.clock.ms,
        version=1,
    )
    assert catalog.albums.get(created.album_id) == created
    assert catalog.repo.stored_keys() == catalog.keys_of(created)


def test_create_refuses_a_taken_rank_or_name_and_stores_nothing(catalog: Catalog) -> None:
    pet = catalog.albums.create(PET_SOUNDS)
    with pytest.raises(RankTaken):
        catalog.albums.create(replace(SMILE, rank=1))
    with pytest.raises(DuplicateAlbum):
        catalog.albums.create(replace(PET_SOUNDS, rank=5, title=" pet SOUNDS "))
    assert catalog.repo.stored_keys() == catalog.keys_of(pet)


def test_get_of_an_unknown_album_is_not_found(catalog: Catalog) -> None:
    catalog.albums.create(PET_SOUNDS)
    with pytest.raises(NotFound):
        catalog.albums.get(str(uuid.uuid4()))


@pytest.mark.parametrize(
    "bad_id",
    ["not-a-uuid", "", "12345678123456781234567812345678", "{12345678-1234-5678-1234-567812345678}"],
)
def test_an_id_that_is_not_a_canonical_uuid_is_not_found_without_asking_the_store(
    catalog: Catalog, bad_id: str
) -> None:
    """Stored under that very id (as no create would), the album is still not served: the
    use case refuses the id before the repository is asked."""
    stray = AlbumRecord(bad_id, 9, "Stray", "Nobody", 2000, "Pop", 1, 1)
    catalog.repo.create(stray)
    assert catalog.repo.get(bad_id) == stray
    with pytest.raises(NotFound):
        catalog.albums.get(bad_id)
    with pytest.raises(NotFound):
        catalog.albums.update(bad_id, AlbumPatch(genre="Rock"))
    with pytest.raises(NotFound):
        catalog.albums.delete(bad_id)
    assert catalog.repo.get(bad_id) == stray


def test_an_upper_case_id_is_not_found(catalog: Catalog) -> None:
    created = catalog.albums.create(PET_SOUNDS)
    assert catalog.albums.get(created.album_id) == created
    with pytest.raises(NotFound):
        catalog.albums.get(created.album_id.upper())


# -- update: PUT and PATCH ---------------------------------------------------------------------


def test_put_replaces_every_field_and_moves_the_claims(catalog: Catalog) -> None:
    created = catalog.albums.create(PET_SOUNDS)
    catalog.clock.advance(3)
    put = catalog.albums.update(created.album_id, SMILE)
    assert put == AlbumRecord(
        album_id=created.album_id,
        rank=2,
        title="Smile",
        artist="Brian Wilson",
        year=2004,
        genre="Baroque Pop",
        created_ms=created.created_ms,
        updated_ms=created.created_ms + 3000,
        version=2,
    )
    assert catalog.albums.get(created.album_id) == put
    assert catalog.repo.stored_keys() == catalog.keys_of(put)
    catalog.albums.create(PET_SOUNDS)  # its old rank and name are free again


def test_patch_changes_only_the_fields_given(catalog: Catalog) -> None:
    created = catalog.albums.create(PET_SOUNDS)
    catalog.clock.advance(1)
    patched = catalog.albums.update(created.album_id, AlbumPatch(year=1967, genre="Baroque Pop"))
    assert patched == replace(created, year=1967, genre="Baroque Pop", updated_ms=created.created_ms + 1000, version=2)
    assert catalog.albums.get(created.album_id) == patched
    assert catalog.albums.update(created.album_id, AlbumPatch()) == replace(patched, version=3)
    assert catalog.repo.stored_keys() == catalog.keys_of(created)


def test_patch_onto_a_taken_rank_or_name_changes_nothing(catalog: Catalog) -> None:
    pet, smile = catalog.albums.create(PET_SOUNDS), catalog.albums.create(SMILE)
    with pytest.raises(RankTaken):
        catalog.albums.update(smile.album_id, AlbumPatch(rank=1))
    with pytest.raises(DuplicateAlbum):
        catalog.albums.update(smile.album_id, AlbumPatch(title="PET SOUNDS", artist="the beach boys"))
    assert catalog.albums.get(smile.album_id) == smile
    assert catalog.repo.stored_keys() == catalog.keys_of(pet, smile)
    assert catalog.pauses == []  # a clash is not a lost race: no retry


# -- expected versions (If-Match) --------------------------------------------------------------


def test_update_with_the_current_version_or_any_version_lands(catalog: Catalog) -> None:
    created = catalog.albums.create(PET_SOUNDS)
    second = catalog.albums.update(created.album_id, AlbumPatch(genre="Rock"), expected_version=1)
    assert second.version == 2 and second.genre == "Rock"
    third = catalog.albums.update(created.album_id, AlbumPatch(genre="Jazz"), expected_version=ANY_VERSION)
    assert third.version == 3 and third.genre == "Jazz"
    fourth = catalog.albums.update(created.album_id, AlbumPatch(genre="Soul"), expected_version=None)
    assert fourth.version == 4 and catalog.albums.get(created.album_id) == fourth


@pytest.mark.parametrize("expected", [1, 3, NO_VERSION], ids=["stale", "ahead", "no-version"])
def test_update_with_another_version_is_refused_and_changes_nothing(catalog: Catalog, expected: int) -> None:
    created = catalog.albums.create(PET_SOUNDS)
    current = catalog.albums.update(created.album_id, AlbumPatch(genre="Rock"))
    with pytest.raises(VersionConflict):
        catalog.albums.update(created.album_id, AlbumPatch(rank=7), expected_version=expected)
    with pytest.raises(VersionConflict):
        catalog.albums.update(created.album_id, SMILE, expected_version=expected)
    assert catalog.albums.get(created.album_id) == current
    assert catalog.repo.stored_keys() == catalog.keys_of(current)


@pytest.mark.parametrize("expected", [1, 3, NO_VERSION], ids=["stale", "ahead", "no-version"])
def test_delete_with_another_version_is_refused_and_keeps_the_album(catalog: Catalog, expected: int) -> None:
    created = catalog.albums.create(PET_SOUNDS)
    current = catalog.albums.update(created.album_id, AlbumPatch(genre="Rock"))
    with pytest.raises(VersionConflict):
        catalog.albums.delete(created.album_id, expected_version=expected)
    assert catalog.albums.get(created.album_id) == current
    assert catalog.repo.stored_keys() == catalog.keys_of(current)


@pytest.mark.parametrize("expected", [None, ANY_VERSION, 2])
def test_delete_removes_the_album_and_frees_its_claims(catalog: Catalog, expected: int | None) -> None:
    created = catalog.albums.create(PET_SOUNDS)
    catalog.albums.update(created.album_id, AlbumPatch(genre="Rock"))
    catalog.albums.delete(created.album_id, expected_version=expected)
    with pytest.raises(NotFound):
        catalog.albums.get(created.album_id)
    assert catalog.repo.stored_keys() == {}
    with pytest.raises(NotFound):
        catalog.albums.delete(created.album_id)
    again = catalog.albums.create(PET_SOUNDS)
    assert catalog.repo.stored_keys() == catalog.keys_of(again)


# -- lost races --------------------------------------------------------------------------------


def test_without_if_match_a_lost_race_is_retried_on_top_of_the_winner() -> None:
    rivals = Rivals(losses=1)
    catalog = Catalog(rivals)
    created = catalog.albums.create(PET_SOUNDS)
    patched = catalog.albums.update(created.album_id, AlbumPatch(genre="Rock"))
    # The rival's year and our genre both stand: one pause through the injected sleep.
    assert patched == replace(created, year=1967, genre="Rock", version=3)
    assert catalog.albums.get(created.album_id) == patched
    assert rivals.attempts == 2
    assert len(catalog.pauses) == 1 and 0 <= catalog.pauses[0] <= 0.01


def test_without_if_match_a_writer_that_always_loses_gives_up_with_a_conflict() -> None:
    rivals = Rivals(losses=PATCH_ATTEMPTS)
    catalog = Catalog(rivals)
    created = catalog.albums.create(PET_SOUNDS)
    with pytest.raises(VersionConflict):
        catalog.albums.update(created.album_id, AlbumPatch(genre="Rock"))
    assert rivals.attempts == PATCH_ATTEMPTS
    # A pause before each retry, jitter growing with the attempt.
    assert len(catalog.pauses) == PATCH_ATTEMPTS - 1
    assert all(0 <= pause <= 0.01 * attempt for attempt, pause in enumerate(catalog.pauses, start=1))
    final = catalog.albums.get(created.album_id)
    assert (final.genre, final.year, final.version) == ("Pop", 1966 + PATCH_ATTEMPTS, 1 + PATCH_ATTEMPTS)


@pytest.mark.parametrize("expected", [1, ANY_VERSION])
def test_with_if_match_a_lost_race_is_a_conflict_at_once(expected: int) -> None:
    rivals = Rivals(losses=1)
    catalog = Catalog(rivals)
    created = catalog.albums.create(PET_SOUNDS)
    with pytest.raises(VersionConflict):
        catalog.albums.update(created.album_id, AlbumPatch(genre="Rock"), expected_version=expected)
    assert rivals.attempts == 1 and catalog.pauses == []
    assert catalog.albums.get(created.album_id) == replace(created, year=1967, version=2)  # the rival's


def test_racing_creates_for_one_rank_have_one_winner(catalog: Catalog) -> None:
    results = race(lambda i: catalog.albums.create(replace(PET_SOUNDS, rank=42, title=f"Contender {i}")), 8)
    winners = [r for r in results if isinstance(r, AlbumRecord)]
    assert len(winners) == 1, results
    assert all(isinstance(r, RankTaken) for r in results if r is not winners[0]), results
    assert catalog.repo.stored_keys() == catalog.keys_of(winners[0])


def test_racing_patches_without_if_match_all_land(catalog: Catalog) -> None:
    created = catalog.albums.create(PET_SOUNDS)
    changes = [AlbumPatch(rank=9), AlbumPatch(title="Smile"), AlbumPatch(year=1967), AlbumPatch(genre="Rock")]
    results = race(lambda i: catalog.albums.update(created.album_id, changes[i]), len(changes))
    assert all(isinstance(r, AlbumRecord) for r in results), results
    final = catalog.albums.get(created.album_id)
    assert (final.rank, final.title, final.year, final.genre, final.version) == (9, "Smile", 1967, "Rock", 5)
    assert catalog.repo.stored_keys() == catalog.keys_of(final)


# -- pages -------------------------------------------------------------------------------------


def test_page_tokens_round_trip_in_rank_order(catalog: Catalog) -> None:
    made = {r: catalog.albums.create(replace(PET_SOUNDS, rank=r, title=f"Title {r}")) for r in (30, 4, 17, 1, 9)}
    first = catalog.albums.list_page(2, None)
    assert first.items == [made[1], made[4]] and first.next_token is not None
    assert "ALBUM#" not in first.next_token  # opaque: not the raw key
    second = catalog.albums.list_page(2, first.next_token)
    assert second.items == [made[9], made[17]] and second.next_token is not None
    last = catalog.albums.list_page(2, second.next_token)
    assert last == ([made[30]], None)
    assert catalog.albums.list_page(2, "") == first  # an empty token is the first page


def test_a_full_last_page_is_followed_by_one_empty_page(catalog: Catalog) -> None:
    """Like DynamoDB: a full page carries a token even when nothing follows."""
    made = [catalog.albums.create(replace(PET_SOUNDS, rank=r, title=f"Title {r}")) for r in (1, 2)]
    full = catalog.albums.list_page(2, None)
    assert full.items == made and full.next_token is not None
    assert catalog.albums.list_page(2, full.next_token) == ([], None)


def test_an_empty_catalog_is_one_empty_page(catalog: Catalog) -> None:
    assert catalog.albums.list_page(50, None) == ([], None)
    assert catalog.repo.is_empty()


def test_tokens_of_another_list_or_key_or_signature_are_invalid_cursors(catalog: Catalog) -> None:
    for r in (1, 2, 3):
        catalog.albums.create(replace(PET_SOUNDS, rank=r, title=f"Title {r}"))
    token = catalog.albums.list_page(1, None).next_token
    assert token is not None
    key = {"pk": {"S": "ALBUM#x"}, "sk": {"S": "ALBUM"}, "catalog": {"S": "ALBUMS"}, "rank": {"N": "1"}}
    users_key = {"pk": {"S": "USER#bob"}, "sk": {"S": "PROFILE"}}
    bad = [
        PageTokens(SECRET).encode("users", key),  # signed, but for another list
        PageTokens("o" * 40).encode("albums", key),  # another server's key
        PageTokens(SECRET).encode("albums", users_key),  # signed, but not a rank-index key
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # tampered
        "garbage",
    ]
    for forged in bad:
        with pytest.raises(InvalidCursor):
            catalog.albums.list_page(1, forged)
