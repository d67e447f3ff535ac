"""What the Cognito backend keeps in the users table, beside the pool.

Same keys and attributes as the builtin backend's records (storage/users.py), minus
the credentials, which live in Cognito:
  USER#<username> / PROFILE   full_name, created_ms (the oldest-first list), the pool's
                              sub (bound at confirmation), the sign-out cut-off, and mirrors
                              of the pool's status and groups (written after Cognito accepted
                              the change)
                              and, while a reset is under way, its marker (reset_digest,
                              reset_until_ms: see begin_reset)
  EMAIL#<email lower> / EMAIL the email claim (Cognito has no unique, case-insensitive
                              email that still lets people sign in by username)
Reads, the list, groups, the cut-off and deletion are the builtin repository's methods,
called on one it holds (composition: no credential method of the builtin backend is
inherited); updates share storage/users.py's `update_user`. One key design, one
implementation.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.aws import error_code
from chalicelib.storage.dynamo import Item, get_n, get_s, n, s
from chalicelib.storage.users import (
    USERS_LIST_KEY,
    UserPage,
    UserRecord,
    UserRepository,
    email_key,
    raise_if_taken,
    update_user,
    user_key,
)


class CognitoUserRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._db = client
        self._table = table
        self._records = UserRepository(client, table)  # the shared reads and writes

    # -- the shared record -------------------------------------------------------------

    def get(self, username: str) -> UserRecord | None:
        return self._records.get(username)

    def username_for_email(self, email: str) -> str | None:
        return self._records.username_for_email(email)

    def list(self, limit: int, start_key: Item | None) -> UserPage:
        return self._records.list(limit, start_key)

    def hold(self, username: str, created_ms: int, unusable_hash: str) -> None:
        self._records.hold(username, created_ms, unusable_hash)

    def add_group(self, username: str, group: str) -> bool:
        return self._records.add_group(username, group)

    def revoke_sessions(self, username: str, cutoff_ms: int) -> None:
        self._records.revoke_sessions(username, cutoff_ms)

    def delete(self, username: str, email: str) -> None:
        self._records.delete(username, email)

    # -- the Cognito backend's own ------------------------------------------------------

    def claim(self, username: str, email: str, full_name: str | None, created_ms: int, valid_after_ms: int) -> None:
        """The profile record and the email claim in one transaction, before SignUp:
        concurrent twins cannot both win, and a taken address never reaches Cognito."""
        item: Item = {
            **user_key(username),
            "gsi1pk": s(USERS_LIST_KEY),
            "gsi1sk": s(f"{created_ms:015d}#{username}"),
            "username": s(username),
            "email": s(email),
            "status": s("UNCONFIRMED"),
            "created_ms": n(created_ms),
            "tokens_valid_after_ms": n(valid_after_ms),
        }
        if full_name:
            item["full_name"] = s(full_name)
        claim: Item = {**email_key(email), "username": s(username)}
        absent = "attribute_not_exists(pk)"
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": absent}},
                    {"Put": {"TableName": self._table, "Item": claim, "ConditionExpression": absent}},
                ]
            )
        except ClientError as exc:
            raise_if_taken(exc)
            raise

    def release(self, username: str, email: str) -> None:
        """Undo `claim` when Cognito refused the sign-up (one TransactWriteItems)."""
        self._db.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": self._table, "Key": user_key(username)}},
                {"Delete": {"TableName": self._table, "Key": email_key(email)}},
            ]
        )

    def mark_confirmed(self, username: str, sub: str) -> bool:
        """Mirror ConfirmSignUp and bind the pool's `sub` (tokens of an earlier account of
        the same name carry another one), in one UpdateItem; False when the record is gone."""
        return update_user(
            self._db,
            self._table,
            username,
            "SET #status = :confirmed, #sub = :sub",
            {":confirmed": s("CONFIRMED"), ":sub": s(sub)},
            names={"#status": "status", "#sub": "sub"},
        )

    def begin_reset(self, username: str, digest: str, until_ms: int, now_ms: int) -> bool:
        """Mark a reset under way with this code (its digest) until `until_ms`, right before
        ConfirmForgotPassword, in one UpdateItem. True when the same code's marker was there
        already and still fresh: an earlier request with this code reached Cognito moments
        ago, so an ExpiredCodeException now means that request used the code (a retry
        after a fault). False for a first try, or when the record is gone."""
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=user_key(username),
                UpdateExpression="SET reset_digest = :d, reset_until_ms = :u",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":d": s(digest), ":u": n(until_ms)},
                ReturnValues="ALL_OLD",  # UPDATED_OLD may omit an attribute set to its own value
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        old = response.get("Attributes", {})
        return get_s(old, "reset_digest") == digest and get_n(old, "reset_until_ms") > now_ms

    def abandon_reset(self, username: str, digest: str) -> None:
        """Remove this code's marker when Cognito refused the code (it was not used)."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=user_key(username),
                UpdateExpression="REMOVE reset_digest, reset_until_ms",
                ConditionExpression="reset_digest = :d",
                ExpressionAttributeValues={":d": s(digest)},
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":  # another code's marker now
                raise

    def finish_reset(self, username: str, cutoff_ms: int) -> None:
        """The reset's sign-out cut-off, and the marker gone, in one UpdateItem."""
        update_user(
            self._db,
            self._table,
            username,
            "SET tokens_valid_after_ms = :c REMOVE reset_digest, reset_until_ms",
            {":c": n(cutoff_ms)},
        )
