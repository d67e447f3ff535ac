"""The cold-start floor: the smallest Chalice app that serves one GetItem through boto3."""

from __future__ import annotations

import os
from typing import Any

import boto3
from chalice.app import Chalice

app = Chalice(app_name="floor")


@app.route("/item")
def item() -> dict[str, Any]:
    client = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT"])
    key = {"pk": {"S": os.environ["FLOOR_PK"]}, "sk": {"S": "PROFILE"}}
    found = client.get_item(TableName=os.environ["USERS_TABLE"], Key=key).get("Item")
    return {"found": found is not None}
