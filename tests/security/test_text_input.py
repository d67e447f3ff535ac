"""Security review: text that is not valid Unicode, or that breaks a line, is a 4xx
problem document on every route, never a 5xx.

Every string of a body must be valid Unicode text: JSON's `"\\ud800"` decodes to a lone
surrogate that no UTF-8 encoder downstream (botocore, argon2, the mail) accepts, which was
a 500 at login, forgot, resend and register. One-line fields (username, email, full_name,
album title/artist/genre) also refuse control characters and line/paragraph separators.
Path parameters and query strings follow the same rule.

The routes and their fields come from app.py's operation table, so a route added later
is fuzzed too."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib import services
from chalicelib.core.rules import ONE_LINE_RE
from chalicelib.web.routing import Operation
from chalicelib.web.validation import Field
from tests.support.album_api import PET_SOUNDS, create, problem
from tests.support.api import STRONG_PASSWORD

NOT_TEXT = "must be valid Unicode text (no lone surrogates)"
NOT_ONE_LINE = "must be one line of text, without control characters"
FUZZ = settings(
    max_examples=8,  # per field of each route: some 200 requests a test
    deadline=None,
    derandomize=True,  # repeatable: a fixed sequence of examples per route
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# A valid value per field name, so that only the field under test is wrong.
VALID: dict[str, Any] = {
    "username": "alice",
    "email": "alice@example.com",
    "password": STRONG_PASSWORD,
    "new_password": STRONG_PASSWORD + " Quince",
    "full_name": "Alice Liddell",
    "code": "123456",
    "refresh_token": "alice.not-a-real-refresh-token",
    **PET_SOUNDS,
    "rank": 4242,  # not PET_SOUNDS' rank, which the stored album holds
    "title": "A Title Nobody Stored",
}

surrogates = st.characters(categories=["Cs"])
line_breakers = st.characters(categories=["Cc", "Zl", "Zp"])
plain = st.text(st.characters(categories=["L", "N", "Zs", "P"]), max_size=12)
# Around a control character: something trimming keeps (one around the ends is trimmed).
visible = st.text(st.characters(categories=["L", "N", "P"]), min_size=1, max_size=12)


def operations() -> list[Operation]:
    from app import OPERATIONS

    return list(OPERATIONS)


def string_fields(operation: Operation) -> list[Field]:
    assert operation.request is not None
    return [f for f in operation.request.fields if f.kind is str]


def valid_body(operation: Operation) -> dict[str, Any]:
    assert operation.request is not None
    return {f.name: VALID.get(f.name, 1 if f.kind is int else "x") for f in operation.request.fields}


def with_text(text: st.SearchStrategy[str], bad: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Some text with one bad character somewhere in it."""
    return st.tuples(text, bad, text).map("".join)


def assert_problem(reply: Any, case: Any) -> dict[str, Any]:
    """A 4xx problem document."""
    assert 400 <= reply.status < 500, (case, reply.status, reply.raw[:300])
    assert (reply.header("Content-Type") or "").startswith("application/problem+json"), case
    body: dict[str, Any] = reply.json
    assert body["status"] == reply.status and body["code"] and body["detail"], (case, body)
    return body


def names_field(reply: Any, field: str, message: str, case: Any) -> None:
    body = problem(reply, 400, "validation_error", case)
    assert {"field": field, "message": message} in body["errors"], (case, body)


@pytest.fixture
def world(api: Any) -> dict[str, str]:
    """An admin with a token and one album: a target for every route and path."""
    token = api.signup("alice")["access_token"]
    services.accounts().grant("alice", "admin")
    album = create(api, token, PET_SOUNDS)
    return {"token": token, "album_id": album["album_id"], "username": "alice"}


def send(api: Any, world: dict[str, str], operation: Operation, body: Any, path: str | None = None) -> Any:
    path = path or operation.path.format(album_id=world["album_id"], username=world["username"])
    token = None if operation.auth == "public" else world["token"]
    return api.call(operation.method, path, body, token=token)


def body_fields() -> list[tuple[Operation, Field]]:
    """Every string field of every route that takes a body."""
    return [(o, f) for o in operations() if o.request is not None for f in string_fields(o)]


def test_any_field_of_any_route_with_a_lone_surrogate_is_400_naming_it(api: Any, world: dict[str, str]) -> None:
    for operation, field in body_fields():

        @FUZZ
        @given(text=with_text(plain, surrogates))
        def check(text: str) -> None:
            reply = send(api, world, operation, {**valid_body(operation), field.name: text})
            names_field(reply, field.name, NOT_TEXT, (operation.method, operation.path, field.name, ascii(text)))

        check()


def test_any_field_of_any_route_with_control_characters_is_a_4xx(api: Any, world: dict[str, str]) -> None:
    """One-line fields answer 400 naming the field; the others (password, code, token)
    may hold them and answer whatever their rules say: always a 4xx problem document."""
    for operation, field in body_fields():

        @FUZZ
        @given(text=with_text(visible, line_breakers))
        def check(text: str) -> None:
            case = (operation.method, operation.path, field.name, ascii(text))
            reply = send(api, world, operation, {**valid_body(operation), field.name: text})
            if field.one_line:
                names_field(reply, field.name, NOT_ONE_LINE, case)
            else:
                assert_problem(reply, case)

        check()


def test_the_one_line_fields_are_the_ones_api_md_names() -> None:
    from chalicelib.web import validation as v

    expected = {
        v.REGISTER: {"username", "email", "full_name"},
        v.LOGIN: {"username"},  # the username or the email
        v.RESEND_CODE: {"username"},
        v.FORGOT_PASSWORD: {"username"},
        v.CONFIRM: {"username"},
        v.PROFILE_UPDATE: {"full_name"},
        v.ALBUM_CREATE: {"title", "artist", "genre"},
        v.ALBUM_REPLACE: {"title", "artist", "genre"},
        v.ALBUM_PATCH: {"title", "artist", "genre"},
    }
    for model, names in expected.items():
        assert {f.name for f in model.fields if f.one_line} == names, model.name
        for name in names:
            schema = model.by_name[name].json_schema()
            # The OpenAPI document says so too: a pattern, or the email format.
            assert schema.get("format") == "email" or "pattern" in schema, (model.name, name, schema)
    assert ONE_LINE_RE.fullmatch("Zoë Ðorđević, Jr.") is not None
    for breaker in ("\n", "\r", "\t", "\x00", "\x85", "\u2028", "\u2029", "a\n"):
        assert ONE_LINE_RE.fullmatch(breaker) is None, ascii(breaker)


def test_surrogates_in_nested_values_and_keys_are_400(api: Any, world: dict[str, str]) -> None:
    for bad in ("\ud800", "ok\udfffok", "\udbff"):
        check_nested(api, world, bad)


def check_nested(api: Any, world: dict[str, str], bad: str) -> None:
    login = next(o for o in operations() if o.path == "/auth/login")
    # In a list (a wrong type as well: the text rule is checked first).
    reply = send(api, world, login, {"username": ["x", bad], "password": STRONG_PASSWORD})
    names_field(reply, "username", NOT_TEXT, bad)
    # As a key: named with U+FFFD for each surrogate, never echoed as is.
    reply = send(api, world, login, {"username": "alice", "password": STRONG_PASSWORD, bad: 1})
    body = problem(reply, 400, "validation_error", bad)
    assert body["errors"] == [
        {"field": bad.translate({c: "\ufffd" for c in range(0xD800, 0xE000)}), "message": NOT_TEXT}
    ]
    # Deep in an object.
    reply = send(api, world, login, {"username": {"a": [{"b": bad}]}, "password": STRONG_PASSWORD})
    names_field(reply, "username", NOT_TEXT, bad)


def path_cases(operation: Operation) -> list[tuple[str, str, str]]:
    """(parameter, path, as sent) with a lone surrogate in one path parameter."""
    cases = []
    for name in ("album_id", "username"):
        if "{" + name + "}" in operation.path:
            for bad in ("\ud800", "al\udcffice"):
                for encoded in (bad, quote(bad)):
                    values = {"album_id": "1", "username": "alice", name: encoded}
                    cases.append((name, operation.path.format(**values), "raw" if encoded == bad else "quoted"))
    return cases


def test_a_lone_surrogate_in_a_path_parameter_is_400_naming_it(api: Any, world: dict[str, str]) -> None:
    """A surrogate that reaches the app (a Lambda event is JSON: it may carry "\\ud800")
    is a 400 naming the parameter; %ED%A0%80, which chalice local and the test client
    hand over undecoded, is just an id that does not exist: some 4xx."""
    for operation in operations():
        route = f"{operation.method} {operation.path}"
        body = valid_body(operation) if operation.request is not None else None
        for name, path, sent in path_cases(operation):
            reply = send(api, world, operation, body, path)
            if sent == "raw":
                names_field(reply, name, NOT_TEXT, (route, ascii(path)))
            else:
                assert_problem(reply, (route, path))


def test_a_lone_surrogate_in_a_query_string_is_400_naming_it(api: Any, world: dict[str, str]) -> None:
    for operation in operations():
        if operation.method == "GET":
            check_query(api, world, operation)


def quote(text: str) -> str:
    return urllib.parse.quote(text, errors="surrogatepass")  # a surrogate as its UTF-8-like bytes


def check_query(api: Any, world: dict[str, str], operation: Operation) -> None:
    route = f"{operation.method} {operation.path}"
    base = operation.path.format(album_id=world["album_id"], username=world["username"])
    for name, value in (("limit", "\ud800"), ("next", "a\udc80b"), ("\ud800", "1")):
        reply = send(api, world, operation, None, f"{base}?{name}={value}")
        printable = name.translate({c: "\ufffd" for c in range(0xD800, 0xE000)})
        names_field(reply, printable, NOT_TEXT, (route, ascii(name), ascii(value)))
        # %-encoded, the query is decoded with U+FFFD for the bad bytes: valid text, so
        # whatever the parameter's own rule says, and never a 5xx.
        quoted = f"{base}?{quote(name)}={quote(value)}"
        reply = send(api, world, operation, None, quoted)
        assert reply.status < 500, (route, quoted, reply.status, reply.raw[:300])


def test_the_routes_the_review_found_answer_400_not_500(api: Any, world: dict[str, str]) -> None:
    """The review's own requests, one by one."""
    cases = [
        ("/auth/login", {"username": "\ud800", "password": STRONG_PASSWORD}, "username"),
        ("/auth/login", {"username": "alice", "password": "\ud800" * 15}, "password"),
        ("/auth/forgot-password", {"username": "\ud800"}, "username"),
        ("/auth/resend-code", {"username": "\ud800"}, "username"),
        ("/auth/register", {"username": "bob", "email": "b@example.com", "password": "\ud800" * 16}, "password"),
        (
            "/auth/register",
            {"username": "bob", "email": "b@example.com", "password": STRONG_PASSWORD, "full_name": "B\ud800b"},
            "full_name",
        ),
    ]
    for path, body, field in cases:
        names_field(api.post(path, body), field, NOT_TEXT, (path, field))
