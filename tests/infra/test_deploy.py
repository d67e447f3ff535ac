"""scripts/deploy.py's steps against moto: signing key, artifacts, stack outputs, config.js,
the site upload, the invalidation and the tear-down that names what it keeps."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scripts import deploy
from scripts.devstack.static_server import MIME_TYPES
from tests.support.api import STRONG_PASSWORD

REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def client(name: str) -> Any:
    return boto3.client(name, region_name=REGION)


def test_signing_key_is_created_once_as_a_secure_string(aws_env: None) -> None:
    ssm = client("ssm")
    assert deploy.ensure_signing_key(ssm, "/bandstand/prod/signing-key") is True
    first = ssm.get_parameter(Name="/bandstand/prod/signing-key", WithDecryption=True)["Parameter"]
    assert first["Type"] == "SecureString" and len(first["Value"]) >= 32
    assert deploy.ensure_signing_key(ssm, "/bandstand/prod/signing-key") is False
    again = ssm.get_parameter(Name="/bandstand/prod/signing-key", WithDecryption=True)["Parameter"]
    assert again["Value"] == first["Value"]  # never rotated by a redeploy (sessions would die)


def test_artifacts_are_uploaded_and_the_template_points_at_the_code(aws_env: None, tmp_path: Path) -> None:
    (tmp_path / "deployment.zip").write_bytes(b"PK zip")
    sam = {"Resources": {"APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "./x"}}}}
    (tmp_path / "sam.json").write_text(json.dumps(sam))
    s3 = client("s3")
    deploy.ensure_artifact_bucket(s3, "artifacts-bucket", REGION)
    deploy.ensure_artifact_bucket(s3, "artifacts-bucket", REGION)  # idempotent
    assert all(s3.get_public_access_block(Bucket="artifacts-bucket")["PublicAccessBlockConfiguration"].values())
    url, template = deploy.upload_artifacts(s3, "artifacts-bucket", tmp_path, "prod")
    code = template["Resources"]["APIHandler"]["Properties"]["CodeUri"]
    assert code["Bucket"] == "artifacts-bucket" and code["Key"].startswith("prod/deployment-")
    assert s3.get_object(Bucket="artifacts-bucket", Key=code["Key"])["Body"].read() == b"PK zip"
    assert url.startswith(f"https://artifacts-bucket.s3.{REGION}.amazonaws.com/prod/sam-")
    key = url.split(".amazonaws.com/", 1)[1]
    assert json.loads(s3.get_object(Bucket="artifacts-bucket", Key=key)["Body"].read()) == template


OUTPUTS = {
    "EndpointURL": "https://abc123.execute-api.us-east-1.amazonaws.com/api/",
    "UserPoolId": "us-east-1_AbC123",
    "UserPoolClientId": "client123",
}


def test_config_js_carries_the_api_url_and_the_pool_ids() -> None:
    text = deploy.web_config_js(OUTPUTS)
    assert 'export const API_BASE_URL = "https://abc123.execute-api.us-east-1.amazonaws.com/api";' in text
    assert 'export const COGNITO_USER_POOL_ID = "us-east-1_AbC123";' in text
    assert 'export const COGNITO_CLIENT_ID = "client123";' in text


def test_site_upload_has_content_types_config_and_drops_stale_files(aws_env: None) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="site")
    s3.put_object(Bucket="site", Key="old-page.html", Body=b"gone")
    uploaded = deploy.upload_site(s3, "site", ROOT / "static", deploy.web_config_js(OUTPUTS))
    assert "index.html" in uploaded and "config.js" in uploaded
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]}
    assert keys == set(uploaded) and "old-page.html" not in keys
    page = s3.get_object(Bucket="site", Key="index.html")
    assert page["ContentType"] == MIME_TYPES[".html"] and page["CacheControl"] == "no-cache"
    config = s3.get_object(Bucket="site", Key="config.js")
    assert config["ContentType"] == MIME_TYPES[".js"] and config["CacheControl"] == "no-cache"
    assert b"us-east-1_AbC123" in config["Body"].read()
    for key in uploaded:
        suffix = Path(key).suffix
        if suffix in MIME_TYPES:
            assert s3.head_object(Bucket="site", Key=key)["ContentType"] == MIME_TYPES[suffix], key
    local = {p.relative_to(ROOT / "static").as_posix() for p in (ROOT / "static").rglob("*") if p.is_file()}
    assert local - {"config.js"} <= keys


def create_distribution(cloudfront: Any) -> str:
    origin = {"Id": "site", "DomainName": "site.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
    response = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "test",
            "Comment": "",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "site",
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            },
        }
    )
    distribution_id: str = response["Distribution"]["Id"]
    return distribution_id


def test_publish_uploads_invalidates_and_returns_the_site_url(aws_env: None) -> None:
    s3, cloudfront = client("s3"), client("cloudfront")
    s3.create_bucket(Bucket="site")
    distribution = create_distribution(cloudfront)
    outputs = {**OUTPUTS, "SiteBucketName": "site", "DistributionId": distribution, "SiteURL": "https://d1.example"}
    assert deploy.publish_site(s3, cloudfront, outputs, ROOT / "static") == "https://d1.example"
    (invalidation,) = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]
    details = cloudfront.get_invalidation(DistributionId=distribution, Id=invalidation["Id"])["Invalidation"]
    assert details["InvalidationBatch"]["Paths"]["Items"] == ["/*"]


STACK_TEMPLATE = {
    "Resources": {
        "UsersTable": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            },
        },
        "SiteBucket": {"Type": "AWS::S3::Bucket"},
    },
    "Outputs": {
        "UsersTableName": {"Value": {"Ref": "UsersTable"}},
        "SiteBucketName": {"Value": {"Ref": "SiteBucket"}},
    },
}


def test_stack_is_deployed_by_change_set_and_destroyed_keeping_the_tables(aws_env: None) -> None:
    cfn, s3 = client("cloudformation"), client("s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="t.json", Body=json.dumps(STACK_TEMPLATE).encode())
    url = "https://artifacts.s3.amazonaws.com/t.json"
    assert deploy.deploy_stack(cfn, "bandstand-test", url, {}, delay=0) is True
    summaries = cfn.list_stack_resources(StackName="bandstand-test")["StackResourceSummaries"]
    physical = {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries}
    s3.put_object(Bucket=physical["SiteBucket"], Key="index.html", Body=b"<html>")
    kept = deploy.destroy(cfn, s3, "bandstand-test", delay=0)
    assert kept == [("UsersTable", "AWS::DynamoDB::Table", physical["UsersTable"])]
    assert not deploy.stack_exists(cfn, "bandstand-test")
    tables = client("dynamodb").list_tables()["TableNames"]
    assert physical["UsersTable"] in tables  # Retain: the data outlives the stack


def test_stack_outputs_are_read_by_key(aws_env: None) -> None:
    # (moto gives a stack made through a change set no Outputs, so this one is made directly.)
    cfn = client("cloudformation")
    cfn.create_stack(StackName="bandstand-test", TemplateBody=json.dumps(STACK_TEMPLATE))
    outputs = deploy.stack_outputs(cfn, "bandstand-test")
    assert set(outputs) == {"UsersTableName", "SiteBucketName"}
    assert outputs["UsersTableName"].startswith("bandstand-test-UsersTable")


# -- admin tasks on a deployed stage ------------------------------------------------------


@pytest.fixture
def deployed_stage(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[deploy.Clients]:
    """Tables, a pool, its client and the signing key as a deployed stage has them, and a
    stack `bandstand-dev` whose outputs name them (moto's CloudFormation makes no pools)."""
    from chalicelib import services
    from scripts.tables import create_tables

    cognito = client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="bandstand-test", Policies={"PasswordPolicy": {"MinimumLength": 15}})
    pool_id = pool["UserPool"]["Id"]
    app_client = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.create_group(UserPoolId=pool_id, GroupName="admin")
    create_tables(client("dynamodb"), "bandstand-test-users", "bandstand-test-albums")
    deploy.ensure_signing_key(client("ssm"), deploy.signing_key_name("dev"))
    outputs = {
        "UsersTableName": "bandstand-test-users",
        "AlbumsTableName": "bandstand-test-albums",
        "UserPoolId": pool_id,
        "UserPoolClientId": app_client,
        "SiteURL": "https://d111111abcdef8.cloudfront.net",
    }
    client("cloudformation").create_stack(
        StackName=deploy.stack_name("dev"),
        TemplateBody=json.dumps(
            {
                "Parameters": {"SenderEmail": {"Type": "String", "Default": "no-reply@example.com"}},
                "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {key: {"Value": value} for key, value in outputs.items()},
            }
        ),
    )
    # run_cli puts the stage's variables in os.environ: monkeypatch restores them after
    env = deploy.stage_environment("dev", REGION, outputs, {})
    for name in [*env, "IDENTITY_BACKEND", "MAILER", "DYNAMODB_ENDPOINT", "COGNITO_ENDPOINT", "SERVER_SECRET"]:
        monkeypatch.setenv(name, "unset")
        monkeypatch.delenv(name)
    monkeypatch.setenv("IDENTITY_BACKEND", "cognito")
    monkeypatch.setenv("MAILER", "ses")
    services.reset()
    yield deploy.Clients(*(client(n) for n in ("cloudformation", "s3", "cloudfront", "ssm", "apigateway", "sts")))
    services.reset()


def test_seed_loads_the_catalog_into_the_stages_table(deployed_stage: deploy.Clients) -> None:
    before = dict(os.environ)
    assert deploy.run_cli(deployed_stage, "dev", REGION, ["seed", "--no-progress"]) == 0
    # The stage's variables were the command's only: a local stack started later by the
    # same process must not inherit API_AUTHORIZER=cognito (it refuses to start then).
    assert dict(os.environ) == before
    albums = client("dynamodb").scan(TableName="bandstand-test-albums", Select="COUNT")["Count"]
    catalog = json.loads((ROOT / "data" / "albums.json").read_text())
    assert albums >= len(catalog)  # each album, plus its rank and name claims


def test_grant_admin_writes_the_pool_group_and_the_apps_mirror(deployed_stage: deploy.Clients) -> None:
    from chalicelib import services
    from chalicelib.core.users import Registration

    assert deploy.run_cli(deployed_stage, "dev", REGION, ["grant-admin", "nobody"]) == 1
    services.accounts().register(Registration("alice", "alice@example.com", STRONG_PASSWORD))
    assert deploy.run_cli(deployed_stage, "dev", REGION, ["grant-admin", "alice"]) == 0
    pool_id = client("cloudformation").describe_stacks(StackName=deploy.stack_name("dev"))["Stacks"][0]["Outputs"]
    pool = next(o["OutputValue"] for o in pool_id if o["OutputKey"] == "UserPoolId")
    groups = client("cognito-idp").admin_list_groups_for_user(UserPoolId=pool, Username="alice")["Groups"]
    assert [g["GroupName"] for g in groups] == ["admin"]
    profile = services.accounts().profiles.get("alice")
    assert profile.groups == ("admin",)
