"""Build the CloudFormation that `chalice package --merge-template` merges into its SAM output.

    python -m infra.merge_template --stage prod > build/infra/merge-prod.json

Generated from code so there is one source of truth for each fact:
- the DynamoDB tables come from chalicelib/repository/schema.py (what `make dev` creates),
- the web app's Content-Security-Policy from scripts/devstack/static_server.py (what `make dev` sends),
- whether the API declares the Cognito authorizer from .chalice/config.json (the stage's
  API_AUTHORIZER, which app.py reads through chalicelib/authorizers.py),
- the Lambda role's one policy from the IAM_* tables below (tests/infra checks them against
  the boto3 calls chalicelib makes).

chalice deep-merges dicts but replaces lists whole, so every list here is the full list.
The resources chalice generates that this file changes: APIHandler (name, role, environment)
and RestAPI (access logs, throttling, the authorizer's pool).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from chalicelib import authorizers
from chalicelib.cli import stage_environment
from chalicelib.repository import schema
from scripts.devstack.static_server import content_security_policy

Json = dict[str, Any]

# -- IAM: the only actions the Lambda function needs, by service ---------------------------
# DynamoDB: the request path's calls (chalicelib/repository). TransactWriteItems needs the
# action of each item it writes; BatchWriteItem is the seed's (the CLI, run by an operator).
IAM_DYNAMODB_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
)
# Cognito: only the Admin*/ListUsers calls are IAM-authorized; SignUp, InitiateAuth,
# ConfirmSignUp, ForgotPassword, GlobalSignOut, RevokeToken and the like are public APIs
# authorized by the app client or the user's token, so they need no statement.
# Exactly the admin calls of identity/cognito/provider.py (tests/infra checks both ways);
# SignUp, InitiateAuth and the other public calls need no IAM permission.
IAM_COGNITO_ACTIONS = (
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminSetUserMfaPreference",  # two-step sign-in (IAM action names ignore case)
    "cognito-idp:AdminUserGlobalSignOut",
)
IAM_SES_ACTIONS = ("ses:SendEmail",)
IAM_SSM_ACTIONS = ("ssm:GetParameter",)  # the signing key; aws/ssm key: no kms statement

LAMBDA_NAME = "${AWS::StackName}-api"
CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"  # the fixed hosted zone of every CloudFront alias
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy
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


# -- parameters, conditions, rules ---------------------------------------------------------


def parameters(stage: str) -> Json:
    return {
        "SenderEmail": {
            "Type": "String",
            "Description": "The From address of every mail; its address or domain must be a verified SES identity.",
            "AllowedPattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        },
        "DomainName": {
            "Type": "String",
            "Default": "",
            "Description": "Optional: the web app's domain (e.g. bandstand.example.com).",
        },
        "CertificateArn": {
            "Type": "String",
            "Default": "",
            "Description": "ACM certificate in us-east-1 for DomainName (required with DomainName).",
            "AllowedPattern": r"^$|^arn:aws[a-zA-Z-]*:acm:us-east-1:\d{12}:certificate/.+$",
        },
        "HostedZoneId": {
            "Type": "String",
            "Default": "",
            "Description": "Optional: Route 53 zone of DomainName; alias records are created when given.",
            "AllowedPattern": r"^$|^Z[A-Z0-9]{1,32}$",
        },
        "WebOrigin": {
            "Type": "String",
            "Default": "",
            "Description": "The site's origin without DomainName (scripts/deploy.py fills in the CloudFront one).",
        },
        "SigningKeyParameterName": {
            "Type": "String",
            "Default": f"/bandstand/{stage}/signing-key",
            "AllowedPattern": r"^/[A-Za-z0-9_./-]+$",
            "Description": "SSM SecureString with the app's signing key (scripts/deploy.py creates it).",
        },
        "AlarmEmail": {
            "Type": "String",
            "Default": "",
            "Description": "Optional: an address subscribed to the alarms.",
        },
        "LogRetentionDays": {
            "Type": "Number",
            "Default": 90,
            "AllowedValues": [7, 14, 30, 60, 90, 180, 365],
        },
        "ApiRateLimit": {"Type": "Number", "Default": 50, "Description": "Steady requests per second."},
        "ApiBurstLimit": {"Type": "Number", "Default": 100},
        "ManageApiGatewayAccount": {
            "Type": "String",
            "Default": "true",
            "AllowedValues": ["true", "false"],
            "Description": "Set the region's API Gateway logging role (one per account and region).",
        },
    }


CONDITIONS: Json = {
    "HasDomain": {"Fn::Not": [{"Fn::Equals": [ref("DomainName"), ""]}]},
    "HasZone": {"Fn::And": [{"Condition": "HasDomain"}, {"Fn::Not": [{"Fn::Equals": [ref("HostedZoneId"), ""]}]}]},
    "HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [ref("AlarmEmail"), ""]}]},
    "ManagesApiGatewayAccount": {"Fn::Equals": [ref("ManageApiGatewayAccount"), "true"]},
}

RULES: Json = {
    "DomainNeedsCertificate": {
        "RuleCondition": {"Fn::Not": [{"Fn::Equals": [ref("DomainName"), ""]}]},
        "Assertions": [
            {
                "Assert": {"Fn::Not": [{"Fn::Equals": [ref("CertificateArn"), ""]}]},
                "AssertDescription": "A DomainName needs a CertificateArn (ACM, us-east-1).",
            }
        ],
    }
}


# -- DynamoDB ----------------------------------------------------------------------------

TABLE_CHECKOV = {
    "CKV_AWS_119": "Encrypted with the AWS managed key (SSEEnabled); a customer key adds cost, not protection here.",
}


def table(definition: Json, ttl: bool) -> Json:
    """A table of schema.py, hardened for AWS; CloudFormation names it (one stack per stage)."""
    properties = {key: value for key, value in definition.items() if key != "TableName"}
    properties.update(
        {
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "DeletionProtectionEnabled": True,
            "SSESpecification": {"SSEEnabled": True},
        }
    )
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Metadata": skips("checkov", TABLE_CHECKOV),
        "Properties": properties,
    }


# Which tables have items that expire (refresh tokens, attempt counters): the users table,
# as chalicelib/repository/tables.py enables TTL locally.
TABLES = {
    "UsersTable": (schema.users_table("users"), True),
    "AlbumsTable": (schema.albums_table("albums"), False),
}


def table_resources() -> Json:
    return {name: table(definition, ttl) for name, (definition, ttl) in TABLES.items()}


# -- Cognito -----------------------------------------------------------------------------


def cognito_resources() -> Json:
    return {
        "UserPool": {
            "Type": "AWS::Cognito::UserPool",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "UserPoolName": sub("${AWS::StackName}-users"),
                "DeletionProtection": "ACTIVE",
                "UsernameConfiguration": {"CaseSensitive": False},
                # API.md: 15 characters, no composition rules; the blocklist is the app's.
                "Policies": {
                    "PasswordPolicy": {
                        "MinimumLength": 15,
                        "RequireLowercase": False,
                        "RequireUppercase": False,
                        "RequireNumbers": False,
                        "RequireSymbols": False,
                        "TemporaryPasswordValidityDays": 7,
                    }
                },
                "AutoVerifiedAttributes": ["email"],
                "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"},
                "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
                "Schema": [{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}],
                "MfaConfiguration": "OFF",
                # Cognito's own code mails go out through the same SES identity as the app's.
                "EmailConfiguration": {
                    "EmailSendingAccount": "DEVELOPER",
                    "From": ref("SenderEmail"),
                    "SourceArn": sub(
                        "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderEmail}"
                    ),
                },
            },
        },
        "UserPoolClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "UserPoolId": ref("UserPool"),
                "ClientName": sub("${AWS::StackName}-web"),
                "GenerateSecret": False,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "PreventUserExistenceErrors": "ENABLED",
                "EnableTokenRevocation": True,
                # API.md: access and ID tokens 60 minutes, refresh tokens 30 days.
                "AccessTokenValidity": 60,
                "IdTokenValidity": 60,
                "RefreshTokenValidity": 30,
                "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
            },
        },
        "AdminGroup": {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {
                "UserPoolId": ref("UserPool"),
                "GroupName": "admin",
                "Description": "May edit the album catalog and list users.",
            },
        },
    }


# -- the Lambda function's role: the one place for its permissions -----------------------


def table_arns() -> list[Json]:
    arns: list[Json] = []
    for name, (definition, _ttl) in TABLES.items():
        arns.append(arn(name))
        for index in definition.get("GlobalSecondaryIndexes", []):
            arns.append(sub(f"${{{name}.Arn}}/index/{index['IndexName']}"))
    return arns


def lambda_policy() -> Json:
    ses_identity = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": sub("${ApiHandlerLogGroup.Arn}"),
            },
            {"Sid": "Tables", "Effect": "Allow", "Action": list(IAM_DYNAMODB_ACTIONS), "Resource": table_arns()},
            {"Sid": "UserPool", "Effect": "Allow", "Action": list(IAM_COGNITO_ACTIONS), "Resource": arn("UserPool")},
            {
                "Sid": "Mail",
                "Effect": "Allow",
                "Action": list(IAM_SES_ACTIONS),
                # The address, or its domain when the domain is the verified identity.
                "Resource": [
                    sub(ses_identity + "${SenderEmail}"),
                    {
                        "Fn::Join": [
                            "",
                            [
                                sub(ses_identity),
                                {"Fn::Select": [1, {"Fn::Split": ["@", ref("SenderEmail")]}]},
                            ],
                        ]
                    },
                ],
            },
            {
                "Sid": "SigningKey",
                "Effect": "Allow",
                "Action": list(IAM_SSM_ACTIONS),
                "Resource": sub(
                    "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${SigningKeyParameterName}"
                ),
            },
        ],
    }


def role_resources() -> Json:
    return {
        "ApiHandlerRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [{"PolicyName": "bandstand-api", "PolicyDocument": lambda_policy()}],
            },
        },
        "ApiHandlerLogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Metadata": skips("checkov", LOG_GROUP_CHECKOV),
            "Properties": {
                "LogGroupName": sub("/aws/lambda/" + LAMBDA_NAME),
                "RetentionInDays": ref("LogRetentionDays"),
            },
        },
    }


LOG_GROUP_CHECKOV = {
    "CKV_AWS_158": "CloudWatch Logs encrypts at rest; the logs hold no secrets (never a password, token or code).",
}


# -- API Gateway -------------------------------------------------------------------------

# API Gateway's own answers, before or instead of Lambda: (status, title, detail, code).
GATEWAY_RESPONSES: dict[str, tuple[int, str, str, str]] = {
    "UNAUTHORIZED": (401, "Unauthorized", "Sign in first: send Authorization: Bearer <access_token>.", "invalid_token"),
    "ACCESS_DENIED": (403, "Forbidden", "You are not allowed to do this.", "forbidden"),
    # A path the API does not have: API Gateway says 403 "Missing Authentication Token".
    "MISSING_AUTHENTICATION_TOKEN": (404, "Not Found", "There is nothing at this address.", "not_found"),
    "RESOURCE_NOT_FOUND": (404, "Not Found", "There is nothing at this address.", "not_found"),
    "THROTTLED": (429, "Too Many Requests", "Too many requests: wait a moment and try again.", "too_many_requests"),
    "QUOTA_EXCEEDED": (
        429,
        "Too Many Requests",
        "Too many requests: wait a moment and try again.",
        "too_many_requests",
    ),
    "REQUEST_TOO_LARGE": (413, "Content Too Large", "The request body is over 64 KiB.", "payload_too_large"),
    "DEFAULT_4XX": (400, "Bad Request", "The request could not be understood.", "bad_request"),
    "INTEGRATION_TIMEOUT": (504, "Gateway Timeout", "The service took too long; try again.", "timeout"),
    "DEFAULT_5XX": (500, "Internal Server Error", "Something went wrong on our side.", "internal_error"),
}


def gateway_response(status: int, title: str, detail: str, code: str) -> Json:
    """One of API Gateway's own answers as a problem document with the site's CORS origin."""
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code})
    headers: Json = {
        "gatewayresponse.header.Access-Control-Allow-Origin": {"Fn::Join": ["", ["'", WEB_ORIGIN, "'"]]},
        "gatewayresponse.header.Vary": "'Origin'",
        "gatewayresponse.header.Content-Type": "'application/problem+json'",
    }
    if status == 429:
        headers["gatewayresponse.header.Retry-After"] = "'1'"
        headers["gatewayresponse.header.Access-Control-Expose-Headers"] = "'Retry-After'"
    return {"statusCode": str(status), "responseParameters": headers, "responseTemplates": {"application/json": body}}


ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "time": "$context.requestTimeEpoch",
        "method": "$context.httpMethod",
        "path": "$context.resourcePath",
        "status": "$context.status",
        "latencyMs": "$context.responseLatency",
        "bytes": "$context.responseLength",
        "error": "$context.error.responseType",
        "userAgent": "$context.identity.userAgent",
    },
    separators=(",", ":"),
)

RESTAPI_CHECKOV = {
    "CKV_AWS_120": "No caching: every answer depends on the caller's token.",
    "CKV_AWS_73": "No X-Ray: access logs, Lambda logs and metrics are enough at this size.",
}


def api_resources() -> Json:
    resources: Json = {}
    resources["ApiAccessLogGroup"] = {
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Metadata": skips("checkov", LOG_GROUP_CHECKOV),
        "Properties": {
            "LogGroupName": sub("/aws/apigateway/${AWS::StackName}-access"),
            "RetentionInDays": ref("LogRetentionDays"),
        },
    }
    # Access logs need the region's API Gateway account to have a CloudWatch role.
    resources["ApiGatewayLoggingRole"] = {
        "Type": "AWS::IAM::Role",
        "Condition": "ManagesApiGatewayAccount",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "apigateway.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "ManagedPolicyArns": [
                sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
            ],
        },
    }
    resources["ApiGatewayAccount"] = {
        "Type": "AWS::ApiGateway::Account",
        "Condition": "ManagesApiGatewayAccount",
        "Properties": {"CloudWatchRoleArn": arn("ApiGatewayLoggingRole")},
    }
    return resources


def restapi_override(stage: str) -> Json:
    properties: Json = {
        # One name per stack, so dev's and prod's APIs (and their 5xx alarms) stay apart.
        "Name": sub("${AWS::StackName}"),
        "AccessLogSetting": {"DestinationArn": arn("ApiAccessLogGroup"), "Format": ACCESS_LOG_FORMAT},
        "MethodSettings": [
            {
                "ResourcePath": "/*",
                "HttpMethod": "*",
                "ThrottlingRateLimit": ref("ApiRateLimit"),
                "ThrottlingBurstLimit": ref("ApiBurstLimit"),
                "MetricsEnabled": True,
                "LoggingLevel": "OFF",
            }
        ],
    }
    # In the API definition rather than as GatewayResponse resources, so that they are part
    # of the deployment API Gateway serves (a GatewayResponse resource needs a new one).
    definition: Json = {
        "info": {"title": sub("${AWS::StackName}")},
        "x-amazon-apigateway-gateway-responses": {
            kind: gateway_response(*spec) for kind, spec in GATEWAY_RESPONSES.items()
        },
    }
    if stage_authorizer(stage) == "cognito":
        # The seam of chalicelib/authorizers.py: this stack's pool instead of the placeholder.
        definition["securityDefinitions"] = {
            authorizers.AUTHORIZER_NAME: {"x-amazon-apigateway-authorizer": {"providerARNs": [arn("UserPool")]}}
        }
    properties["DefinitionBody"] = definition
    return {"Metadata": skips("checkov", RESTAPI_CHECKOV), "Properties": properties}


# -- the Lambda function chalice generates ------------------------------------------------

LAMBDA_CHECKOV = {
    "CKV_AWS_116": "Invoked synchronously by API Gateway: a dead-letter queue never receives anything.",
    "CKV_AWS_117": "Talks only to AWS APIs; a VPC would add NAT cost and cold-start time, no protection.",
    "CKV_AWS_115": "No reserved concurrency: new accounts have too little to reserve; stage throttling caps load.",
    "CKV_AWS_173": "The environment holds names and ids only; the signing key is read from SSM SecureString.",
}


def apihandler_override() -> Json:
    return {
        "DependsOn": ["ApiHandlerLogGroup"],  # the function must not create its own, unretained
        "Metadata": skips("checkov", LAMBDA_CHECKOV),
        "Properties": {
            "FunctionName": sub(LAMBDA_NAME),
            "Role": arn("ApiHandlerRole"),
            "Environment": {
                "Variables": {
                    "USERS_TABLE": ref("UsersTable"),
                    "ALBUMS_TABLE": ref("AlbumsTable"),
                    "COGNITO_USER_POOL_ID": ref("UserPool"),
                    "COGNITO_CLIENT_ID": ref("UserPoolClient"),
                    "MAIL_FROM": ref("SenderEmail"),
                    "JWT_SECRET_PARAMETER": ref("SigningKeyParameterName"),
                    "CORS_ORIGINS": WEB_ORIGIN,
                    "WEB_BASE_URL": WEB_ORIGIN,
                }
            },
        },
    }


# -- the web app: S3 + CloudFront ---------------------------------------------------------

BUCKET_CHECKOV = {
    "CKV_AWS_18": "Only CloudFront reads this bucket; logs would repeat CloudFront's, in a second bucket.",
}
DISTRIBUTION_CHECKOV = {
    "CKV_AWS_68": "No WAF (from about $6 a month) in front of static files; the API has its own throttling.",
    "CKV_AWS_86": "No standard logs: they need a log bucket with ACLs; CloudFront metrics are on.",
    "CKV_AWS_174": "TLSv1.2_2021 is set with a custom domain; the default *.cloudfront.net certificate cannot set it.",
}


def web_resources() -> Json:
    csp = content_security_policy(API_ORIGIN)  # the local static server's policy, for this API
    return {
        "SiteBucket": {
            "Type": "AWS::S3::Bucket",
            "Metadata": skips("checkov", BUCKET_CHECKOV),
            "Properties": {
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "forget-old-versions",
                            "Status": "Enabled",
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                        }
                    ]
                },
            },
        },
        "SiteBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": ref("SiteBucket"),
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudFrontReads",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": sub("${SiteBucket.Arn}/*"),
                            "Condition": {
                                "StringEquals": {
                                    "AWS:SourceArn": sub(
                                        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"
                                    )
                                }
                            },
                        },
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [arn("SiteBucket"), sub("${SiteBucket.Arn}/*")],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                },
            },
        },
        "SiteOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": sub("${AWS::StackName}-site"),
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "SiteHeaders": {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                "ResponseHeadersPolicyConfig": {
                    "Name": sub("${AWS::StackName}-security-headers"),
                    "SecurityHeadersConfig": {
                        "ContentSecurityPolicy": {"ContentSecurityPolicy": sub(csp), "Override": True},
                        "StrictTransportSecurity": {
                            "AccessControlMaxAgeSec": 63072000,
                            "IncludeSubdomains": True,
                            "Override": True,
                        },
                        "ContentTypeOptions": {"Override": True},
                        "FrameOptions": {"FrameOption": "DENY", "Override": True},
                        "ReferrerPolicy": {"ReferrerPolicy": "no-referrer", "Override": True},
                    },
                }
            },
        },
        "Distribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Metadata": {
                **skips("checkov", DISTRIBUTION_CHECKOV),
                # CertificateArn may be "" (no domain), but it is only read when DomainName is set.
                **skips("cfn-lint", {"W1030": "CertificateArn is used only under HasDomain, where a Rule requires it"}),
            },
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": sub("${AWS::StackName} web app"),
                    "DefaultRootObject": "index.html",
                    "HttpVersion": "http2and3",
                    "IPV6Enabled": True,
                    "PriceClass": "PriceClass_100",
                    "Aliases": {"Fn::If": ["HasDomain", [ref("DomainName")], ref("AWS::NoValue")]},
                    "ViewerCertificate": {
                        "Fn::If": [
                            "HasDomain",
                            {
                                "AcmCertificateArn": ref("CertificateArn"),
                                "SslSupportMethod": "sni-only",
                                "MinimumProtocolVersion": "TLSv1.2_2021",
                            },
                            {"CloudFrontDefaultCertificate": True},
                        ]
                    },
                    "Origins": [
                        {
                            "Id": "site",
                            "DomainName": arn("SiteBucket", "RegionalDomainName"),
                            "OriginAccessControlId": arn("SiteOriginAccessControl", "Id"),
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "site",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD"],
                        "CachedMethods": ["GET", "HEAD"],
                        "Compress": True,
                        "CachePolicyId": CACHING_OPTIMIZED,
                        "ResponseHeadersPolicyId": ref("SiteHeaders"),
                    },
                }
            },
        },
        **{
            f"SiteAlias{kind}": {
                "Type": "AWS::Route53::RecordSet",
                "Condition": "HasZone",
                "Properties": {
                    "HostedZoneId": ref("HostedZoneId"),
                    "Name": ref("DomainName"),
                    "Type": kind,
                    "AliasTarget": {
                        "DNSName": arn("Distribution", "DomainName"),
                        "HostedZoneId": CLOUDFRONT_ZONE_ID,
                        "EvaluateTargetHealth": False,
                    },
                },
            }
            for kind in ("A", "AAAA")
        },
    }


# -- CloudWatch alarms ---------------------------------------------------------------------


def alarm(description: str, metrics: list[Json] | None = None, **single: Any) -> Json:
    properties: Json = {
        "AlarmDescription": description,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Threshold": 1,
        "EvaluationPeriods": 1,
        "TreatMissingData": "notBreaching",
        "AlarmActions": [ref("AlarmTopic")],
    }
    if metrics is not None:
        properties["Metrics"] = metrics
    else:
        properties.update({"Statistic": "Sum", "Period": 300, **single})
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": properties}


def throttle_metrics(table_name: str) -> list[Json]:
    def metric(metric_id: str, name: str) -> Json:
        return {
            "Id": metric_id,
            "ReturnData": False,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/DynamoDB",
                    "MetricName": name,
                    "Dimensions": [{"Name": "TableName", "Value": ref(table_name)}],
                },
                "Period": 300,
                "Stat": "Sum",
            },
        }

    return [
        metric("reads", "ReadThrottleEvents"),
        metric("writes", "WriteThrottleEvents"),
        {"Id": "throttles", "Expression": "reads + writes", "Label": "Throttle events", "ReturnData": True},
    ]


def alarm_resources() -> Json:
    resources: Json = {
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"KmsMasterKeyId": "alias/aws/sns", "TopicName": sub("${AWS::StackName}-alarms")},
        },
        "AlarmSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Condition": "HasAlarmEmail",
            "Properties": {"TopicArn": ref("AlarmTopic"), "Protocol": "email", "Endpoint": ref("AlarmEmail")},
        },
        "LambdaErrorsAlarm": alarm(
            "The API function raised errors (unhandled exceptions, timeouts).",
            Namespace="AWS/Lambda",
            MetricName="Errors",
            Dimensions=[{"Name": "FunctionName", "Value": ref("APIHandler")}],
        ),
        "Api5xxAlarm": alarm(
            "The API answered 5xx: client input must never do that.",
            Namespace="AWS/ApiGateway",
            MetricName="5XXError",
            Dimensions=[{"Name": "ApiName", "Value": sub("${AWS::StackName}")}, {"Name": "Stage", "Value": "api"}],
        ),
    }
    for name in TABLES:
        resources[f"{name}ThrottleAlarm"] = alarm(
            f"DynamoDB throttled requests on {name}.", metrics=throttle_metrics(name)
        )
    return resources


# -- outputs and assembly --------------------------------------------------------------------

OUTPUTS: Json = {
    "SiteURL": {
        "Value": {
            "Fn::If": ["HasDomain", {"Fn::Sub": "https://${DomainName}"}, sub("https://${Distribution.DomainName}")]
        }
    },
    "DistributionDomainName": {"Value": arn("Distribution", "DomainName")},
    "DistributionId": {"Value": ref("Distribution")},
    "SiteBucketName": {"Value": ref("SiteBucket")},
    "UserPoolId": {"Value": ref("UserPool")},
    "UserPoolClientId": {"Value": ref("UserPoolClient")},
    "UsersTableName": {"Value": ref("UsersTable")},
    "AlbumsTableName": {"Value": ref("AlbumsTable")},
    "AlarmTopicArn": {"Value": ref("AlarmTopic")},
}


def stage_authorizer(stage: str) -> str:
    """What app.py will declare for this stage: chalice imports it with the same environment."""
    return stage_environment(stage).get("API_AUTHORIZER", "none")


def build(stage: str) -> Json:
    if stage == "local":
        raise SystemExit("the local stage is not deployed")
    return {
        "Description": f"Bandstand ({stage}): API, tables, user pool, web app, alarms",
        "Parameters": parameters(stage),
        "Conditions": CONDITIONS,
        "Rules": RULES,
        "Resources": {
            **table_resources(),
            **cognito_resources(),
            **role_resources(),
            **api_resources(),
            **web_resources(),
            **alarm_resources(),
            "APIHandler": apihandler_override(),
            "RestAPI": restapi_override(stage),
        },
        "Outputs": OUTPUTS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--out", type=Path, help="write here instead of stdout")
    args = parser.parse_args(argv)
    text = json.dumps(build(args.stage), indent=2) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
