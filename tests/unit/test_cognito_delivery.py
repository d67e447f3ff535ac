"""The code-delivery seam: the pool mails on AWS; with moto the app writes the same mail
as the builtin backend into the outbox."""

from __future__ import annotations

from chalicelib.core.mail import code_message
from chalicelib.identity.cognito.app_client import AppClient, secret_hash
from chalicelib.identity.cognito.delivery import PoolDelivery, Recipient
from scripts.devstack.parts import MOTO_CODE_HEADER, EmulatorDelivery


class Inbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, str]] = []

    def send(self, to: str, subject: str, body: str, kind: str) -> None:
        self.sent.append((to, subject, body, kind))


ANA = Recipient("ana", "Ana@Example.com", "Ana Lima")


def test_reset_mail_carries_motos_code_and_the_prefix_goes_back_for_the_pool():
    inbox = Inbox()
    delivery = EmulatorDelivery(inbox, "http://127.0.0.1:8080")
    headers = {MOTO_CODE_HEADER: "moto-confirmation-code:493817"}
    delivery.reset_sent(ANA, {"ResponseMetadata": {"HTTPHeaders": headers}})
    [(to, subject, body, kind)] = inbox.sent
    assert (to, subject, body, kind) == ("Ana@Example.com", *code_message("reset", "Ana Lima", "493817"), "reset")
    assert delivery.code_for_pool("reset", "493817") == "moto-confirmation-code:493817"
    assert delivery.code_for_pool("confirm", "493817") == "493817"


def test_sign_up_and_resend_mail_the_builtin_text_with_a_six_digit_code():
    inbox = Inbox()
    delivery = EmulatorDelivery(inbox, "http://127.0.0.1:8080")
    delivery.sign_up_sent(ANA, {})
    delivery.resend_confirmation(object(), AppClient(object(), "us-east-1_x", "client"), ANA)  # moto: no resend
    for to, subject, body, kind in inbox.sent:
        code = body.split("verification code is ")[1][:6]
        assert code.isdigit() and kind == "confirm" and to == ANA.email
        assert (subject, body) == code_message("confirm", "Ana Lima", code, "http://127.0.0.1:8080")


def test_a_mail_failure_does_not_undo_the_account_change():
    class Broken:
        def send(self, *args, **kwargs):
            raise OSError("disk full")

    EmulatorDelivery(Broken()).sign_up_sent(ANA, {})  # logged, not raised


def test_the_pool_mails_itself_and_resend_is_the_cognito_call():
    calls = []

    class Cognito:
        def resend_confirmation_code(self, **kwargs):
            calls.append(kwargs)

        def describe_user_pool_client(self, **kwargs):
            return {"UserPoolClient": {"ClientId": "client0", "ClientSecret": "s3cret"}}

    pool = PoolDelivery()
    pool.sign_up_sent(ANA, {})
    pool.reset_sent(ANA, {})
    pool.resend_confirmation(Cognito(), AppClient(Cognito(), "us-east-1_unit", "client0"), ANA)
    expected_hash = secret_hash("s3cret", "client0", "ana")  # the app client has a secret: SECRET_HASH goes along
    assert calls == [{"ClientId": "client0", "SecretHash": expected_hash, "Username": "ana"}]
    assert pool.code_for_pool("reset", "123456") == "123456"
