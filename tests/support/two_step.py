"""An authenticator app for tests: codes computed with pyotp, each step used once.

The app accepts a code of the current 30-second step or the ones beside it, once per user.
moto (the Cognito backend) accepts only the current step by the real clock. So a fresh
code is: on builtin, the next unused step within the window (no waiting); on cognito, the
current step, waiting for the next one when it was used already or is about to end.
In-process tests wait in virtual time (the `virtual_time` fixture: the app, moto and the
test see time move on at once); tests of a running stack wait for real."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp

from tests.support.api import read_mail

STEP = 30
RECOVERY_RE = re.compile(r"^[a-z2-7]{5}-[a-z2-7]{5}$")


def wait(seconds: float) -> None:
    """How an authenticator waits for a step: for real, unless `virtual_time` replaced it."""
    time.sleep(seconds)


class Authenticator:
    def __init__(self, secret: str, backend: str) -> None:
        self.secret = secret
        self.backend = backend
        self.last_step = -1
        self._totp = pyotp.TOTP(secret)

    def code(self) -> str:
        now = time.time()
        current = int(now // STEP)
        if self.backend == "builtin":
            step = max(current, self.last_step + 1)
            if step > current + 1:
                wait((step - 1) * STEP - now + 0.05)
        else:
            if self.last_step >= current or (current + 1) * STEP - now < 1.5:
                wait_for = max(self.last_step + 1, current + 1)
                wait(wait_for * STEP - now + 0.05)
            step = int(time.time() // STEP)
        self.last_step = step
        return self._totp.generate_otp(step)

    def wrong_code(self) -> str:
        """A code no step near now has."""
        current = int(time.time() // STEP)
        near = {self._totp.generate_otp(s) for s in range(current - 3, current + 4)}
        return next(c for c in (f"{n:06d}" for n in range(0, 1_000_000, 7919)) if c not in near)


def enable(api: Any, token: str, backend: str) -> tuple[Authenticator, list[str]]:
    """Turn two-step sign-in on: the authenticator and the 10 recovery codes."""
    started = api.post("/users/me/mfa/totp", token=token)
    assert started.status == 201, started.json
    app = Authenticator(started.json["secret"], backend)
    verified = api.post("/users/me/mfa/totp/verify", {"code": app.code()}, token=token)
    assert verified.status == 200, verified.json
    return app, list(verified.json["recovery_codes"])


def mails_with_subject(outbox: Any, email: str, subject: str) -> list[str]:
    bodies = []
    for message in read_mail(outbox):
        if message["To"] == email and str(message["Subject"]) == subject:
            payload = message.get_payload(decode=True)
            assert isinstance(payload, bytes)
            bodies.append(payload.decode())
    return bodies
