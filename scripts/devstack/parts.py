"""What the local stack plugs into the app: the parts only a laptop needs, kept out of
chalicelib so the Lambda package carries none of them.

- `OutboxMailer`: every mail as an .eml file in a folder (MAILER=outbox), the inbox of
  every local user.
- `EmulatorDelivery`: a local Cognito emulator (moto) mails nothing, so this writes the
  code mail the pool would have sent, with the builtin backend's subject and text: the web
  app, the journeys and the tests read codes the same way with either backend. What it
  can put in the mail is what moto gives (docs/cognito-backend.md, "Gaps"):
  ForgotPassword returns its code in the x-moto-forgot-password-confirmation-code header
  as "moto-confirmation-code:NNNNNN" (the mail carries NNNNNN; the prefix goes back on in
  ConfirmForgotPassword, so moto checks reset codes); SignUp makes no code and
  ConfirmSignUp accepts any (the mail carries a random one); ResendConfirmationCode is
  not implemented (a new random code is mailed).
- `CommitBarrier` over a DynamoDB Local client (commit_barrier.py says why).

`LOCAL_PARTS` is installed with `chalicelib.services.use_local_parts` by the local API
server, the admin commands and the tests; the app asks for a part only when its settings
name a local one (MAILER=outbox, a DYNAMODB_ENDPOINT).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from chalicelib.core.config import Settings
from chalicelib.core.mail import Mailer, code_message, new_code
from chalicelib.identity.cognito.app_client import AppClient
from chalicelib.identity.cognito.delivery import Recipient
from scripts.devstack.commit_barrier import CommitBarrier

log = logging.getLogger("bandstand.mail")

MOTO_CODE_HEADER = "x-moto-forgot-password-confirmation-code"
MOTO_CODE_PREFIX = "moto-confirmation-code:"


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="bandstand.local")
    message.set_content(body)
    return message


class OutboxMailer:
    """Writes RFC 822 files into a folder: the local stage's inbox for every user."""

    def __init__(self, folder: Path, sender: str) -> None:
        self._folder = folder
        self._sender = sender

    def send(self, to: str, subject: str, body: str, kind: str) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{kind}-{secrets.token_hex(4)}.eml"
        path = self._folder / name
        # Write then rename, so a reader never sees half a message.
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(_message(self._sender, to, subject, body)))
        os.replace(tmp, path)
        log.info("mail sent", extra={"kind": kind, "file": name})


class EmulatorDelivery:
    """A local Cognito emulator (moto): the app writes the mail the pool would have sent."""

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


class LocalParts:
    """chalicelib.services.LocalParts for the local stack and the tests."""

    def mailer(self, settings: Settings) -> Mailer:
        return OutboxMailer(settings.outbox_dir, settings.mail_from)

    def code_delivery(self, mailer: Mailer, settings: Settings) -> EmulatorDelivery:
        return EmulatorDelivery(mailer, settings.web_base_url)

    def dynamodb(self, client: Any) -> Any:
        return CommitBarrier(client)


LOCAL_PARTS = LocalParts()
