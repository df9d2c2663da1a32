"""The four Kafka guardrail rules on hand-built template fragments (non-compliant and
compliant), then end to end through ``enforce()`` on plain L2 event source mappings.

The rules are pure functions of a ResourceView (see test_guardrail_rules.py); only the
last tests synthesize.
"""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs

from paved_road import GovernedFunction, Invocation
from paved_road.guardrails.rule import GuardrailRule, ResourceView
from paved_road.guardrails.rules import (
    KAFKA_BATCHING_WINDOW,
    KAFKA_FUNCTION_TIMEOUT_BATCH,
    KAFKA_MAPPING_ON_FAILURE_DESTINATION,
    KAFKA_PROVISIONED_POLLERS,
)
from tests.conftest import run_guardrails

TODAY = datetime.date(2026, 11, 23)
MSK_ARN = "arn:aws:kafka:us-east-1:111122223333:cluster/orders/abcd1234-ab12-cd34-ef56-1"
KAFKA_RULES = (
    KAFKA_MAPPING_ON_FAILURE_DESTINATION,
    KAFKA_PROVISIONED_POLLERS,
    KAFKA_BATCHING_WINDOW,
    KAFKA_FUNCTION_TIMEOUT_BATCH,
)
DROP = object()
"""A property value meaning "remove this property" in :func:`kafka`."""


def function(**props: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"Runtime": "python3.14", "Timeout": 30, **props}
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {k: v for k, v in base.items() if v is not DROP},
    }


def kafka(
    *, metadata: dict[str, Any] | None = None, fn: dict[str, Any] | None = None, **props: Any
) -> dict[str, dict[str, Any]]:
    """Resources of a compliant MSK mapping "R" (function "F", queue "D" as its
    destination); ``props`` override its properties (``DROP`` removes one)."""
    base: dict[str, Any] = {
        "EventSourceArn": MSK_ARN,
        "FunctionName": {"Ref": "F"},
        "Topics": ["orders"],
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 100,
        "MaximumBatchingWindowInSeconds": 1,
        "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["D", "Arn"]}}},
        **props,
    }
    mapping: dict[str, Any] = {
        "Type": "AWS::Lambda::EventSourceMapping",
        "Properties": {k: v for k, v in base.items() if v is not DROP},
    }
    if metadata is not None:
        mapping["Metadata"] = metadata
    return {
        "R": mapping,
        "F": fn if fn is not None else function(),
        "D": {"Type": "AWS::SQS::Queue", "Properties": {}},
    }


def sqs_mapping(**props: Any) -> dict[str, dict[str, Any]]:
    """An SQS mapping that would break every Kafka rule if it were read as Kafka."""
    return {
        "R": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": {"Fn::GetAtt": ["Q", "Arn"]},
                "FunctionName": {"Ref": "F"},
                "BatchSize": 10_000,
                "MaximumBatchingWindowInSeconds": 0,
                "ProvisionedPollerConfig": {"MinimumPollers": 250, "MaximumPollers": 2},
                **props,
            },
        },
        "Q": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "F": function(Timeout=1),
    }


def run(rule: GuardrailRule, resources: dict[str, dict[str, Any]]) -> str | None:
    resource = resources["R"]
    view = ResourceView(
        logical_id="R",
        type=resource["Type"],
        properties=resource.get("Properties", {}),
        template={"Resources": resources},
        today=TODAY,
    )
    finding = rule.check(view)
    return None if finding is None else finding.detail


# --- scope: which mappings are Kafka ---------------------------------------------------
def test_rule_ids_levels_and_resource_types() -> None:
    assert [(r.full_id, r.level_name) for r in KAFKA_RULES] == [
        ("PavedRoad-KafkaMappingOnFailureDestination", "Error"),
        ("PavedRoad-KafkaProvisionedPollers", "Error"),
        ("PavedRoad-KafkaBatchingWindow", "Warning"),
        ("PavedRoad-KafkaFunctionTimeoutBatch", "Warning"),
    ]
    assert all(r.resource_types == ("AWS::Lambda::EventSourceMapping",) for r in KAFKA_RULES)


def test_a_compliant_msk_mapping_passes_every_rule() -> None:
    for rule in KAFKA_RULES:
        assert run(rule, kafka()) is None, rule.full_id


@pytest.mark.parametrize("rule", KAFKA_RULES, ids=lambda r: r.rule_id)
def test_sqs_mappings_are_ignored(rule: GuardrailRule) -> None:
    # GIVEN an SQS mapping with no destination, window 0, min > max, a 1 s timeout
    # THEN no Kafka rule reads it
    assert run(rule, sqs_mapping()) is None
    literal = sqs_mapping(EventSourceArn="arn:aws:sqs:us-east-1:111122223333:orders")
    assert run(rule, literal) is None


def _non_compliant_everywhere(**props: Any) -> dict[str, dict[str, Any]]:
    return kafka(
        DestinationConfig=DROP,
        ProvisionedPollerConfig={"MinimumPollers": 5, "MaximumPollers": 2},
        MaximumBatchingWindowInSeconds=0,
        BatchSize=10_000,
        **props,
    )


SELF_MANAGED = {
    "EventSourceArn": DROP,
    "Topics": DROP,
    "SelfManagedEventSource": {"Endpoints": {"KafkaBootstrapServers": ["b-1.example:9096"]}},
}
JOINED_MSK = {
    "Topics": DROP,
    "EventSourceArn": {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":kafka:",
                {"Ref": "AWS::Region"},
                ":111122223333:cluster/orders/abcd-1",
            ],
        ]
    },
}


@pytest.mark.parametrize("rule", KAFKA_RULES, ids=lambda r: r.rule_id)
@pytest.mark.parametrize(
    "source",
    [
        pytest.param({}, id="msk-literal"),
        pytest.param(SELF_MANAGED, id="self-managed-endpoints"),
        pytest.param(JOINED_MSK, id="msk-fn-join"),
        pytest.param({"EventSourceArn": DROP}, id="topics-only"),
    ],
)
def test_kafka_mappings_are_detected(rule: GuardrailRule, source: dict[str, Any]) -> None:
    # GIVEN a Kafka mapping recognised only by one feature (Topics, endpoints, ARN text)
    # THEN every rule reads it (and finds its problem)
    assert run(rule, _non_compliant_everywhere(**source)) is not None


# --- KafkaMappingOnFailureDestination -----------------------------------------------------
@pytest.mark.parametrize(
    "destination",
    [
        pytest.param(DROP, id="absent"),
        pytest.param({}, id="empty"),
        pytest.param({"OnFailure": {}}, id="no-on-failure-destination"),
        pytest.param({"OnFailure": {"Destination": ""}}, id="empty-destination"),
    ],
)
def test_on_failure_destination_missing(destination: Any) -> None:
    assert (
        run(KAFKA_MAPPING_ON_FAILURE_DESTINATION, kafka(DestinationConfig=destination))
        == "DestinationConfig.OnFailure.Destination is not set."
    )


@pytest.mark.parametrize(
    "destination",
    [
        {"Fn::GetAtt": ["D", "Arn"]},
        {"Ref": "Topic"},
        "arn:aws:s3:::discarded-batches",
        "arn:aws:sqs:us-east-1:111122223333:elsewhere",
    ],
)
def test_on_failure_destination_set(destination: Any) -> None:
    resources = kafka(DestinationConfig={"OnFailure": {"Destination": destination}})
    assert run(KAFKA_MAPPING_ON_FAILURE_DESTINATION, resources) is None


# --- KafkaProvisionedPollers ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("config", "detail"),
    [
        ({"MinimumPollers": 5, "MaximumPollers": 2}, "MinimumPollers 5 > MaximumPollers 2."),
        (
            {"MinimumPollers": 250},
            "MinimumPollers 250 is outside 1-200; "
            "MinimumPollers 250 > MaximumPollers 200 (default).",
        ),
        ({"MinimumPollers": 0}, "MinimumPollers 0 is outside 1-200."),
        ({"MinimumPollers": 1, "MaximumPollers": 2001}, "MaximumPollers 2001 is outside 1-2000."),
        (
            {"MinimumPollers": 0, "MaximumPollers": 0},
            "MinimumPollers 0 is outside 1-200; MaximumPollers 0 is outside 1-2000.",
        ),
        (
            {"MinimumPollers": 3, "MaximumPollers": 0},
            "MaximumPollers 0 is outside 1-2000; MinimumPollers 3 > MaximumPollers 0.",
        ),
        (
            {"MinimumPollers": "300"},
            "MinimumPollers 300 is outside 1-200; "
            "MinimumPollers 300 > MaximumPollers 200 (default).",
        ),
    ],
)
def test_provisioned_pollers_out_of_range(config: dict[str, Any], detail: str) -> None:
    assert run(KAFKA_PROVISIONED_POLLERS, kafka(ProvisionedPollerConfig=config)) == detail


@pytest.mark.parametrize(
    "config",
    [
        pytest.param(DROP, id="on-demand"),
        pytest.param({}, id="all-defaults"),
        pytest.param({"MinimumPollers": 200}, id="min-200-default-max"),
        pytest.param({"MaximumPollers": 1}, id="max-1-default-min"),
        pytest.param({"MinimumPollers": 200, "MaximumPollers": 2000}, id="both-at-limits"),
        pytest.param({"MinimumPollers": 3, "MaximumPollers": 3}, id="min-equals-max"),
        pytest.param({"MinimumPollers": {"Ref": "Min"}, "MaximumPollers": 2}, id="intrinsic"),
        pytest.param({"MinimumPollers": 1, "PollerGroupName": "g"}, id="poller-group"),
    ],
)
def test_provisioned_pollers_compliant(config: Any) -> None:
    assert run(KAFKA_PROVISIONED_POLLERS, kafka(ProvisionedPollerConfig=config)) is None


def test_provisioned_pollers_intrinsic_bound_still_range_checks_the_other() -> None:
    config = {"MinimumPollers": {"Ref": "Min"}, "MaximumPollers": 5000}
    assert (
        run(KAFKA_PROVISIONED_POLLERS, kafka(ProvisionedPollerConfig=config))
        == "MaximumPollers 5000 is outside 1-2000."
    )


# --- KafkaBatchingWindow --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("props", "detail"),
    [
        pytest.param(
            {"MaximumBatchingWindowInSeconds": 0, "BatchSize": DROP},
            "BatchSize 100 with MaximumBatchingWindowInSeconds 0: Lambda invokes as soon as "
            "any record is available, so batches rarely fill.",
            id="window-0-default-batch",
        ),
        pytest.param(
            {"MaximumBatchingWindowInSeconds": 0, "BatchSize": 500},
            "BatchSize 500 with MaximumBatchingWindowInSeconds 0: Lambda invokes as soon as "
            "any record is available, so batches rarely fill.",
            id="window-0-batch-500",
        ),
        pytest.param(
            {"MaximumBatchingWindowInSeconds": "0", "BatchSize": 2},
            "BatchSize 2 with MaximumBatchingWindowInSeconds 0: Lambda invokes as soon as "
            "any record is available, so batches rarely fill.",
            id="window-string-0",
        ),
    ],
)
def test_batching_window_zero(props: dict[str, Any], detail: str) -> None:
    assert run(KAFKA_BATCHING_WINDOW, kafka(**props)) == detail


@pytest.mark.parametrize(
    "props",
    [
        pytest.param({"MaximumBatchingWindowInSeconds": DROP}, id="absent-500ms-default"),
        pytest.param(
            {"MaximumBatchingWindowInSeconds": DROP, "BatchSize": DROP}, id="all-defaults"
        ),
        pytest.param({"MaximumBatchingWindowInSeconds": 0, "BatchSize": 1}, id="window-0-batch-1"),
        pytest.param({"MaximumBatchingWindowInSeconds": 1, "BatchSize": 10_000}, id="window-1"),
        pytest.param({"MaximumBatchingWindowInSeconds": {"Ref": "Window"}}, id="intrinsic-window"),
        pytest.param(
            {"MaximumBatchingWindowInSeconds": 0, "BatchSize": {"Ref": "Batch"}},
            id="intrinsic-batch",
        ),
    ],
)
def test_batching_window_compliant(props: dict[str, Any]) -> None:
    assert run(KAFKA_BATCHING_WINDOW, kafka(**props)) is None


# --- KafkaFunctionTimeoutBatch --------------------------------------------------------------
def test_timeout_below_a_full_batch() -> None:
    # GIVEN a 30 s function and batches of 10,000 at the default 10 ms per record
    resources = kafka(BatchSize=10_000)
    # THEN the arithmetic is spelled out
    assert (
        run(KAFKA_FUNCTION_TIMEOUT_BATCH, resources)
        == "Timeout 30 s < BatchSize 10000 x 10 ms per record = 100 s."
    )


def test_timeout_uses_the_record_processing_metadata() -> None:
    # GIVEN the mapping declares 1 ms per record: 10,000 x 1 ms = 10 s <= 30 s
    fast = kafka(BatchSize=10_000, metadata={"PavedRoad::RecordProcessingMillis": 1})
    assert run(KAFKA_FUNCTION_TIMEOUT_BATCH, fast) is None
    # AND a slower declared time makes a small batch non-compliant
    slow = kafka(BatchSize=100, metadata={"PavedRoad::RecordProcessingMillis": 500})
    assert (
        run(KAFKA_FUNCTION_TIMEOUT_BATCH, slow)
        == "Timeout 30 s < BatchSize 100 x 500 ms per record = 50 s."
    )


def test_timeout_uses_lambda_and_kafka_defaults() -> None:
    # 3 s default timeout vs the default 100 records x 10 ms = 1 s: compliant
    defaults = kafka(BatchSize=DROP, fn=function(Timeout=DROP))
    assert run(KAFKA_FUNCTION_TIMEOUT_BATCH, defaults) is None
    bigger = kafka(BatchSize=1000, fn=function(Timeout=DROP))
    assert (
        run(KAFKA_FUNCTION_TIMEOUT_BATCH, bigger)
        == "Timeout 3 s < BatchSize 1000 x 10 ms per record = 10 s."
    )


def test_timeout_exactly_a_full_batch_is_compliant() -> None:
    assert run(KAFKA_FUNCTION_TIMEOUT_BATCH, kafka(BatchSize=3000)) is None  # 30 s == 30 s


@pytest.mark.parametrize(
    "resources",
    [
        pytest.param(
            kafka(BatchSize=10_000, FunctionName="arn:aws:lambda:us-east-1:1:function:x"),
            id="function-outside-template",
        ),
        pytest.param(kafka(BatchSize=10_000, FunctionName={"Ref": "Missing"}), id="dangling-ref"),
        pytest.param(
            kafka(BatchSize=10_000, fn=function(Timeout={"Ref": "Timeout"})),
            id="intrinsic-timeout",
        ),
        pytest.param(kafka(BatchSize={"Ref": "Batch"}), id="intrinsic-batch"),
        pytest.param(
            kafka(BatchSize=10_000, metadata={"PavedRoad::RecordProcessingMillis": {"Ref": "Ms"}}),
            id="intrinsic-metadata",
        ),
    ],
)
def test_timeout_unknowable_is_compliant(resources: dict[str, dict[str, Any]]) -> None:
    assert run(KAFKA_FUNCTION_TIMEOUT_BATCH, resources) is None


def test_timeout_follows_a_get_att_function_reference() -> None:
    resources = kafka(BatchSize=10_000, FunctionName={"Fn::GetAtt": ["F", "Arn"]})
    assert run(KAFKA_FUNCTION_TIMEOUT_BATCH, resources) is not None


def test_rules_do_not_mutate_the_template() -> None:
    resources = _non_compliant_everywhere()
    before = copy.deepcopy(resources)
    for rule in KAFKA_RULES:
        run(rule, resources)
    assert resources == before


# --- end to end: plain L2 mappings under enforce() -----------------------------------------
CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")


def _consumer_function(stack: Stack) -> lambda_.IFunction:
    return GovernedFunction(
        stack,
        "Fn",
        code=CODE,
        handler="index.handler",
        invocation=Invocation.EVENT_SOURCE_MAPPING,
    ).function


def test_l2_kafka_mapping_without_destination_fails_synthesis(tmp_path: Path) -> None:
    # GIVEN an L2 EventSourceMapping on an MSK topic with no on-failure destination
    def build(stack: Stack) -> None:
        lambda_.EventSourceMapping(
            stack,
            "Esm",
            target=_consumer_function(stack),
            event_source_arn=MSK_ARN,
            kafka_topic="orders",
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
        )

    run_ = run_guardrails(build, tmp_path, aws_solutions=False, serverless=False)
    # THEN the error rule fails synthesis and names the mapping
    assert run_.error is not None
    assert "PavedRoad-KafkaMappingOnFailureDestination" in run_.error
    assert run_.rules("error") == {"PavedRoad-KafkaMappingOnFailureDestination"}
    assert run_.paths("PavedRoad-KafkaMappingOnFailureDestination") == {"Guarded/Esm/Resource"}


def test_escape_hatch_min_above_max_fails_synthesis(tmp_path: Path) -> None:
    # GIVEN a provisioned L2 mapping whose minimum is raised above the maximum by override
    def build(stack: Stack) -> None:
        mapping = lambda_.EventSourceMapping(
            stack,
            "Esm",
            target=_consumer_function(stack),
            event_source_arn=MSK_ARN,
            kafka_topic="orders",
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            on_failure=event_sources.SqsDlq(sqs.Queue(stack, "Failures", enforce_ssl=True)),
            provisioned_poller_config=lambda_.ProvisionedPollerConfig(
                minimum_pollers=1, maximum_pollers=2
            ),
        )
        cfn = mapping.node.default_child
        assert isinstance(cfn, lambda_.CfnEventSourceMapping)
        cfn.add_property_override("ProvisionedPollerConfig.MinimumPollers", 5)

    run_ = run_guardrails(build, tmp_path, aws_solutions=False, serverless=False)
    # THEN the synthesized (overridden) value is what the rule sees
    assert run_.error is not None and "PavedRoad-KafkaProvisionedPollers" in run_.error
    assert run_.rules() == {"PavedRoad-KafkaProvisionedPollers"}
    assert run_.paths("PavedRoad-KafkaProvisionedPollers") == {"Guarded/Esm/Resource"}
    (violation,) = run_.violations
    assert "MinimumPollers 5 > MaximumPollers 2." in violation["description"]


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    # GIVEN an L2 mapping with window 0, batches of 10,000 and a 30 s function
    def build(stack: Stack) -> None:
        lambda_.EventSourceMapping(
            stack,
            "Esm",
            target=_consumer_function(stack),
            event_source_arn=MSK_ARN,
            kafka_topic="orders",
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            on_failure=event_sources.SqsDlq(sqs.Queue(stack, "Failures", enforce_ssl=True)),
            batch_size=10_000,
            max_batching_window=Duration.seconds(0),
        )

    lenient = run_guardrails(build, tmp_path / "lenient", aws_solutions=False, serverless=False)
    # THEN both warnings are reported but synthesis passes
    assert lenient.error is None
    assert lenient.rules("warning") == {
        "PavedRoad-KafkaBatchingWindow",
        "PavedRoad-KafkaFunctionTimeoutBatch",
    }
    assert lenient.rules("error") == set()
    # AND strict mode fails on them
    strict = run_guardrails(
        build, tmp_path / "strict", aws_solutions=False, serverless=False, strict=True
    )
    assert strict.error is not None
    assert "PavedRoad-KafkaFunctionTimeoutBatch" in strict.error
