"""Table definitions, shared by the CLI (create-tables), the tests and the CloudFormation docs.

Users table (pk, sk):
  USER#<username> / PROFILE        the user record; GSI1 lists users oldest first
  EMAIL#<email lower> / EMAIL      the email claim that makes addresses unique
  USER#<username> / REFRESH#<hash> one refresh token (hashed), removed by TTL
  USER#<username> / MFA_SESSION#<hash>  a two-step sign-in challenge, removed by TTL
                                   (two-step state: mfa_* attributes of the PROFILE item,
                                   storage/two_step.py)
Albums table (pk, sk):
  ALBUM#<id> / ALBUM               the album; GSI1 (catalog, rank) serves the ranked list
  RANK#<rank> / CLAIM              the rank claim
  NAME#<sha256(artist|title)> / CLAIM  the artist+title claim
"""

from __future__ import annotations

from typing import Any

USERS_GSI = "gsi1"
ALBUMS_BY_RANK = "by_rank"
TTL_ATTRIBUTE = "expires_at"


def _table(
    name: str, index: str, hash_key: str, range_key: tuple[str, str], projection: dict[str, Any]
) -> dict[str, Any]:
    """A pk/sk table with one GSI (hash key a string, range key of the given type)."""
    range_name, range_type = range_key
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": hash_key, "AttributeType": "S"},
            {"AttributeName": range_name, "AttributeType": range_type},
        ],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": hash_key, "KeyType": "HASH"},
                    {"AttributeName": range_name, "KeyType": "RANGE"},
                ],
                "Projection": projection,
            }
        ],
    }


def users_table(name: str) -> dict[str, Any]:
    # Profiles only in the index: the list never needs hashes or codes.
    profile = ["username", "email", "full_name", "status", "groups", "created_ms", "sub"]
    return _table(
        name, USERS_GSI, "gsi1pk", ("gsi1sk", "S"), {"ProjectionType": "INCLUDE", "NonKeyAttributes": profile}
    )


def albums_table(name: str) -> dict[str, Any]:
    return _table(name, ALBUMS_BY_RANK, "catalog", ("rank", "N"), {"ProjectionType": "ALL"})
