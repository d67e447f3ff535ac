"""The Cognito user pool, its two app clients and the admin group."""

from __future__ import annotations

from infra.template.cfn import Json, arn, ref, sub
from scripts import cognito_emulator


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
                # docs/api.md: 15 characters, no composition rules; the blocklist is the app's.
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
                # Two-step sign-in: an authenticator app, for those who turn it on.
                "MfaConfiguration": "OPTIONAL",
                "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
                # The app's words in the code mails, with distinct subjects (app.py's trigger).
                "LambdaConfig": {"CustomMessage": arn("CognitoCustomMessage")},
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
        # Two app clients with secrets, the settings of scripts/cognito_emulator.py: only the
        # function (which reads the secrets) can call SignUp, InitiateAuth, ForgotPassword and
        # the rest; the web client issues every token and cannot write `email`; the sign-up
        # client can (SignUp sets it) but has no sign-in flow, so no token of it exists.
        # Changing GenerateSecret replaces a client: its id changes and tokens of the old
        # client stop being accepted (users sign in again once).
        "UserPoolClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "UserPoolId": ref("UserPool"),
                "ClientName": sub("${AWS::StackName}-web"),
                **cognito_emulator.WEB_CLIENT_SETTINGS,
            },
        },
        "UserPoolSignUpClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "UserPoolId": ref("UserPool"),
                "ClientName": sub("${AWS::StackName}-signup"),
                **cognito_emulator.SIGNUP_CLIENT_SETTINGS,
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
