"""CloudFormation helpers, and the names and values more than one resource area uses."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


LAMBDA_NAME = "${AWS::StackName}-api"
TRIGGER_NAME = "${AWS::StackName}-custom-message"
API_ORIGIN = "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
WEB_ORIGIN: Json = {
    "Fn::If": ["HasDomain", {"Fn::Sub": "https://${DomainName}"}, {"Ref": "WebOrigin"}],
}


def ref(name: str) -> Json:
    return {"Ref": name}


def arn(resource: str, attribute: str = "Arn") -> Json:
    return {"Fn::GetAtt": [resource, attribute]}


def sub(text: str) -> Json:
    return {"Fn::Sub": text}


def skips(tool: str, reasons: dict[str, str]) -> Json:
    """Metadata that tells checkov or cfn-lint which checks do not apply here, and why."""
    if tool == "checkov":
        return {"checkov": {"skip": [{"id": check, "comment": why} for check, why in reasons.items()]}}
    return {"cfn-lint": {"config": {"ignore_checks": sorted(reasons)}}}


LOG_GROUP_CHECKOV = {
    "CKV_AWS_158": "CloudWatch Logs encrypts at rest; the logs hold no secrets (never a password, token or code).",
}


# Who may assume a function's role: Lambda, for the API function and the mail trigger alike.
LAMBDA_ASSUME_ROLE: Json = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
