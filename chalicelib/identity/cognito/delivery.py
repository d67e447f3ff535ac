"""How codes reach people: the seam between Cognito and a pool that mails nothing.

On AWS the user pool mails its own codes (its verification message template holds the
same text as chalicelib.core.mail.code_message; docs/cognito-backend.md), so `PoolDelivery`
does nothing after SignUp and ForgotPassword, and ResendConfirmationCode is a plain call.
A local emulator mails nothing: the local stack plugs in a delivery that writes the mail
the pool would have sent (scripts/devstack/parts.py), through the same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.identity.cognito.app_client import AppClient


@dataclass(frozen=True)
class Recipient:
    username: str
    email: str
    full_name: str | None

    @property
    def greeting_name(self) -> str:
        return self.full_name or self.username


class CodeDelivery(Protocol):
    def sign_up_sent(self, to: Recipient, response: dict[str, Any]) -> None:
        """After SignUp succeeded (the pool sent or would have sent a code)."""

    def resend_confirmation(self, cognito: Any, client: AppClient, to: Recipient) -> None:
        """Send a new confirmation code (ClientError from Cognito propagates)."""

    def reset_sent(self, to: Recipient, response: dict[str, Any]) -> None:
        """After ForgotPassword succeeded."""

    def code_for_pool(self, purpose: str, code: str) -> str:
        """The code as the pool expects it in ConfirmSignUp / ConfirmForgotPassword."""


class PoolDelivery:
    """Amazon Cognito: the pool mails every code itself."""

    def sign_up_sent(self, to: Recipient, response: dict[str, Any]) -> None:
        return None

    def resend_confirmation(self, cognito: Any, client: AppClient, to: Recipient) -> None:
        cognito.resend_confirmation_code(**client.call_args(to.username), Username=to.username)

    def reset_sent(self, to: Recipient, response: dict[str, Any]) -> None:
        return None

    def code_for_pool(self, purpose: str, code: str) -> str:
        return code
