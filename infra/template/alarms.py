"""CloudWatch alarms on the function, the API and the tables, and the topic they notify."""

from __future__ import annotations

from typing import Any

from infra.template.cfn import Json, ref, skips, sub
from infra.template.storage import TABLES


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


ALARM_TOPIC_CHECKOV = {
    "CKV_AWS_26": "CloudWatch cannot publish to a topic under alias/aws/sns; the notices hold no personal data.",
}


def alarm_resources() -> Json:
    resources: Json = {
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            # Not encrypted with alias/aws/sns: CloudWatch cannot use that key, so alarms to such a
            # topic are never delivered. The notices hold alarm names and metrics only.
            "Metadata": skips("checkov", ALARM_TOPIC_CHECKOV),
            "Properties": {"TopicName": sub("${AWS::StackName}-alarms")},
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
        # A new account's Lambda concurrency can be below the stage's rate: the API then
        # answers 500 for the throttled calls (README, "Limits of a new account").
        "LambdaThrottlesAlarm": alarm(
            "The API function was throttled: the account's Lambda concurrency is too low for the traffic.",
            Namespace="AWS/Lambda",
            MetricName="Throttles",
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
