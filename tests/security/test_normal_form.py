"""Security review: spelling variants of a name got past the lockout and throttles
(they used `strip().lower()`, the email claim `casefold()`): a long s and an "st"
ligature signed in while the plain address was locked, and drew 7 reset mails in 30 s.

docs/api.md: one normal form everywhere (uniqueness, sign-in, lockout, throttles, code
limits): NFKC, then case-folded (chalicelib/core/identifiers.py).
"""

from __future__ import annotations

import string
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.identifiers import normal_form
from chalicelib.storage.users import email_key
from tests.support.api import STRONG_PASSWORD, read_mail
from tests.support.problems import assert_problem

PLAIN = "sam.stone@example.com"
LONG_S = "\u017fam.\ufb06one@example.com"  # a long s, and an "st" ligature
FULL_WIDTH = "\uff33\uff41\uff4d.\uff53\uff54\uff4f\uff4e\uff45@example.com"  # "Sam.stone", full width
VARIANTS = [LONG_S, FULL_WIDTH, "SAM.Stone@Example.COM"]
WRONG = "not the password at all"


def recipient(message: Message) -> str:
    """The To address as typed (a non-ASCII local part comes RFC 2047-encoded)."""
    return str(make_header(decode_header(str(message["To"])))).replace(" ", "")


def test_variants_share_one_normal_form():
    assert {normal_form(v) for v in [PLAIN, *VARIANTS, f"  {PLAIN} "]} == {PLAIN}
    assert normal_form("\uff21\uff2c\uff29\uff23\uff25") == "alice"  # a full-width username
    assert normal_form("Stra\u00dfe") == "strasse"


@given(st.text())
def test_the_normal_form_of_a_normal_form_is_itself(text):
    assert normal_form(normal_form(text)) == normal_form(text)


@given(st.text(alphabet=string.ascii_letters + string.digits + "._-+@", max_size=60))
def test_claims_stored_before_keep_their_key_for_ascii_addresses(address):
    # Email claims written before this change were keyed by casefold() alone: for the
    # addresses NFKC leaves alone (all ASCII ones), the key is the same.
    assert email_key(address) == {"pk": {"S": f"EMAIL#{address.strip().casefold()}"}, "sk": {"S": "EMAIL"}}


def test_a_variant_is_locked_when_the_address_is(api):
    api.signup("sam", email=PLAIN)
    for _ in range(5):
        assert_problem(api.post("/auth/login", {"username": PLAIN, "password": WRONG}), 401, "invalid_credentials")
    for variant in VARIANTS:
        reply = api.post("/auth/login", {"username": variant, "password": STRONG_PASSWORD})
        assert_problem(reply, 429, "too_many_attempts")
        assert int(reply.header("Retry-After")) >= 1


def test_a_variant_signs_in_as_the_account(api):
    api.signup("sam", email=PLAIN)
    for name in [*VARIANTS, "\uff33\uff21\uff2d"]:  # ... and "SAM", full width
        reply = api.post("/auth/login", {"username": name, "password": STRONG_PASSWORD})
        assert reply.status == 200 and reply.json["token_type"] == "Bearer", (name, reply.json)


def test_a_variant_shares_the_mail_throttle(api):
    api.signup("sam", email=PLAIN)
    assert api.post("/auth/forgot-password", {"username": PLAIN}).status == 202
    for variant in VARIANTS:
        reply = api.post("/auth/forgot-password", {"username": variant})
        assert_problem(reply, 429, "too_many_requests")
        assert int(reply.header("Retry-After")) >= 1
    assert len([m for m in read_mail(api.outbox) if "reset code" in str(m["Subject"])]) == 1


def test_sign_up_with_a_variant_of_a_taken_address_is_treated_as_taken(api: Any):
    api.signup("sam", email=PLAIN)
    for i, variant in enumerate(VARIANTS):
        name = f"twin{i}"
        reply = api.register(name, variant)
        assert reply.status == 201 and reply.json == {
            "username": name,
            "email": variant,
            "full_name": None,
            "status": "UNCONFIRMED",
        }, reply.json
        notices = [m for m in read_mail(api.outbox) if recipient(m) == variant]
        assert notices and "Someone tried to sign up" in str(notices[-1]["Subject"]), variant
        # No account was made: the name does not sign in, not even with the password.
        assert_problem(
            api.post("/auth/login", {"username": name, "password": STRONG_PASSWORD}), 401, "invalid_credentials"
        )
