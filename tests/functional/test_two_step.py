"""Two-step sign-in (docs/api.md "Two-step sign-in"), the contract on both identity backends."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from chalicelib import services
from tests.support.api import STRONG_PASSWORD
from tests.support.problems import assert_problem
from tests.support.two_step import RECOVERY_RE, Authenticator, enable, mails_with_subject

# Authenticator steps come in virtual time: no real half-minute waits (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("virtual_time")

TOKEN_KEYS = {"id_token", "access_token", "refresh_token", "expires_in", "token_type"}


def login(api: Any, name: str = "alice", password: str = STRONG_PASSWORD, **extra: str) -> Any:
    return api.post("/auth/login", {"username": name, "password": password, **extra})


def challenge(api: Any, name: str = "alice") -> str:
    reply = login(api, name)
    assert reply.status == 200, reply.json
    assert set(reply.json) == {"challenge", "session", "expires_in"}  # and no tokens
    assert reply.json["challenge"] == "totp" and 0 < reply.json["expires_in"] <= 300
    return str(reply.json["session"])


def profile_mfa(api: Any, token: str) -> dict[str, Any]:
    reply = api.get("/users/me", token)
    assert reply.status == 200
    return dict(reply.json["mfa"])


@pytest.fixture
def alice(api: Any) -> str:
    return str(api.signup("alice")["access_token"])


# -- turning it on ------------------------------------------------------------------------


def test_enrol_gives_a_secret_and_an_otpauth_uri(api, alice):
    reply = api.post("/users/me/mfa/totp", token=alice)
    assert reply.status == 201
    assert set(reply.json) == {"secret", "otpauth_uri"}
    secret = reply.json["secret"]
    assert re.fullmatch(r"[A-Z2-7]+=*", secret) and len(base64.b32decode(secret + "=" * (-len(secret) % 8))) >= 20
    uri = urlparse(reply.json["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp" and uri.path == "/Bandstand:alice"
    assert parse_qs(uri.query)["secret"] == [secret] and parse_qs(uri.query)["issuer"] == ["Bandstand"]
    assert reply.header("Cache-Control") == "no-store"
    assert profile_mfa(api, alice) == {"totp": False, "recovery_codes_left": 0}  # pending is not on
    assert login(api).json.keys() == TOKEN_KEYS


def test_verify_turns_it_on_with_ten_recovery_codes(api, alice, identity_backend):
    assert_problem(api.post("/users/me/mfa/totp/verify", {"code": "123456"}, alice), 409, "no_pending_authenticator")
    app = Authenticator(api.post("/users/me/mfa/totp", token=alice).json["secret"], identity_backend)
    assert_problem(api.post("/users/me/mfa/totp/verify", {"code": app.wrong_code()}, alice), 400, "invalid_code")
    assert_problem(api.post("/users/me/mfa/totp/verify", {"code": "12ab56"}, alice), 400, "validation_error")
    reply = api.post("/users/me/mfa/totp/verify", {"code": app.code()}, alice)
    assert reply.status == 200 and set(reply.json) == {"recovery_codes"}
    codes = reply.json["recovery_codes"]
    assert len(codes) == 10 == len(set(codes)) and all(RECOVERY_RE.fullmatch(c) for c in codes)
    assert profile_mfa(api, alice) == {"totp": True, "recovery_codes_left": 10}
    assert_problem(api.post("/users/me/mfa/totp", token=alice), 409, "mfa_already_on")
    assert_problem(api.post("/users/me/mfa/totp/verify", {"code": "123456"}, alice), 409, "no_pending_authenticator")
    assert mails_with_subject(api.outbox, "alice@example.com", "Two-step sign-in is on")
    # Neither the secret nor a code is in any mail.
    for body in mails_with_subject(api.outbox, "alice@example.com", "Two-step sign-in is on"):
        assert app.secret not in body and not any(c in body for c in codes)


# -- signing in ---------------------------------------------------------------------------


def test_sign_in_asks_for_the_code_then_gives_tokens(api, alice, identity_backend):
    app, _ = enable(api, alice, identity_backend)
    assert_problem(login(api, password="not the password at all"), 401, "invalid_credentials")
    session = challenge(api)
    challenge(api, "alice@example.com")  # by email too
    reply = api.post("/auth/login/mfa", {"session": session, "code": app.code()})
    assert reply.status == 200 and set(reply.json) == TOKEN_KEYS
    assert api.get("/users/me", reply.json["access_token"]).status == 200
    assert api.post("/auth/refresh", {"refresh_token": reply.json["refresh_token"]}).status == 200


def test_a_code_is_accepted_once(api, alice, identity_backend):
    app, _ = enable(api, alice, identity_backend)
    code = app.code()
    assert api.post("/auth/login/mfa", {"session": challenge(api), "code": code}).status == 200
    assert_problem(api.post("/auth/login/mfa", {"session": challenge(api), "code": code}), 400, "invalid_code")
    assert_problem(api.post("/users/me/mfa/recovery-codes", {"code": code}, alice), 400, "invalid_code")
    assert_problem(api.delete("/users/me/mfa", alice, body={"code": code}), 400, "invalid_code")


def test_a_session_allows_five_wrong_codes_which_count_toward_the_lock(api, alice, identity_backend):
    app, _ = enable(api, alice, identity_backend)
    session = challenge(api)
    for _ in range(5):
        assert_problem(api.post("/auth/login/mfa", {"session": session, "code": app.wrong_code()}), 400, "invalid_code")
    # Five failures lock the name for a moment, as five wrong passwords would.
    locked = login(api)
    assert_problem(locked, 429, "too_many_attempts")
    assert locked.header("Retry-After")
    # The session is spent: even the right code is refused.
    assert_problem(api.post("/auth/login/mfa", {"session": session, "code": app.code()}), 401, "invalid_session")


def test_an_unknown_or_forged_session_is_invalid(api, alice, identity_backend):
    enable(api, alice, identity_backend)
    for session in ("nonsense", "alice." + "A" * 43, "bob." + "A" * 43, challenge(api) + "x"):
        assert_problem(api.post("/auth/login/mfa", {"session": session, "code": "123456"}), 401, "invalid_session")


def test_a_session_expires(api, alice, identity_backend, clock):
    app, _ = enable(api, alice, identity_backend)
    session = challenge(api)
    clock.advance(301)
    assert_problem(api.post("/auth/login/mfa", {"session": session, "code": app.code()}), 401, "invalid_session")


def test_a_recovery_code_with_the_password_signs_in_once(api, alice, identity_backend):
    _, codes = enable(api, alice, identity_backend)
    typed = codes[0].upper().replace("-", "")  # case and the dash are ignored
    reply = login(api, recovery_code=typed)
    assert reply.status == 200 and set(reply.json) == TOKEN_KEYS
    assert profile_mfa(api, reply.json["access_token"]) == {"totp": True, "recovery_codes_left": 9}
    used = mails_with_subject(api.outbox, "alice@example.com", "A recovery code was used to sign in")
    assert len(used) == 1 and "9 recovery codes left" in used[0] and codes[0] not in used[0]
    assert_problem(login(api, recovery_code=codes[0]), 400, "invalid_code")  # used up
    assert_problem(login(api, recovery_code="aaaaa-aaaaa"), 400, "invalid_code")
    # A wrong password answers as without two-step sign-in, and uses no code.
    assert_problem(login(api, password="not the password at all", recovery_code=codes[1]), 401, "invalid_credentials")
    assert login(api, recovery_code=codes[1]).status == 200
    challenge(api)  # two-step stays on


# -- with it on ---------------------------------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(api, alice, identity_backend):
    app, old = enable(api, alice, identity_backend)
    assert_problem(api.post("/users/me/mfa/recovery-codes", {"code": app.wrong_code()}, alice), 400, "invalid_code")
    reply = api.post("/users/me/mfa/recovery-codes", {"code": app.code()}, alice)
    assert reply.status == 200 and len(reply.json["recovery_codes"]) == 10
    new = reply.json["recovery_codes"]
    assert not set(new) & set(old)
    assert_problem(login(api, recovery_code=old[0]), 400, "invalid_code")
    assert login(api, recovery_code=new[0]).status == 200


def test_turn_off_with_a_code(api, alice, identity_backend):
    assert_problem(api.delete("/users/me/mfa", alice, body={"code": "123456"}), 409, "mfa_off")
    app, _ = enable(api, alice, identity_backend)
    assert_problem(api.delete("/users/me/mfa", alice, body={}), 400, "validation_error")
    assert_problem(
        api.delete("/users/me/mfa", alice, body={"code": "123456", "recovery_code": "aaaaa-aaaaa"}),
        400,
        "validation_error",
    )
    assert_problem(api.delete("/users/me/mfa", alice, body={"code": app.wrong_code()}), 400, "invalid_code")
    reply = api.delete("/users/me/mfa", alice, body={"code": app.code()})
    assert reply.status == 204 and reply.raw == b""
    assert set(login(api).json) == TOKEN_KEYS  # the password alone again
    assert profile_mfa(api, alice) == {"totp": False, "recovery_codes_left": 0}
    assert mails_with_subject(api.outbox, "alice@example.com", "Two-step sign-in is off")
    assert_problem(api.post("/users/me/mfa/recovery-codes", {"code": app.code()}, alice), 409, "mfa_off")
    # It can be turned on again, with a new authenticator.
    enable(api, alice, identity_backend)
    challenge(api)


def test_turn_off_with_a_recovery_code(api, alice, identity_backend):
    _, codes = enable(api, alice, identity_backend)
    assert_problem(api.delete("/users/me/mfa", alice, body={"recovery_code": "aaaaa-aaaaa"}), 400, "invalid_code")
    assert api.delete("/users/me/mfa", alice, body={"recovery_code": codes[3]}).status == 204
    assert set(login(api).json) == TOKEN_KEYS


def test_an_admin_turns_it_off_for_a_user(api, alice, identity_backend):
    enable(api, alice, identity_backend)
    mallory = api.signup("mallory")["access_token"]
    assert_problem(api.delete("/users/alice/mfa", mallory), 403, "forbidden")
    api.signup("root")
    services.accounts().grant("root", "admin")
    admin = login(api, "root").json["access_token"]
    for name in ("nobody", "x" * 300, "not%20a%20name"):
        assert_problem(api.delete(f"/users/{name}/mfa", admin), 404, "not_found")
    assert api.delete("/users/alice/mfa", admin).status == 204
    assert set(login(api).json) == TOKEN_KEYS
    assert mails_with_subject(api.outbox, "alice@example.com", "Two-step sign-in was turned off by an administrator")
    assert api.delete("/users/mallory/mfa", admin).status == 204  # off already: nothing to do, no mail
    assert not mails_with_subject(
        api.outbox, "mallory@example.com", "Two-step sign-in was turned off by an administrator"
    )


def test_nothing_secret_in_the_profile_or_errors(api, alice, identity_backend):
    app, codes = enable(api, alice, identity_backend)
    texts = [
        api.get("/users/me", alice).raw.decode(),
        api.post("/auth/login/mfa", {"session": challenge(api), "code": app.wrong_code()}).raw.decode(),
        login(api, recovery_code="aaaaa-aaaaa").raw.decode(),
        api.post("/users/me/mfa/totp", token=alice).raw.decode(),
    ]
    for text in texts:
        assert app.secret not in text and not any(c in text for c in codes)


def test_wrong_codes_of_a_signed_in_caller_count_toward_the_lock(api, alice, identity_backend):
    """A stolen access token cannot try authenticator codes without end."""
    app, codes = enable(api, alice, identity_backend)
    for _ in range(3):
        assert_problem(api.delete("/users/me/mfa", alice, body={"code": app.wrong_code()}), 400, "invalid_code")
    for _ in range(2):
        refused = api.post("/users/me/mfa/recovery-codes", {"code": app.wrong_code()}, alice)
        assert_problem(refused, 400, "invalid_code")
    locked = api.delete("/users/me/mfa", alice, body={"recovery_code": codes[0]})  # even a right one, for now
    assert_problem(locked, 429, "too_many_attempts")
    assert locked.header("Retry-After")
    assert_problem(login(api), 429, "too_many_attempts")  # the same lock as sign-in's
    assert profile_mfa(api, alice) == {"totp": True, "recovery_codes_left": 10}
