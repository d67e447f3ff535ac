"""A look into a running local stack's users table (HTTP calls: scripts/api_client.py)."""

from __future__ import annotations

from typing import Any

LOCAL_USERS_TABLE = "bandstand-local-users"  # the local stage's, .chalice/config.json


def dynamodb(url: str) -> Any:
    import boto3

    return boto3.client(
        "dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local"
    )


def stored_users(client: Any, table: str = LOCAL_USERS_TABLE) -> dict[str, str]:
    """username -> email of every profile item in the users table."""
    users: dict[str, str] = {}
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page["Items"]:
            if item["pk"]["S"].startswith("USER#") and item["sk"]["S"] == "PROFILE":
                users[item["username"]["S"]] = item["email"]["S"]
    return users
