"""Security review: a full name with newlines landed verbatim in the code mail, to
whatever address was typed: a fake "security team" paragraph above a real code.

One-line fields (username, email, full_name, album fields) refuse control characters and
line/paragraph separators (400 naming the field), on both backends; and the mail itself
puts a name on one line whatever the record holds."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import services
from chalicelib.core.config import get_settings
from chalicelib.core.mail import code_message, one_line
from chalicelib.storage.dynamo import s
from chalicelib.storage.users import user_key
from tests.support.album_api import problem
from tests.support.api import STRONG_PASSWORD, read_mail

NOT_ONE_LINE = "must be one line of text, without control characters"
PHISH = "Sam\n\nSecurity team: your account is at risk. Reply with your password.\n\n"
BREAKERS = ["\n", "\r", "\r\n", "\t", "\x00", "\x0b", "\x1b[2J", "\x85", "\u2028", "\u2029", "\x7f"]


def names_field(reply: Any, field: str, case: Any = None) -> None:
    body = problem(reply, 400, "validation_error", case)
    assert {"field": field, "message": NOT_ONE_LINE} in body["errors"], (case, body)


def register(api: Any, **fields: Any) -> Any:
    body = {"username": "sam", "email": "sam@example.com", "password": STRONG_PASSWORD, **fields}
    return api.post("/auth/register", body)


def test_a_full_name_with_a_paragraph_is_refused_and_nothing_is_mailed(api: Any) -> None:
    names_field(register(api, full_name=PHISH), "full_name")
    assert read_mail(api.outbox) == []  # no account, no mail
    reply = api.post("/auth/login", {"username": "sam", "password": STRONG_PASSWORD})
    problem(reply, 401, "invalid_credentials")


@pytest.mark.parametrize("breaker", BREAKERS, ids=ascii)
def test_every_one_line_field_of_sign_up_refuses_line_breaks(api: Any, breaker: str) -> None:
    cases = {
        "full_name": f"Sam{breaker}Stone",
        "username": f"sam{breaker}x",
        "email": f"sam{breaker}@example.com",
    }
    for field, value in cases.items():
        names_field(register(api, **{field: value}), field, (field, ascii(value)))
    assert read_mail(api.outbox) == []


def test_profile_and_album_fields_refuse_line_breaks(api: Any) -> None:
    token = api.signup("sam")["access_token"]
    services.accounts().grant("sam", "admin")
    for breaker in BREAKERS:
        names_field(api.patch("/users/me", {"full_name": f"Sam{breaker}"}, token=token), "full_name", ascii(breaker))
        album = {"rank": 1, "title": "Blue", "artist": "Joni Mitchell", "year": 1971, "genre": "Folk"}
        for field in ("title", "artist", "genre"):
            reply = api.post("/albums", {**album, field: f"x{breaker}y"}, token=token)
            names_field(reply, field, (field, ascii(breaker)))
    assert api.get("/users/me", token=token).json["full_name"] is None
    # Plain text of any script stays welcome.
    reply = api.patch("/users/me", {"full_name": "Zoë Ðorđević-Ōtsuka 李小龍"}, token=token)
    assert reply.status == 200 and reply.json["full_name"] == "Zoë Ðorđević-Ōtsuka 李小龍"


def test_a_stored_name_with_newlines_is_mailed_on_one_line(api: Any, aws: Any) -> None:
    """A record written before the rule (or by another path): the mail still greets on
    one line, so the name cannot open a paragraph above the code."""
    assert register(api, full_name="Sam Stone").status == 201
    aws.update_item(
        TableName=get_settings().users_table,
        Key=user_key("sam"),
        UpdateExpression="SET full_name = :n",
        ExpressionAttributeValues={":n": s(PHISH + "\u2028Kind regards")},
    )
    assert api.post("/auth/resend-code", {"username": "sam"}).status == 202
    mails = [m for m in read_mail(api.outbox) if "verification code" in str(m["Subject"])]
    payload = mails[-1].get_payload(decode=True)
    assert isinstance(payload, bytes)
    text = payload.decode()
    lines = text.splitlines()
    assert lines[0] == "Hello Sam Security team: your account is at risk. Reply with your password. Kind regards,"
    assert not any(line.startswith("Security team") for line in lines)
    assert "\u2028" not in text


# -- the mail text itself ------------------------------------------------------------------


@pytest.mark.parametrize("purpose", ["confirm", "reset"])
def test_code_mail_puts_any_name_on_one_line(purpose: str) -> None:
    _, clean = code_message(purpose, "Sam Stone", "123456")
    for breaker in [*"\n\r\t\x00\x0b\x1b\x85\u2028\u2029\x7f", "\r\n", "\u202e", "\u2066"]:
        _, body = code_message(purpose, f"Sam{breaker}{breaker}Stone{breaker}", "123456")
        assert body == clean, ascii(breaker)
    _, body = code_message(purpose, PHISH, "123456")
    assert len(body.splitlines()) == len(clean.splitlines())
    assert body.splitlines()[0].startswith("Hello Sam Security team:")


def test_one_line_keeps_text_and_bounds_it() -> None:
    assert one_line("  Zoë\n\n Ðorđević  ") == "Zoë Ðorđević"
    assert one_line("x" * 500) == "x" * 100
    assert one_line("a\ud800b") == "a b"  # a lone surrogate could not even be encoded
    assert one_line("\n\t") == ""
    _, body = code_message("confirm", "\n\t", "123456")
    assert body.startswith("Hello there,\n")
