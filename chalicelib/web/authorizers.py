"""API Gateway's Cognito authorizer, declared only on AWS stages that ask for it.

With `API_AUTHORIZER=cognito` (set per stage in .chalice/config.json; `chalice package`
and `chalice deploy` put a stage's variables in the environment before importing app.py),
every signed-in route gets a `CognitoUserPoolAuthorizer` that accepts access tokens, so
API Gateway refuses unsigned calls before Lambda runs. The app still verifies every
token itself: the authorizer checks signature and expiry only, not sign-out.

The local stage never declares it: `chalice local` and the test client do not enforce
Cognito authorizers, and a non-JWT Authorization header crashes them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from chalice.app import CognitoUserPoolAuthorizer

from chalicelib.core.config import ConfigError

AUTHORIZER_NAME = "CognitoUserPool"
# Access tokens from USER_PASSWORD_AUTH carry this scope; an authorizer with scopes
# accepts access tokens only (without scopes it would want ID tokens).
COGNITO_SCOPE = "aws.cognito.signin.user.admin"
# The seam with the template: chalice needs an ARN list here, but the pool is created
# by the same stack. infra/template/api.py replaces this list in the packaged template
# with the pool's `Fn::GetAtt UserPool.Arn`, and tests/infra checks that no placeholder
# is left. Never put a real ARN here.
POOL_ARN_PLACEHOLDER = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_ReplacedByTemplate"
AUTHORIZERS = ("none", "cognito")


def api_authorizer(env: Mapping[str, str] | None = None) -> CognitoUserPoolAuthorizer | None:
    """The authorizer for signed-in routes on this stage, or None (local stage, tests)."""
    env = os.environ if env is None else env
    kind = env.get("API_AUTHORIZER", "").strip() or "none"
    if kind not in AUTHORIZERS:
        raise ConfigError(f"API_AUTHORIZER must be one of {', '.join(AUTHORIZERS)}, not {kind!r}")
    if kind == "none":
        return None
    if env.get("STAGE", "").strip() == "local":
        raise ConfigError("the local stage cannot declare a Cognito authorizer: chalice local does not enforce it")
    return CognitoUserPoolAuthorizer(AUTHORIZER_NAME, provider_arns=[POOL_ARN_PLACEHOLDER], scopes=[COGNITO_SCOPE])
