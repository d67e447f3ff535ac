"""The packaged SAM template, transformed to plain CloudFormation by aws-sam-translator and
created as a stack on moto's CloudFormation.

moto's CloudFormation lacks some resource types (MOTO_LACKS below: it skips them with a
warning). The Cognito ones are created here through moto's cognito-idp API from the
template's own properties, and the distribution through moto's CloudFront API, so the test
still reads their settings back from an API rather than from the template text.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from samtranslator.translator.transform import transform

from chalicelib.storage import schema

# moto warns once for each resource type it lacks: MOTO_LACKS lists them.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")
REGION = "us-east-1"
STACK = "bandstand-prod"
PARAMETERS = {"SenderEmail": "no-reply@example.com"}
# The resource types of this template that moto 5.2.5's CloudFormation does not create.
MOTO_LACKS = {
    "AWS::ApiGateway::Stage",
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolGroup",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Subscription",
}

# Types moto has but cannot create from this template: it ignores a RestApi's Body (the
# API definition), so the API has no methods and a Deployment of it fails.
MOTO_CANNOT = {"AWS::ApiGateway::Deployment"}
# Properties moto's CloudFormation accepts but does not apply (checked in test_template.py
# on the template instead): DynamoDB SSESpecification, PointInTimeRecoverySpecification,
# TimeToLiveSpecification; S3 PublicAccessBlockConfiguration,
# OwnershipControls, VersioningConfiguration, LifecycleConfiguration.


class NoManagedPolicies:
    """The translator asks for AWS managed policy ARNs only when a function lists them by name."""

    def load(self) -> dict[str, str]:
        return {}


def to_cloudformation(sam: dict[str, Any], parameters: dict[str, str] | None = None) -> dict[str, Any]:
    template = copy.deepcopy(sam)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://artifacts/deployment.zip"
    values = {
        **PARAMETERS,
        **(parameters or {}),
        "AWS::Region": REGION,
        "AWS::AccountId": "123456789012",
        "AWS::Partition": "aws",
    }
    transformed: dict[str, Any] = transform(template, values, NoManagedPolicies())
    return transformed


def replace(node: Any, substitutions: dict[str, Any]) -> Any:
    """The template with Ref/GetAtt of the given resources replaced by real values."""
    if isinstance(node, dict):
        key = json.dumps(node, sort_keys=True)
        if key in substitutions:
            return substitutions[key]
        return {k: replace(v, substitutions) for k, v in node.items()}
    if isinstance(node, list):
        return [replace(v, substitutions) for v in node]
    return node


def ref(name: str) -> str:
    return json.dumps({"Ref": name}, sort_keys=True)


def get_att(name: str, attribute: str) -> str:
    return json.dumps({"Fn::GetAtt": [name, attribute]}, sort_keys=True)


def create_cognito(resources: dict[str, Any]) -> dict[str, Any]:
    """The pool, client and group through cognito-idp, from the template's properties."""
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool = resources["UserPool"]["Properties"]
    created = idp.create_user_pool(
        PoolName=f"{STACK}-users",
        Policies=pool["Policies"],
        DeletionProtection=pool["DeletionProtection"],
        AutoVerifiedAttributes=pool["AutoVerifiedAttributes"],
        UsernameConfiguration=pool["UsernameConfiguration"],
        VerificationMessageTemplate=pool["VerificationMessageTemplate"],
        AccountRecoverySetting=pool["AccountRecoverySetting"],
        Schema=pool["Schema"],
        MfaConfiguration=pool["MfaConfiguration"],
    )["UserPool"]
    client_ids = {}
    for logical_id, suffix in (("UserPoolClient", "web"), ("UserPoolSignUpClient", "signup")):
        client = {k: v for k, v in resources[logical_id]["Properties"].items() if k not in {"UserPoolId"}}
        client["ClientName"] = f"{STACK}-{suffix}"
        made = idp.create_user_pool_client(UserPoolId=created["Id"], **client)["UserPoolClient"]
        client_ids[logical_id] = made["ClientId"]
    group = resources["AdminGroup"]["Properties"]
    idp.create_group(UserPoolId=created["Id"], GroupName=group["GroupName"], Description=group["Description"])
    return {
        ref("UserPool"): created["Id"],
        get_att("UserPool", "Arn"): created["Arn"],
        ref("UserPoolClient"): client_ids["UserPoolClient"],
        ref("UserPoolSignUpClient"): client_ids["UserPoolSignUpClient"],
    }


def create_distribution(resources: dict[str, Any], bucket_domain: str) -> str:
    """The distribution through moto's CloudFront API, from the template's properties
    (no DomainName: the Fn::If branches without a domain)."""
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    oac = cloudfront.create_origin_access_control(
        OriginAccessControlConfig={
            **resources["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"],
            "Name": f"{STACK}-site",
        }
    )["OriginAccessControl"]["Id"]
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    behavior = config["DefaultCacheBehavior"]
    (origin,) = config["Origins"]
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "test",
            "Comment": f"{STACK} web app",
            "Enabled": config["Enabled"],
            "DefaultRootObject": config["DefaultRootObject"],
            "PriceClass": config["PriceClass"],
            "HttpVersion": config["HttpVersion"],
            "IsIPV6Enabled": config["IPV6Enabled"],
            "ViewerCertificate": config["ViewerCertificate"]["Fn::If"][2],
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": origin["Id"],
                        "DomainName": bucket_domain,
                        "OriginAccessControlId": oac,
                        "S3OriginConfig": origin["S3OriginConfig"],
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": behavior["TargetOriginId"],
                "ViewerProtocolPolicy": behavior["ViewerProtocolPolicy"],
                "CachePolicyId": behavior["CachePolicyId"],
                "Compress": behavior["Compress"],
                "AllowedMethods": {
                    "Quantity": len(behavior["AllowedMethods"]),
                    "Items": behavior["AllowedMethods"],
                    "CachedMethods": {"Quantity": len(behavior["CachedMethods"]), "Items": behavior["CachedMethods"]},
                },
            },
        }
    )
    distribution_id: str = distribution["Distribution"]["Id"]
    return distribution_id


@pytest.fixture(scope="module")
def stack(template: dict[str, Any], package_dir: Path) -> Iterator[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
            patch.setenv(name, value)
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        patch.delenv("AWS_PROFILE", raising=False)
        cloudformation = to_cloudformation(template)  # the translator wants a region
        with mock_aws():
            s3 = boto3.client("s3", region_name=REGION)
            s3.create_bucket(Bucket="artifacts")
            s3.put_object(Bucket="artifacts", Key="deployment.zip", Body=(package_dir / "deployment.zip").read_bytes())
            resources = cloudformation["Resources"]
            body = replace(cloudformation, create_cognito(resources))
            # moto wants a Name for a RestApi (AWS takes it from the definition's title).
            body["Resources"]["RestAPI"]["Properties"].setdefault("Name", STACK)
            body["Resources"] = {k: r for k, r in body["Resources"].items() if r["Type"] not in MOTO_CANNOT}
            lacking = {k for k, r in resources.items() if r["Type"] in MOTO_LACKS}
            # Outputs that read a resource moto does not create would fail the whole stack.
            body["Outputs"] = {
                k: v for k, v in body["Outputs"].items() if not any(name in json.dumps(v) for name in lacking)
            }
            cfn = boto3.client("cloudformation", region_name=REGION)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # moto warns once per type it lacks
                cfn.create_stack(
                    StackName=STACK,
                    TemplateBody=json.dumps(body),
                    Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items()],
                    Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
                )
            summaries = cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
            physical = {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries}
            bucket_domain = f"{physical['SiteBucket']}.s3.{REGION}.amazonaws.com"
            yield {
                "template": cloudformation,
                "status": cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"],
                "physical": physical,
                "pool_id": body["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"][
                    "COGNITO_USER_POOL_ID"
                ],
                "distribution_id": create_distribution(resources, bucket_domain),
            }


def test_moto_lacks_exactly_these_types(stack: dict[str, Any]) -> None:
    from moto.cloudformation.parsing import get_model_map

    types = {r["Type"] for r in stack["template"]["Resources"].values()}
    assert types - set(get_model_map()) == MOTO_LACKS & types


def test_unsupported_resources_are_listed_without_ids(stack: dict[str, Any]) -> None:
    # moto lists each skipped resource as a summary with an empty logical id.
    assert "" in stack["physical"]


def test_stack_is_created(stack: dict[str, Any]) -> None:
    assert stack["status"] == "CREATE_COMPLETE"
    created = set(stack["physical"]) - {""}  # moto's summaries of the types it skipped
    expected = {k for k, r in stack["template"]["Resources"].items() if r["Type"] not in MOTO_LACKS | MOTO_CANNOT}
    # Conditional resources (alias records, alarm subscription) are absent without their parameters.
    assert {"UsersTable", "AlbumsTable", "SiteBucket", "APIHandler", "RestAPI", "ApiHandlerRole"} <= created
    assert created <= expected
    assert not {"SiteAliasA", "SiteAliasAAAA", "AlarmSubscription"} & created


def test_tables_on_moto(stack: dict[str, Any]) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for logical_id, local in (("UsersTable", schema.users_table("x")), ("AlbumsTable", schema.albums_table("x"))):
        name = stack["physical"][logical_id]
        table = dynamodb.describe_table(TableName=name)["Table"]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["KeySchema"] == local["KeySchema"]
        assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == [
            i["IndexName"] for i in local["GlobalSecondaryIndexes"]
        ]
        assert table["DeletionProtectionEnabled"] is True


def test_pool_client_and_group_on_moto(stack: dict[str, Any]) -> None:
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool = idp.describe_user_pool(UserPoolId=stack["pool_id"])["UserPool"]
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 15 and not policy["RequireSymbols"] and not policy["RequireUppercase"]
    assert pool["DeletionProtection"] == "ACTIVE"
    assert pool["AutoVerifiedAttributes"] == ["email"]
    clients = idp.list_user_pool_clients(UserPoolId=stack["pool_id"])["UserPoolClients"]
    by_name = {
        c["ClientName"].rsplit("-", 1)[1]: idp.describe_user_pool_client(
            UserPoolId=stack["pool_id"], ClientId=c["ClientId"]
        )["UserPoolClient"]
        for c in clients
    }
    assert sorted(by_name) == ["signup", "web"]
    for details in by_name.values():
        assert details["ClientSecret"]  # only the function (which reads it) can call the pool
        assert details["PreventUserExistenceErrors"] == "ENABLED"
        assert details["AccessTokenValidity"] == 60 and details["RefreshTokenValidity"] == 30
    web, signup = by_name["web"], by_name["signup"]
    assert set(web["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert "email" not in web["WriteAttributes"] and web["WriteAttributes"]  # empty would mean "all"
    assert signup["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"] and signup["WriteAttributes"] == ["email"]
    assert idp.get_group(UserPoolId=stack["pool_id"], GroupName="admin")["Group"]["GroupName"] == "admin"


def test_bucket_and_distribution_on_moto(stack: dict[str, Any]) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    bucket = stack["physical"]["SiteBucket"]
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    config = cloudfront.get_distribution(Id=stack["distribution_id"])["Distribution"]["DistributionConfig"]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["Origins"]["Items"][0]["DomainName"].startswith(bucket)


def test_function_and_api_on_moto(stack: dict[str, Any]) -> None:
    function = boto3.client("lambda", region_name=REGION).get_function(FunctionName=stack["physical"]["APIHandler"])
    env = function["Configuration"]["Environment"]["Variables"]
    assert env["COGNITO_USER_POOL_ID"] == stack["pool_id"]
    assert env["USERS_TABLE"] == stack["physical"]["UsersTable"]
    assert function["Configuration"]["FunctionName"] == f"{STACK}-api"
    role = boto3.client("iam").get_role_policy(
        RoleName=stack["physical"]["ApiHandlerRole"], PolicyName="bandstand-api"
    )["PolicyDocument"]
    # moto returns the document as text (a Python repr); the table's real ARN is in it.
    assert f":table/{stack['physical']['UsersTable']}" in str(role)
