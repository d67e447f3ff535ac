"""What the packaged SAM template says, read statically: one source of truth with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib.storage import schema
from chalicelib.web import authorizers
from infra.merge_template import build
from infra.template import api, storage
from scripts.devstack.static_server import content_security_policy

ROOT = Path(__file__).resolve().parents[2]
MAX_ZIP_BYTES = 5 * 1024 * 1024


def test_deployment_zip_is_small(package_dir: Path) -> None:
    size = (package_dir / "deployment.zip").stat().st_size
    assert 0 < size <= MAX_ZIP_BYTES, size


def test_no_placeholder_survives_packaging(template: dict[str, Any]) -> None:
    text = json.dumps(template)
    assert "000000000000" not in text  # the authorizer's pool and the role are the stack's own
    assert authorizers.POOL_ARN_PLACEHOLDER not in text


def test_tables_are_the_ones_the_local_stage_creates(resources: dict[str, Any]) -> None:
    for logical_id, local in (("UsersTable", schema.users_table("x")), ("AlbumsTable", schema.albums_table("x"))):
        table = resources[logical_id]
        properties = table["Properties"]
        for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"):
            assert properties[key] == local[key], (logical_id, key)
        assert properties["BillingMode"] == "PAY_PER_REQUEST"
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert properties["DeletionProtectionEnabled"] is True
        assert properties["SSESpecification"] == {"SSEEnabled": True}
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    ttl = {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
    assert resources["UsersTable"]["Properties"]["TimeToLiveSpecification"] == ttl
    assert "TimeToLiveSpecification" not in resources["AlbumsTable"]["Properties"]


def test_ttl_tables_match_what_create_tables_enables() -> None:
    source = (ROOT / "scripts" / "tables.py").read_text(encoding="utf-8")
    assert "if name == users_table:" in source  # locally only the users table expires items
    assert [name for name, (_d, ttl) in storage.TABLES.items() if ttl] == ["UsersTable"]


def test_user_pool_follows_the_api_contract(resources: dict[str, Any]) -> None:
    pool = resources["UserPool"]["Properties"]
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 15
    assert not any(policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["DeletionProtection"] == "ACTIVE"
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    client = resources["UserPoolClient"]["Properties"]
    signup = resources["UserPoolSignUpClient"]["Properties"]
    # Secrets on both clients (only the function can call the pool); `email` is
    # writable through the sign-up client only, which has no sign-in flow.
    assert client["GenerateSecret"] is True and signup["GenerateSecret"] is True
    assert sorted(client["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
    assert client["WriteAttributes"] and "email" not in client["WriteAttributes"]
    assert signup["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"] and signup["WriteAttributes"] == ["email"]
    for each in (client, signup):
        assert each["PreventUserExistenceErrors"] == "ENABLED"
        # docs/api.md: access and ID tokens 60 minutes, refresh tokens 30 days.
        assert (each["AccessTokenValidity"], each["IdTokenValidity"], each["RefreshTokenValidity"]) == (60, 60, 30)
        assert each["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
    assert resources["AdminGroup"]["Properties"]["GroupName"] == "admin"


def test_authorizer_uses_this_stacks_pool_on_exactly_the_signed_in_routes(resources: dict[str, Any]) -> None:
    body = resources["RestAPI"]["Properties"]["DefinitionBody"]
    definition = body["securityDefinitions"][authorizers.AUTHORIZER_NAME]
    assert definition["x-amazon-apigateway-authorizer"]["providerARNs"] == [{"Fn::GetAtt": ["UserPool", "Arn"]}]
    secured = {
        (method.upper(), path)
        for path, methods in body["paths"].items()
        for method, spec in methods.items()
        if spec.get("security")
    }
    import app

    expected = {(op.method, op.path) for op in app.OPERATIONS if op.auth != "public"}
    assert secured == expected


def test_gateway_responses_are_problem_documents_with_cors(resources: dict[str, Any]) -> None:
    responses = resources["RestAPI"]["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    expected = {"UNAUTHORIZED": 401, "ACCESS_DENIED": 403, "MISSING_AUTHENTICATION_TOKEN": 404, "THROTTLED": 429}
    for kind, status in {**expected, "DEFAULT_5XX": 500, "DEFAULT_4XX": 400}.items():
        response = responses[kind]
        assert response["statusCode"] == str(status)
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
        assert "gatewayresponse.header.Access-Control-Allow-Origin" in headers
        body = json.loads(response["responseTemplates"]["application/json"])
        assert body["status"] == status and body["code"] and body["title"]
    assert responses["THROTTLED"]["responseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"


def test_stage_has_throttling_and_access_logs(resources: dict[str, Any]) -> None:
    api = resources["RestAPI"]["Properties"]
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    settings = api["MethodSettings"][0]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiBurstLimit"}
    assert settings["LoggingLevel"] == "OFF"  # execution logs would hold request bodies


def test_function_environment_comes_from_the_stack(resources: dict[str, Any]) -> None:
    function = resources["APIHandler"]["Properties"]
    env = function["Environment"]["Variables"]
    assert env["IDENTITY_BACKEND"] == "cognito" and env["API_AUTHORIZER"] == "cognito" and env["MAILER"] == "ses"
    assert env["COGNITO_USER_POOL_ID"] == {"Ref": "UserPool"}
    assert env["COGNITO_CLIENT_ID"] == {"Ref": "UserPoolClient"}
    assert env["USERS_TABLE"] == {"Ref": "UsersTable"} and env["ALBUMS_TABLE"] == {"Ref": "AlbumsTable"}
    assert env["MAIL_FROM"] == {"Ref": "SenderEmail"}
    assert env["SERVER_SECRET_PARAMETER"] == {"Ref": "SigningKeyParameterName"}
    assert not {"SERVER_SECRET", "SERVER_SECRET_FILE"} & set(env)  # the key is never in clear
    assert function["Role"] == {"Fn::GetAtt": ["ApiHandlerRole", "Arn"]}


# -- least privilege ---------------------------------------------------------------------------

BOTO_CALL = re.compile(r"\.([a-z_]+)\(")
DYNAMODB_ACTIONS = {
    "get_item": {"dynamodb:GetItem"},
    "put_item": {"dynamodb:PutItem"},
    "update_item": {"dynamodb:UpdateItem"},
    "delete_item": {"dynamodb:DeleteItem"},
    "query": {"dynamodb:Query"},
    "batch_get_item": {"dynamodb:BatchGetItem"},
    # A transaction needs the action of each item it holds: Put, Update, Delete here.
    "transact_write_items": {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
}
OPERATOR_ONLY = {"batch_write_item"}  # the seed (scripts/admin.py), run by an operator, never by Lambda


def dynamodb_calls() -> set[str]:
    calls = set()
    for path in (ROOT / "chalicelib" / "storage").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        calls |= {m for m in BOTO_CALL.findall(text) if m in DYNAMODB_ACTIONS or m in OPERATOR_ONLY}
        calls |= {m for m in re.findall(r"self\._db\.([a-z_]+)", text)}
    return calls


def policy_statements(resources: dict[str, Any]) -> dict[str, Any]:
    (policy,) = resources["ApiHandlerRole"]["Properties"]["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def test_one_policy_grants_exactly_the_dynamodb_actions_the_code_makes(resources: dict[str, Any]) -> None:
    calls = dynamodb_calls()
    assert "transact_write_items" in calls and "query" in calls
    unknown = calls - set(DYNAMODB_ACTIONS) - OPERATOR_ONLY
    assert not unknown, f"map these DynamoDB calls to IAM actions: {unknown}"
    needed = set().union(*(DYNAMODB_ACTIONS[c] for c in calls if c in DYNAMODB_ACTIONS))
    statements = policy_statements(resources)
    assert set(statements["Tables"]["Action"]) == needed
    resources_granted = json.dumps(statements["Tables"]["Resource"])
    for logical_id in ("UsersTable", "AlbumsTable"):
        assert logical_id in resources_granted
    assert "*" not in resources_granted.replace("${", "")


def test_policy_covers_mail_signing_key_and_cognito_admin_calls(resources: dict[str, Any]) -> None:
    statements = policy_statements(resources)
    mail = (ROOT / "chalicelib" / "core" / "mail.py").read_text(encoding="utf-8")
    assert ".send_email(" in mail and statements["Mail"]["Action"] == ["ses:SendEmail"]
    config = (ROOT / "chalicelib" / "core" / "config.py").read_text(encoding="utf-8")
    assert ".get_parameter(" in config and statements["SigningKey"]["Action"] == ["ssm:GetParameter"]
    assert statements["UserPool"]["Resource"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
    # Every IAM-authorized Cognito call of the Cognito backend is granted, and nothing more.
    cognito_dir = ROOT / "chalicelib" / "identity" / "cognito"
    calls = set()
    for path in cognito_dir.rglob("*.py"):
        calls |= {m for m in BOTO_CALL.findall(path.read_text(encoding="utf-8")) if m.startswith("admin_")}
        calls |= {m for m in BOTO_CALL.findall(path.read_text(encoding="utf-8")) if m == "list_users"}
        # The app clients' secrets (identity/cognito/app_client.py).
        calls |= {m for m in BOTO_CALL.findall(path.read_text(encoding="utf-8")) if m == "describe_user_pool_client"}
    granted = set(statements["UserPool"]["Action"])

    def action_of(call: str) -> str:  # admin_set_user_mfa_preference -> AdminSetUserMFAPreference
        return "cognito-idp:" + "".join(part.upper() if part == "mfa" else part.title() for part in call.split("_"))

    for call in calls:
        assert action_of(call) in granted, (
            f"{call} needs {action_of(call)} in infra/template/iam.py IAM_COGNITO_ACTIONS"
        )
    assert granted == {action_of(c) for c in calls}, f"granted but never called: {sorted(granted)} for {sorted(calls)}"
    for statement in statements.values():
        assert "*" not in statement["Action"] and statement["Effect"] == "Allow"


def test_there_is_no_other_policy(resources: dict[str, Any]) -> None:
    assert not (ROOT / ".chalice" / "policy-dev.json").exists()
    assert not (ROOT / ".chalice" / "policy-prod.json").exists()
    kinds = [r["Type"] for r in resources.values()]
    assert "AWS::IAM::Policy" not in kinds and "AWS::IAM::ManagedPolicy" not in kinds


# -- the web app -------------------------------------------------------------------------------


def test_site_is_private_https_only_with_the_local_servers_headers(resources: dict[str, Any]) -> None:
    bucket = resources["SiteBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] in {"https-only", "redirect-to-https"}
    headers = resources["SiteHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    api_origin = "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    assert csp == content_security_policy(api_origin)
    assert "frame-ancestors 'none'" in csp
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"]["FrameOption"] == "DENY"


def test_domain_records_only_when_given(template: dict[str, Any], resources: dict[str, Any]) -> None:
    for kind in ("A", "AAAA"):
        assert resources[f"SiteAlias{kind}"]["Condition"] == "HasZone"
    assert set(template["Parameters"]) >= {"DomainName", "CertificateArn", "HostedZoneId", "SenderEmail"}
    assert template["Parameters"]["DomainName"]["Default"] == ""
    aliases = resources["Distribution"]["Properties"]["DistributionConfig"]["Aliases"]
    assert aliases["Fn::If"][0] == "HasDomain"


def test_alarms_and_log_retention(resources: dict[str, Any]) -> None:
    alarms = {k for k, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert alarms == {
        "LambdaErrorsAlarm",
        "LambdaThrottlesAlarm",
        "Api5xxAlarm",
        "UsersTableThrottleAlarm",
        "AlbumsTableThrottleAlarm",
    }
    for r in resources.values():
        if r["Type"] == "AWS::Logs::LogGroup":
            assert r["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_every_checkov_skip_has_a_reason(resources: dict[str, Any]) -> None:
    for logical_id, resource in resources.items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip["comment"]) > 20, (logical_id, skip)


def test_every_aws_stage_builds_and_the_local_stage_is_refused() -> None:
    for stage in ("dev", "prod"):
        built = build(stage)
        body = built["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
        assert api.stage_authorizer(stage) == "cognito" and "securityDefinitions" in body
        assert built["Parameters"]["SigningKeyParameterName"]["Default"] == f"/bandstand/{stage}/signing-key"
    with pytest.raises(SystemExit, match="local"):
        build("local")
