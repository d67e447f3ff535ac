"""Plain HTTP against a running local stack, and a look into its users table."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

LOCAL_USERS_TABLE = "bandstand-local-users"  # the local stage's, .chalice/config.json


def call(base: str, method: str, path: str, body: Any = None, timeout: float = 60) -> tuple[int, Any, dict[str, str]]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None, dict(response.headers)
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None, dict(error.headers)


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
