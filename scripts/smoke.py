"""The README's journey against a running Bandstand, local or on AWS.

    python -m scripts.smoke --url https://abc.execute-api.us-east-1.amazonaws.com/api \
        --origin https://d111.cloudfront.net --outbox .local/outbox
    python -m scripts.smoke --url ... --origin ... --user-pool-id us-east-1_AbC  # admin confirm

register, confirm (the code from a mailbox folder of .eml files, or an admin confirm with
the deployer's credentials), sign in, list albums, refresh, sign out, and API Gateway's
own 401 with the site's CORS headers. Prints one line per step; exits 1 at the first
failure. The user it registers stays (delete it with DELETE /users/me if you like).
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
import time
from email import message_from_bytes
from pathlib import Path
from typing import Any

from scripts.api_client import call

PASSWORD = "Smoke-Test Lantern 7 Orchard"


class Failed(Exception):
    pass


def expect(step: str, status: int, wanted: int, body: Any) -> None:
    if status != wanted:
        raise Failed(f"{step}: expected {wanted}, got {status}: {body}")
    print(f"ok  {step} ({status})")


def code_from_outbox(outbox: Path, email: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(outbox.glob("*.eml"), reverse=True):
            message = message_from_bytes(path.read_bytes())
            if message["To"] == email and "verification code" in str(message["Subject"]):
                payload = message.get_payload(decode=True)
                found = re.search(r"\b(\d{6})\b", payload.decode() if isinstance(payload, bytes) else "")
                if found:
                    return found.group(1)
        time.sleep(0.2)
    raise Failed(f"no verification code for {email} in {outbox}")


def admin_confirm(pool_id: str, username: str) -> None:
    import boto3

    boto3.client("cognito-idp", region_name=pool_id.split("_", 1)[0]).admin_confirm_sign_up(
        UserPoolId=pool_id, Username=username
    )


def journey(url: str, origin: str, outbox: Path | None, pool_id: str | None) -> None:
    name = f"smoke{secrets.token_hex(4)}"
    email = f"{name}@example.com"
    status, body, _ = call(url, "POST", "/auth/register", {"username": name, "email": email, "password": PASSWORD})
    expect("register", status, 201, body)
    if outbox is not None:
        status, body, _ = call(
            url, "POST", "/auth/confirm", {"username": name, "code": code_from_outbox(outbox, email)}
        )
        expect("confirm with the mailed code", status, 200, body)
    elif pool_id:
        admin_confirm(pool_id, name)
        print("ok  confirm (admin)")
    else:
        raise Failed("give --outbox or --user-pool-id to confirm the user")
    status, tokens, _ = call(url, "POST", "/auth/login", {"username": name, "password": PASSWORD})
    expect("sign in", status, 200, tokens)
    status, albums, _ = call(url, "GET", "/albums", token=tokens["access_token"])
    expect("list albums", status, 200, albums)
    status, fresh, _ = call(url, "POST", "/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    expect("refresh", status, 200, fresh)
    status, body, _ = call(url, "POST", "/auth/logout", token=fresh["access_token"])
    expect("sign out", status, 204, body)
    status, problem, headers = call(url, "GET", "/users/me", origin=origin)
    expect("401 without a token", status, 401, problem)
    allowed = {k.lower(): v for k, v in headers.items()}.get("access-control-allow-origin")
    if allowed != origin or (problem or {}).get("code") != "invalid_token":
        raise Failed(f"401: Access-Control-Allow-Origin {allowed!r} (want {origin!r}), body {problem}")
    print("ok  401 is a problem document the site may read (CORS)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the API's base URL")
    parser.add_argument("--origin", required=True, help="the site's origin (CORS)")
    parser.add_argument("--outbox", type=Path, help="a folder of .eml files the codes land in")
    parser.add_argument("--user-pool-id", help="confirm with AdminConfirmSignUp instead (AWS)")
    args = parser.parse_args(argv)
    try:
        journey(args.url, args.origin, args.outbox, args.user_pool_id)
    except Failed as failure:
        print(f"FAIL {failure}", file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
