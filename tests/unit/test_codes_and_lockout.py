from chalicelib.identity.builtin import codes
from chalicelib.usecases.accounts import lock_seconds

KEY = "k" * 40


def test_codes_are_six_digits_and_stored_hashed():
    code, stored = codes.issue(KEY, "alice", "confirm", now=1000)
    assert len(code) == 6 and code.isdigit()
    assert code not in stored.digest
    assert stored.expires_at == 1000 + 24 * 3600


def test_reset_codes_live_an_hour():
    _, stored = codes.issue(KEY, "alice", "reset", now=1000)
    assert stored.expires_at == 1000 + 3600


def test_right_code_wrong_code_and_expiry():
    code, stored = codes.issue(KEY, "alice", "confirm", now=1000)
    assert codes.check(KEY, "alice", stored, "confirm", code, now=1001) == codes.CodeCheck.OK
    wrong = "000000" if code != "000000" else "111111"
    assert codes.check(KEY, "alice", stored, "confirm", wrong, now=1001) == codes.CodeCheck.WRONG
    assert codes.check(KEY, "alice", stored, "confirm", code, now=1000 + 24 * 3600) == codes.CodeCheck.EXPIRED


def test_code_is_bound_to_user_and_purpose():
    code, stored = codes.issue(KEY, "alice", "confirm", now=1000)
    assert codes.check(KEY, "bob", stored, "confirm", code, now=1001) == codes.CodeCheck.WRONG
    assert codes.check(KEY, "alice", stored, "reset", code, now=1001) == codes.CodeCheck.WRONG
    assert codes.check(KEY, "alice", None, "confirm", code, now=1001) == codes.CodeCheck.WRONG


def test_five_wrong_tries_lock_the_code():
    code, stored = codes.issue(KEY, "alice", "confirm", now=1000)
    tired = codes.StoredCode(stored.purpose, stored.digest, stored.expires_at, tries=5)
    assert codes.check(KEY, "alice", tired, "confirm", code, now=1001) == codes.CodeCheck.LOCKED
    four = codes.StoredCode(stored.purpose, stored.digest, stored.expires_at, tries=4)
    assert codes.check(KEY, "alice", four, "confirm", code, now=1001) == codes.CodeCheck.OK


def test_codes_are_spread_over_the_whole_range():
    seen = {codes.new_code() for _ in range(2000)}
    assert len(seen) > 1900
    assert all(len(c) == 6 for c in seen)


def test_lockout_schedule_doubles_from_one_second_to_fifteen_minutes():
    assert [lock_seconds(n) for n in range(0, 5)] == [0, 0, 0, 0, 0]
    assert [lock_seconds(n) for n in range(5, 12)] == [1, 2, 4, 8, 16, 32, 64]
    assert lock_seconds(14) == 512
    assert lock_seconds(15) == 900
    assert lock_seconds(100) == 900
