"""The stack's parameters, conditions and rules: what an operator chooses at deploy time."""

from __future__ import annotations

from infra.template.cfn import Json, ref

# The equal-time floor on AWS: above Cognito's p99 latency for ForgotPassword, which the
# floor must hide (docs/cognito-backend.md expects a spread of about 0.3 s); the local
# default (0.1 s, chalicelib/core/config.py) only has to hide DynamoDB Local and moto.
EQUAL_TIME_SECONDS = 0.3


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
        "ApiRateLimit": {
            "Type": "Number",
            "Default": 50,
            "Description": "Steady requests per second. Each needs a Lambda instance for its duration: "
            "new accounts may have an account concurrency below this (then callers get 500s and the "
            "throttles alarm fires); ask for more under Service Quotas, Lambda, Concurrent executions.",
        },
        "ApiBurstLimit": {"Type": "Number", "Default": 100},
        "EqualTimeSeconds": {
            "Type": "Number",
            "Default": EQUAL_TIME_SECONDS,
            "MinValue": 0,
            "MaxValue": 2,
            "Description": "The least time answers that could reveal a known account take; above "
            "Cognito's p99 ForgotPassword latency (docs/cognito-backend.md: about 0.3 s).",
        },
        "SesSandbox": {
            "Type": "String",
            "Default": "false",
            "AllowedValues": ["true", "false"],
            "Description": "true while the account's SES is in the sandbox: the app's own mails then also "
            "need ses:SendEmail on the (verified) recipient identity. scripts/deploy.py fills it in.",
        },
    }


CONDITIONS: Json = {
    "HasDomain": {"Fn::Not": [{"Fn::Equals": [ref("DomainName"), ""]}]},
    "HasZone": {"Fn::And": [{"Condition": "HasDomain"}, {"Fn::Not": [{"Fn::Equals": [ref("HostedZoneId"), ""]}]}]},
    "HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [ref("AlarmEmail"), ""]}]},
    "InSesSandbox": {"Fn::Equals": [ref("SesSandbox"), "true"]},
    # Without a domain the site's origin is known only after the first pass (WebOrigin "").
    "HasSiteOrigin": {"Fn::Or": [{"Condition": "HasDomain"}, {"Fn::Not": [{"Fn::Equals": [ref("WebOrigin"), ""]}]}]},
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
