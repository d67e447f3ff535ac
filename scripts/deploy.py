"""Deploy Bandstand to AWS from `make package` output, or tear it down.

    python scripts/deploy.py deploy --stage prod --out out --sender-email no-reply@example.com
    python scripts/deploy.py destroy --stage prod
    python scripts/deploy.py grant-admin alice --stage prod
    python scripts/deploy.py seed --stage prod

deploy: makes sure the signing key exists in SSM (SecureString, never in the template),
uploads deployment.zip and the template to an artifacts bucket, creates or updates the
stack `bandstand-<stage>` through a change set (what `aws cloudformation deploy` does),
writes config.js with the API URL and the pool ids, uploads static/ with the right
content types, invalidates CloudFront and prints the site URL.
destroy: empties the site bucket, deletes the stack and names what it keeps (the tables
and the user pool have DeletionPolicy Retain).
grant-admin, seed: scripts.admin against the stage's tables and pool, found through the
stack's outputs (what `make admin` and `make seed` do locally).

Every step takes its boto3 client as an argument, so tests drive them against moto.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: `python scripts/deploy.py`
    sys.path.insert(0, str(ROOT))

from scripts.devstack.static_server import MIME_TYPES, config_js  # noqa: E402

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
# Pages and config.js must be fresh after a deploy; the rest may be cached a little.
NO_CACHE = ("text/html; charset=utf-8",)
API_STAGE = "api"  # api_gateway_stage in .chalice/config.json
SITE_BUCKET = "SiteBucket"  # its logical id in infra/template/site.py


def stack_name(stage: str) -> str:
    return f"bandstand-{stage}"


# -- the signing key ------------------------------------------------------------------------


def signing_key_name(stage: str) -> str:
    return f"/bandstand/{stage}/signing-key"


def ensure_signing_key(ssm: Any, name: str) -> bool:
    """Create the SecureString with a random key unless it exists. True when created."""
    try:
        ssm.get_parameter(Name=name)
        return False
    except ssm.exceptions.ParameterNotFound:
        pass
    ssm.put_parameter(
        Name=name,
        Value=secrets.token_urlsafe(48),
        Type="SecureString",
        Description="Bandstand signing key (cursors, code hashes; JWTs with the builtin backend)",
        Overwrite=False,
    )
    return True


# -- artifacts: the code and the template ---------------------------------------------------


def ensure_artifact_bucket(s3: Any, bucket: str, region: str) -> None:
    """A private, encrypted bucket for the packaged code and template."""
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except s3.exceptions.ClientError:
        pass
    options = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **options)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )


def stamp_definition(template: dict[str, Any], parameters: dict[str, str]) -> dict[str, Any]:
    """The template with the parameter values' digest in each API definition.

    SAM names the API's Deployment after a hash of the definition as written, before
    CloudFormation fills in parameters: a new DomainName or WebOrigin (the gateway
    responses' CORS origin) would leave the stage serving the old deployment. With the
    values in the definition, a change of them is a new deployment, and the stage follows."""
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()[:16]
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Api":
            info = resource["Properties"]["DefinitionBody"].setdefault("info", {})
            info["description"] = f"deployed with parameters {digest}"
    return template


def upload_artifacts(
    s3: Any, bucket: str, out_dir: Path, stage: str, parameters: dict[str, str] | None = None
) -> tuple[str, dict[str, Any]]:
    """Upload deployment.zip (content-addressed) and the template that points at it,
    stamped with the parameters it is deployed with. Returns the template's S3 URL
    (templates over 51,200 bytes must come from S3)."""
    code = (out_dir / "deployment.zip").read_bytes()
    code_key = f"{stage}/deployment-{hashlib.sha256(code).hexdigest()[:16]}.zip"
    s3.put_object(Bucket=bucket, Key=code_key, Body=code)
    template = json.loads((out_dir / "sam.json").read_text(encoding="utf-8"))
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = {"Bucket": bucket, "Key": code_key}
    if parameters is not None:
        stamp_definition(template, parameters)
    body = json.dumps(template).encode()
    template_key = f"{stage}/sam-{hashlib.sha256(body).hexdigest()[:16]}.json"
    s3.put_object(Bucket=bucket, Key=template_key, Body=body, ContentType="application/json")
    return f"https://{bucket}.s3.{s3.meta.region_name}.amazonaws.com/{template_key}", template


# -- the stack --------------------------------------------------------------------------------


def stack_status(cfn: Any, name: str) -> str | None:
    """The stack's status; None when there is none (deleted stacks are not found by name)."""
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except cfn.exceptions.ClientError:
        return None
    return str(stacks[0]["StackStatus"]) if stacks else None


# A stack in these states can take an update; REVIEW_IN_PROGRESS (a change set never run)
# and ROLLBACK_COMPLETE (a failed create: it can only be deleted) cannot.
UPDATABLE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"}
IMPORT_ROLLBACK = {"IMPORT_ROLLBACK_COMPLETE"}


def stack_exists(cfn: Any, name: str) -> bool:
    """True when a deploy updates the stack rather than creates it."""
    return stack_status(cfn, name) in UPDATABLE | IMPORT_ROLLBACK


def clear_failed_create(cfn: Any, s3: Any, name: str, delay: int = 10) -> list[tuple[str, str, str]] | None:
    """A create that failed and rolled back leaves a stack that can only be deleted: delete
    it, keep what DeletionPolicy Retain kept (empty tables, an empty pool) and return that.
    None when the stack is not in that state. Other unfinished states stop the deploy."""
    status = stack_status(cfn, name)
    if status == "ROLLBACK_COMPLETE":
        return destroy(cfn, s3, name, delay)
    if status is not None and (status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS"):
        raise SystemExit(f"stack {name} is {status}: wait for it to finish, then deploy again")
    if status is not None and status.endswith("_FAILED"):
        raise SystemExit(
            f"stack {name} is {status}: see its events in the CloudFormation console; "
            "UPDATE_ROLLBACK_FAILED needs `aws cloudformation continue-update-rollback` first"
        )
    return None


def failure_reasons(cfn: Any, name: str) -> list[str]:
    """Why resources failed, first failure first (what the console's Events tab shows)."""
    events = cfn.describe_stack_events(StackName=name).get("StackEvents", [])
    return [
        f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
        for e in reversed(events)
        if str(e.get("ResourceStatus", "")).endswith("_FAILED")
    ]


def deploy_stack(cfn: Any, name: str, template_url: str, parameters: dict[str, str], delay: int = 10) -> bool:
    """Create or update through a change set; False when there was nothing to change."""
    exists = stack_exists(cfn, name)
    change_set = f"deploy-{int(time.time())}"
    cfn.create_change_set(
        StackName=name,
        ChangeSetName=change_set,
        ChangeSetType="UPDATE" if exists else "CREATE",
        TemplateURL=template_url,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=CAPABILITIES,
    )
    from botocore.exceptions import WaiterError

    try:
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=name, ChangeSetName=change_set, WaiterConfig={"Delay": delay, "MaxAttempts": 120}
        )
    except WaiterError:
        described = cfn.describe_change_set(StackName=name, ChangeSetName=change_set)
        reason = described.get("StatusReason", "")
        if "didn't contain changes" in reason or "No updates" in reason:
            cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
            return False
        raise
    cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
    waiter = "stack_update_complete" if exists else "stack_create_complete"
    try:
        cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": delay, "MaxAttempts": 360})
    except WaiterError:
        reasons = "\n  ".join(failure_reasons(cfn, name)) or "(no failed resource reported)"
        raise SystemExit(
            f"stack {name} did not {'update' if exists else 'create'} ({stack_status(cfn, name)}):\n  {reasons}\n"
            "Fix the cause and run `make deploy` again: a failed first create is cleared on the next run."
        ) from None
    return True


def stack_outputs(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def stack_parameters(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}


def plan_parameters(declared: Iterable[str], previous: dict[str, str], given: dict[str, str | None]) -> dict[str, str]:
    """Each parameter the template declares: the value given, else the stack's current
    one, else none (the template's default). A given "" clears a value; None is not given."""
    planned: dict[str, str] = {}
    for key in declared:
        value = given.get(key)
        if value is not None:
            planned[key] = value
        elif key in previous:
            planned[key] = previous[key]
    return planned


# -- account-wide settings the stack relies on but must not own ---------------------------

LOGGING_ROLE = "bandstand-apigateway-cloudwatch"
LOGGING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


def ensure_api_gateway_logging_role(apigateway: Any, iam: Any, attempts: int = 24, pause: float = 5.0) -> str:
    """Access logs need the region's API Gateway account to name a CloudWatch role. That is
    one setting per account and region: leave one that is set alone; otherwise create (or
    reuse) our role and set it, retrying while IAM propagates the new role."""
    current = apigateway.get_account().get("cloudwatchRoleArn")
    if current:
        return f"API Gateway logging role already set in this region, kept: {current}"
    try:
        role_arn = iam.get_role(RoleName=LOGGING_ROLE)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        role_arn = iam.create_role(
            RoleName=LOGGING_ROLE,
            AssumeRolePolicyDocument=json.dumps(trust),
            Description="API Gateway writes access logs to CloudWatch (one per account; kept by make destroy)",
        )["Role"]["Arn"]
        iam.attach_role_policy(RoleName=LOGGING_ROLE, PolicyArn=LOGGING_POLICY)
    for attempt in range(attempts):
        try:
            apigateway.update_account(
                patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}]
            )
            break
        except apigateway.exceptions.BadRequestException:
            # "The role ARN does not have required permissions": IAM has not propagated yet.
            if attempt == attempts - 1:
                raise
            time.sleep(pause)
    return f"API Gateway logging role set for this region: {role_arn}"


SES_SANDBOX_DAILY_QUOTA = 200.0  # the sandbox's 24-hour sending quota


def account_notes(ses: Any, lambda_client: Any, rate: int) -> tuple[bool, list[str]]:
    """(whether SES is in the sandbox, warnings about the account's limits)."""
    notes = []
    quota = float(ses.get_send_quota().get("Max24HourSend", 0))
    sandbox = 0 < quota <= SES_SANDBOX_DAILY_QUOTA
    if sandbox:
        notes.append(
            "SES is in the sandbox here: mail reaches verified addresses only (others get no code and "
            "cannot confirm); ask for production access (README, Limits of a new account)"
        )
    limit = int(lambda_client.get_account_settings()["AccountLimit"]["ConcurrentExecutions"])
    if limit < rate:
        notes.append(
            f"Lambda concurrency of this account is {limit}, below the API's {rate} requests/s: "
            "past it callers get 500s; ask for more (Service Quotas, Lambda, Concurrent executions)"
        )
    return sandbox, notes


# -- the web app ------------------------------------------------------------------------------


def web_config_js(outputs: dict[str, str]) -> str:
    """config.js for AWS: the API URL (as locally) plus the pool ids."""
    api = outputs["EndpointURL"].rstrip("/")
    return (
        config_js(api)
        + f'export const COGNITO_USER_POOL_ID = "{outputs["UserPoolId"]}";\n'
        + f'export const COGNITO_CLIENT_ID = "{outputs["UserPoolClientId"]}";\n'
    )


def content_type(path: Path) -> str:
    return MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")


def site_files(static_dir: Path) -> Iterable[tuple[str, Path]]:
    for path in sorted(static_dir.rglob("*")):
        key = path.relative_to(static_dir).as_posix()
        if path.is_file() and key != "config.js" and not any(part.startswith(".") for part in path.parts):
            yield key, path


def upload_site(s3: Any, bucket: str, static_dir: Path, config: str) -> list[str]:
    """Upload static/ plus the generated config.js; delete what static/ no longer has."""
    uploaded = []
    for key, path in site_files(static_dir):
        kind = content_type(path)
        cache = "no-cache" if kind in NO_CACHE else "public, max-age=300"
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=kind, CacheControl=cache)
        uploaded.append(key)
    s3.put_object(
        Bucket=bucket, Key="config.js", Body=config.encode(), ContentType=MIME_TYPES[".js"], CacheControl="no-cache"
    )
    uploaded.append("config.js")
    keep = set(uploaded)
    stale = [
        {"Key": item["Key"]}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for item in page.get("Contents", [])
        if item["Key"] not in keep
    ]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": stale[start : start + 1000], "Quiet": True})
    return uploaded


def invalidate(cloudfront: Any, distribution_id: str) -> str:
    response = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"deploy-{time.time_ns()}"},
    )
    invalidation_id: str = response["Invalidation"]["Id"]
    return invalidation_id


def publish_site(s3: Any, cloudfront: Any, outputs: dict[str, str], static_dir: Path) -> str:
    upload_site(s3, outputs["SiteBucketName"], static_dir, web_config_js(outputs))
    invalidate(cloudfront, outputs["DistributionId"])
    return outputs["SiteURL"]


# -- tear down ------------------------------------------------------------------------------


def empty_bucket(s3: Any, bucket: str) -> None:
    """Delete every object version (the site bucket is versioned) so the stack can delete it."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        doomed = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if doomed:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})


def retained_resources(cfn: Any, name: str) -> list[tuple[str, str, str]]:
    """(logical id, type, physical id) of what DeletionPolicy Retain keeps after deletion."""
    body = cfn.get_template(StackName=name, TemplateStage="Processed")["TemplateBody"]
    template = json.loads(body) if isinstance(body, str) else body
    kept = {k for k, r in template["Resources"].items() if r.get("DeletionPolicy") == "Retain"}
    summaries = cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    return [
        (s["LogicalResourceId"], s["ResourceType"], s["PhysicalResourceId"])
        for s in summaries
        if s["LogicalResourceId"] in kept and s.get("PhysicalResourceId")
    ]


def bucket_exists(s3: Any, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
    except s3.exceptions.ClientError:
        return False
    return True


def destroy(cfn: Any, s3: Any, name: str, delay: int = 10) -> list[tuple[str, str, str]]:
    kept = retained_resources(cfn, name)
    for summary in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]:
        bucket = summary.get("PhysicalResourceId")
        # After a failed create the rollback has already deleted the bucket.
        if summary["LogicalResourceId"] == SITE_BUCKET and bucket and bucket_exists(s3, bucket):
            empty_bucket(s3, bucket)
    cfn.delete_stack(StackName=name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig={"Delay": delay, "MaxAttempts": 360})
    return kept


# -- the command line -------------------------------------------------------------------------


@dataclass
class Clients:
    cloudformation: Any
    s3: Any
    cloudfront: Any
    ssm: Any
    apigateway: Any
    sts: Any
    iam: Any = None
    lambda_: Any = None
    ses: Any = None


SERVICES = ("cloudformation", "s3", "cloudfront", "ssm", "apigateway", "sts", "iam", "lambda", "ses")


def make_clients(region: str) -> Clients:
    import boto3

    session = boto3.Session(region_name=region)
    return Clients(*(session.client(n) for n in SERVICES))


def given_parameters(args: argparse.Namespace) -> dict[str, str | None]:
    """What this run sets: the named options when not empty, and each --set NAME=VALUE
    (VALUE may be empty, to clear one). Everything else keeps the stack's value."""
    named = {
        "SenderEmail": args.sender_email,
        "DomainName": args.domain_name,
        "CertificateArn": args.certificate_arn,
        "HostedZoneId": args.hosted_zone_id,
        "AlarmEmail": args.alarm_email,
    }
    given: dict[str, str | None] = {k: v for k, v in named.items() if v}
    for item in args.set or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--set wants NAME=VALUE, not {item!r}")
        given[key] = value
    return given


def deploy(clients: Clients, args: argparse.Namespace, delay: int = 10) -> str:
    name = stack_name(args.stage)
    account = clients.sts.get_caller_identity()["Account"]
    print(ensure_api_gateway_logging_role(clients.apigateway, clients.iam))
    key_name = signing_key_name(args.stage)
    if ensure_signing_key(clients.ssm, key_name):
        print(f"created the signing key {key_name} (SSM SecureString)")
    kept = clear_failed_create(clients.cloudformation, clients.s3, name, delay)
    if kept is not None:
        print(f"found stack {name} in ROLLBACK_COMPLETE (a failed first create): deleted it to create it again")
        for logical_id, kind, physical_id in kept:
            print(f"kept from the failed create (empty, not used by the new stack): {logical_id} {kind} {physical_id}")
    bucket = f"bandstand-artifacts-{account}-{args.region}"
    ensure_artifact_bucket(clients.s3, bucket, args.region)
    declared = json.loads((args.out / "sam.json").read_text(encoding="utf-8")).get("Parameters", {})
    exists = stack_exists(clients.cloudformation, name)
    previous = stack_parameters(clients.cloudformation, name) if exists else {}
    given = given_parameters(args)
    given["SigningKeyParameterName"] = key_name
    sandbox, notes = account_notes(clients.ses, clients.lambda_, int(previous.get("ApiRateLimit", "50")))
    for note in notes:
        print(f"note: {note}")
    given.setdefault("SesSandbox", "true" if sandbox else "false")
    parameters = plan_parameters(declared, previous, given)
    if not parameters.get("SenderEmail"):
        raise SystemExit("SENDER_EMAIL is required on the first deploy (a verified SES identity)")
    kept_values = sorted(k for k in parameters if k not in given and k in previous)
    if kept_values:
        print(f"kept from the stack: {', '.join(kept_values)}")
    template_url, _ = upload_artifacts(clients.s3, bucket, args.out, args.stage, parameters)
    print(f"deploying stack {name} ...")
    deploy_stack(clients.cloudformation, name, template_url, parameters, delay)
    outputs = stack_outputs(clients.cloudformation, name)
    # Without a domain the site's origin is CloudFront's, known only once the stack exists:
    # a second pass gives it to the API (CORS, gateway responses, mail links); the new
    # parameters stamp a new definition, so the stage gets a new deployment.
    if not parameters.get("DomainName") and parameters.get("WebOrigin") != outputs["SiteURL"]:
        print(f"pointing the API at {outputs['SiteURL']} ...")
        parameters = {**parameters, "WebOrigin": outputs["SiteURL"]}
        template_url, _ = upload_artifacts(clients.s3, bucket, args.out, args.stage, parameters)
        deploy_stack(clients.cloudformation, name, template_url, parameters, delay)
    site = publish_site(clients.s3, clients.cloudfront, outputs, ROOT / "static")
    print(f"API: {outputs['EndpointURL']}")
    print(f"site: {site}")
    return site


# -- admin tasks on a deployed stage -----------------------------------------------------------


def stage_environment(stage: str, region: str, outputs: dict[str, str], parameters: dict[str, str]) -> dict[str, str]:
    """The variables the function gets from the stack, for running scripts.admin against
    the deployed tables and pool from the deployer's machine (its own credentials)."""
    return {
        "STAGE": stage,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "USERS_TABLE": outputs["UsersTableName"],
        "ALBUMS_TABLE": outputs["AlbumsTableName"],
        "COGNITO_USER_POOL_ID": outputs["UserPoolId"],
        "COGNITO_CLIENT_ID": outputs["UserPoolClientId"],
        "SERVER_SECRET_PARAMETER": parameters.get("SigningKeyParameterName") or signing_key_name(stage),
        "MAIL_FROM": parameters.get("SenderEmail", ""),
        "CORS_ORIGINS": outputs.get("SiteURL", ""),
        "WEB_BASE_URL": outputs.get("SiteURL", ""),
    }


def run_cli(clients: Clients, stage: str, region: str, cli_args: list[str]) -> int:
    """`scripts.admin` on the stage's own resources: grant-admin writes the pool's group
    and the app's mirror of it (the app reads groups from the mirror), seed loads the
    catalog. A group added in the console or with the AWS CLI alone is not seen."""
    from scripts import admin as cli

    name = stack_name(stage)
    env = stage_environment(
        stage, region, stack_outputs(clients.cloudformation, name), stack_parameters(clients.cloudformation, name)
    )
    saved = os.environ.copy()
    os.environ.update({k: v for k, v in env.items() if v})
    try:
        return cli.main(["--stage", stage, *cli_args])
    finally:
        os.environ.clear()  # the stage's variables were for this command only
        os.environ.update(saved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["deploy", "destroy", "grant-admin", "seed"])
    parser.add_argument("username", nargs="?", help="grant-admin: the user to make admin")
    parser.add_argument("--stage", required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "out")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    parser.add_argument("--sender-email", default=os.environ.get("SENDER_EMAIL", ""))
    parser.add_argument("--domain-name", default=os.environ.get("DOMAIN_NAME", ""))
    parser.add_argument("--certificate-arn", default=os.environ.get("CERTIFICATE_ARN", ""))
    parser.add_argument("--hosted-zone-id", default=os.environ.get("HOSTED_ZONE_ID", ""))
    parser.add_argument("--alarm-email", default=os.environ.get("ALARM_EMAIL", ""))
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="any template parameter; NAME= clears it")
    args = parser.parse_args(argv)
    if args.stage == "local":
        parser.error("the local stage runs with `make dev`, not on AWS")
    clients = make_clients(args.region)
    if args.command == "grant-admin":
        if not args.username:
            parser.error("grant-admin needs a username")
        return run_cli(clients, args.stage, args.region, ["grant-admin", args.username])
    if args.command == "seed":
        return run_cli(clients, args.stage, args.region, ["seed", "--no-progress"])
    if args.command == "deploy":
        deploy(clients, args)
        return 0
    name = stack_name(args.stage)
    if stack_status(clients.cloudformation, name) is None:
        print(f"there is no stack {name} in {args.region}: nothing to delete")
        return 0
    print(f"deleting stack {name} ...")
    for logical_id, kind, physical_id in destroy(clients.cloudformation, clients.s3, name):
        print(f"kept (DeletionPolicy Retain): {logical_id} {kind} {physical_id}")
    print("delete kept tables and the user pool by hand once their data is no longer needed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
