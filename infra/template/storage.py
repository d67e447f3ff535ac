"""The DynamoDB tables: chalicelib/storage/schema.py's (what `make dev` creates),
hardened for AWS."""

from __future__ import annotations

from chalicelib.storage import schema
from infra.template.cfn import Json, skips

TABLE_CHECKOV = {
    "CKV_AWS_119": "Encrypted with the AWS managed key (SSEEnabled); a customer key adds cost, not protection here.",
}


def table(definition: Json, ttl: bool) -> Json:
    """A table of schema.py, hardened for AWS; CloudFormation names it (one stack per stage)."""
    properties = {key: value for key, value in definition.items() if key != "TableName"}
    properties.update(
        {
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "DeletionProtectionEnabled": True,
            "SSESpecification": {"SSEEnabled": True},
        }
    )
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Metadata": skips("checkov", TABLE_CHECKOV),
        "Properties": properties,
    }


# Which tables have items that expire (refresh tokens, attempt counters): the users table,
# as scripts/tables.py enables TTL locally.
TABLES = {
    "UsersTable": (schema.users_table("users"), True),
    "AlbumsTable": (schema.albums_table("albums"), False),
}


def table_resources() -> Json:
    return {name: table(definition, ttl) for name, (definition, ttl) in TABLES.items()}
