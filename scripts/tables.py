"""Creating the tables (the CLI's create-tables, the tests, `make dev`) from schema.py."""

from __future__ import annotations

from typing import Any

from chalicelib.storage import schema


def create_tables(client: Any, users_table: str, albums_table: str) -> list[str]:
    """Create whichever table is missing; wait until active. Returns the ones created."""
    existing = set(client.list_tables().get("TableNames", []))
    created = []
    for definition in (schema.users_table(users_table), schema.albums_table(albums_table)):
        name = definition["TableName"]
        if name in existing:
            continue
        client.create_table(**definition)
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        if name == users_table:
            client.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": schema.TTL_ATTRIBUTE}
            )
        created.append(name)
    return created
