"""User records in DynamoDB: the only place that knows their key design and attributes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.core.aws import error_code
from chalicelib.core.errors import EmailTaken, NotFound, UsernameTaken
from chalicelib.core.identifiers import normal_form
from chalicelib.storage.dynamo import (
    Item,
    cancellation_codes,
    drain,
    get_n,
    get_s,
    get_ss,
    n,
    query_page,
    s,
)
from chalicelib.storage.schema import TTL_ATTRIBUTE, USERS_GSI

if TYPE_CHECKING:  # attempts.py imports this module's keys
    from chalicelib.storage.attempts import LockRecord

PROFILE = "PROFILE"
USERS_LIST_KEY = "USER"
HELD = "HELD"  # the status of a username held for a sign-up with a taken address


def raise_if_taken(exc: ClientError) -> None:
    """For a cancelled claim transaction whose first item is the user record and second
    the email claim: the name or the address that was taken (the record wins a tie)."""
    if error_code(exc) != "TransactionCanceledException":
        return
    reasons = cancellation_codes(exc)
    if reasons and reasons[0] == "ConditionalCheckFailed":
        raise UsernameTaken() from exc
    if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
        raise EmailTaken() from exc


def user_key(username: str) -> Item:
    return {"pk": s(f"USER#{username}"), "sk": s(PROFILE)}


def email_key(email: str) -> Item:
    # One normal form for uniqueness as for every other rule. Claims written before it
    # (casefold() only) are the same key for every address that NFKC leaves alone (ASCII).
    return {"pk": s(f"EMAIL#{normal_form(email)}"), "sk": s("EMAIL")}


@dataclass(frozen=True)
class StoredCode:
    """What the user record keeps of a code: never the digits themselves."""

    purpose: str  # "confirm" or "reset"
    digest: str
    expires_at: int
    tries: int = 0


@dataclass(frozen=True)
class UserRecord:
    """A stored user. Holds secrets (hash, code digest): never serialize it to a client."""

    username: str
    sub: str
    email: str
    password_hash: str
    status: str  # UNCONFIRMED | CONFIRMED | HELD (see UserRepository.hold)
    created_ms: int
    full_name: str | None = None
    groups: tuple[str, ...] = ()
    tokens_valid_after_ms: int = 0
    code: StoredCode | None = None
    two_step_on: bool = False  # mfa_state (storage/two_step.py): sign-in wants a second step

    @property
    def confirmed(self) -> bool:
        return self.status == "CONFIRMED"

    @property
    def held(self) -> bool:
        return self.status == HELD


@dataclass(frozen=True)
class RefreshRecord:
    username: str
    digest: str
    issued_ms: int
    expires_at: int  # epoch seconds (DynamoDB TTL)


@dataclass(frozen=True)
class UserPage:
    items: list[UserRecord]
    last_key: Item | None = field(default=None)


def _to_record(item: Item) -> UserRecord:
    code = None
    purpose = get_s(item, "code_purpose")
    if purpose:
        code = StoredCode(
            purpose=purpose,
            digest=get_s(item, "code_digest", "") or "",
            expires_at=get_n(item, "code_expires_at"),
            tries=get_n(item, "code_tries"),
        )
    return UserRecord(
        username=get_s(item, "username", "") or "",
        sub=get_s(item, "sub", "") or "",
        email=get_s(item, "email", "") or "",
        password_hash=get_s(item, "password_hash", "") or "",
        status=get_s(item, "status", "UNCONFIRMED") or "UNCONFIRMED",
        created_ms=get_n(item, "created_ms"),
        full_name=get_s(item, "full_name"),
        groups=get_ss(item, "groups"),
        tokens_valid_after_ms=get_n(item, "tokens_valid_after_ms"),
        code=code,
        two_step_on=get_s(item, "mfa_state") == "on",
    )


# A code's attributes on the user record, named once: written, set, removed and read here.
CODE_ATTRIBUTES = ("code_purpose", "code_digest", "code_expires_at", "code_tries")
SET_CODE = ", ".join(f"{name} = :{name}" for name in CODE_ATTRIBUTES)
REMOVE_CODE = ", ".join(CODE_ATTRIBUTES)


def _code_item(code: StoredCode) -> Item:
    values = (s(code.purpose), s(code.digest), n(code.expires_at), n(code.tries))
    return dict(zip(CODE_ATTRIBUTES, values, strict=True))


def _code_values(code: StoredCode) -> dict[str, Any]:
    return {f":{name}": value for name, value in _code_item(code).items()}


EXISTS = "attribute_exists(pk)"


def update_user(
    client: Any,
    table: str,
    username: str,
    expression: str,
    values: dict[str, Any] | None = None,
    condition: str = EXISTS,
    names: dict[str, str] | None = None,
) -> bool:
    """One conditional UpdateItem of a user record; False when the condition did not hold.
    Shared by both backends' repositories (one key design, one implementation)."""
    kwargs: dict[str, Any] = {
        "TableName": table,
        "Key": user_key(username),
        "UpdateExpression": expression,
        "ConditionExpression": condition,
    }
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    try:
        client.update_item(**kwargs)
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True


class UserRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._db = client
        self._table = table

    # -- reads -----------------------------------------------------------------------

    def get(self, username: str) -> UserRecord | None:
        # Consistent reads: sign-in right after confirm or sign-out must see the change.
        response = self._db.get_item(TableName=self._table, Key=user_key(username), ConsistentRead=True)
        item = response.get("Item")
        return _to_record(item) if item else None

    def username_for_email(self, email: str) -> str | None:
        response = self._db.get_item(TableName=self._table, Key=email_key(email), ConsistentRead=True)
        item = response.get("Item")
        return get_s(item, "username") if item else None

    def get_with(self, key: Item, extra: Item) -> tuple[Item | None, Item | None]:
        """Two items of this table in one round trip (BatchGetItem): the one at `key` (a
        user or an email claim) and the one at `extra` (a lockout record, a refresh token)."""
        request = {self._table: {"Keys": [key, extra], "ConsistentRead": True}}
        first = second = None
        for response in drain(self._db.batch_get_item, request, "UnprocessedKeys"):
            for item in response.get("Responses", {}).get(self._table, []):
                if item["pk"] == key["pk"] and item["sk"] == key["sk"]:
                    first = item
                else:
                    second = item
        return first, second

    def get_user_with(self, username: str, lock: LockRecord) -> tuple[UserRecord | None, LockRecord]:
        """The user and a sign-in lock record in one round trip (the lock as read)."""
        item, other = self.get_with(user_key(username), lock.key)
        return (_to_record(item) if item else None), lock.read(other)

    def username_for_email_with(self, email: str, lock: LockRecord) -> tuple[str | None, LockRecord]:
        """An address's owner and a sign-in lock record in one round trip."""
        item, other = self.get_with(email_key(email), lock.key)
        return (get_s(item, "username") if item else None), lock.read(other)

    def get_with_refresh(self, username: str, digest: str) -> tuple[UserRecord | None, RefreshRecord | None]:
        """The user and one refresh token in a single round trip (BatchGetItem)."""
        item, stored = self.get_with(user_key(username), {"pk": s(f"USER#{username}"), "sk": s(f"REFRESH#{digest}")})
        user = _to_record(item) if item else None
        if stored is None:
            return user, None
        return user, RefreshRecord(username, digest, get_n(stored, "issued_ms"), get_n(stored, TTL_ATTRIBUTE))

    def list(self, limit: int, start_key: Item | None) -> UserPage:
        request = {
            "TableName": self._table,
            "IndexName": USERS_GSI,
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": s(USERS_LIST_KEY)},
        }
        response = query_page(self._db, request, limit, start_key)
        return UserPage([_to_record(i) for i in response.get("Items", [])], response.get("LastEvaluatedKey"))

    # -- writes ----------------------------------------------------------------------

    def create(self, user: UserRecord) -> None:
        """Claim the username and the email in one transaction: concurrent twins can't both win."""
        item: Item = {
            **user_key(user.username),
            "gsi1pk": s(USERS_LIST_KEY),
            "gsi1sk": s(f"{user.created_ms:015d}#{user.username}"),
            "username": s(user.username),
            "sub": s(user.sub),
            "email": s(user.email),
            "password_hash": s(user.password_hash),
            "status": s(user.status),
            "created_ms": n(user.created_ms),
            "tokens_valid_after_ms": n(user.tokens_valid_after_ms),
        }
        if user.full_name:
            item["full_name"] = s(user.full_name)
        if user.code:
            item.update(_code_item(user.code))
        claim: Item = {**email_key(user.email), "username": s(user.username)}
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": claim,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        except ClientError as exc:
            raise_if_taken(exc)
            raise

    def hold(self, username: str, created_ms: int, unusable_hash: str) -> None:
        """Hold a username for a sign-up whose address is taken (docs/api.md: held exactly as a
        fresh sign-up holds it): a record with status HELD, no email, no email claim, no
        code, a password hash no password matches, and not in the users list. It cannot
        sign in or be confirmed; a sign-up with the name answers 409 as for any account.
        UsernameTaken when the name was taken meanwhile."""
        item: Item = {
            **user_key(username),
            "username": s(username),
            "email": s(""),
            "password_hash": s(unusable_hash),
            "status": s(HELD),
            "created_ms": n(created_ms),
        }
        try:
            self._db.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise UsernameTaken() from exc
            raise

    def _update(
        self,
        username: str,
        expression: str,
        values: dict[str, Any] | None = None,
        condition: str = EXISTS,
        names: dict[str, str] | None = None,
    ) -> bool:
        return update_user(self._db, self._table, username, expression, values, condition, names)

    def set_code(self, username: str, code: StoredCode) -> bool:
        return self._update(username, f"SET {SET_CODE}", _code_values(code))

    def count_code_failure(self, username: str, digest: str) -> None:
        # Conditioned on the same code, so a failure can't count against a fresh code.
        self._update(
            username, "ADD code_tries :one", {":one": n(1), ":d": s(digest)}, condition=f"{EXISTS} AND code_digest = :d"
        )

    def confirm(self, username: str, digest: str) -> bool:
        return self._update(
            username,
            f"SET #status = :confirmed REMOVE {REMOVE_CODE}",
            {":confirmed": s("CONFIRMED"), ":d": s(digest)},
            condition=f"{EXISTS} AND code_digest = :d",
            names={"#status": "status"},
        )

    def start_session(
        self, refresh: RefreshRecord, new_hash: str | None, ends_streak: LockRecord | None = None
    ) -> None:
        """Store the refresh token; upgrade the password hash and delete `ends_streak` (the
        sign-in lock a success resets) in the same request."""
        extra = [{"Delete": {"TableName": self._table, "Key": ends_streak.key}}] if ends_streak else []
        put = {
            "TableName": self._table,
            "Item": {
                "pk": s(f"USER#{refresh.username}"),
                "sk": s(f"REFRESH#{refresh.digest}"),
                "issued_ms": n(refresh.issued_ms),
                TTL_ATTRIBUTE: n(refresh.expires_at),
            },
        }
        if not new_hash:
            if extra:
                self._db.transact_write_items(TransactItems=[{"Put": put}, *extra])
            else:
                self._db.put_item(**put)
            return
        update = {
            "TableName": self._table,
            "Key": user_key(refresh.username),
            "UpdateExpression": "SET password_hash = :h",
            "ConditionExpression": EXISTS,
            "ExpressionAttributeValues": {":h": s(new_hash)},
        }
        self._db.transact_write_items(TransactItems=[{"Put": put}, {"Update": update}, *extra])

    def revoke_sessions(self, username: str, cutoff_ms: int) -> None:
        self._update(username, "SET tokens_valid_after_ms = :c", {":c": n(cutoff_ms)})

    def reset_password(self, username: str, new_hash: str, cutoff_ms: int, digest: str) -> bool:
        return self._update(
            username,
            f"SET password_hash = :h, tokens_valid_after_ms = :c REMOVE {REMOVE_CODE}",
            {":h": s(new_hash), ":c": n(cutoff_ms), ":d": s(digest)},
            condition=f"{EXISTS} AND code_digest = :d",
        )

    def update_full_name(self, username: str, full_name: str | None) -> UserRecord:
        if full_name:
            expression, values = "SET full_name = :n", {":n": s(full_name)}
        else:
            expression, values = "REMOVE full_name", {}
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Key": user_key(username),
            "UpdateExpression": expression,
            "ConditionExpression": EXISTS,
            "ReturnValues": "ALL_NEW",
        }
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            response = self._db.update_item(**kwargs)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise NotFound("No such user.") from exc
            raise
        return _to_record(response["Attributes"])

    def add_group(self, username: str, group: str) -> bool:
        return self._update(username, "ADD #groups :g", {":g": {"SS": [group]}}, names={"#groups": "groups"})

    def delete(self, username: str, email: str) -> None:
        """Free the username and the email together. Refresh items expire by TTL and are
        dead already: a new account under the same name starts with a later cut-off."""
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._table,
                            "Key": user_key(username),
                            "ConditionExpression": EXISTS,
                        }
                    },
                    {"Delete": {"TableName": self._table, "Key": email_key(email)}},
                ]
            )
        except ClientError as exc:
            if error_code(exc) == "TransactionCanceledException":
                raise NotFound("No such user.") from exc
            raise
