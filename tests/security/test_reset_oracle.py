"""Finding 4: reset-password is no password oracle. A wrong or used code never signs
anyone in (no InitiateAuth on the cognito backend) nor out, and answers the same whether
new_password is the account's real password or not."""

from __future__ import annotations

from typing import Any

from chalicelib import services
from tests.support.api import OTHER_PASSWORD as OTHER
from tests.support.api import STRONG_PASSWORD


def sign_ins(identity_backend: str) -> list[str]:
    """The Cognito operations the app makes from now on (empty list on builtin)."""
    seen: list[str] = []
    if identity_backend == "cognito":
        services.cognito_client().meta.events.register(
            "before-call.cognito-idp.*", lambda model, **_: seen.append(model.name)
        )
    return seen


def still_signed_in(api: Any, tokens: dict[str, Any]) -> None:
    assert api.get("/users/me", tokens["access_token"]).status == 200
    assert api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}).status == 200


def test_a_wrong_code_with_the_real_password_answers_as_with_another(api, identity_backend):
    tokens = api.signup("victim")
    assert api.post("/auth/forgot-password", {"username": "victim"}).status == 202
    code = api.code_for("victim@example.com", "reset")
    wrong = "000000" if code != "000000" else "111111"
    seen = sign_ins(identity_backend)
    real = api.post("/auth/reset-password", {"username": "victim", "code": wrong, "new_password": STRONG_PASSWORD})
    other = api.post("/auth/reset-password", {"username": "victim", "code": wrong, "new_password": OTHER})
    assert real.status == other.status == 400 and real.json == other.json
    assert real.json["code"] in {"invalid_code", "expired_code"}
    assert "InitiateAuth" not in seen and "AdminUserGlobalSignOut" not in seen
    still_signed_in(api, tokens)


def test_a_used_code_with_the_new_password_signs_nobody_in_or_out(api, identity_backend):
    api.signup("victim2")
    assert api.post("/auth/forgot-password", {"username": "victim2"}).status == 202
    code = api.code_for("victim2@example.com", "reset")
    body = {"username": "victim2", "code": code, "new_password": OTHER}
    assert api.post("/auth/reset-password", body).status == 200
    tokens = api.post("/auth/login", {"username": "victim2", "password": OTHER}).json
    seen = sign_ins(identity_backend)
    # The attacker replays the used code, guessing the new password: the old oracle
    # answered 200 (and signed the victim out) exactly when the guess was right.
    right_guess = api.post("/auth/reset-password", body)
    wrong_guess = api.post("/auth/reset-password", {**body, "new_password": STRONG_PASSWORD})
    assert right_guess.status == wrong_guess.status == 400 and right_guess.json == wrong_guess.json
    assert right_guess.json["code"] in {"invalid_code", "expired_code"}
    assert "InitiateAuth" not in seen and "AdminUserGlobalSignOut" not in seen
    still_signed_in(api, tokens)
