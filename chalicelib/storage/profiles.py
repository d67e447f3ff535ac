"""Profiles: what a client may see of a user, read and changed here for every identity
backend (both keep the same USER#<username> / PROFILE record, storage/users.py).

The use cases (chalicelib/usecases/accounts.py) call this; the identity providers only prove who
someone is. Round trips: get 1 GetItem, update_full_name 1 UpdateItem, list 1 Query
(the users index, oldest first).
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.errors import NotFound
from chalicelib.core.paging import PageTokens
from chalicelib.core.users import Profile, ProfilePage
from chalicelib.storage.users import UserRecord, UserRepository


def to_profile(user: UserRecord) -> Profile:
    """A record's client-visible part: never a hash, a code or a cut-off."""
    return Profile(user.username, user.email, user.full_name, user.status, user.groups, user.created_ms)


class ProfileRepository:
    def __init__(self, client: Any, table: str, page_tokens: PageTokens) -> None:
        self._users = UserRepository(client, table)
        self._pages = page_tokens

    def get(self, username: str) -> Profile:
        user = self._users.get(username)
        if user is None:
            raise NotFound("No such user.")
        return to_profile(user)

    def update_full_name(self, username: str, full_name: str | None) -> Profile:
        return to_profile(self._users.update_full_name(username, full_name))

    def list(self, limit: int, page_token: str | None) -> ProfilePage:
        """One page in sign-up order; the tokens hide the DynamoDB key from clients."""
        page = self._users.list(limit, self._pages.decode("users", page_token))
        return ProfilePage([to_profile(u) for u in page.items], self._pages.encode("users", page.last_key))
