"""An app client of the pool, with its secret: what makes the app the only party that can
use the pool's public APIs.

The pool's app clients have a secret (GenerateSecret). Cognito then refuses InitiateAuth,
SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword and ConfirmForgotPassword
without a SECRET_HASH (HMAC-SHA256 of username + client id, keyed with the secret), so a
caller that has only the client id (it is in the web app's config.js) cannot go around
the app's lockout, throttles, password blocklist and email claims. The secret is not in the
template or the environment: it is read from the pool (DescribeUserPoolClient, allowed by
the function's role) on first use and kept for the container's life. A client without a
secret (a local pool made before this) gets no SECRET_HASH.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.identity.cognito import errors as cognito_errors

_secrets: dict[tuple[str, str], str | None] = {}  # (pool, client) -> secret; container-wide
_secrets_lock = threading.Lock()


def secret_hash(secret: str, client_id: str, username: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class AppClient:
    def __init__(self, cognito: Any, pool_id: str, client_id: str) -> None:
        self._cognito = cognito
        self._pool = pool_id
        self.client_id = client_id

    def secret(self) -> str | None:
        key = (self._pool, self.client_id)
        with _secrets_lock:
            if key in _secrets:
                return _secrets[key]
        try:
            described = self._cognito.describe_user_pool_client(UserPoolId=self._pool, ClientId=self.client_id)
        except ClientError as exc:
            # Not cached: the next request asks again (an outage is a 503, not forever).
            raise cognito_errors.translate(exc, cognito_errors.ADMIN) from None
        found = described.get("UserPoolClient", {}).get("ClientSecret")
        value = str(found) if found else None
        with _secrets_lock:
            _secrets[key] = value
        return value

    def hash_for(self, username: str) -> str | None:
        secret = self.secret()
        return secret_hash(secret, self.client_id, username) if secret else None

    def call_args(self, username: str) -> dict[str, str]:
        """ClientId, and SecretHash when the client has a secret: for SignUp, ConfirmSignUp,
        ResendConfirmationCode, ForgotPassword and ConfirmForgotPassword."""
        found = self.hash_for(username)
        return {"ClientId": self.client_id, **({"SecretHash": found} if found else {})}

    def auth_parameters(self, username: str, **parameters: str) -> dict[str, str]:
        """InitiateAuth's AuthParameters with SECRET_HASH when the client has a secret."""
        found = self.hash_for(username)
        return {**parameters, **({"SECRET_HASH": found} if found else {})}

    def password_sign_in(self, username: str, password: str) -> dict[str, Any]:
        """InitiateAuth with USER_PASSWORD_AUTH and the secret hash: the pool's answer
        (tokens or a challenge); Cognito's refusals as the app's errors."""
        try:
            response: dict[str, Any] = self._cognito.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters=self.auth_parameters(username, USERNAME=username, PASSWORD=password),
            )
        except ClientError as exc:
            raise cognito_errors.translate(exc, cognito_errors.SIGN_IN) from None
        return response
