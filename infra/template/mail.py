"""Cognito's Custom Message trigger (app.py's cognito_custom_message), which words the
pool's code mails: its role, log group and permission, and the function chalice generates."""

from __future__ import annotations

from infra.template.cfn import (
    LAMBDA_ASSUME_ROLE,
    LOG_GROUP_CHECKOV,
    TRIGGER_NAME,
    WEB_ORIGIN,
    Json,
    arn,
    ref,
    skips,
    sub,
)

TRIGGER_CHECKOV = {
    "CKV_AWS_116": "Invoked synchronously by Cognito: a dead-letter queue never receives anything.",
    "CKV_AWS_117": "Calls no AWS API at all; a VPC would add cold-start time, no protection.",
    "CKV_AWS_115": "No reserved concurrency: new accounts have too little to reserve; Cognito's quotas cap calls.",
    "CKV_AWS_173": "The environment holds the site's address only, no secret.",
}


def trigger_resources() -> Json:
    """Its own role (logs only: it reads nothing) and log group; the pool may invoke it."""
    return {
        "CustomMessageRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": LAMBDA_ASSUME_ROLE,
                "Policies": [
                    {
                        "PolicyName": "bandstand-custom-message",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Sid": "Logs",
                                    "Effect": "Allow",
                                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                    "Resource": sub("${CustomMessageLogGroup.Arn}"),
                                }
                            ],
                        },
                    }
                ],
            },
        },
        "CustomMessageLogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Metadata": skips("checkov", LOG_GROUP_CHECKOV),
            "Properties": {
                "LogGroupName": sub("/aws/lambda/" + TRIGGER_NAME),
                "RetentionInDays": ref("LogRetentionDays"),
            },
        },
        "CustomMessagePermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": arn("CognitoCustomMessage"),
                "Principal": "cognito-idp.amazonaws.com",
                "SourceArn": arn("UserPool"),
            },
        },
    }


def trigger_override() -> Json:
    return {
        "DependsOn": ["CustomMessageLogGroup"],
        "Metadata": skips("checkov", TRIGGER_CHECKOV),
        "Properties": {
            "FunctionName": sub(TRIGGER_NAME),
            "Role": arn("CustomMessageRole"),
            "Environment": {"Variables": {"WEB_BASE_URL": WEB_ORIGIN}},
        },
    }
