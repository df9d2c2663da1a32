"""EventProcessingService blueprint: wiring, production settings, validation."""

from __future__ import annotations

import re

import pytest
from aws_cdk import Stack
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match

from paved_road import Criticality, PavedRoadError
from paved_road_blueprints import EventProcessingService
from tests.conftest import template

RUNTIME_ARN = "arn:aws:lambda:eu-west-1::runtime:" + "0" * 64


def test_defaults_wire_queue_function_and_bucket(stack: Stack) -> None:
    service = EventProcessingService(stack, "Orders")
    t = template(stack)
    t.resource_count_is("AWS::S3::Bucket", 2)
    t.resource_count_is("AWS::DynamoDB::GlobalTable", 0)
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "index.handler",
            "MemorySize": 512,
            "Timeout": 60,
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "BUCKET_NAME": {"Ref": Match.string_like_regexp("OrdersDataBucket")},
                        "OBJECT_PREFIX": "events",
                    }
                )
            },
        },
    )
    # the handler may only put objects under its prefix in its bucket
    t.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": "s3:PutObject",
                            "Effect": "Allow",
                            "Resource": {
                                "Fn::Join": [
                                    "",
                                    [
                                        {
                                            "Fn::GetAtt": [
                                                Match.string_like_regexp("OrdersDataBucket"),
                                                "Arn",
                                            ]
                                        },
                                        "/events/*",
                                    ],
                                ]
                            },
                        }
                    ]
                )
            }
        },
    )
    assert service.idempotency_table is None
    assert service.consumer.governed_function is not None
    assert service.consumer.governed_function.criticality is Criticality.STANDARD


def test_buckets_are_unversioned_until_production(stack: Stack) -> None:
    EventProcessingService(stack, "Orders")
    for bucket in template(stack).find_resources("AWS::S3::Bucket").values():
        assert "VersioningConfiguration" not in bucket["Properties"]


def test_production_versions_buckets_and_retains_the_idempotency_table(stack: Stack) -> None:
    service = EventProcessingService(stack, "Orders", production=True, idempotency=True)
    t = template(stack)
    for bucket in t.find_resources("AWS::S3::Bucket").values():
        assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    t.has_resource(
        "AWS::DynamoDB::GlobalTable",
        {
            "DeletionPolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
                    "BillingMode": "PAY_PER_REQUEST",
                }
            ),
        },
    )
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": Match.object_like({"IDEMPOTENCY_TABLE": Match.any_value()})}},
    )
    assert service.idempotency_table is not None


def test_options_reach_the_consumer(stack: Stack) -> None:
    topic = sns.Topic(stack, "Alarms")
    EventProcessingService(
        stack,
        "Orders",
        criticality=Criticality.CRITICAL,
        delivery={"runtime_version_arn": RUNTIME_ARN},
        batch_size=5,
        alarm_topic=topic,
    )
    t = template(stack)
    t.has_resource_properties("AWS::Lambda::EventSourceMapping", {"BatchSize": 5})
    t.has_resource_properties(
        "AWS::Lambda::Function", {"Tags": [{"Key": "criticality", "Value": "CRITICAL"}]}
    )
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "RuntimeManagementConfig": {
                "UpdateRuntimeOn": "Manual",
                "RuntimeVersionArn": RUNTIME_ARN,
            }
        },
    )
    # the consumer's four alarms notify the topic; the CRITICAL tier's two rollback alarms
    # on the live alias roll deployments back instead
    alarms = [a["Properties"] for a in t.find_resources("AWS::CloudWatch::Alarm").values()]
    assert len(alarms) == 6
    assert sum("AlarmActions" in a for a in alarms) == 4
    t.has_resource_properties(
        "AWS::CodeDeploy::DeploymentGroup",
        {"DeploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent10Minutes"},
    )


# "events*" or "ev?nts" would widen the PutObject grant (IAM wildcards); "a//b", "./x"
# are not S3 key segments the handler can write under
@pytest.mark.parametrize(
    "prefix", ["", "/events", "events/", "events*", "ev?nts", "a//b", "./x", "${aws:username}"]
)
def test_object_prefix_is_validated(stack: Stack, prefix: str) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"EventProcessingService 'Test/Orders': object_prefix must be non-empty with no "
        r"leading or trailing '/': .*without the IAM wildcards.*, got "
        + re.escape(repr(prefix))
        + "$",
    ):
        EventProcessingService(stack, "Orders", object_prefix=prefix)


@pytest.mark.parametrize("prefix", ["raw/source=orders", "a+b", "orders@x", "a b"])
def test_object_prefix_takes_any_key_characters_but_wildcards(stack: Stack, prefix: str) -> None:
    EventProcessingService(stack, "Ok", object_prefix=prefix)


def test_object_prefix_is_at_most_512_characters(stack: Stack) -> None:
    EventProcessingService(stack, "Ok", object_prefix="raw/" + "e" * 508)
    with pytest.raises(
        PavedRoadError, match=r"object_prefix must be at most 512 characters, got 513$"
    ):
        EventProcessingService(stack, "Orders", object_prefix="e" * 513)


def test_handler_asset_excludes_build_artifacts() -> None:
    from paved_road_blueprints._assets import ASSET_EXCLUDES
    from paved_road_blueprints.event_processing import HANDLER_DIR

    assert (HANDLER_DIR / "index.py").is_file()
    assert "__pycache__" in ASSET_EXCLUDES and "*.pyc" in ASSET_EXCLUDES
