"""On moto: scripts/deploy.py's deploy and destroy across a stack's life.

moto's CloudFormation runs no rollback and gives a stack made through a change set no
outputs: `roll_back` below does what CloudFormation does to a failed create (status
ROLLBACK_COMPLETE, resources deleted except DeletionPolicy Retain), and the outputs the
site step reads are given by the test."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra import merge_template as infra
from scripts import deploy
from tests.infra.test_first_deploy import FakeLambda, FakeSes

REGION = "us-east-1"
STAGE = "dev"
NAME = deploy.stack_name(STAGE)
SITE_URL = "https://d111111abcdef8.cloudfront.net"


def client(name: str) -> Any:
    return boto3.client(name, region_name=REGION)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[deploy.Clients]:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # AmazonAPIGatewayPushToCloudWatchLogs
    published: list[str] = []
    outputs = {"SiteURL": SITE_URL, "EndpointURL": "https://abc.execute-api.us-east-1.amazonaws.com/api/"}
    monkeypatch.setattr(deploy, "stack_outputs", lambda cfn, name: outputs)
    monkeypatch.setattr(
        deploy, "publish_site", lambda s3, cf, out, static: published.append(out["SiteURL"]) or SITE_URL
    )
    with mock_aws():
        names = ("cloudformation", "s3", "cloudfront", "ssm", "apigateway", "sts", "iam")
        yield deploy.Clients(*(client(n) for n in names), FakeLambda(1000), FakeSes(50000.0))


def packaged(out: Path) -> Path:
    """A sam.json with the real template's parameters and a few resources moto creates."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "deployment.zip").write_bytes(b"PK code")
    template = {
        "Parameters": infra.parameters(STAGE),
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
    }
    (out / "sam.json").write_text(json.dumps(template))
    return out


def args(out: Path, *sets: str, **named: str) -> argparse.Namespace:
    values = {"sender_email": "", "domain_name": "", "certificate_arn": "", "hosted_zone_id": "", "alarm_email": ""}
    return argparse.Namespace(stage=STAGE, region=REGION, out=out, set=list(sets), **{**values, **named})


def last_change_set_parameters(cfn: Any) -> dict[str, str]:
    summaries = cfn.list_change_sets(StackName=NAME)["Summaries"]
    latest = summaries[-1]["ChangeSetName"]
    described = cfn.describe_change_set(StackName=NAME, ChangeSetName=latest)
    return {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}


def roll_back(name: str) -> None:
    """What CloudFormation does when a create fails: delete all but the retained, mark it."""
    from moto.cloudformation.models import cloudformation_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    (stack,) = [s for s in cloudformation_backends[DEFAULT_ACCOUNT_ID][REGION].stacks.values() if s.name == name]
    summaries = client("cloudformation").list_stack_resources(StackName=name)["StackResourceSummaries"]
    for s in summaries:
        if s["LogicalResourceId"] == "SiteBucket":
            client("s3").delete_bucket(Bucket=s["PhysicalResourceId"])
            # Still listed (as DELETE_COMPLETE on AWS), and nothing left to delete.
            stack.resource_map._parsed_resources["SiteBucket"] = RolledBack(s)
    stack.status = "ROLLBACK_COMPLETE"


class RolledBack:
    def __init__(self, summary: dict[str, str]) -> None:
        self.logical_resource_id = summary["LogicalResourceId"]
        self.physical_resource_id = summary["PhysicalResourceId"]
        self.cf_resource_type = summary["ResourceType"]

    def delete(self, account_id: str, region: str) -> None:
        """Already gone."""


def test_deploy_twice_keeps_every_parameter_not_given(aws: deploy.Clients, tmp_path: Path, capsys: Any) -> None:
    out = packaged(tmp_path / "out")
    first = {
        "sender_email": "no-reply@example.com",
        "domain_name": "bandstand.example.com",
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
        "hosted_zone_id": "Z123ABC",
        "alarm_email": "ops@example.com",
    }
    deploy.deploy(aws, args(out, "ApiRateLimit=20", "EqualTimeSeconds=0.5", **first), delay=0)
    created = deploy.stack_parameters(aws.cloudformation, NAME)
    assert created["DomainName"] == "bandstand.example.com" and created["AlarmEmail"] == "ops@example.com"
    assert created["ApiRateLimit"] == "20" and created["EqualTimeSeconds"] == "0.5"
    capsys.readouterr()
    deploy.deploy(aws, args(out), delay=0)  # a bare `make deploy`
    assert last_change_set_parameters(aws.cloudformation) == created
    (kept_line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("kept from the stack: ")]
    for name in ("AlarmEmail", "ApiRateLimit", "CertificateArn", "DomainName", "HostedZoneId", "SenderEmail"):
        assert name in kept_line
    # and one can still clear a value on purpose
    deploy.deploy(aws, args(out, "AlarmEmail="), delay=0)
    assert last_change_set_parameters(aws.cloudformation) == {**created, "AlarmEmail": ""}


def test_a_failed_create_is_cleared_and_the_next_deploy_succeeds(
    aws: deploy.Clients, tmp_path: Path, capsys: Any
) -> None:
    out = packaged(tmp_path / "out")
    deploy.deploy(aws, args(out, sender_email="no-reply@example.com"), delay=0)
    physical = {
        s["LogicalResourceId"]: s["PhysicalResourceId"]
        for s in aws.cloudformation.list_stack_resources(StackName=NAME)["StackResourceSummaries"]
    }
    roll_back(NAME)
    assert not deploy.stack_exists(aws.cloudformation, NAME)  # ROLLBACK_COMPLETE takes no update
    capsys.readouterr()
    deploy.deploy(aws, args(out, sender_email="no-reply@example.com"), delay=0)
    said = capsys.readouterr().out
    assert f"found stack {NAME} in ROLLBACK_COMPLETE" in said
    assert (
        "kept from the failed create (empty, not used by the new stack): "
        f"UsersTable AWS::DynamoDB::Table {physical['UsersTable']}" in said
    )
    assert deploy.stack_status(aws.cloudformation, NAME) in deploy.UPDATABLE
    assert physical["UsersTable"] in client("dynamodb").list_tables()["TableNames"]  # retained, not deleted


def test_destroy_after_a_failed_create(aws: deploy.Clients, tmp_path: Path) -> None:
    out = packaged(tmp_path / "out")
    deploy.deploy(aws, args(out, sender_email="no-reply@example.com"), delay=0)
    roll_back(NAME)  # the rollback already deleted the site bucket
    kept = deploy.destroy(aws.cloudformation, aws.s3, NAME, delay=0)
    assert [k[0] for k in kept] == ["UsersTable"]
    assert deploy.stack_status(aws.cloudformation, NAME) is None


def test_deploy_refuses_a_stack_that_is_busy_or_stuck(aws: deploy.Clients, tmp_path: Path) -> None:
    from moto.cloudformation.models import cloudformation_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    out = packaged(tmp_path / "out")
    deploy.deploy(aws, args(out, sender_email="no-reply@example.com"), delay=0)
    (stack,) = cloudformation_backends[DEFAULT_ACCOUNT_ID][REGION].stacks.values()
    for status, says in (("UPDATE_IN_PROGRESS", "wait for it"), ("UPDATE_ROLLBACK_FAILED", "continue-update-rollback")):
        stack.status = status
        with pytest.raises(SystemExit, match=says):
            deploy.deploy(aws, args(out), delay=0)


def test_without_a_domain_the_second_pass_gives_the_api_the_site_origin(aws: deploy.Clients, tmp_path: Path) -> None:
    out = packaged(tmp_path / "out")
    deploy.deploy(aws, args(out, sender_email="no-reply@example.com"), delay=0)
    assert last_change_set_parameters(aws.cloudformation)["WebOrigin"] == SITE_URL


# 1. the account's API Gateway logging role ---------------------------------------------------


def test_logging_role_is_set_once_when_none_is_set(aws: deploy.Clients) -> None:
    said = deploy.ensure_api_gateway_logging_role(aws.apigateway, aws.iam)
    role = aws.iam.get_role(RoleName=deploy.LOGGING_ROLE)["Role"]
    assert aws.apigateway.get_account()["cloudwatchRoleArn"] == role["Arn"] and "set" in said
    attached = aws.iam.list_attached_role_policies(RoleName=deploy.LOGGING_ROLE)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [deploy.LOGGING_POLICY]
    assert "already set" in deploy.ensure_api_gateway_logging_role(aws.apigateway, aws.iam)


def test_a_logging_role_someone_else_set_is_left_alone(aws: deploy.Clients) -> None:
    theirs = "arn:aws:iam::123456789012:role/their-apigateway-logs"
    aws.apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": theirs}])
    assert theirs in deploy.ensure_api_gateway_logging_role(aws.apigateway, aws.iam)
    assert aws.apigateway.get_account()["cloudwatchRoleArn"] == theirs
    assert aws.iam.list_roles()["Roles"] == []


class SlowIam:
    """API Gateway refuses a role IAM has not propagated yet, then takes it."""

    def __init__(self, apigateway: Any, refusals: int) -> None:
        self._real = apigateway
        self.exceptions = apigateway.exceptions
        self.refusals = refusals

    def get_account(self) -> Any:
        return self._real.get_account()

    def update_account(self, **kw: Any) -> Any:
        if self.refusals:
            self.refusals -= 1
            error = {
                "Error": {"Code": "BadRequestException", "Message": "The role ARN does not have required permissions"}
            }
            raise self.exceptions.BadRequestException(error, "UpdateAccount")
        return self._real.update_account(**kw)


def test_setting_the_role_waits_for_iam_to_propagate(aws: deploy.Clients) -> None:
    with pytest.raises(aws.apigateway.exceptions.BadRequestException):
        deploy.ensure_api_gateway_logging_role(SlowIam(aws.apigateway, refusals=5), aws.iam, attempts=3, pause=0)
    assert not aws.apigateway.get_account().get("cloudwatchRoleArn")  # gave up: nothing set
    slow = SlowIam(aws.apigateway, refusals=2)
    deploy.ensure_api_gateway_logging_role(slow, aws.iam, pause=0)  # reuses the role made above
    assert slow.refusals == 0
    assert aws.apigateway.get_account()["cloudwatchRoleArn"].endswith(f":role/{deploy.LOGGING_ROLE}")
