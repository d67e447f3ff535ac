"""Waits for DynamoDB Local to commit a transaction before the app answers.

DynamoDB Local answers a TransactWriteItems before its SQLite commit has finished. If the
process dies in that moment (`kill -9`, an OOM kill), the commit is rolled back from its
journal at the next start: a registration answered 201 is gone. Measured with four writers
and a SIGKILL after 1.5 to 2 s (`tests/failure/test_dynamodb_local_commits.py` is the test):

    TransactWriteItems alone                      lost the last answered one in 5 of 13 runs
    ... then a 4 ms sleep                         still lost one in 4 of 12
    ... then a consistent GetItem (this module)   lost none in 22
    PutItem alone / UpdateItem alone              lost none in 14 / in 8

A consistent read needs the database lock the commit holds, so its answer means the commit
is on disk. This is a property of DynamoDB Local only: the client gets this wrapper when
the endpoint is a local one (`DYNAMODB_ENDPOINT`), never on AWS, and the extra read is not
in the round-trip counts of bench/results.md (they are AWS's).
"""

from __future__ import annotations

from typing import Any

# A key no item has (both tables are pk/sk, schema.py): the read finds nothing, cheaply.
BARRIER_KEY = {"pk": {"S": "#commit-barrier"}, "sk": {"S": "#"}}


class CommitBarrier:
    """A DynamoDB client whose transact_write_items returns only once the commit is
    durable. Every other attribute is the wrapped client's."""

    def __init__(self, client: Any) -> None:
        self.wrapped = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        answer = self.wrapped.transact_write_items(**kwargs)
        self.wrapped.get_item(TableName=_first_table(kwargs["TransactItems"]), Key=BARRIER_KEY, ConsistentRead=True)
        return answer


def _first_table(actions: list[dict[str, Any]]) -> str:
    (action,) = actions[0].values()  # {"Put": {...}} and the like: one action per entry
    return str(action["TableName"])
