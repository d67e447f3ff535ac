"""The IdentityProvider protocol: what the app needs from an identity backend.

Two backends implement it: `builtin` (DynamoDB + argon2id + own JWTs, used locally and
optionally on AWS) and `cognito` (Amazon Cognito user pools). Routes and use cases only
see this protocol, so the same contract suite runs against both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

ADMIN_GROUP = "admin"


@dataclass(frozen=True)
class Principal:
    """The signed-in caller, from a verified access token."""

    username: str
    sub: str
    groups: tuple[str, ...]
    email: str  # the address on record: deleting the account frees its claim

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups


@dataclass(frozen=True)
class Profile:
    """What a client may see of a user (API.md: never a password, hash or code)."""

    username: str
    email: str
    full_name: str | None
    status: str
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
    next_key: dict[str, Any] | None


@dataclass(frozen=True)
class Registration:
    username: str
    email: str
    password: str
    full_name: str | None = None


class IdentityProvider(Protocol):
    def register(self, request: Registration) -> Profile: ...

    def confirm(self, username: str, code: str) -> Profile: ...

    def resend_code(self, username: str) -> None: ...

    def login(self, username_or_email: str, password: str) -> TokenSet: ...

    def refresh(self, refresh_token: str) -> TokenSet: ...

    def logout(self, principal: Principal) -> None: ...

    def forgot_password(self, username_or_email: str) -> None: ...

    def reset_password(self, username_or_email: str, code: str, new_password: str) -> None: ...

    def authenticate(self, access_token: str) -> tuple[Principal, Profile]: ...

    def get_profile(self, username: str) -> Profile: ...

    def update_full_name(self, principal: Principal, full_name: str | None) -> Profile: ...

    def delete_user(self, principal: Principal) -> None: ...

    def list_users(self, limit: int, start_key: dict[str, Any] | None) -> ProfilePage: ...

    def add_to_group(self, username: str, group: str) -> None: ...
