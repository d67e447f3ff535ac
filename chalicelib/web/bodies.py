"""Response bodies, built from domain records into the shapes of chalicelib.web.shapes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal, cast

from chalicelib.core.clock import iso_utc
from chalicelib.core.users import Profile, TokenSet
from chalicelib.usecases.catalog import ANY_VERSION, NO_VERSION
from chalicelib.web.shapes import AlbumBody, LoginChallenge, MeBody, MfaStatus, ProfileBody, Tokens

if TYPE_CHECKING:
    from chalicelib.usecases.two_step.factor import Challenge
    from chalicelib.usecases.two_step.service import MfaStatus as TwoStepStatus

if TYPE_CHECKING:  # annotations only: the repository imports botocore
    from chalicelib.storage.albums import AlbumRecord


def profile_body(profile: Profile) -> ProfileBody:
    return {
        "username": profile.username,
        "email": profile.email,
        "full_name": profile.full_name,
        "status": cast(Literal["UNCONFIRMED", "CONFIRMED"], profile.status),
        "groups": list(profile.groups),
        "created_at": iso_utc(profile.created_ms),
    }


def me_body(profile: Profile, mfa: TwoStepStatus) -> MeBody:
    status: MfaStatus = {"totp": mfa.totp, "recovery_codes_left": mfa.recovery_codes_left}
    return {**profile_body(profile), "mfa": status}


def challenge_body(challenge: Challenge) -> LoginChallenge:
    return {"challenge": "totp", "session": challenge.session, "expires_in": challenge.expires_in}


def token_body(tokens: TokenSet) -> Tokens:
    body: Tokens = {
        "id_token": tokens.id_token,
        "access_token": tokens.access_token,
        "expires_in": tokens.expires_in,
        "token_type": "Bearer",
    }
    if tokens.refresh_token is not None:
        body["refresh_token"] = tokens.refresh_token
    return body


def album_body(album: AlbumRecord) -> AlbumBody:
    return {
        "album_id": album.album_id,
        "rank": album.rank,
        "title": album.title,
        "artist": album.artist,
        "year": album.year,
        "genre": album.genre,
        "created_at": iso_utc(album.created_ms),
        "updated_at": iso_utc(album.updated_ms),
    }


def etag(album: AlbumRecord) -> str:
    """The album's version: sent back in If-Match, it makes an edit conditional."""
    return f'"{album.version}"'


ETAG_RE = re.compile(r'"([1-9][0-9]{0,17})"')  # what etag() writes; 18 digits bound int()


def expected_version(if_match: str | None) -> int | None:
    """If-Match, the inverse of etag(): the version the client expects, for the use case.
    `*` is any version; a tag etag() never writes (`W/"1"`, `"01"`, `1`) is no version,
    a conflict with whatever is stored."""
    if if_match is None:
        return None
    tag = if_match.strip()
    if tag == "*":
        return ANY_VERSION
    found = ETAG_RE.fullmatch(tag)
    return int(found.group(1)) if found else NO_VERSION
