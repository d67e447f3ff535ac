"""DynamoDB throttling or out of reach: every route family answers 503 with Retry-After,
never a 500, and leaves no half-written record behind.

A FaultyClient is installed in place of the moto client. Per route, the fault starts at
the 1st, 2nd, ... DynamoDB call until the route gets through: so a failure after any
read or write of the route is tried, and after each the tables must be as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib import services
from tests.conftest import ALBUMS_TABLE, USERS_TABLE
from tests.failure.faults import THROTTLE_CODES, FaultyClient
from tests.support.album_api import BLUE, PET_SOUNDS, REVOLVER, problem
from tests.support.api import NEW_PASSWORD, STRONG_PASSWORD, read_mail


@dataclass
class World:
    api: Any
    admin: str
    user: str
    refresh: str
    album_id: str
    pending_code: str  # carol registered, not confirmed
    reset_code: str  # bob asked for a reset


@pytest.fixture
def world(api: Any) -> World:
    admin = api.signup("alice")["access_token"]
    services.accounts().grant("alice", "admin")
    tokens = api.signup("bob")
    album = api.post("/albums", PET_SOUNDS, token=admin)
    assert album.status == 201
    api.post("/albums", REVOLVER, token=admin)
    assert api.register("carol").status == 201
    assert api.post("/auth/forgot-password", {"username": "bob"}).status == 202
    return World(
        api,
        admin,
        tokens["access_token"],
        tokens["refresh_token"],
        album.json["album_id"],
        api.code_for("carol@example.com"),
        api.code_for("bob@example.com", "reset"),
    )


@dataclass(frozen=True)
class Route:
    method: str
    path: Callable[[World], str]
    body: Callable[[World], Any] = lambda w: None
    token: Callable[[World], str | None] = lambda w: None
    # Keys (pk prefixes) a failed request may leave behind by design, and why.
    leftovers: tuple[str, ...] = ()
    done: tuple[int, ...] = field(default=(200,))
    # The route's last call is best effort (a code check giving back its try under the
    # daily cap): a fault there leaves the try counted and the answer unchanged.
    best_effort_last: bool = False
    # Attributes of the user's own record a failed request may leave by design: the
    # Cognito backend's reset-in-progress marker, which is how the retry of a reset whose
    # cut-off write failed (the pool has the new password) is recognised.
    marker: tuple[str, ...] = ()


ROUTES: dict[str, Route] = {
    "register": Route(
        "POST",
        lambda w: "/auth/register",
        lambda w: {"username": "dave", "email": "dave@example.com", "password": STRONG_PASSWORD},
        done=(201,),
    ),
    # A code check takes its try under the daily code cap, and a sign-in its try
    # under the lockout, BEFORE the code or password is looked at; a request that fails
    # after that leaves its try counted (CODES#, LOGIN#): failing closed, as a limit must.
    "confirm": Route(
        "POST",
        lambda w: "/auth/confirm",
        lambda w: {"username": "carol", "code": w.pending_code},
        leftovers=("CODES#",),
        best_effort_last=True,
    ),
    # The 30 s mail slot is taken before the mail and given back when the request fails
    # (test_a_failed_mail_request_gives_its_slot_back); here DynamoDB stays down, so the
    # give-back fails too and the slot stays until it expires: the retry is a 429.
    "resend-code": Route(
        "POST", lambda w: "/auth/resend-code", lambda w: {"username": "carol"}, leftovers=("MAIL#",), done=(202, 429)
    ),
    "login": Route(
        "POST",
        lambda w: "/auth/login",
        lambda w: {"username": "bob", "password": STRONG_PASSWORD},
        leftovers=("LOGIN#",),
    ),
    "login-by-email": Route(
        "POST",
        lambda w: "/auth/login",
        lambda w: {"username": "bob@example.com", "password": STRONG_PASSWORD},
        leftovers=("LOGIN#",),
    ),
    "refresh": Route("POST", lambda w: "/auth/refresh", lambda w: {"refresh_token": w.refresh}),
    "logout": Route("POST", lambda w: "/auth/logout", token=lambda w: w.user, done=(204,)),
    "forgot-password": Route(
        "POST",
        lambda w: "/auth/forgot-password",
        lambda w: {"username": "alice"},
        leftovers=("MAIL#",),
        done=(202, 429),
    ),
    "reset-password": Route(
        "POST",
        lambda w: "/auth/reset-password",
        lambda w: {"username": "bob", "code": w.reset_code, "new_password": NEW_PASSWORD},
        leftovers=("CODES#",),
        best_effort_last=True,
        marker=("reset_digest", "reset_until_ms"),
    ),
    "get-me": Route("GET", lambda w: "/users/me", token=lambda w: w.user),
    "patch-me": Route("PATCH", lambda w: "/users/me", lambda w: {"full_name": "Bob B."}, lambda w: w.user),
    "delete-me": Route("DELETE", lambda w: "/users/me", token=lambda w: w.user, done=(204,)),
    "list-users": Route("GET", lambda w: "/users", token=lambda w: w.admin),
    "get-user": Route("GET", lambda w: "/users/bob", token=lambda w: w.admin),
    "list-albums": Route("GET", lambda w: "/albums?limit=1", token=lambda w: w.user),
    "get-album": Route("GET", lambda w: f"/albums/{w.album_id}", token=lambda w: w.user),
    "create-album": Route("POST", lambda w: "/albums", lambda w: BLUE, lambda w: w.admin, done=(201,)),
    "replace-album": Route(
        "PUT", lambda w: f"/albums/{w.album_id}", lambda w: {**PET_SOUNDS, "rank": 7}, lambda w: w.admin
    ),
    "patch-album": Route("PATCH", lambda w: f"/albums/{w.album_id}", lambda w: {"title": "Smile"}, lambda w: w.admin),
    "delete-album": Route("DELETE", lambda w: f"/albums/{w.album_id}", token=lambda w: w.admin, done=(204,)),
}


def snapshot(client: Any) -> dict[tuple[str, str], Any]:
    """Every item of both tables, by (pk, sk), read past any installed fault."""
    items = {}
    for table in (USERS_TABLE, ALBUMS_TABLE):
        for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
            for item in page["Items"]:
                items[(item["pk"]["S"], item["sk"]["S"])] = item
    return items


def changed_keys(before: dict[Any, Any], after: dict[Any, Any], marker: tuple[str, ...] = ()) -> set[tuple[str, str]]:
    """Keys whose items differ, not counting the `marker` attributes of an item that exists
    before and after (only those attributes may differ then)."""

    def without_marker(item: Any) -> Any:
        return {k: v for k, v in item.items() if k not in marker} if item else item

    return {
        k
        for k in before.keys() | after.keys()
        if before.get(k) != after.get(k)
        and not (marker and before.get(k) and after.get(k) and without_marker(before[k]) == without_marker(after[k]))
    }


def send(world: World, route: Route) -> Any:
    return world.api.call(route.method, route.path(world), route.body(world), route.token(world))


def assert_unavailable(reply: Any, retry_after: str, case: Any) -> None:
    problem(reply, 503, "service_unavailable", case)
    assert reply.header("Retry-After") == retry_after, (case, reply.headers)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_a_fault_at_any_call_is_a_503_and_leaves_the_tables_as_they_were(name, world, aws):
    route = ROUTES[name]
    error = THROTTLE_CODES[sorted(ROUTES).index(name) % len(THROTTLE_CODES)]
    mails = len(read_mail(world.api.outbox))
    for fail_from in range(12):
        before = snapshot(aws)
        faulty = FaultyClient(aws, error, fail_from)
        services.install(dynamodb=faulty)
        reply = send(world, route)
        services.install(dynamodb=aws)
        last_only = route.best_effort_last and fail_from == len(faulty.calls) - 1 and reply.status != 503
        if not faulty.failed or last_only:  # the route got through before the fault started
            assert reply.status in route.done, (name, fail_from, reply.status, reply.raw[:300])
            break
        case = (name, error, "fault from call", fail_from, faulty.calls)
        assert_unavailable(reply, "1", case)
        left = changed_keys(before, snapshot(aws), route.marker)
        assert all(pk.startswith(route.leftovers) for pk, _ in left) if route.leftovers else not left, (case, left)
        if not route.leftovers:
            assert len(read_mail(world.api.outbox)) == mails, case  # no mail for a request that failed
    else:
        pytest.fail(f"{name} never got through")


@pytest.mark.parametrize("error", THROTTLE_CODES)
def test_each_throttle_code_is_a_503_with_retry_after_1(error, world, aws):
    services.install(dynamodb=FaultyClient(aws, error))
    for name in ("register", "login", "list-albums", "create-album"):
        assert_unavailable(send(world, ROUTES[name]), "1", (name, error))


def test_an_unreachable_database_is_a_503_with_retry_after_5(world, aws):
    before = snapshot(aws)
    services.install(dynamodb=FaultyClient(aws, "unreachable"))
    for name in ("register", "confirm", "login", "get-me", "list-albums", "replace-album", "delete-album"):
        assert_unavailable(send(world, ROUTES[name]), "5", name)
    services.install(dynamodb=aws)
    assert snapshot(aws) == before


def test_health_and_client_errors_need_no_database(world, aws):
    services.install(dynamodb=FaultyClient(aws, "ThrottlingException"))
    assert world.api.get("/health").status == 200
    reply = world.api.post("/auth/register", {"username": "x"})
    assert reply.status == 400  # validation runs before any DynamoDB call


@pytest.mark.parametrize(
    ("path", "name", "address", "purpose"),
    [
        ("/auth/resend-code", "carol", "carol@example.com", "confirm"),
        ("/auth/forgot-password", "alice", "alice@example.com", "reset"),
    ],
)
def test_a_failed_mail_request_gives_its_slot_back(path, name, address, purpose, world, aws):
    """A 503 after the slot was taken (DynamoDB blips on the next call) must not make the
    client's retry wait 30 s for a mail that never went: the retry sends it."""
    before = snapshot(aws)
    mails = len(read_mail(world.api.outbox))
    services.install(dynamodb=FaultyClient(aws, "ThrottlingException", fail_from=1, fail_count=1))
    assert_unavailable(world.api.post(path, {"username": name}), "1", path)
    services.install(dynamodb=aws)
    assert not changed_keys(before, snapshot(aws))  # the slot is gone again
    assert len(read_mail(world.api.outbox)) == mails
    retry = world.api.post(path, {"username": name})
    assert retry.status == 202, retry.raw[:300]
    assert world.api.code_for(address, purpose)
    assert len(read_mail(world.api.outbox)) == mails + 1
    assert world.api.post(path, {"username": name}).status == 429  # the slot holds again
