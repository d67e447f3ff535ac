"""Build the CloudFormation that `chalice package --merge-template` merges into its SAM output.

    python -m infra.merge_template --stage prod > build/infra/merge-prod.json

Generated from code so there is one source of truth for each fact:
- the DynamoDB tables come from chalicelib/storage/schema.py (what `make dev` creates),
- the web app's Content-Security-Policy from webpolicy.py (what `make dev` sends too),
- whether the API declares the Cognito authorizer from .chalice/config.json (the stage's
  API_AUTHORIZER, which app.py reads through chalicelib/web/authorizers.py),
- the Lambda role's one policy from the IAM_* tables of infra/template/iam.py (tests/infra
  checks them against the boto3 calls chalicelib makes).

chalice deep-merges dicts but replaces lists whole, so every list here is the full list.
The resources chalice generates that this file changes: APIHandler (name, role, environment)
and RestAPI (access logs, throttling, the authorizer's pool).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from infra.template.alarms import alarm_resources
from infra.template.api import api_resources, apihandler_override, restapi_override
from infra.template.cfn import Json, arn, ref, sub
from infra.template.iam import role_resources
from infra.template.identity import cognito_resources
from infra.template.mail import trigger_override, trigger_resources
from infra.template.parameters import CONDITIONS, RULES, parameters
from infra.template.site import web_resources
from infra.template.storage import table_resources

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
            **trigger_resources(),
            "APIHandler": apihandler_override(),
            "CognitoCustomMessage": trigger_override(),
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
