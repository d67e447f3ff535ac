"""The Cognito authorizer: declared on AWS stages for exactly the signed-in routes, never locally."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from chalice.deploy.swagger import CFNSwaggerGenerator

from chalicelib.core.config import ConfigError
from chalicelib.web import authorizers

APP_PY = Path(__file__).resolve().parents[2] / "app.py"


def load_app(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    """A fresh copy of app.py imported under this environment, as `chalice package` does
    after putting the stage's variables in os.environ."""
    for name in ("API_AUTHORIZER", "STAGE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("app_under_test", APP_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "app_under_test", module)
    spec.loader.exec_module(module)
    return module


def swagger(module: ModuleType) -> dict[str, Any]:
    document: dict[str, Any] = CFNSwaggerGenerator().generate_swagger(module.app)
    return document


def secured_operations(document: dict[str, Any]) -> dict[tuple[str, str], Any]:
    return {
        (method.upper(), path): spec.get("security")
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
    }


def test_aws_stage_declares_the_authorizer_on_exactly_the_signed_in_routes(monkeypatch: pytest.MonkeyPatch) -> None:
    module = load_app(monkeypatch, STAGE="prod", API_AUTHORIZER="cognito")
    document = swagger(module)
    security = secured_operations(document)
    expected = {(op.method, op.path) for op in module.OPERATIONS if op.auth != "public"}
    assert len(expected) >= 10  # users and albums routes
    secured = {key for key, value in security.items() if value}
    assert secured == expected  # preflight OPTIONS and public routes stay open
    for key in expected:
        assert security[key] == [{authorizers.AUTHORIZER_NAME: [authorizers.COGNITO_SCOPE]}]
    definition = document["securityDefinitions"][authorizers.AUTHORIZER_NAME]
    assert definition["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    # The seam the packaging step fills in with the stack's own pool.
    assert definition["x-amazon-apigateway-authorizer"]["providerARNs"] == [authorizers.POOL_ARN_PLACEHOLDER]


@pytest.mark.parametrize("env", [{"STAGE": "local"}, {"STAGE": "test"}, {"STAGE": "dev", "API_AUTHORIZER": "none"}])
def test_no_authorizer_unless_the_stage_asks(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    module = load_app(monkeypatch, **env)
    assert module.AUTHORIZER is None
    document = swagger(module)
    assert "securityDefinitions" not in document
    assert not any(secured_operations(document).values())


def test_local_stage_refuses_a_cognito_authorizer() -> None:
    with pytest.raises(ConfigError, match="local"):
        authorizers.api_authorizer({"STAGE": "local", "API_AUTHORIZER": "cognito"})


def test_unknown_authorizer_kind_fails_fast() -> None:
    with pytest.raises(ConfigError, match="API_AUTHORIZER"):
        authorizers.api_authorizer({"STAGE": "prod", "API_AUTHORIZER": "iam"})


def test_placeholder_is_not_a_real_account() -> None:
    assert ":000000000000:" in authorizers.POOL_ARN_PLACEHOLDER
