"""One set of behaviour tests for the album repository, run against the DynamoDB one (on
moto) and the in-memory fake the use-case tests use (tests/support/memory_albums.py), so the
fake cannot drift from what the table does. Each test also checks the stored items: every
album holds exactly its rank claim and its artist+title claim, and nothing is left behind.

(DynamoDB Local runs the real repository's own tests: tests/integration/test_albums_repository.py.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from chalicelib.core.errors import DuplicateAlbum, NotFound, RankTaken, VersionConflict
from chalicelib.storage.albums import AlbumRecord, AlbumRepository, name_key
from tests.conftest import ALBUMS_TABLE
from tests.support.memory_albums import InMemoryAlbumRepository


@dataclass(frozen=True)
class Subject:
    repo: Any  # AlbumRepository or InMemoryAlbumRepository: the same methods
    stored: Callable[[], dict[str, str]]  # every item's pk -> the album id it belongs to


@pytest.fixture
def identity_backend() -> str:
    """The repository does not depend on the identity backend: run once, not per backend."""
    return "builtin"


def _scan(client: Any) -> dict[str, str]:
    stored: dict[str, str] = {}
    kwargs: dict[str, Any] = {"TableName": ALBUMS_TABLE, "ConsistentRead": True}
    while True:
        response = client.scan(**kwargs)
        stored.update({i["pk"]["S"]: i["album_id"]["S"] for i in response["Items"]})
        if "LastEvaluatedKey" not in response:
            return stored
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


@pytest.fixture(params=["memory", "dynamodb"])
def subject(request: pytest.FixtureRequest) -> Subject:
    if request.param == "memory":
        fake = InMemoryAlbumRepository()
        return Subject(fake, fake.stored_keys)
    client = request.getfixturevalue("aws")  # moto, with the tables of scripts/tables.py
    return Subject(AlbumRepository(client, ALBUMS_TABLE), lambda: _scan(client))


def album(rank: int = 1, title: str = "Pet Sounds", artist: str = "The Beach Boys", **more: Any) -> AlbumRecord:
    fields: dict[str, Any] = {"year": 1966, "genre": "Pop", "created_ms": 1000, "updated_ms": 1000, **more}
    return AlbumRecord(album_id=str(uuid.uuid4()), rank=rank, title=title, artist=artist, **fields)


def keys_of(*albums: AlbumRecord) -> dict[str, str]:
    """The items these albums (and nothing else) are stored as."""
    keys: dict[str, str] = {}
    for a in albums:
        keys |= {f"ALBUM#{a.album_id}": a.album_id, f"RANK#{a.rank}": a.album_id}
        keys[f"NAME#{name_key(a.artist, a.title)}"] = a.album_id
    return keys


def changed(a: AlbumRecord, **fields: Any) -> AlbumRecord:
    """The next version of `a`, as the use case writes it."""
    return replace(a, **fields, updated_ms=a.updated_ms + 1, version=a.version + 1)


# -- create and get ----------------------------------------------------------------------------


def test_a_created_album_is_read_back_with_its_two_claims(subject: Subject) -> None:
    pet = album()
    assert subject.repo.get(pet.album_id) is None
    subject.repo.create(pet)
    assert subject.repo.get(pet.album_id) == pet
    assert subject.stored() == keys_of(pet)
    assert subject.repo.get(str(uuid.uuid4())) is None


def test_a_taken_rank_is_refused_and_nothing_is_written(subject: Subject) -> None:
    pet = album(rank=1)
    subject.repo.create(pet)
    late = album(rank=1, title="Smile")
    with pytest.raises(RankTaken):
        subject.repo.create(late)
    assert subject.repo.get(late.album_id) is None
    assert subject.stored() == keys_of(pet)


@pytest.mark.parametrize(
    ("title", "artist"),
    [
        ("Pet Sounds", "The Beach Boys"),
        ("pet sounds", "THE BEACH BOYS"),
        ("  Pet Sounds\t", " The Beach Boys "),  # trimmed before comparing
        ("PET SOUNDS", "the beach boys"),
    ],
)
def test_a_taken_artist_and_title_is_refused_in_any_case_or_spacing(subject: Subject, title: str, artist: str) -> None:
    pet = album(rank=1)
    subject.repo.create(pet)
    twin = album(rank=2, title=title, artist=artist)
    with pytest.raises(DuplicateAlbum):
        subject.repo.create(twin)
    assert subject.repo.get(twin.album_id) is None
    assert subject.stored() == keys_of(pet)


def test_names_are_case_folded_not_just_lowered(subject: Subject) -> None:
    """casefold maps ß to ss, which lower() does not: STRASSE and Straße are one name."""
    first = album(rank=1, title="Straße", artist="Kraftwerk")
    subject.repo.create(first)
    with pytest.raises(DuplicateAlbum):
        subject.repo.create(album(rank=2, title="STRASSE", artist="KRAFTWERK"))
    other = album(rank=3, title="Strasse 2", artist="Kraftwerk")  # a different title is fine
    subject.repo.create(other)
    assert subject.stored() == keys_of(first, other)


def test_a_name_clash_is_reported_before_a_rank_clash(subject: Subject) -> None:
    pet = album(rank=1)
    subject.repo.create(pet)
    with pytest.raises(DuplicateAlbum):
        subject.repo.create(album(rank=1, title="PET SOUNDS"))
    assert subject.stored() == keys_of(pet)


def test_the_same_album_id_twice_is_a_version_conflict(subject: Subject) -> None:
    pet = album(rank=1)
    subject.repo.create(pet)
    with pytest.raises(VersionConflict):
        subject.repo.create(replace(pet, rank=2, title="Smile"))
    assert subject.repo.get(pet.album_id) == pet
    assert subject.stored() == keys_of(pet)


# -- replace -----------------------------------------------------------------------------------


def test_replace_moves_both_claims_and_frees_the_old_ones(subject: Subject) -> None:
    pet = album(rank=1)
    subject.repo.create(pet)
    moved = changed(pet, rank=2, title="Smile", artist="Brian Wilson")
    subject.repo.replace(pet, moved)
    assert subject.repo.get(pet.album_id) == moved
    assert subject.stored() == keys_of(moved)
    # The old rank and name are free again; the new ones are taken.
    again = album(rank=1)
    subject.repo.create(again)
    with pytest.raises(RankTaken):
        subject.repo.create(album(rank=2, title="Other"))
    with pytest.raises(DuplicateAlbum):
        subject.repo.create(album(rank=3, title="SMILE", artist="brian wilson"))
    assert subject.stored() == keys_of(moved, again)


def test_replace_of_other_fields_keeps_the_claims(subject: Subject) -> None:
    pet = album(rank=1)
    subject.repo.create(pet)
    # A new spelling of the same name keeps its claim (same normal form): no move, no clash.
    respelled = changed(pet, title="PET SOUNDS", genre="Baroque Pop", year=1967)
    subject.repo.replace(pet, respelled)
    assert subject.repo.get(pet.album_id) == respelled
    assert subject.stored() == keys_of(pet)


def test_replace_onto_a_taken_rank_or_name_changes_nothing(subject: Subject) -> None:
    pet, smile = album(rank=1), album(rank=2, title="Smile")
    subject.repo.create(pet)
    subject.repo.create(smile)
    with pytest.raises(RankTaken):
        subject.repo.replace(smile, changed(smile, rank=1, genre="Rock"))
    with pytest.raises(DuplicateAlbum):
        subject.repo.replace(smile, changed(smile, title="pet sounds", genre="Rock"))
    with pytest.raises(DuplicateAlbum):  # both taken: the name is reported
        subject.repo.replace(smile, changed(smile, rank=1, title="pet sounds"))
    assert subject.repo.get(smile.album_id) == smile
    assert subject.stored() == keys_of(pet, smile)


def test_replace_from_a_stale_version_is_a_version_conflict(subject: Subject) -> None:
    pet = album(rank=1)
    subject.repo.create(pet)
    current = changed(pet, rank=2)
    subject.repo.replace(pet, current)
    with pytest.raises(VersionConflict):  # same fields, old version
        subject.repo.replace(pet, changed(pet, genre="Jazz"))
    with pytest.raises(VersionConflict):  # and with claims to move, whose old ones are not ours
        subject.repo.replace(pet, changed(pet, rank=3, title="Smile"))
    assert subject.repo.get(pet.album_id) == current
    assert subject.stored() == keys_of(current)


@pytest.mark.parametrize("claim", ["rank", "name"])
def test_replace_or_delete_freeing_a_claim_the_album_does_not_hold_is_a_version_conflict(
    subject: Subject, claim: str
) -> None:
    """A claim is freed only by the album that holds it, even when the version matches."""
    pet, smile = album(rank=1), album(rank=2, title="Smile")
    subject.repo.create(pet)
    subject.repo.create(smile)
    misread = replace(pet, rank=2) if claim == "rank" else replace(pet, title="Smile")
    with pytest.raises(VersionConflict):
        subject.repo.replace(misread, changed(pet, rank=3, title="Surf's Up"))
    with pytest.raises(VersionConflict):
        subject.repo.delete(misread)
    assert (subject.repo.get(pet.album_id), subject.repo.get(smile.album_id)) == (pet, smile)
    assert subject.stored() == keys_of(pet, smile)


def test_replace_of_a_deleted_album_is_a_version_conflict_and_writes_nothing(subject: Subject) -> None:
    pet = album(rank=1)
    subject.repo.create(pet)
    subject.repo.delete(pet)
    with pytest.raises(VersionConflict):
        subject.repo.replace(pet, changed(pet, genre="Rock"))
    assert subject.repo.get(pet.album_id) is None
    assert subject.stored() == {}


# -- delete ------------------------------------------------------------------------------------


def test_delete_frees_both_claims(subject: Subject) -> None:
    pet, smile = album(rank=1), album(rank=2, title="Smile")
    subject.repo.create(pet)
    subject.repo.create(smile)
    subject.repo.delete(pet)
    assert subject.repo.get(pet.album_id) is None
    assert subject.stored() == keys_of(smile)
    again = album(rank=1, title="PET SOUNDS")
    subject.repo.create(again)
    assert subject.stored() == keys_of(smile, again)


def test_delete_of_a_stale_version_is_a_version_conflict_and_keeps_everything(subject: Subject) -> None:
    pet = album(rank=1)
    subject.repo.create(pet)
    current = changed(pet, genre="Rock")
    subject.repo.replace(pet, current)
    with pytest.raises(VersionConflict):
        subject.repo.delete(pet)
    assert subject.repo.get(pet.album_id) == current
    assert subject.stored() == keys_of(current)
    subject.repo.delete(current)
    assert subject.stored() == {}


def test_delete_of_a_missing_album_is_not_found(subject: Subject) -> None:
    pet = album(rank=1)
    with pytest.raises(NotFound):
        subject.repo.delete(pet)
    subject.repo.create(pet)
    subject.repo.delete(pet)
    with pytest.raises(NotFound):
        subject.repo.delete(pet)
    assert subject.stored() == {}


# -- list, is_empty ----------------------------------------------------------------------------


def test_pages_follow_rank_order_across_pages(subject: Subject) -> None:
    ranks = [300, 7, 12, 1, 50]
    made = {r: album(rank=r, title=f"Title {r}") for r in ranks}
    for a in made.values():
        subject.repo.create(a)
    first = subject.repo.list(2, None)
    assert first.items == [made[1], made[7]]
    assert first.last_key is not None and first.scanned == 2
    second = subject.repo.list(2, first.last_key)
    assert second.items == [made[12], made[50]]
    assert second.last_key is not None and second.scanned == 2
    last = subject.repo.list(2, second.last_key)
    assert last.items == [made[300]]
    assert last.last_key is None and last.scanned == 1
    assert subject.repo.list(10, None).items == [made[r] for r in sorted(ranks)]


def test_a_page_resumes_after_its_key_even_when_that_album_is_gone(subject: Subject) -> None:
    made = [album(rank=r, title=f"Title {r}") for r in (1, 2, 3)]
    for a in made:
        subject.repo.create(a)
    first = subject.repo.list(1, None)
    subject.repo.delete(made[0])
    assert subject.repo.list(5, first.last_key).items == made[1:]


def test_a_last_full_page_ends_the_list_at_once_or_with_one_empty_page(subject: Subject) -> None:
    """DynamoDB hands out a key whenever a page is full, so a client may see one empty last
    page; moto stops at once. Either way every album comes once, in order, and the list ends."""
    made = [album(rank=r, title=f"Title {r}") for r in (1, 2, 3, 4)]
    for a in made:
        subject.repo.create(a)
    seen: list[AlbumRecord] = []
    key = None
    for _ in range(4):
        page = subject.repo.list(2, key)
        seen += page.items
        key = page.last_key
        if key is None:
            break
        assert len(page.items) == 2, "a page with a key is a full page"
    assert key is None
    assert seen == made


def test_is_empty_counts_albums(subject: Subject) -> None:
    assert subject.repo.is_empty()
    pet = album(rank=1)
    subject.repo.create(pet)
    assert not subject.repo.is_empty()
    subject.repo.delete(pet)
    assert subject.repo.is_empty()


# -- the seed's bulk loading -------------------------------------------------------------------


def test_not_yet_stored_leaves_out_albums_with_any_key_taken(subject: Subject) -> None:
    pet = album(rank=1)
    subject.repo.create(pet)
    same_id = replace(album(rank=2, title="A"), album_id=pet.album_id)
    same_rank = album(rank=1, title="B")
    same_name = album(rank=3, title=" PET SOUNDS ")
    fresh = album(rank=4, title="C")
    assert subject.repo.not_yet_stored([same_id, same_rank, fresh, same_name]) == [fresh]
    assert subject.stored() == keys_of(pet)


def test_put_batches_writes_in_batches_of_eight_albums(subject: Subject) -> None:
    made = [album(rank=r, title=f"Title {r}") for r in range(1, 21)]
    assert list(subject.repo.put_batches(made)) == [8, 8, 4]
    assert subject.stored() == keys_of(*made)
    assert subject.repo.list(100, None).items == made
    assert subject.repo.not_yet_stored(made) == []
