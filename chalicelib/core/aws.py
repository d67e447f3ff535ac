"""AWS clients built with botocore alone.

`import boto3` costs ~100 ms of a cold start here, 70 of them in s3transfer and the
resource layer, which boto3 imports eagerly and this app never uses; a botocore client is
the very same client (boto3.client returns one). Measured with `make bench` (cold start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # botocore is imported when a client is built, not at `import app`
    from botocore.exceptions import ClientError


def client(service: str, region: str, endpoint_url: str | None = None, config: Any = None) -> Any:
    """A low-level client, as boto3.client(service, ...) would build it."""
    from botocore.session import get_session

    return get_session().create_client(service, region_name=region, endpoint_url=endpoint_url, config=config)


def error_code(exc: ClientError) -> str:
    """The service's error code ("ConditionalCheckFailedException", ...), or "" if none."""
    return str(exc.response.get("Error", {}).get("Code", ""))
