"""KafkaStreamProcessor blueprint: wiring of both outputs, polling modes, validation, and
the docs' PollerSizing table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Annotations, Match

from paved_road import KafkaSource, PavedRoadError, PollerSizing
from paved_road_blueprints import KafkaStreamProcessor, StreamOutput
from tests.cfn_lint import lint_errors
from tests.conftest import run_guardrails, template

ROOT = Path(__file__).resolve().parents[2]
MSK_ARN = (
    "arn:aws:kafka:eu-west-1:111122223333:cluster/orders/0f2e4d6c-8b1a-4c3e-9f5d-7a6b5c4d3e2f-3"
)
SOURCE = KafkaSource.msk(MSK_ARN)
NONE = "\u2013"  # the docs table writes "no baseline" as an en dash


def env_of(stack: Stack) -> dict[str, object]:
    (fn,) = [
        f
        for k, f in template(stack).find_resources("AWS::Lambda::Function").items()
        if not k.startswith("PavedRoadVersionPruner")  # the stack's version pruner
    ]
    return dict(fn["Properties"]["Environment"]["Variables"])


def mapping_of(stack: Stack) -> dict[str, object]:
    (esm,) = template(stack).find_resources("AWS::Lambda::EventSourceMapping").values()
    return dict(esm["Properties"])


def test_s3_output_writes_under_the_prefix_only(stack: Stack) -> None:
    # GIVEN the default (S3) processor WHEN synthesized
    KafkaStreamProcessor(stack, "Orders", source=SOURCE, topic="orders", object_prefix="raw")
    t = template(stack)
    # THEN two secure buckets exist, the handler knows where to write
    t.resource_count_is("AWS::S3::Bucket", 2)
    t.resource_count_is("AWS::SQS::Queue", 1)  # the mapping's failure queue only
    env = env_of(stack)
    assert env["OUTPUT"] == "s3"
    assert env["OBJECT_PREFIX"] == "raw"
    assert env["REPORT_BATCH_ITEM_FAILURES"] == "true"
    # AND the role may only put objects under raw/ (no read, no other prefix)
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
                                        "/raw/*",
                                    ],
                                ]
                            },
                        }
                    ]
                )
            }
        },
    )
    text = str(t.to_json())
    assert "s3:GetObject" not in text


def test_sqs_output_is_an_encrypted_fifo_queue_with_a_dlq(stack: Stack) -> None:
    processor = KafkaStreamProcessor(
        stack, "Orders", source=SOURCE, topic="orders", output=StreamOutput.SQS
    )
    t = template(stack)
    t.resource_count_is("AWS::S3::Bucket", 0)
    t.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "FifoQueue": True,
            "SqsManagedSseEnabled": True,
            "RedrivePolicy": {"maxReceiveCount": 5, "deadLetterTargetArn": Match.any_value()},
        },
    )
    assert processor.queue is not None and processor.output_dead_letter_queue is not None
    env = env_of(stack)
    assert env["OUTPUT"] == "sqs"
    assert "QUEUE_URL" in env and "BUCKET_NAME" not in env
    t.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": Match.array_with(["sqs:SendMessage"]),
                                "Resource": {
                                    "Fn::GetAtt": [
                                        Match.string_like_regexp("OrdersOutputQueue"),
                                        "Arn",
                                    ]
                                },
                            }
                        )
                    ]
                )
            }
        },
    )


def test_default_polling_is_provisioned_one_to_two(stack: Stack) -> None:
    KafkaStreamProcessor(stack, "Orders", source=SOURCE, topic="orders")
    mapping = mapping_of(stack)
    assert mapping["ProvisionedPollerConfig"] == {"MinimumPollers": 1, "MaximumPollers": 2}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_on_demand_tells_the_handler_to_fail_whole_batches(stack: Stack) -> None:
    processor = KafkaStreamProcessor(stack, "Orders", source=SOURCE, topic="orders", on_demand=True)
    mapping = mapping_of(stack)
    assert "ProvisionedPollerConfig" not in mapping
    assert "FunctionResponseTypes" not in mapping
    assert env_of(stack)["REPORT_BATCH_ITEM_FAILURES"] == "false"
    assert processor.consumer.report_batch_item_failures is False


def test_poller_sizing_sets_bounds_and_partition_warning(stack: Stack) -> None:
    sizing = PollerSizing.from_throughput(peak_mb_per_s=40, partitions=12, average_record_kb=2)
    KafkaStreamProcessor(stack, "Orders", source=SOURCE, topic="orders", poller_sizing=sizing)
    assert mapping_of(stack)["ProvisionedPollerConfig"] == {
        "MinimumPollers": 2,
        "MaximumPollers": 8,
    }
    # within the partitions: no warning
    assert not Annotations.from_stack(stack).find_warning("*", Match.any_value())


def test_explicit_pollers_are_passed_through(stack: Stack) -> None:
    KafkaStreamProcessor(
        stack, "Orders", source=SOURCE, topic="orders", minimum_pollers=1, maximum_pollers=3
    )
    assert mapping_of(stack)["ProvisionedPollerConfig"] == {
        "MinimumPollers": 1,
        "MaximumPollers": 3,
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"output": "s3"},
            r"output must be a paved_road_blueprints\.StreamOutput \(S3, SQS\), got 's3'",
        ),
        ({"object_prefix": "/raw"}, r"object_prefix must be non-empty"),
        ({"object_prefix": ""}, r"object_prefix must be non-empty"),
        # an IAM wildcard would widen the PutObject grant beyond the prefix
        (
            {"object_prefix": "raw*"},
            r"object_prefix must be .*without the IAM wildcards.*got 'raw\*'$",
        ),
        (
            {
                "poller_sizing": PollerSizing.from_throughput(
                    peak_mb_per_s=1, partitions=1, average_record_kb=1
                ),
                "maximum_pollers": 2,
            },
            r"poller_sizing is exclusive with minimum_pollers/maximum_pollers",
        ),
        (
            {"on_demand": True, "minimum_pollers": 1},
            r"on_demand cannot be combined with provisioned pollers",
        ),
    ],
)
def test_bad_props_raise(stack: Stack, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(PavedRoadError, match=r"KafkaStreamProcessor 'Test/Orders': " + message):
        KafkaStreamProcessor(stack, "Orders", source=SOURCE, topic="orders", **kwargs)  # type: ignore[arg-type]


def test_consumer_errors_surface_with_the_consumer_path(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"KafkaConsumer 'Test/Orders/Consumer': batch_size"):
        KafkaStreamProcessor(stack, "Orders", source=SOURCE, topic="orders", batch_size=0)


@pytest.mark.parametrize("output", list(StreamOutput))
def test_both_outputs_pass_every_guardrail_and_cfn_lint(
    output: StreamOutput, tmp_path: Path
) -> None:
    def build(stack: Stack) -> None:
        KafkaStreamProcessor(stack, "Orders", source=SOURCE, topic="orders", output=output)

    run = run_guardrails(build, tmp_path, strict=True)
    assert run.error is None, run.error
    assert run.violations == []
    stack_template = (tmp_path / "cdk.out" / "Guarded.template.json").read_text()
    assert lint_errors(stack_template) == []


def test_docs_poller_sizing_table_matches_the_code() -> None:
    # GIVEN the sizing table in docs/kafka.md WHEN each row is recomputed THEN it matches
    doc = (ROOT / "docs" / "kafka.md").read_text()
    row = re.compile(
        r"^\| ([\d,.]+) \| ([\d,]+) \| ([\d.]+) \| ([\d.]+|\u2013) \| \((\d+), (\d+)\)", re.M
    )
    rows = row.findall(doc)
    assert len(rows) >= 5
    for peak, partitions, kb, baseline, low, high in rows:
        sizing = PollerSizing.from_throughput(
            peak_mb_per_s=float(peak.replace(",", "")),
            partitions=int(partitions.replace(",", "")),
            average_record_kb=float(kb),
            baseline_mb_per_s=None if baseline == NONE else float(baseline),
        )
        assert (sizing.minimum_pollers, sizing.maximum_pollers) == (int(low), int(high)), peak
