"""Who a user is, to every layer: the signed-in caller, a profile, a token set, a sign-up.
Plain values, so storage, the identity providers, the use cases and the HTTP edge share
them without importing each other."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN_GROUP = "admin"


@dataclass(frozen=True)
class Principal:
    """The signed-in caller, from a verified access token (and the revocation check)."""

    username: str
    sub: str
    groups: tuple[str, ...]
    email: str  # the address on record: deleting the account frees its claim

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups


@dataclass(frozen=True)
class Profile:
    """What a client may see of a user (docs/api.md: never a password, hash or code)."""

    username: str
    email: str
    full_name: str | None
    status: str  # UNCONFIRMED | CONFIRMED
    groups: tuple[str, ...]
    created_ms: int


@dataclass(frozen=True)
class TokenSet:
    id_token: str
    access_token: str
    expires_in: int
    refresh_token: str | None = None


@dataclass(frozen=True)
class ProfilePage:
    items: list[Profile]
    next_token: str | None  # opaque (chalicelib.core.paging), None on the last page


@dataclass(frozen=True)
class Registration:
    username: str
    email: str
    password: str
    full_name: str | None = None
