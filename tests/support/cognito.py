"""A Cognito user pool shaped like the one Bandstand deploys, on moto (in-process or the
emulator), and the JWKS fetch that reaches moto's in-process endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scripts.cognito_emulator import create_pool, signup_client_id


@dataclass(frozen=True)
class Pool:
    pool_id: str
    client_id: str  # the web client
    signup_client_id: str


def make_pool(region: str = "us-east-1") -> Pool:
    """Under mock_aws: the pool (docs/api.md's password policy), the two app clients with the
    emulator's (and the deployed stack's) settings, and `admin`."""
    import boto3

    cognito = boto3.client("cognito-idp", region_name=region)
    pool_id, client_id = create_pool(cognito)
    signup = signup_client_id(cognito, pool_id)
    assert signup is not None
    return Pool(pool_id, client_id, signup)


def fetch_through_moto(url: str) -> dict[str, Any]:
    """The JWKS from moto's in-process endpoint (moto intercepts `requests`, not urllib)."""
    import requests

    response = requests.get(url, timeout=5)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data
