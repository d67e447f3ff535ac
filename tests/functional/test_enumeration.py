"""Accounts cannot be discovered (docs/api.md, "Accounts cannot be discovered by email"):
sign-up with a taken address, lockout per identifier as typed, and the mail throttle.
These replace the retired rules (409 email_taken, a lockout only for existing users, a
silent one-minute resend limit)."""

import pytest

from chalicelib import services
from tests.support.api import STRONG_PASSWORD, read_mail
from tests.support.problems import assert_problem

WRONG = "not the password at all"


# -- sign-up with an address that has an account ---------------------------------------


def test_taken_email_answers_like_a_fresh_sign_up(api):
    api.signup("erin", email="erin@example.com")
    fresh = api.register("fresh", "fresh@example.com", full_name="Fresh Name")
    taken = api.register("erin2", "ERIN@Example.COM", full_name="Fresh Name")
    assert fresh.status == taken.status == 201
    assert taken.json == {
        "username": "erin2",
        "email": "ERIN@Example.COM",
        "full_name": "Fresh Name",
        "status": "UNCONFIRMED",
    }
    assert set(taken.json) == set(fresh.json)
    assert taken.header("content-type") == fresh.header("content-type")


def test_taken_email_creates_nothing_and_mails_the_owner_a_notice(api):
    api.signup("erin", email="erin@example.com")
    before = len(read_mail(api.outbox))
    api.register("erin2", "Erin@Example.com")
    mails = read_mail(api.outbox)[before:]
    assert len(mails) == 1
    notice = mails[0]
    assert notice["To"] == "Erin@Example.com"
    assert "tried to sign up" in str(notice["Subject"])
    text = notice.get_payload(decode=True).decode()
    assert "signin.html" in text and "forgot.html" in text
    assert "code" not in str(notice["Subject"]).lower()
    # no account was made: nothing to confirm, nobody to sign in; the name is held as a
    # fresh sign-up holds it (docs/api.md), so a repeat is 409 as for a fresh address
    assert_problem(api.post("/auth/confirm", {"username": "erin2", "code": "123456"}), 400, "invalid_code")
    assert_problem(
        api.post("/auth/login", {"username": "erin2", "password": STRONG_PASSWORD}), 401, "invalid_credentials"
    )
    assert_problem(api.register("erin2", "erin2@example.com"), 409, "username_taken")
    # the owner's account is untouched
    assert api.post("/auth/login", {"username": "erin@example.com", "password": STRONG_PASSWORD}).status == 200


def test_taken_username_is_still_a_conflict(api):
    api.register("gail", "gail@example.com")
    body = assert_problem(api.register("GAIL", "other@example.com"), 409, "username_taken")
    assert body["errors"] == [{"field": "username", "message": "already taken"}]


def test_taken_email_still_checks_the_password_rules(api):
    api.register("hank", "hank@example.com")
    assert_problem(api.register("hank2", "hank@example.com", password="short"), 400, "validation_error")


# -- lockout per identifier as typed ---------------------------------------------------


@pytest.mark.parametrize("name", ["ghost", "Ghost@Example.com"])
def test_unknown_identifiers_lock_exactly_like_known_ones(api, clock, name):
    api.signup("known")
    for who in (name, "known"):
        for _ in range(5):
            assert_problem(api.post("/auth/login", {"username": who, "password": WRONG}), 401, "invalid_credentials")
        locked = api.post("/auth/login", {"username": who, "password": WRONG})
        assert_problem(locked, 429, "too_many_attempts")
        assert locked.header("retry-after") == "1"
    clock.advance(1)
    for who in (name, "known"):
        assert_problem(api.post("/auth/login", {"username": who, "password": WRONG}), 401, "invalid_credentials")
        assert api.post("/auth/login", {"username": who, "password": WRONG}).header("retry-after") == "2"


def test_failures_count_per_identifier_as_typed(api):
    api.signup("olga")
    for _ in range(5):
        api.post("/auth/login", {"username": "OLGA@example.com", "password": WRONG})
    by_email = api.post("/auth/login", {"username": "olga@EXAMPLE.com", "password": STRONG_PASSWORD})
    assert_problem(by_email, 429, "too_many_attempts")  # the same identifier, lower-cased
    assert api.post("/auth/login", {"username": "olga", "password": STRONG_PASSWORD}).status == 200


def test_a_locked_identifier_refuses_even_the_right_password(api, clock):
    api.signup("pete")
    for _ in range(5):
        api.post("/auth/login", {"username": "pete", "password": WRONG})
    assert_problem(api.post("/auth/login", {"username": "pete", "password": STRONG_PASSWORD}), 429, "too_many_attempts")
    clock.advance(1)
    assert api.post("/auth/login", {"username": "pete", "password": STRONG_PASSWORD}).status == 200


# -- one resend-code / forgot-password per identifier every 30 s -----------------------


def test_resend_right_after_sign_up_sends_a_new_code(api):
    api.register("jill")
    first = api.code_for("jill@example.com")
    assert api.post("/auth/resend-code", {"username": "jill"}).status == 202
    mails = [m for m in read_mail(api.outbox) if m["To"] == "jill@example.com"]
    assert len(mails) == 2
    second = api.code_for("jill@example.com")
    assert api.post("/auth/confirm", {"username": "jill", "code": second}).status == 200
    assert first  # the first code was mailed too; the newest one is the one that counts


@pytest.mark.parametrize("path", ["/auth/resend-code", "/auth/forgot-password"])
@pytest.mark.parametrize("name", ["kim", "nobody", "nobody@example.com"])
def test_a_second_request_within_30_s_is_429_for_known_and_unknown(api, clock, path, name):
    api.signup("kim")
    assert api.post(path, {"username": name}).status == 202
    clock.advance(10)
    again = api.post(path, {"username": name.upper()})
    body = assert_problem(again, 429, "too_many_requests")
    assert again.header("retry-after") == "20"
    assert "20 seconds" in body["detail"]
    clock.advance(20)
    assert api.post(path, {"username": name}).status == 202


def test_the_throttle_is_per_identifier_and_per_kind(api, clock):
    api.signup("lena")
    assert api.post("/auth/forgot-password", {"username": "lena"}).status == 202
    assert api.post("/auth/forgot-password", {"username": "lena@example.com"}).status == 202
    assert api.post("/auth/resend-code", {"username": "lena"}).status == 202
    assert api.post("/auth/forgot-password", {"username": "lena"}).status == 429


def test_throttled_requests_send_nothing(api, clock):
    api.register("mona")
    api.post("/auth/resend-code", {"username": "mona"})
    before = len(read_mail(api.outbox))
    assert api.post("/auth/resend-code", {"username": "mona"}).status == 429
    assert len(read_mail(api.outbox)) == before


# -- equal time: every enumeration-sensitive answer waits out the same floor -------------


@pytest.mark.parametrize(
    "request_",
    [
        ("/auth/register", {"username": "fresh", "email": "fresh@example.com", "password": STRONG_PASSWORD}),
        ("/auth/register", {"username": "fresh", "email": "ERIN@example.com", "password": STRONG_PASSWORD}),
        ("/auth/resend-code", {"username": "erin"}),
        ("/auth/resend-code", {"username": "nobody"}),
        ("/auth/forgot-password", {"username": "erin"}),
        ("/auth/forgot-password", {"username": "nobody@example.com"}),
    ],
    ids=["register-fresh", "register-taken", "resend-known", "resend-unknown", "forgot-known", "forgot-unknown"],
)
def test_known_and_unknown_wait_out_the_same_floor(api, request_):
    api.register("erin", "erin@example.com")  # unconfirmed: resend-code has a code to send
    accounts = services.accounts()
    slept: list[float] = []
    accounts._floor, accounts._sleep = 30.0, slept.append
    path, body = request_
    assert api.post(path, body).status in (201, 202)
    assert len(slept) == 1 and 29 < slept[0] <= 30  # the rest of the floor, whatever the path
