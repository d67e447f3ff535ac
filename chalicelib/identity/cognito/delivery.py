"""How codes reach people: the seam between Cognito and the outbox.

On AWS the user pool mails its own codes (its verification message template holds the
same text as chalicelib.mail.code_message; docs/cognito-backend.md), so `PoolDelivery`
does nothing after SignUp and ForgotPassword, and ResendConfirmationCode is a plain call.

A local emulator (moto) mails nothing, so `OutboxDelivery` writes the mail the pool would
have sent, as an .eml file in the outbox with the builtin backend's subject and text: the
web app, the journeys and the tests read codes the same way with either backend. What it
can put in the mail is what moto gives (see docs/cognito-backend.md, "Gaps"):
- ForgotPassword: moto returns its code in the x-moto-forgot-password-confirmation-code
  header as "moto-confirmation-code:NNNNNN"; the mail carries NNNNNN and the prefix goes
  back on in ConfirmForgotPassword, so moto checks reset codes.
- SignUp: moto makes no code and ConfirmSignUp accepts any code; the mail carries a
  random one (any works).
- ResendConfirmationCode: moto does not implement it; a new random code is mailed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.identity.cognito.app_client import AppClient
from chalicelib.mail import Mailer, code_message, new_code

log = logging.getLogger("bandstand.identity")

MOTO_CODE_HEADER = "x-moto-forgot-password-confirmation-code"
MOTO_CODE_PREFIX = "moto-confirmation-code:"


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


class OutboxDelivery:
    """A local emulator (moto): the app writes the mail the pool would have sent."""

    def __init__(self, mailer: Mailer, web_base_url: str = "") -> None:
        self._mailer = mailer
        self._web = web_base_url

    def sign_up_sent(self, to: Recipient, response: dict[str, Any]) -> None:
        self._send(to, "confirm", new_code())

    def resend_confirmation(self, cognito: Any, client: AppClient, to: Recipient) -> None:
        self._send(to, "confirm", new_code())

    def reset_sent(self, to: Recipient, response: dict[str, Any]) -> None:
        headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        raw = str(headers.get(MOTO_CODE_HEADER, ""))
        found = re.search(r"(\d{6})$", raw)
        self._send(to, "reset", found.group(1) if found else new_code())

    def code_for_pool(self, purpose: str, code: str) -> str:
        return MOTO_CODE_PREFIX + code if purpose == "reset" else code

    def _send(self, to: Recipient, purpose: str, code: str) -> None:
        subject, body = code_message(purpose, to.greeting_name, code, self._web)
        try:
            self._mailer.send(to.email, subject, body, kind=purpose)
        except Exception:
            # The account change stands; the person can ask for the code again.
            log.exception("mail not sent", extra={"kind": purpose})
