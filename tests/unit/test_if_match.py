"""If-Match is parsed at the HTTP edge into the version the album use cases compare."""

from __future__ import annotations

import pytest

from chalicelib.storage.albums import AlbumRecord
from chalicelib.usecases.catalog import ANY_VERSION, NO_VERSION
from chalicelib.web.bodies import etag, expected_version


def test_no_header_is_no_condition():
    assert expected_version(None) is None


@pytest.mark.parametrize(
    ("header", "version"), [('"1"', 1), (' "42" ', 42), ('"123456789012345678"', 123456789012345678)]
)
def test_an_etag_is_its_version(header, version):
    assert expected_version(header) == version


def test_the_star_is_any_version():
    assert expected_version("*") == expected_version(" * ") == ANY_VERSION


@pytest.mark.parametrize(
    "header", ['"0"', '"01"', "1", 'W/"1"', "garbage", "", '"-1"', '"1234567890123456789"', '"' + "9" * 5000 + '"']
)
def test_a_tag_etag_never_writes_names_no_version(header):
    assert expected_version(header) == NO_VERSION


def test_expected_version_reads_what_etag_writes():
    album = AlbumRecord(
        album_id="a", created_ms=0, updated_ms=0, version=7, rank=1, title="T", artist="A", year=1999, genre="G"
    )
    assert expected_version(etag(album)) == 7
