"""Request models of the two-step routes (chalicelib/web/validation.py)."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import ValidationError
from chalicelib.usecases import inputs
from chalicelib.web import validation as v


def test_turning_off_takes_exactly_one_of_code_and_recovery_code():
    assert v.MFA_OFF.parse({"code": " 123456 "}) == inputs.MfaOffRequest(code="123456")
    assert v.MFA_OFF.parse({"recovery_code": "abcde-fgh23"}) == inputs.MfaOffRequest(recovery_code="abcde-fgh23")
    for body in ({}, {"code": "123456", "recovery_code": "abcde-fgh23"}):
        with pytest.raises(ValidationError) as refused:
            v.MFA_OFF.parse(body)
        assert [e.field for e in refused.value.errors] == ["code"]
    assert v.MFA_OFF.json_schema()["oneOf"] == [{"required": ["code"]}, {"required": ["recovery_code"]}]


def test_sign_in_takes_an_optional_recovery_code():
    assert v.LOGIN.parse({"username": "a", "password": "p"}).recovery_code is None
    assert v.LOGIN.parse({"username": "a", "password": "p", "recovery_code": "x"}).recovery_code == "x"
    assert v.LOGIN.json_schema()["required"] == ["username", "password"]


def test_codes_are_six_digits_and_sessions_bounded():
    assert v.LOGIN_MFA.parse({"session": "s", "code": "012345"}) == inputs.LoginMfaRequest("s", "012345")
    for body in (
        {"session": "s", "code": "12345a"},
        {"session": "", "code": "123456"},
        {"session": "s" * 129, "code": "1"},
    ):
        with pytest.raises(ValidationError):
            v.LOGIN_MFA.parse(body)
