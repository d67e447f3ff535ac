"""docs/deployer-policy.json: valid IAM, small enough for a managed policy, and it grants
every AWS call scripts/deploy.py makes and every resource type the template creates."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "docs" / "deployer-policy.json"
DEPLOY = ROOT / "scripts" / "deploy.py"
MANAGED_POLICY_LIMIT = 6144  # characters, whitespace not counted

# The variable names scripts/deploy.py gives its boto3 clients, and each one's IAM prefix.
CLIENTS = {
    "cfn": "cloudformation",
    "s3": "s3",
    "ssm": "ssm",
    "iam": "iam",
    "apigateway": "apigateway",
    "ses": "ses",
    "lambda_client": "lambda",
    "cloudfront": "cloudfront",
    "sts": "sts",
}
CALL = re.compile(r"\b(" + "|".join(CLIENTS) + r")\.([a-z_0-9]+)\(")
PAGINATOR_OR_WAITER = re.compile(r"\b(" + "|".join(CLIENTS) + r")\.get_(paginator|waiter)\(\"([a-z_0-9]+)\"")
WAITER_OPERATIONS = {
    "change_set_create_complete": "describe_change_set",
    "stack_create_complete": "describe_stacks",
    "stack_update_complete": "describe_stacks",
    "stack_delete_complete": "describe_stacks",
}
# Operations whose IAM action is not the operation's own name.
ACTION_OF = {
    ("s3", "head_bucket"): ["s3:ListBucket"],
    ("s3", "list_objects_v2"): ["s3:ListBucket"],
    ("s3", "list_object_versions"): ["s3:ListBucketVersions"],
    ("s3", "put_public_access_block"): ["s3:PutBucketPublicAccessBlock"],
    ("s3", "put_bucket_encryption"): ["s3:PutEncryptionConfiguration"],
    ("s3", "delete_objects"): ["s3:DeleteObject", "s3:DeleteObjectVersion"],
    ("apigateway", "get_account"): ["apigateway:GET"],
    # Setting the logging role passes it to API Gateway.
    ("apigateway", "update_account"): ["apigateway:PATCH", "iam:PassRole"],
}
# What CloudFormation does on the deployer's behalf for each resource type of the template.
CREATE_ACTION = {
    "AWS::CloudFront::Distribution": "cloudfront:CreateDistribution",
    "AWS::CloudFront::OriginAccessControl": "cloudfront:CreateOriginAccessControl",
    "AWS::CloudFront::ResponseHeadersPolicy": "cloudfront:CreateResponseHeadersPolicy",
    "AWS::CloudWatch::Alarm": "cloudwatch:PutMetricAlarm",
    "AWS::Cognito::UserPool": "cognito-idp:CreateUserPool",
    "AWS::Cognito::UserPoolClient": "cognito-idp:CreateUserPoolClient",
    "AWS::Cognito::UserPoolGroup": "cognito-idp:CreateGroup",
    "AWS::DynamoDB::Table": "dynamodb:CreateTable",
    "AWS::IAM::Role": "iam:CreateRole",
    "AWS::Lambda::Permission": "lambda:AddPermission",
    "AWS::Logs::LogGroup": "logs:CreateLogGroup",
    "AWS::Route53::RecordSet": "route53:ChangeResourceRecordSets",
    "AWS::S3::Bucket": "s3:CreateBucket",
    "AWS::S3::BucketPolicy": "s3:PutBucketPolicy",
    "AWS::SNS::Subscription": "sns:Subscribe",
    "AWS::SNS::Topic": "sns:CreateTopic",
    # chalice's own resources, before and after the SAM transform
    "AWS::Serverless::Function": "lambda:CreateFunction",
    "AWS::Serverless::Api": "apigateway:POST",
}


def policy() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(POLICY.read_text(encoding="utf-8"))
    return loaded


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def granted_actions() -> list[str]:
    return [a for s in policy()["Statement"] if s["Effect"] == "Allow" for a in as_list(s["Action"])]


def is_granted(action: str) -> bool:
    return any(fnmatchcase(action.lower(), granted.lower()) for granted in granted_actions())


def camel(operation: str) -> str:
    return "".join(part.title() for part in operation.split("_"))


def deploy_calls() -> set[tuple[str, str]]:
    text = DEPLOY.read_text(encoding="utf-8")
    calls = {(CLIENTS[c], op) for c, op in CALL.findall(text) if op not in {"get_paginator", "get_waiter"}}
    for client, kind, name in PAGINATOR_OR_WAITER.findall(text):
        calls.add((CLIENTS[client], WAITER_OPERATIONS[name] if kind == "waiter" else name))
    return calls


def needed_actions(service: str, operation: str) -> list[str]:
    return ACTION_OF.get((service, operation), [f"{service}:{camel(operation)}"])


def test_the_policy_is_iam_json_of_the_expected_shape() -> None:
    document = policy()
    assert set(document) == {"Version", "Statement"} and document["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in document["Statement"]]
    assert len(sids) == len(set(sids)) and all(re.fullmatch(r"[A-Za-z0-9]+", sid) for sid in sids)
    for statement in document["Statement"]:
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}, statement["Sid"]
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            service, _, name = action.partition(":")
            assert re.fullmatch(r"[a-z0-9-]+", service) and name and name != "*", action
        for resource in as_list(statement["Resource"]):
            assert resource == "*" or resource.startswith("arn:aws:"), resource
    compact = json.dumps(document, separators=(",", ":"))
    assert len(compact) <= MANAGED_POLICY_LIMIT, f"{len(compact)} characters: too long for one managed policy"


def test_the_policy_grants_every_call_of_scripts_deploy() -> None:
    calls = deploy_calls()
    # The scan really finds the calls (a renamed client variable would silently find none).
    for expected in [("cloudformation", "create_change_set"), ("s3", "put_object"), ("ssm", "put_parameter")]:
        assert expected in calls
    assert ("cloudformation", "describe_change_set") in calls  # through the waiter
    missing = sorted(a for service, op in calls for a in needed_actions(service, op) if not is_granted(a))
    assert not missing, f"add to docs/deployer-policy.json: {missing}"


def test_the_policy_lets_cloudformation_create_every_resource_type_of_the_template() -> None:
    text = "".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "infra").rglob("*.py")))
    types = set(re.findall(r'"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"', text)) - {"AWS::NoValue"}
    types |= {"AWS::Serverless::Function", "AWS::Serverless::Api"}
    unknown = types - set(CREATE_ACTION)
    assert not unknown, f"map these resource types to the action that creates them: {unknown}"
    missing = sorted(CREATE_ACTION[t] for t in types if not is_granted(CREATE_ACTION[t]))
    assert not missing, f"add to docs/deployer-policy.json: {missing}"
    # The SAM transform runs on the deployer's credentials, on AWS's own transform resource.
    transform = [s for s in policy()["Statement"] if "transform/Serverless-2016-10-31" in str(s["Resource"])]
    assert transform and "cloudformation:CreateChangeSet" in as_list(transform[0]["Action"])


def test_the_policy_is_scoped_to_bandstand_names_where_the_service_allows_it() -> None:
    by_sid = {s["Sid"]: s for s in policy()["Statement"]}
    for sid in ("StackChangeSets", "Buckets", "BucketObjects", "Roles", "Functions", "Tables", "AlarmTopic"):
        for resource in as_list(by_sid[sid]["Resource"]):
            assert "bandstand-" in resource, (sid, resource)
    assert by_sid["SigningKey"]["Resource"] == "arn:aws:ssm:*:*:parameter/bandstand/*"
    assert not any(a.lower().startswith("iam:") for a in as_list(by_sid["ReadOnlyAccountChecks"]["Action"]))


def test_the_policy_grants_the_admin_calls_of_aws_admin_and_smoke() -> None:
    # make aws-admin writes the pool's group (scripts/admin.py through the Cognito provider);
    # make smoke POOL=... confirms its user as an admin (scripts/smoke.py).
    texts = [ROOT / "scripts" / "smoke.py", ROOT / "chalicelib" / "identity" / "cognito" / "provider.py"]
    calls = {
        m
        for path in texts
        for m in re.findall(r"\.(admin_add_user_to_group|admin_confirm_sign_up)\(", path.read_text())
    }
    assert calls == {"admin_add_user_to_group", "admin_confirm_sign_up"}
    missing = sorted(f"cognito-idp:{camel(c)}" for c in calls if not is_granted(f"cognito-idp:{camel(c)}"))
    assert not missing, f"add to docs/deployer-policy.json: {missing}"
