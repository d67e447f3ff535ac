"""The Lambda function's role: the one place for its permissions (tests/infra checks the
IAM_* tables against the boto3 calls chalicelib makes), and its log group."""

from __future__ import annotations

from infra.template.cfn import LAMBDA_ASSUME_ROLE, LAMBDA_NAME, LOG_GROUP_CHECKOV, Json, arn, ref, skips, sub
from infra.template.storage import TABLES

# DynamoDB: the request path's calls (chalicelib/storage). TransactWriteItems needs the
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
# DescribeUserPoolClient: the app clients' secrets, read once per container (the secrets
# are in neither the template nor the environment; identity/cognito/app_client.py).
IAM_COGNITO_ACTIONS = (
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:AdminSetUserMFAPreference",
    "cognito-idp:DescribeUserPoolClient",
)
IAM_SES_ACTIONS = ("ses:SendEmail",)
IAM_SSM_ACTIONS = ("ssm:GetParameter",)  # the signing key; aws/ssm key: no kms statement


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
                    # In the SES sandbox a send is also authorized against each recipient's
                    # (verified) identity: the app's own notice to a registered address needs it.
                    {"Fn::If": ["InSesSandbox", sub(ses_identity + "*"), ref("AWS::NoValue")]},
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
                "AssumeRolePolicyDocument": LAMBDA_ASSUME_ROLE,
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
