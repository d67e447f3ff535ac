import pytest

from chalicelib.core.errors import ValidationError
from chalicelib.core.rules import next_year
from chalicelib.usecases.inputs import AlbumPatch
from chalicelib.web import validation as v


def fields(exc: ValidationError) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors}


def test_register_normalizes_username_and_keeps_email_case():
    data = v.REGISTER.parse({"username": " Alice.B ", "email": "Alice@Example.com", "password": "x" * 15})
    assert data.username == "alice.b"
    assert data.email == "Alice@Example.com"


@pytest.mark.parametrize("username", ["ab", "a" * 33, "_alice", "-bob", "al ice", "ali$e", "émile", ""])
def test_bad_usernames_are_refused(username):
    with pytest.raises(ValidationError) as exc:
        v.REGISTER.parse({"username": username, "email": "a@example.com", "password": "x" * 15})
    assert "username" in fields(exc.value)


@pytest.mark.parametrize("username", ["abc", "a" * 32, "9lives", "a.b_c-d"])
def test_good_usernames_pass(username):
    assert v.REGISTER.parse({"username": username, "email": "a@example.com", "password": "x" * 15})


@pytest.mark.parametrize(
    "email",
    ["plain", "a@b", "a b@example.com", "a@example..com", "@example.com", "a@-example.com", "x" * 250 + "@example.com"],
)
def test_bad_emails_are_refused(email):
    with pytest.raises(ValidationError) as exc:
        v.REGISTER.parse({"username": "alice", "email": email, "password": "x" * 15})
    assert "email" in fields(exc.value)


def test_strict_types_and_unknown_fields():
    with pytest.raises(ValidationError) as exc:
        v.REGISTER.parse({"username": 5, "email": None, "password": ["x"], "admin": True})
    problems = fields(exc.value)
    assert problems["username"] == "must be a string"
    assert problems["email"] == "must not be null"
    assert problems["password"] == "must be a string"
    assert problems["admin"] == "is not a known field"


def test_missing_fields_are_listed():
    with pytest.raises(ValidationError) as exc:
        v.REGISTER.parse({})
    assert set(fields(exc.value)) == {"username", "email", "password"}


def test_body_must_be_an_object():
    for body in ([], "x", 3, None):
        with pytest.raises(ValidationError):
            v.LOGIN.parse(body)


def test_password_length_bounds():
    with pytest.raises(ValidationError):
        v.REGISTER.parse({"username": "alice", "email": "a@example.com", "password": "x" * 14})
    with pytest.raises(ValidationError):
        v.REGISTER.parse({"username": "alice", "email": "a@example.com", "password": "x" * 129})
    assert v.REGISTER.parse({"username": "alice", "email": "a@example.com", "password": "ü" * 128})


def test_full_name_optional_and_bounded():
    base = {"username": "alice", "email": "a@example.com", "password": "x" * 15}
    assert v.REGISTER.parse(base).full_name is None
    assert v.REGISTER.parse({**base, "full_name": None}).full_name is None
    assert v.REGISTER.parse({**base, "full_name": " Al "}).full_name == "Al"
    with pytest.raises(ValidationError):
        v.REGISTER.parse({**base, "full_name": "n" * 101})


def test_code_must_be_six_digits():
    for code in ("12345", "1234567", "abcdef", "12 456", 123456):
        with pytest.raises(ValidationError):
            v.CONFIRM.parse({"username": "alice", "code": code})
    assert v.CONFIRM.parse({"username": "alice", "code": " 012345 "}).code == "012345"


def test_years_and_ranks_are_strict_integers():
    base = {"rank": 1, "title": "T", "artist": "A", "year": 1999, "genre": "Rock"}
    for key, value in (
        ("year", "1999"),
        ("rank", True),
        ("rank", 1.0),
        ("year", 1899),
        ("rank", 0),
        ("rank", 100_001),
        ("year", next_year() + 1),
    ):
        with pytest.raises(ValidationError) as exc:
            v.ALBUM_CREATE.parse({**base, key: value})
        assert key in fields(exc.value)
    assert v.ALBUM_CREATE.parse({**base, "year": next_year()}).year == next_year()


def test_patch_needs_at_least_one_field():
    with pytest.raises(ValidationError):
        v.ALBUM_PATCH.parse({})
    assert v.ALBUM_PATCH.parse({"genre": " Jazz "}) == AlbumPatch(genre="Jazz")


@pytest.mark.parametrize("raw", ["0", "101", "-1", "abc", "1.5", "²", "0050000"])
def test_bad_limits(raw):
    with pytest.raises(ValidationError):
        v.parse_limit(raw)


def test_limits():
    assert v.parse_limit(None) == 50
    assert v.parse_limit("1") == 1
    assert v.parse_limit("100") == 100


def test_json_schema_mirrors_the_rules():
    schema = v.REGISTER.json_schema()
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["username", "email", "password"]
    assert schema["properties"]["username"]["maxLength"] == 32
    assert schema["properties"]["password"]["minLength"] == 15
    assert v.ALBUM_PATCH.json_schema()["minProperties"] == 1


# -- one declaration per request: the dataclass's fields carry their rules ---------------


def test_each_model_reads_its_fields_and_rules_from_the_request_dataclass():
    import dataclasses

    for model in (v.REGISTER, v.LOGIN, v.MFA_OFF, v.ALBUM_PATCH, v.PROFILE_UPDATE):
        assert [f.name for f in model.fields] == [f.name for f in dataclasses.fields(model.shape)]
        assert list(model.json_schema()["properties"]) == [f.name for f in model.fields]
    assert v.REGISTER.by_name["username"].kind is str and v.ALBUM_CREATE.by_name["year"].kind is int
    assert [f.name for f in v.REGISTER.fields if f.required] == ["username", "email", "password"]  # no default


def test_a_request_field_without_a_rule_is_refused_when_its_model_is_built():
    from dataclasses import dataclass
    from typing import Annotated

    from chalicelib.core.rules import FullName, Integer, Text

    @dataclass(frozen=True)
    class Untyped:
        name: str

    @dataclass(frozen=True)
    class Mismatched:
        count: Annotated[str, Integer(minimum=1)]

    @dataclass(frozen=True)
    class Twice:
        name: Annotated[str, Text(), Text()]

    @dataclass(frozen=True)
    class NullIntoStr:
        full_name: FullName

    for shape in (Untyped, Mismatched, Twice, NullIntoStr):
        with pytest.raises(TypeError):
            v.Model("Broken", shape)


def test_one_of_must_name_optional_fields_of_the_request():
    from dataclasses import dataclass

    from chalicelib.core.rules import TotpCode, request

    @request(one_of=("code", "other"))
    @dataclass(frozen=True)
    class Unknown:
        code: TotpCode | None = None

    @request(one_of=("code",))
    @dataclass(frozen=True)
    class Required:
        code: TotpCode

    for shape in (Unknown, Required):
        with pytest.raises(TypeError, match="one_of"):
            v.Model("Broken", shape)
