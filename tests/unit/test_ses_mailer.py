"""The SES mailer of the AWS stages: what it sends (on moto), and that its client is made
with the first mail, not when the use cases are built (cold start)."""

from __future__ import annotations

from typing import Any

import boto3
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.core import aws
from chalicelib.core.mail import SesMailer, code_message

SENDER = "Bandstand <no-reply@example.com>"


def test_a_code_mail_goes_out_through_ses_as_plain_utf8_text(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress="no-reply@example.com")
        mailer = SesMailer(lambda: aws.client("ses", "us-east-1"), SENDER)
        subject, body = code_message("confirm", "Zoë", "493817", "https://bandstand.example")
        mailer.send("zoe@example.com", subject, body, kind="confirm")
        (sent,) = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert sent.source == SENDER
    assert sent.destinations == {"ToAddresses": ["zoe@example.com"]}
    assert sent.subject == "Your Bandstand verification code"
    assert "Hello Zoë," in sent.body and "493817" in sent.body


def test_the_client_is_made_with_the_first_mail_and_once() -> None:
    made: list[Any] = []

    class Client:
        def __init__(self) -> None:
            self.sent: list[dict[str, Any]] = []

        def send_email(self, **request: Any) -> None:
            self.sent.append(request)

    def make() -> Client:
        made.append(Client())
        return made[-1]

    mailer = SesMailer(make, SENDER)
    assert made == []  # built with the use cases: no client yet
    mailer.send("a@example.com", "s", "b", kind="reset")
    mailer.send("b@example.com", "s", "b", kind="reset")
    assert len(made) == 1 and [r["Destination"]["ToAddresses"] for r in made[0].sent] == [
        ["a@example.com"],
        ["b@example.com"],
    ]
    assert made[0].sent[0]["Message"]["Body"]["Text"] == {"Data": "b", "Charset": "UTF-8"}
