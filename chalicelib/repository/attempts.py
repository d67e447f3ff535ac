"""Sign-in failures and mail throttles per identifier, in the users table with a TTL.

Keyed by the identifier as typed (lower-cased username or email), whether or not an
account has it, so an unknown name behaves exactly like a known one (API.md). Every
write is conditional on what was read, so parallel attempts cannot slip past a limit.

  LOGIN#<identifier> / LOCK          failures, locked_until_ms
  MAIL#<kind>#<identifier> / SLOT    until_ms: no second mail of this kind before then
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.repository.dynamo import Item, error_code, get_n, n, s
from chalicelib.repository.schema import TTL_ATTRIBUTE

LOCK_KEEP_SECONDS = 24 * 3600  # a failure streak is forgotten a day after its last try


@dataclass(frozen=True)
class LockState:
    failures: int = 0
    locked_until_ms: int = 0


def lock_key(identifier: str) -> Item:
    return {"pk": s(f"LOGIN#{identifier}"), "sk": s("LOCK")}


def slot_key(kind: str, identifier: str) -> Item:
    return {"pk": s(f"MAIL#{kind}#{identifier}"), "sk": s("SLOT")}


def _state_of(item: Item | None) -> LockState:
    if not item:
        return LockState()
    return LockState(get_n(item, "failures"), get_n(item, "locked_until_ms"))


class LockGuard:
    """One sign-in's lockout record, read by the identity backend together with the user
    (chalicelib.identity.SessionGuard) so the lockout costs no round trip of its own.
    `refuse` is the caller's rule: it raises when the state it is given is locked."""

    def __init__(self, repository: AttemptRepository, identifier: str, refuse: Callable[[LockState], None]) -> None:
        self._repository = repository
        self._identifier = identifier
        self._refuse = refuse
        self.key: Item = lock_key(identifier)
        self.seen = LockState()
        self.cleared = False  # the streak's delete went with the session write

    def admit(self, item: Item | None) -> None:
        self.seen = _state_of(item)
        self._refuse(self.seen)

    def check(self) -> None:
        self.admit(self._repository.read_lock(self._identifier))

    def session_writes(self) -> list[dict[str, Any]]:
        """A success resets the streak: delete the record in the session's transaction
        (nothing to add when there was no failure)."""
        if not self.seen.failures:
            return []
        self.cleared = True
        return [{"Delete": {"TableName": self._repository.table, "Key": self.key}}]


class AttemptRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._db = client
        self._table = table

    @property
    def table(self) -> str:
        return self._table

    def guard(self, identifier: str, refuse: Callable[[LockState], None]) -> LockGuard:
        return LockGuard(self, identifier, refuse)

    def read_lock(self, identifier: str) -> Item | None:
        item: Item | None = self._db.get_item(TableName=self._table, Key=lock_key(identifier), ConsistentRead=True).get(
            "Item"
        )
        return item

    def lock_state(self, identifier: str) -> LockState:
        return _state_of(self.read_lock(identifier))

    def record_failure(self, identifier: str, seen: LockState, locked_until_ms: int, now_ms: int) -> bool:
        """Count one more failure on top of `seen`; False when another attempt counted
        first (the caller re-reads and decides again)."""
        condition = "attribute_not_exists(pk)" if seen.failures == 0 else "failures = :seen"
        values: dict[str, Any] = {
            ":f": n(seen.failures + 1),
            ":l": n(locked_until_ms),
            ":ttl": n(now_ms // 1000 + LOCK_KEEP_SECONDS),
        }
        if seen.failures:
            values[":seen"] = n(seen.failures)
        try:
            self._db.update_item(
                TableName=self._table,
                Key=lock_key(identifier),
                UpdateExpression="SET failures = :f, locked_until_ms = :l, #ttl = :ttl",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def clear(self, identifier: str) -> None:
        self._db.delete_item(TableName=self._table, Key=lock_key(identifier))

    def take_slot(self, kind: str, identifier: str, now_ms: int, interval_ms: int) -> int:
        """Claim the next mail of `kind` for `identifier`: 0 when granted, else the
        milliseconds until the next one may go (one conditional write when granted)."""
        until = now_ms + interval_ms
        try:
            self._db.put_item(
                TableName=self._table,
                Item={**slot_key(kind, identifier), "until_ms": n(until), TTL_ATTRIBUTE: n(until // 1000 + 60)},
                ConditionExpression="attribute_not_exists(pk) OR until_ms <= :now",
                ExpressionAttributeValues={":now": n(now_ms)},
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            item = self._db.get_item(TableName=self._table, Key=slot_key(kind, identifier), ConsistentRead=True)
            return max(1, get_n(item.get("Item") or {}, "until_ms") - now_ms)
        return 0

    def release_slot(self, kind: str, identifier: str, until_ms: int) -> None:
        """Give back a slot whose mail did not go: delete it only while it is still the one
        this request wrote (same `until_ms`), so a later request's slot stays."""
        try:
            self._db.delete_item(
                TableName=self._table,
                Key=slot_key(kind, identifier),
                ConditionExpression="until_ms = :u",
                ExpressionAttributeValues={":u": n(until_ms)},
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
