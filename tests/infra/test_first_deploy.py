"""The first deploy succeeds and later ones change only what changed.

Each point is checked on the template after the SAM transform (aws-sam-translator, as
CloudFormation runs it) or on scripts/deploy.py against moto."""

from __future__ import annotations

import copy
import importlib.util
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.mail import code_message
from infra import merge_template as infra
from infra.package import add_bytecode
from scripts import deploy
from tests.infra.test_stack_on_moto import to_cloudformation


@pytest.fixture(scope="module")
def cfn(template: dict[str, Any], monkeypatch_module: pytest.MonkeyPatch) -> dict[str, Any]:
    return to_cloudformation(template)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        yield patch


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: r for k, r in resources.items() if r["Type"] == kind}


# 1. API Gateway's logging role: set once per account, outside every stack ----------------


def test_no_stack_touches_the_accounts_logging_role_but_the_stage_logs(cfn: dict[str, Any]) -> None:
    resources = cfn["Resources"]
    assert not of_type(resources, "AWS::ApiGateway::Account")
    assert "ManageApiGatewayAccount" not in cfn["Parameters"]
    (stage,) = of_type(resources, "AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}


# 5. one stage, no SAM "Stage" ------------------------------------------------------------


def test_the_api_has_exactly_the_api_stage(cfn: dict[str, Any]) -> None:
    resources = cfn["Resources"]
    stages = of_type(resources, "AWS::ApiGateway::Stage")
    assert [s["Properties"]["StageName"] for s in stages.values()] == [deploy.API_STAGE]
    for deployment in of_type(resources, "AWS::ApiGateway::Deployment").values():
        assert "StageName" not in deployment["Properties"]  # a Deployment's StageName makes a stage


# 4. every update puts the current definition live -----------------------------------------


def deployed_with(template: dict[str, Any], parameters: dict[str, str]) -> tuple[str, dict[str, Any]]:
    stamped = deploy.stamp_definition(copy.deepcopy(template), parameters)
    resources = to_cloudformation(stamped, parameters)["Resources"]
    (stage,) = of_type(resources, "AWS::ApiGateway::Stage").values()
    deployment_id: str = stage["Properties"]["DeploymentId"]["Ref"]
    assert deployment_id in resources
    return deployment_id, resources


def test_a_new_domain_or_origin_is_a_new_deployment_and_nothing_new_is_none(
    template: dict[str, Any], monkeypatch_module: pytest.MonkeyPatch
) -> None:
    first = {"SenderEmail": "no-reply@example.com", "WebOrigin": "https://d1.cloudfront.net"}
    with_domain = {
        **first,
        "DomainName": "bandstand.example.com",
        "CertificateArn": "arn:aws:acm:us-east-1:1:certificate/x",
    }
    before, _ = deployed_with(template, first)
    assert deployed_with(template, dict(first))[0] == before  # the same inputs: no new deployment
    after, _ = deployed_with(template, with_domain)
    assert after != before
    other_origin, _ = deployed_with(template, {**first, "WebOrigin": "https://d2.cloudfront.net"})
    assert other_origin not in {before, after}


def test_gateway_responses_send_no_empty_origin(cfn: dict[str, Any]) -> None:
    body = cfn["Resources"]["RestAPI"]["Properties"]["Body"]
    for kind, response in body["x-amazon-apigateway-gateway-responses"].items():
        header = response["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
        condition, when_known, otherwise = header["Fn::If"]
        assert condition == "HasSiteOrigin" and otherwise == {"Ref": "AWS::NoValue"}, kind
        assert "Fn::Join" in when_known
    known = cfn["Conditions"]["HasSiteOrigin"]["Fn::Or"]
    assert {"Condition": "HasDomain"} in known
    assert {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebOrigin"}, ""]}]} in known


# 6. alarms can be delivered ---------------------------------------------------------------


def test_alarm_topic_is_one_cloudwatch_can_publish_to(cfn: dict[str, Any]) -> None:
    resources = cfn["Resources"]
    topic = resources["AlarmTopic"]["Properties"]
    assert "KmsMasterKeyId" not in topic  # alias/aws/sns: CloudWatch may not use that key
    alarms = of_type(resources, "AWS::CloudWatch::Alarm")
    assert alarms and all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())


# 7. the pool's mails carry the app's words --------------------------------------------------


def test_the_pool_calls_the_apps_custom_message_trigger(cfn: dict[str, Any]) -> None:
    resources = cfn["Resources"]
    pool = resources["UserPool"]["Properties"]
    assert pool["LambdaConfig"] == {"CustomMessage": {"Fn::GetAtt": ["CognitoCustomMessage", "Arn"]}}
    function = resources["CognitoCustomMessage"]
    assert function["Type"] == "AWS::Lambda::Function"
    assert function["Properties"]["Handler"] == "app.cognito_custom_message"
    assert function["Properties"]["Role"] == {"Fn::GetAtt": ["CustomMessageRole", "Arn"]}
    assert "WEB_BASE_URL" in function["Properties"]["Environment"]["Variables"]
    permission = resources["CustomMessagePermission"]["Properties"]
    assert permission["Principal"] == "cognito-idp.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
    assert permission["FunctionName"] == {"Fn::GetAtt": ["CognitoCustomMessage", "Arn"]}
    (policy,) = resources["CustomMessageRole"]["Properties"]["Policies"]
    actions = {a for s in policy["PolicyDocument"]["Statement"] for a in s["Action"]}
    assert actions == {"logs:CreateLogStream", "logs:PutLogEvents"}  # it reads nothing


def custom_message_event(source: str) -> dict[str, Any]:
    return {
        "version": "1",
        "triggerSource": source,
        "region": "us-east-1",
        "userPoolId": "us-east-1_AbC123",
        "userName": "alice",
        "request": {"userAttributes": {"email": "alice@example.com"}, "codeParameter": "{####}"},
        "response": {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    }


@pytest.mark.parametrize(
    ("source", "purpose"),
    [
        ("CustomMessage_SignUp", "confirm"),
        ("CustomMessage_ResendCode", "confirm"),
        ("CustomMessage_ForgotPassword", "reset"),
    ],
)
def test_trigger_gives_the_outbox_text_with_cognitos_placeholder(
    source: str, purpose: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app

    monkeypatch.setenv("WEB_BASE_URL", "https://bandstand.example.com")
    answer = app.cognito_custom_message(custom_message_event(source), None)
    subject, body = code_message(purpose, "alice", "{####}", "https://bandstand.example.com")
    assert answer["response"]["emailSubject"] == subject
    message = answer["response"]["emailMessage"]
    assert "{####}" in message
    assert message.replace("<br>\n", "\n") == body  # nothing in the text needed escaping


def test_sign_up_and_reset_mails_have_distinct_subjects() -> None:
    import app

    subjects = {
        app.cognito_custom_message(custom_message_event(s), None)["response"]["emailSubject"]
        for s in ("CustomMessage_SignUp", "CustomMessage_ForgotPassword")
    }
    assert len(subjects) == 2


def test_trigger_escapes_names_and_leaves_other_messages_to_cognito() -> None:
    import app

    event = custom_message_event("CustomMessage_SignUp")
    event["request"]["userAttributes"]["name"] = "<b>Al</b>"
    assert "&lt;b&gt;Al&lt;/b&gt;" in app.cognito_custom_message(event, None)["response"]["emailMessage"]
    other = custom_message_event("CustomMessage_AdminCreateUser")
    assert app.cognito_custom_message(copy.deepcopy(other), None) == other


def test_pool_offers_authenticator_apps(cfn: dict[str, Any]) -> None:
    pool = cfn["Resources"]["UserPool"]["Properties"]
    assert pool["MfaConfiguration"] == "OPTIONAL" and pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


# 8. equal time on AWS -----------------------------------------------------------------------


def test_equal_time_is_a_parameter_above_cognitos_spread(cfn: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core import config

    parameter = cfn["Parameters"]["EqualTimeSeconds"]
    assert parameter["Type"] == "Number" and parameter["Default"] >= 0.3  # docs/cognito-backend.md
    env = cfn["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["EQUAL_TIME_SECONDS"] == {"Ref": "EqualTimeSeconds"}
    doc = (Path(__file__).resolve().parents[2] / "docs" / "cognito-backend.md").read_text(encoding="utf-8")
    assert "0.3 s" in doc
    source = Path(config.__file__).read_text(encoding="utf-8")
    assert '"EQUAL_TIME_SECONDS"' in source  # the name the function reads


# 9. SES sandbox, Lambda concurrency ----------------------------------------------------------


def test_in_the_ses_sandbox_the_function_may_mail_verified_recipients(cfn: dict[str, Any]) -> None:
    (policy,) = cfn["Resources"]["ApiHandlerRole"]["Properties"]["Policies"]
    mail = next(s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "Mail")
    conditional = [r for r in mail["Resource"] if isinstance(r, dict) and "Fn::If" in r]
    (choice,) = conditional
    condition, granted, otherwise = choice["Fn::If"]
    assert condition == "InSesSandbox" and otherwise == {"Ref": "AWS::NoValue"}
    assert granted["Fn::Sub"].endswith(":identity/*")
    assert cfn["Parameters"]["SesSandbox"]["Default"] == "false"


class FakeSes:
    def __init__(self, quota: float) -> None:
        self.quota = quota

    def get_send_quota(self) -> dict[str, float]:
        return {"Max24HourSend": self.quota, "MaxSendRate": 1.0, "SentLast24Hours": 0.0}


class FakeLambda:
    def __init__(self, limit: int) -> None:
        self.limit = limit

    def get_account_settings(self) -> dict[str, Any]:
        return {"AccountLimit": {"ConcurrentExecutions": self.limit}}


def test_account_notes_name_the_sandbox_and_low_concurrency() -> None:
    sandbox, notes = deploy.account_notes(FakeSes(200.0), FakeLambda(10), rate=50)
    assert sandbox is True and len(notes) == 2
    assert "sandbox" in notes[0] and "10" in notes[1] and "Service Quotas" in notes[1]
    sandbox, notes = deploy.account_notes(FakeSes(50000.0), FakeLambda(1000), rate=50)
    assert (sandbox, notes) == (False, [])


def test_lambda_throttles_raise_an_alarm(cfn: dict[str, Any]) -> None:
    alarm = cfn["Resources"]["LambdaThrottlesAlarm"]["Properties"]
    assert alarm["MetricName"] == "Throttles" and alarm["Namespace"] == "AWS/Lambda"
    assert "concurrency" in cfn["Parameters"]["ApiRateLimit"]["Description"]


# Also: bytecode in the package --------------------------------------------------------------


def test_every_module_ships_an_unchecked_hash_pyc_for_the_runtime(package_dir: Path, template: dict[str, Any]) -> None:
    runtimes = {
        r["Properties"]["Runtime"] for r in template["Resources"].values() if "Runtime" in r.get("Properties", {})
    }
    assert runtimes == {"python3.11"}
    with zipfile.ZipFile(package_dir / "deployment.zip") as archive:
        names = set(archive.namelist())
        sources = [n for n in names if n.endswith(".py")]
        assert "app.py" in sources and "chalicelib/core/mail.py" in sources
        for source in sources:
            folder, _, file = source.rpartition("/")
            pyc = f"{folder + '/' if folder else ''}__pycache__/{file[:-3]}.cpython-311.pyc"
            assert pyc in names, source
        header = archive.read("__pycache__/app.cpython-311.pyc")[:16]
    assert header[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(header[4:8], "little") == 0b01  # hash-based, source not checked


def test_bytecode_of_another_python_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "deployment.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("app.py", "x = 1\n")
    with pytest.raises(SystemExit, match=r"python3\.12"):
        add_bytecode(archive, "python3.12")
    add_bytecode(archive, "python3.11")
    assert "__pycache__/app.cpython-311.pyc" in zipfile.ZipFile(archive).namelist()


def test_parameters_of_the_template_are_what_deploy_plans_over(template: dict[str, Any]) -> None:
    assert set(template["Parameters"]) == set(infra.parameters("prod"))
    assert json.dumps(template).count("ManageApiGatewayAccount") == 0
