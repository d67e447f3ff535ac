"""What two-step sign-in stores, in the users table under the user's partition.

  USER#<username> / PROFILE            attributes beside the profile's own (so deleting the
                                       account deletes them with it, and a new account of
                                       the same name starts without them):
      mfa_state         "on" (absent: off)
      mfa_secret        the authenticator's secret, sealed (usecases/two_step/keys.py)
      mfa_pending       a pending authenticator's secret, sealed, until its first code
      mfa_last_step     the last 30-second step whose code was accepted (replay guard)
      mfa_recovery      string set of recovery-code digests; using one deletes it
      mfa_signin_until  ms: a recovery-code sign-in is in progress (Cognito backend)
  USER#<username> / MFA_SESSION#<sha256>  a sign-in challenge: sub, identifier, the
                                       pool's session (Cognito), wrong codes, expiry (TTL)

Every change is one conditional UpdateItem (or Put/Delete) on what must hold for it, so
parallel requests cannot both use a code, a step or a session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.aws import error_code
from chalicelib.storage.dynamo import Item, get_n, get_s, n, s
from chalicelib.storage.schema import TTL_ATTRIBUTE
from chalicelib.storage.users import user_key

ON = "on"
MFA_ATTRIBUTES = ("mfa_state", "mfa_secret", "mfa_pending", "mfa_last_step", "mfa_recovery", "mfa_signin_until")
READ = ("username", "sub", "email", "full_name", *MFA_ATTRIBUTES)
EXISTS = "attribute_exists(pk)"
IS_ON = f"{EXISTS} AND mfa_state = :on"
STEP_IS_NEW = "(attribute_not_exists(mfa_last_step) OR mfa_last_step < :step)"
TURN_OFF = "REMOVE " + ", ".join(a for a in MFA_ATTRIBUTES if a != "mfa_signin_until")


@dataclass(frozen=True)
class TwoStepRecord:
    """A user's two-step state. Holds sealed secrets and digests: never send it out."""

    username: str
    sub: str
    email: str
    full_name: str | None
    on: bool
    secret: str | None  # sealed
    pending: str | None  # sealed
    last_step: int
    recovery: frozenset[str]
    signin_until_ms: int

    @property
    def greeting(self) -> str:
        return self.full_name or self.username


@dataclass(frozen=True)
class ChallengeRecord:
    username: str
    digest: str
    sub: str
    identifier: str
    pool_session: str
    wrong: int
    expires_ms: int


def _record(item: Item) -> TwoStepRecord:
    recovery = item.get("mfa_recovery", {}).get("SS", [])
    return TwoStepRecord(
        username=get_s(item, "username", "") or "",
        sub=get_s(item, "sub", "") or "",
        email=get_s(item, "email", "") or "",
        full_name=get_s(item, "full_name"),
        on=get_s(item, "mfa_state") == ON,
        secret=get_s(item, "mfa_secret"),
        pending=get_s(item, "mfa_pending"),
        last_step=get_n(item, "mfa_last_step", -1),
        recovery=frozenset(recovery),
        signin_until_ms=get_n(item, "mfa_signin_until"),
    )


def session_key(username: str, digest: str) -> Item:
    return {"pk": s(f"USER#{username}"), "sk": s(f"MFA_SESSION#{digest}")}


class TwoStepRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._db = client
        self._table = table

    # -- the user's state ---------------------------------------------------------------

    def read(self, username: str) -> TwoStepRecord | None:
        response = self._db.get_item(
            TableName=self._table,
            Key=user_key(username),
            ConsistentRead=True,
            ProjectionExpression=", ".join(f"#a{i}" for i in range(len(READ))),
            ExpressionAttributeNames={f"#a{i}": name for i, name in enumerate(READ)},
        )
        item = response.get("Item")
        return _record(item) if item else None

    def _update(
        self, username: str, expression: str, condition: str, values: dict[str, Any], returns: str = "NONE"
    ) -> Item | None:
        """One conditional UpdateItem: the item as `returns` asks (an empty dict for NONE),
        or None when the condition did not hold."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Key": user_key(username),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ReturnValues": returns,
        }
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            response = self._db.update_item(**kwargs)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        attributes: Item = response.get("Attributes") or {}
        return attributes

    def set_pending(self, username: str, sealed: str) -> bool:
        """A new pending authenticator (replacing an earlier one) while two-step is off."""
        done = self._update(
            username,
            "SET mfa_pending = :p",
            f"{EXISTS} AND attribute_not_exists(mfa_state)",
            {":p": s(sealed)},
        )
        return done is not None

    def turn_on(self, username: str, pending: str, step: int, digests: list[str]) -> bool:
        """The pending authenticator becomes the one, with its first code's step and a
        set of recovery codes; only if it is still the pending one."""
        done = self._update(
            username,
            "SET mfa_state = :on, mfa_secret = :p, mfa_last_step = :step, mfa_recovery = :r REMOVE mfa_pending",
            f"{EXISTS} AND mfa_pending = :p AND attribute_not_exists(mfa_state)",
            {":on": s(ON), ":p": s(pending), ":step": n(step), ":r": {"SS": digests}},
        )
        return done is not None

    def use_step(self, username: str, secret: str, step: int) -> bool:
        """Accept a code of `step` once: only a step later than the last one used passes."""
        done = self._update(
            username,
            "SET mfa_last_step = :step",
            f"{IS_ON} AND mfa_secret = :sec AND {STEP_IS_NEW}",
            {":on": s(ON), ":sec": s(secret), ":step": n(step)},
        )
        return done is not None

    def replace_recovery(self, username: str, secret: str, step: int, digests: list[str]) -> bool:
        """New recovery codes, for a code of `step` (used by this same write)."""
        done = self._update(
            username,
            "SET mfa_last_step = :step, mfa_recovery = :r",
            f"{IS_ON} AND mfa_secret = :sec AND {STEP_IS_NEW}",
            {":on": s(ON), ":sec": s(secret), ":step": n(step), ":r": {"SS": digests}},
        )
        return done is not None

    def use_recovery(self, username: str, digest: str) -> TwoStepRecord | None:
        """Use one recovery code (it is gone afterwards); the state after, or None when the
        code is not in the set (used already, wrong, or two-step is off)."""
        item = self._update(
            username,
            "DELETE mfa_recovery :d",
            f"{IS_ON} AND contains(mfa_recovery, :c)",
            {":on": s(ON), ":d": {"SS": [digest]}, ":c": s(digest)},
            returns="ALL_NEW",
        )
        return _record(item) if item is not None else None

    def turn_off_with_step(self, username: str, secret: str, step: int) -> bool:
        done = self._update(
            username,
            TURN_OFF,
            f"{IS_ON} AND mfa_secret = :sec AND {STEP_IS_NEW}",
            {":on": s(ON), ":sec": s(secret), ":step": n(step)},
        )
        return done is not None

    def turn_off_with_recovery(self, username: str, digest: str) -> bool:
        done = self._update(
            username, TURN_OFF, f"{IS_ON} AND contains(mfa_recovery, :c)", {":on": s(ON), ":c": s(digest)}
        )
        return done is not None

    def turn_off(self, username: str) -> TwoStepRecord | None:
        """Off whatever the state (an admin's reset); the state before, None for no user."""
        item = self._update(username, TURN_OFF, EXISTS, {}, returns="ALL_OLD")
        return _record(item) if item is not None else None

    # -- the Cognito backend's recovery-code sign-in window ------------------------------

    def hold_sign_in(self, username: str, now_ms: int, until_ms: int) -> bool:
        """Mark a recovery-code sign-in in progress; False when another one holds it."""
        done = self._update(
            username,
            "SET mfa_signin_until = :u",
            f"{IS_ON} AND (attribute_not_exists(mfa_signin_until) OR mfa_signin_until < :now)",
            {":on": s(ON), ":u": n(until_ms), ":now": n(now_ms)},
        )
        return done is not None

    def release_sign_in(self, username: str, until_ms: int) -> None:
        self._update(username, "REMOVE mfa_signin_until", "mfa_signin_until = :u", {":u": n(until_ms)})

    # -- challenge sessions --------------------------------------------------------------

    def create_session(self, challenge: ChallengeRecord) -> None:
        self._db.put_item(
            TableName=self._table,
            Item={
                **session_key(challenge.username, challenge.digest),
                "sub": s(challenge.sub),
                "identifier": s(challenge.identifier),
                "pool_session": s(challenge.pool_session),
                "wrong": n(0),
                "expires_ms": n(challenge.expires_ms),
                TTL_ATTRIBUTE: n(challenge.expires_ms // 1000 + 60),
            },
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get_session(self, username: str, digest: str) -> ChallengeRecord | None:
        response = self._db.get_item(TableName=self._table, Key=session_key(username, digest), ConsistentRead=True)
        item = response.get("Item")
        if not item:
            return None
        return ChallengeRecord(
            username=username,
            digest=digest,
            sub=get_s(item, "sub", "") or "",
            identifier=get_s(item, "identifier", "") or "",
            pool_session=get_s(item, "pool_session", "") or "",
            wrong=get_n(item, "wrong"),
            expires_ms=get_n(item, "expires_ms"),
        )

    def count_wrong(self, challenge: ChallengeRecord) -> bool:
        """One more wrong code on top of what was read; False when another request counted
        first (the caller reads again)."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=session_key(challenge.username, challenge.digest),
                UpdateExpression="SET wrong = :next",
                ConditionExpression="attribute_exists(pk) AND wrong = :seen",
                ExpressionAttributeValues={":next": n(challenge.wrong + 1), ":seen": n(challenge.wrong)},
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def end_session(self, challenge: ChallengeRecord) -> bool:
        """Use the session up; False when another request did first."""
        try:
            self._db.delete_item(
                TableName=self._table,
                Key=session_key(challenge.username, challenge.digest),
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True
