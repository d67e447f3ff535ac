from chalicelib.core import password_policy as passwords
from chalicelib.core.password_policy import password_problems
from chalicelib.identity.builtin.hashing import PasswordHasher, make_context


def test_blocklist_is_large_and_lowercase():
    words = passwords.common_passwords()
    assert len(words) >= 10_000
    assert "password" in words and "123456" in words


def test_common_long_password_is_refused():
    problems = password_problems("passwordpassword", "alice", "alice@example.com")
    assert [p.message for p in problems] == ["is too common; choose a less predictable password"]


def test_blocklist_is_case_insensitive():
    assert password_problems("PasswordPassword", "alice", None)


def test_password_containing_username_or_email_name_is_refused():
    assert password_problems("my name is alice and more", "alice", "x@example.com")
    assert password_problems("hello from ALICE.B, friends", "bob", "alice.b@example.com")
    assert not password_problems("violet tangerine harbor", "alice", "alice@example.com")


def test_length_rules():
    assert password_problems("short", "alice", None)[0].message == "must be 15 to 128 characters"
    assert password_problems("é" * 129, "alice", None)
    assert not password_problems("é" * 128, "alice", None)


def test_field_name_is_reported():
    assert password_problems("x", "alice", None, field="new_password")[0].field == "new_password"


def test_hash_is_argon2id_with_owasp_parameters():
    hashed = PasswordHasher().hash("violet tangerine harbor")
    assert hashed.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in hashed


def test_verify_and_rehash_when_parameters_grow():
    weak = PasswordHasher(make_context(memory_kib=8 * 1024, rounds=1))
    old_hash = weak.hash("violet tangerine harbor")
    ok, new_hash = PasswordHasher().verify("violet tangerine harbor", old_hash)
    assert ok and new_hash is not None and "m=19456,t=2" in new_hash
    ok, new_hash = PasswordHasher().verify("wrong password here", old_hash)
    assert not ok and new_hash is None


def test_current_hash_needs_no_update():
    hasher = PasswordHasher()
    assert hasher.verify("violet tangerine harbor", hasher.hash("violet tangerine harbor")) == (True, None)
