"""Sign-in tries, code checks and mail throttles per identifier, in the users table with a TTL.

Keyed by the identifier in its normal form (chalicelib.core.identifiers), whether or not an
account has it, so an unknown name behaves exactly like a known one (docs/api.md). Every
write is conditional (or an atomic ADD under a condition), so parallel requests cannot
slip past a limit:

  LOGIN#<identifier> / LOCK          failures, locked_until_ms
  CODES#<identifier> / CAP           wrong, window_end_ms: wrong codes in the current day
  MAIL#<kind>#<identifier> / SLOT    until_ms: no second mail of this kind before then

Both limits take the try BEFORE the secret is checked (a password hash, a code): a
sign-in or a code check first writes "one more failure" on top of the state it saw, and
only the requests whose write won look at the secret. A success gives the try back. So
the limit holds however many requests arrive at once: they are ordered by the writes,
not by when their checks finish.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.aws import error_code
from chalicelib.core.clock import Clock
from chalicelib.core.errors import TooManyRequests
from chalicelib.storage.dynamo import Item, get_n, get_s, n, s
from chalicelib.storage.schema import TTL_ATTRIBUTE
from chalicelib.storage.users import email_key

LOCK_KEEP_SECONDS = 24 * 3600  # a failure streak is forgotten a day after its last try
CODE_CAP = 20  # wrong codes per identifier ...
CODE_WINDOW_MS = 24 * 3600 * 1000  # ... per window, which opens with the first of them
WRITE_RETRIES = 20  # conditional writes lost to parallel requests before giving up (429)
FAILED_CONDITION = "ConditionalCheckFailedException"


@dataclass(frozen=True)
class LockState:
    failures: int = 0
    locked_until_ms: int = 0


def lock_key(identifier: str) -> Item:
    return {"pk": s(f"LOGIN#{identifier}"), "sk": s("LOCK")}


def cap_key(identifier: str) -> Item:
    return {"pk": s(f"CODES#{identifier}"), "sk": s("CAP")}


def slot_key(kind: str, identifier: str) -> Item:
    return {"pk": s(f"MAIL#{kind}#{identifier}"), "sk": s("SLOT")}


def _state_of(item: Item | None) -> LockState:
    if not item:
        return LockState()
    return LockState(get_n(item, "failures"), get_n(item, "locked_until_ms"))


@dataclass(frozen=True)
class LockRecord:
    """One identifier's sign-in lock record, as another repository of this table handles
    it: read beside a user in one round trip (`read`), or deleted in a session's write
    (`key`). `state` is what the read found (None: not read)."""

    identifier: str
    state: LockState | None = None

    @property
    def key(self) -> Item:
        return lock_key(self.identifier)

    def read(self, item: Item | None) -> LockRecord:
        return replace(self, state=_state_of(item))


def _lost(exc: ClientError) -> bool:
    return error_code(exc) == FAILED_CONDITION


def _old_item(exc: ClientError) -> Item | None:
    """The item a failed condition saw (ReturnValuesOnConditionCheckFailure=ALL_OLD), so
    the loser of a race needs no read to decide again; None when absent (or not sent)."""
    item: Item | None = exc.response.get("Item")
    return item


Refuse = Callable[[LockState], None]
LockSeconds = Callable[[int], int]


class LockGuard:
    """One sign-in's try (chalicelib.identity.SessionGuard). The backend has its storage
    read `lock` with the user and hands back what it found (`admit`), or lets the guard
    write blind (`check`); either way the try is taken by a conditional write before the
    password is checked. `refuse` is the caller's rule: it raises when the state it is
    given is locked; `lock_seconds` gives the lock that the n-th straight failure starts."""

    def __init__(
        self, repository: AttemptRepository, identifier: str, refuse: Refuse, lock_seconds: LockSeconds, clock: Clock
    ) -> None:
        self._repository = repository
        self._identifier = identifier
        self._refuse = refuse
        self._lock_seconds = lock_seconds
        self._clock = clock
        self.lock = LockRecord(identifier)
        self.taken: LockState | None = None  # what this try wrote: the streak if it fails
        self.cleared = False  # the streak's delete went with the session write

    def admit(self, lock: LockRecord) -> None:
        state = lock.state if lock.state is not None else LockState()
        self.taken = self._repository.take_try(self._identifier, state, self._refuse, self._lock_seconds, self._clock)

    def check(self) -> None:
        self.taken = self._repository.take_try(self._identifier, None, self._refuse, self._lock_seconds, self._clock)

    def streak_to_end(self) -> LockRecord | None:
        """A success resets the streak (this try's own count included): the record to
        delete in the session's write, None when no try was taken."""
        if self.taken is None:
            return None
        self.cleared = True
        return self.lock


@dataclass(frozen=True)
class CodeTry:
    """One code check, counted as wrong in advance; given back when the code was right."""

    identifier: str
    window_end_ms: int
    wrong: int  # the identifier's wrong codes in the window, this one included
    opened: bool  # this check opened the window (its record held only this try)


class CodeCap:
    """At most `limit` wrong codes per identifier in a window of `window_ms` that opens
    with the first one; past it every check is refused until the window ends (docs/api.md).
    Reusable for any code: confirmation, reset, two-step."""

    def __init__(self, client: Any, table: str, limit: int = CODE_CAP, window_ms: int = CODE_WINDOW_MS) -> None:
        self._db = client
        self._table = table
        self.limit = limit
        self._window = window_ms

    def check(self, identifier: str, now_ms: int) -> CodeTry:
        """Take one wrong code for `identifier` before the code is looked at: one
        conditional PutItem when no window is open, else a failed Put and an ADD under
        `wrong < limit`. TooManyRequests (Retry-After: the window's end) past the cap."""
        for _ in range(WRITE_RETRIES):
            end = now_ms + self._window
            try:
                self._db.put_item(
                    TableName=self._table,
                    Item={**cap_key(identifier), "wrong": n(1), "window_end_ms": n(end), TTL_ATTRIBUTE: n(end // 1000)},
                    ConditionExpression="attribute_not_exists(pk) OR window_end_ms <= :now",
                    ExpressionAttributeValues={":now": n(now_ms)},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                return CodeTry(identifier, end, 1, True)
            except ClientError as exc:
                if not _lost(exc):
                    raise
                old = _old_item(exc) or self._read(identifier)
            if old is None:
                continue  # the window was deleted in between: open a new one
            end, wrong = get_n(old, "window_end_ms"), get_n(old, "wrong")
            if wrong >= self.limit and end > now_ms:
                raise TooManyRequests(math.ceil((end - now_ms) / 1000), "Too many wrong codes. Try again later.")
            try:
                response = self._db.update_item(
                    TableName=self._table,
                    Key=cap_key(identifier),
                    UpdateExpression="ADD wrong :one",
                    ConditionExpression="window_end_ms = :end AND wrong < :cap",
                    ExpressionAttributeValues={":one": n(1), ":end": n(end), ":cap": n(self.limit)},
                    ReturnValues="UPDATED_NEW",
                )
            except ClientError as exc:
                if not _lost(exc):
                    raise
                continue  # another check counted first: decide again
            return CodeTry(identifier, end, get_n(response.get("Attributes") or {}, "wrong"), False)
        raise TooManyRequests(1)

    def refuse_if_full(self, identifier: str, now_ms: int) -> None:
        """TooManyRequests while the identifier's window holds `limit` wrong codes (one
        GetItem): for checks that count a wrong code after the fact (two-step codes, whose
        session and sign-in lock already bound parallel guesses)."""
        item = self._read(identifier)
        if item is None:
            return
        end, wrong = get_n(item, "window_end_ms"), get_n(item, "wrong")
        if wrong >= self.limit and end > now_ms:
            raise TooManyRequests(math.ceil((end - now_ms) / 1000), "Too many wrong codes. Try again later.")

    def give_back(self, taken: CodeTry) -> None:
        """The code was right (or not checked): it does not count. A window this check
        opened and nobody else used goes away whole, leaving the table as it was."""
        end = {":end": n(taken.window_end_ms)}
        if taken.opened:
            try:
                self._db.delete_item(
                    TableName=self._table,
                    Key=cap_key(taken.identifier),
                    ConditionExpression="window_end_ms = :end AND wrong = :one",
                    ExpressionAttributeValues={**end, ":one": n(1)},
                )
                return
            except ClientError as exc:
                if not _lost(exc):
                    raise
        try:
            self._db.update_item(
                TableName=self._table,
                Key=cap_key(taken.identifier),
                UpdateExpression="ADD wrong :minus",
                ConditionExpression="window_end_ms = :end AND wrong > :zero",
                ExpressionAttributeValues={**end, ":minus": n(-1), ":zero": n(0)},
            )
        except ClientError as exc:
            if not _lost(exc):
                raise  # a window that ended meanwhile has nothing to give back

    def _read(self, identifier: str) -> Item | None:
        item: Item | None = self._db.get_item(TableName=self._table, Key=cap_key(identifier), ConsistentRead=True).get(
            "Item"
        )
        return item


class AttemptRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._db = client
        self._table = table

    @property
    def table(self) -> str:
        return self._table

    def guard(self, identifier: str, refuse: Refuse, lock_seconds: LockSeconds, clock: Clock) -> LockGuard:
        return LockGuard(self, identifier, refuse, lock_seconds, clock)

    def code_cap(self) -> CodeCap:
        return CodeCap(self._db, self._table)

    def owner_of(self, email: str) -> str | None:
        """The username whose account claims `email` (one GetItem), so that an account's
        two identifiers share its code cap."""
        response = self._db.get_item(TableName=self._table, Key=email_key(email), ConsistentRead=True)
        item = response.get("Item")
        return get_s(item, "username") if item else None

    def read_lock(self, identifier: str) -> Item | None:
        item: Item | None = self._db.get_item(TableName=self._table, Key=lock_key(identifier), ConsistentRead=True).get(
            "Item"
        )
        return item

    def lock_state(self, identifier: str) -> LockState:
        return _state_of(self.read_lock(identifier))

    def take_try(
        self, identifier: str, seen: LockState | None, refuse: Refuse, lock_seconds: LockSeconds, clock: Clock
    ) -> LockState:
        """Count one more failure on top of `seen` (None: not read; assume no record)
        before the password is checked, and return what was written. `refuse` raises for a
        locked state. A write lost to a parallel try re-decides on the state that won
        (sent back by the failed condition): of N parallel tries, exactly the first five
        get a password check and the rest find the lock."""
        for _ in range(WRITE_RETRIES):
            now = clock.now_ms()
            if seen is not None:
                refuse(seen)
            failures = (seen.failures if seen else 0) + 1
            lock = lock_seconds(failures)
            state = LockState(failures, now + lock * 1000 if lock else 0)
            if seen is None or seen.failures == 0:
                condition, values = "attribute_not_exists(pk)", {}
            else:
                # `locked_until_ms <= :now` too: a streak that was cleared and counted up
                # to the same number again meanwhile may be locked now.
                condition = "failures = :seen AND locked_until_ms <= :now"
                values = {":seen": n(seen.failures), ":now": n(now)}
            try:
                self._db.update_item(
                    TableName=self._table,
                    Key=lock_key(identifier),
                    UpdateExpression="SET failures = :f, locked_until_ms = :l, #ttl = :ttl",
                    ConditionExpression=condition,
                    ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                    ExpressionAttributeValues={
                        ":f": n(state.failures),
                        ":l": n(state.locked_until_ms),
                        ":ttl": n(now // 1000 + LOCK_KEEP_SECONDS),
                        **values,
                    },
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except ClientError as exc:
                if not _lost(exc):
                    raise
                old = _old_item(exc)
                seen = _state_of(old) if old is not None else self.lock_state(identifier)
                continue
            return state
        raise TooManyRequests(1)

    def give_back_try(self, identifier: str, taken: LockState) -> None:
        """Undo one `take_try` whose password was right but whose sign-in is not finished
        (a second step is due): the streak goes back to what it was, unlocked (it was not
        locked when the try was taken). Conditional on the count this try wrote, so a
        parallel failure counted since is never undone; then the try simply stays."""
        try:
            if taken.failures <= 1:
                self._db.delete_item(
                    TableName=self._table,
                    Key=lock_key(identifier),
                    ConditionExpression="failures = :taken",
                    ExpressionAttributeValues={":taken": n(taken.failures)},
                )
                return
            self._db.update_item(
                TableName=self._table,
                Key=lock_key(identifier),
                UpdateExpression="SET failures = :before, locked_until_ms = :zero",
                ConditionExpression="failures = :taken",
                ExpressionAttributeValues={
                    ":before": n(taken.failures - 1),
                    ":zero": n(0),
                    ":taken": n(taken.failures),
                },
            )
        except ClientError as exc:
            if not _lost(exc):
                raise

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
            if error_code(exc) != FAILED_CONDITION:
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
            if error_code(exc) != FAILED_CONDITION:
                raise
