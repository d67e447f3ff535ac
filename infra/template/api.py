"""API Gateway (access logs, throttling, its own answers as problem documents, the
authorizer's pool) and the API function chalice generates (name, role, environment)."""

from __future__ import annotations

import json

from chalicelib.web import authorizers
from infra.template.cfn import LAMBDA_NAME, LOG_GROUP_CHECKOV, WEB_ORIGIN, Json, arn, ref, skips, sub
from scripts.admin import stage_environment

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
        # Before the site's origin is known (first pass, no domain) no header at all: API
        # Gateway rejects an empty quoted value.
        "gatewayresponse.header.Access-Control-Allow-Origin": {
            "Fn::If": ["HasSiteOrigin", {"Fn::Join": ["", ["'", WEB_ORIGIN, "'"]]}, ref("AWS::NoValue")]
        },
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
    # Access logs need the region's API Gateway account to have a CloudWatch role. That is one
    # setting per account and region, shared by every stack there: scripts/deploy.py sets it
    # once, outside any stack, when none is set (ensure_api_gateway_logging_role), so no
    # stack can clobber another's or delete the role others use.
    return resources


def restapi_override(stage: str) -> Json:
    properties: Json = {
        # One name per stack, so dev's and prod's APIs (and their 5xx alarms) stay apart.
        "Name": sub("${AWS::StackName}"),
        # Any value stops SAM adding a second, public stage named "Stage" without throttling or
        # access logs (serverless-application-model#191); the definition is Swagger 2.0.
        "OpenApiVersion": "2.0",
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
        # The seam of chalicelib/web/authorizers.py: this stack's pool instead of the placeholder.
        definition["securityDefinitions"] = {
            authorizers.AUTHORIZER_NAME: {"x-amazon-apigateway-authorizer": {"providerARNs": [arn("UserPool")]}}
        }
    properties["DefinitionBody"] = definition
    return {"Metadata": skips("checkov", RESTAPI_CHECKOV), "Properties": properties}


def stage_authorizer(stage: str) -> str:
    """What app.py will declare for this stage: chalice imports it with the same environment."""
    return stage_environment(stage).get("API_AUTHORIZER", "none")


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
                    "COGNITO_SIGNUP_CLIENT_ID": ref("UserPoolSignUpClient"),
                    "MAIL_FROM": ref("SenderEmail"),
                    "SERVER_SECRET_PARAMETER": ref("SigningKeyParameterName"),
                    "CORS_ORIGINS": WEB_ORIGIN,
                    "WEB_BASE_URL": WEB_ORIGIN,
                    "EQUAL_TIME_SECONDS": ref("EqualTimeSeconds"),
                }
            },
        },
    }
