"""Table definitions, shared by the CLI (create-tables), the tests and the CloudFormation docs.

Users table (pk, sk):
  USER#<username> / PROFILE        the user record; GSI1 lists users oldest first
  EMAIL#<email lower> / EMAIL      the email claim that makes addresses unique
  USER#<username> / REFRESH#<hash> one refresh token (hashed), removed by TTL
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


def users_table(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "gsi1pk", "AttributeType": "S"},
            {"AttributeName": "gsi1sk", "AttributeType": "S"},
        ],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": USERS_GSI,
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                # Profiles only: the list never needs hashes or codes.
                "Projection": {
                    "ProjectionType": "INCLUDE",
                    "NonKeyAttributes": ["username", "email", "full_name", "status", "groups", "created_ms", "sub"],
                },
            }
        ],
    }


def albums_table(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "catalog", "AttributeType": "S"},
            {"AttributeName": "rank", "AttributeType": "N"},
        ],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": ALBUMS_BY_RANK,
                "KeySchema": [
                    {"AttributeName": "catalog", "KeyType": "HASH"},
                    {"AttributeName": "rank", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }
