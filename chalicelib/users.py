"""User use cases that add rules on top of the identity provider, and the response shapes."""

from __future__ import annotations

from typing import Any

from chalicelib.clock import iso_utc
from chalicelib.errors import Forbidden
from chalicelib.identity import IdentityProvider, Principal, Profile, ProfilePage, TokenSet


def profile_body(profile: Profile) -> dict[str, Any]:
    return {
        "username": profile.username,
        "email": profile.email,
        "full_name": profile.full_name,
        "status": profile.status,
        "groups": list(profile.groups),
        "created_at": iso_utc(profile.created_ms),
    }


def token_body(tokens: TokenSet) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id_token": tokens.id_token,
        "access_token": tokens.access_token,
        "expires_in": tokens.expires_in,
        "token_type": "Bearer",
    }
    if tokens.refresh_token is not None:
        body["refresh_token"] = tokens.refresh_token
    return body


def view_user(identity: IdentityProvider, principal: Principal, username: str) -> Profile:
    """A profile is visible to its owner and to admins; others get 403 (not 404, so the
    answer does not depend on whether the name exists)."""
    name = username.lower()
    if name != principal.username and not principal.is_admin:
        raise Forbidden("You can only view your own profile.")
    return identity.get_profile(name)


def list_users(
    identity: IdentityProvider, principal: Principal, limit: int, start_key: dict[str, Any] | None
) -> ProfilePage:
    if not principal.is_admin:
        raise Forbidden("Only admins can list users.")
    return identity.list_users(limit, start_key)
