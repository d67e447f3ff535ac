"""Request parsing: each request's one declaration (a dataclass of chalicelib.web.shapes, its
fields' rules in their types, chalicelib.core.rules) read into a `Model` that validates a
parsed JSON body and describes itself as JSON Schema.

Written here rather than pulled in (pydantic) to keep cold start and the deployment
package small. The OpenAPI document is generated from the very rules the code enforces,
so the two cannot drift; a field without a rule is refused when the model is built.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from chalicelib.core.errors import FieldError, ValidationError
from chalicelib.core.rules import WHOLE_ATTRIBUTE, Integer, Rule, Text, Whole
from chalicelib.usecases import inputs

T = TypeVar("T")


@dataclass(frozen=True)
class Field:
    """One field of a request: its name and type from the dataclass, its rule from the type."""

    name: str
    kind: type  # str or int
    rule: Rule
    required: bool

    @property
    def one_line(self) -> bool:
        return self.rule.one_line

    def check(self, value: Any) -> tuple[Any, str | None]:
        """The normalised value and an error message (None when valid)."""
        return self.rule.check(value)

    def json_schema(self) -> dict[str, Any]:
        return self.rule.json_schema()


def _without_none(hint: Any) -> Any:
    """`X | None` -> `X`: None is how a dataclass says "not given", not part of the rule."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        present = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(present) == 1:
            return present[0]
    return hint


def fields_of(shape: type, whole: Whole) -> tuple[Field, ...]:
    """The fields of a request dataclass, in declaration order, with their rules."""
    hints = typing.get_type_hints(shape, include_extras=True)
    found: list[Field] = []
    for declared in dataclasses.fields(shape):
        where = f"{shape.__name__}.{declared.name}"
        hint = _without_none(hints[declared.name])
        if typing.get_origin(hint) is not typing.Annotated:
            raise TypeError(f"{where} has no rule: annotate it with a type of chalicelib.core.rules")
        base, *metadata = typing.get_args(hint)
        kind = _without_none(base)
        rules = [m for m in metadata if isinstance(m, Text | Integer)]
        if len(rules) != 1:
            raise TypeError(f"{where} needs exactly one rule, has {len(rules)}")
        rule = rules[0]
        if kind is not (str if isinstance(rule, Text) else int):
            raise TypeError(f"{where}: a {type(rule).__name__} rule on a {kind!r}")
        if rule.nullable and hint is hints[declared.name]:  # null would reach a field typed without None
            raise TypeError(f"{where} takes null: its type must allow None")
        has_default = declared.default is not dataclasses.MISSING or declared.default_factory is not dataclasses.MISSING
        found.append(Field(declared.name, kind, rule, required=not has_default and not whole.partial))
    names = {f.name for f in found}
    if not set(whole.one_of) <= names or any(f.required for f in found if f.name in whole.one_of):
        raise TypeError(f"{shape.__name__}: one_of must name optional fields")
    return tuple(found)


@dataclass(frozen=True)
class Model(Generic[T]):
    """A request as the API publishes it: the schema `name` and the dataclass `shape` whose
    declaration holds every rule. `parse` validates a JSON body into a `shape`."""

    name: str
    shape: type[T]
    whole: Whole = field(init=False, repr=False, compare=False)
    fields: tuple[Field, ...] = field(init=False, repr=False, compare=False)
    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        whole = getattr(self.shape, WHOLE_ATTRIBUTE, Whole())
        declared = fields_of(self.shape, whole)
        object.__setattr__(self, "whole", whole)
        object.__setattr__(self, "fields", declared)
        object.__setattr__(self, "by_name", {f.name: f for f in declared})

    def parse(self, body: Any) -> T:
        """Validate a decoded JSON body; the typed request, or ValidationError."""
        if not isinstance(body, dict):
            raise ValidationError([], "The request body must be a JSON object.")
        errors: list[FieldError] = []
        result: dict[str, Any] = {}
        for key in body:
            if key not in self.by_name:
                errors.append(FieldError(str(key)[:64], "is not a known field"))
        for f in self.fields:
            if f.name not in body:
                if f.required:
                    errors.append(FieldError(f.name, "is required"))
                continue
            value, problem = f.check(body[f.name])
            if problem:
                errors.append(FieldError(f.name, problem))
            else:
                result[f.name] = value
        one_of = self.whole.one_of
        if self.whole.partial and not body:
            errors.append(FieldError("", f"give at least one of: {', '.join(self.by_name)}"))
        if one_of and sum(name in body for name in one_of) != 1:
            errors.append(FieldError(one_of[0], f"give exactly one of: {', '.join(one_of)}"))
        if errors:
            raise ValidationError(errors, "Some fields are missing or invalid.")
        return self.shape(**result)

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {f.name: f.json_schema() for f in self.fields},
        }
        required = [f.name for f in self.fields if f.required]
        if required:
            schema["required"] = required
        if self.whole.partial:
            schema["minProperties"] = 1
        if self.whole.one_of:
            schema["oneOf"] = [{"required": [name]} for name in self.whole.one_of]
        if self.whole.description:
            schema["description"] = self.whole.description
        return schema


# The requests as the OpenAPI document names them; one shape may be published twice.
REGISTER = Model("RegisterRequest", inputs.RegisterRequest)
CONFIRM = Model("ConfirmRequest", inputs.ConfirmRequest)
RESEND_CODE = Model("ResendCodeRequest", inputs.NameRequest)
LOGIN = Model("LoginRequest", inputs.LoginRequest)
REFRESH = Model("RefreshRequest", inputs.RefreshRequest)
FORGOT_PASSWORD = Model("ForgotPasswordRequest", inputs.NameRequest)
RESET_PASSWORD = Model("ResetPasswordRequest", inputs.ResetPasswordRequest)
TOTP_VERIFY = Model("TotpCodeRequest", inputs.TotpCodeRequest)
LOGIN_MFA = Model("LoginMfaRequest", inputs.LoginMfaRequest)
MFA_OFF = Model("MfaOffRequest", inputs.MfaOffRequest)
PROFILE_UPDATE = Model("ProfileUpdateRequest", inputs.ProfileUpdate)
ALBUM_CREATE = Model("AlbumCreateRequest", inputs.AlbumFields)
ALBUM_REPLACE = Model("AlbumReplaceRequest", inputs.AlbumFields)
ALBUM_PATCH = Model("AlbumPatchRequest", inputs.AlbumPatch)


def parse_limit(raw: str | None, default: int = 50, maximum: int = 100) -> int:
    """`?limit=`: 1..100, default 50; anything else is a 400 naming the parameter."""
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= maximum:
        problem = FieldError("limit", f"must be an integer from 1 to {maximum}")
        raise ValidationError([problem], "Invalid query parameter.")
    return int(raw)
