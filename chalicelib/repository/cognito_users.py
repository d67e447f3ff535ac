"""What the Cognito backend keeps in the users table, beside the pool.

Same keys and attributes as the builtin backend's records (repository/users.py), minus
the credentials, which live in Cognito:
  USER#<username> / PROFILE   full_name, created_ms (the oldest-first list), the pool's
                              sub (bound at confirmation), the sign-out cut-off, and mirrors
                              of the pool's status and groups (written after Cognito accepted
                              the change)
  EMAIL#<email lower> / EMAIL the email claim (Cognito has no unique, case-insensitive
                              email that still lets people sign in by username)
Reads, the list, full name, groups, the cut-off and deletion are the builtin repository's
own methods: one key design, one implementation.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from chalicelib.repository.dynamo import Item, n, s
from chalicelib.repository.users import USERS_LIST_KEY, UserRepository, email_key, raise_if_taken, user_key


class CognitoUserRepository(UserRepository):
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
        return self._update(
            username,
            "SET #status = :confirmed, #sub = :sub",
            {":confirmed": s("CONFIRMED"), ":sub": s(sub)},
            names={"#status": "status", "#sub": "sub"},
        )
