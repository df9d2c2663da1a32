"""Each PavedRoad rule on synthesized-template fragments: non-compliant and compliant.

The rules are pure functions of a ResourceView, so they are tested at that layer;
test_guardrails_enforce.py runs them through cdk-nag and `enforce()`.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from paved_road.guardrails.rule import GuardrailRule, ResourceView
from paved_road.guardrails.rules import (
    ALL_RULES,
    LAMBDA_ACTIVE_TRACING,
    LAMBDA_JSON_LOGS,
    LAMBDA_RUNTIME_DEPRECATED,
    LAMBDA_RUNTIME_HORIZON,
    SQS_MAPPING_BATCH_ITEM_FAILURES,
    SQS_MAPPING_REDRIVE_POLICY,
    SQS_VISIBILITY_TIMEOUT,
    acknowledgment_reason,
)

TODAY = datetime.date(2026, 11, 23)
GOOD_FN = {
    "Runtime": "python3.14",
    "Timeout": 30,
    "LoggingConfig": {"LogFormat": "JSON"},
    "TracingConfig": {"Mode": "Active"},
}


def view_of(
    resources: dict[str, dict[str, Any]], logical_id: str, today: datetime.date = TODAY
) -> ResourceView:
    resource = resources[logical_id]
    return ResourceView(
        logical_id=logical_id,
        type=resource["Type"],
        properties=resource.get("Properties", {}),
        template={"Resources": resources},
        today=today,
    )


def fn(**props: Any) -> dict[str, Any]:
    merged = {**GOOD_FN, **props}
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {k: v for k, v in merged.items() if v is not None},
    }


def check(rule: GuardrailRule, resource: dict[str, Any], **extra: dict[str, Any]) -> str | None:
    finding = rule.check(view_of({"R": resource, **extra}, "R"))
    return None if finding is None else finding.detail


def mapping(queue: dict[str, Any], function: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {
        "R": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": {"Fn::GetAtt": ["Q", "Arn"]},
                "FunctionName": {"Ref": "F"},
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                **props,
            },
        },
        "Q": queue,
        "F": function,
    }


def queue(**props: Any) -> dict[str, Any]:
    base = {"VisibilityTimeout": 180, "RedrivePolicy": {"maxReceiveCount": 5}}
    base.update(props)
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {k: v for k, v in base.items() if v is not None},
    }


def run(rule: GuardrailRule, resources: dict[str, dict[str, Any]]) -> str | None:
    finding = rule.check(view_of(resources, "R"))
    return None if finding is None else finding.detail


# --- LambdaRuntimeDeprecated ------------------------------------------------------
def test_runtime_deprecated_flags_a_deprecated_runtime() -> None:
    detail = check(LAMBDA_RUNTIME_DEPRECATED, fn(Runtime="python3.9"))
    assert detail == "python3.9 is deprecated (deprecated 2025-12-15; successor: python3.14)."


def test_runtime_deprecated_reports_blocked_phases() -> None:
    detail = check(LAMBDA_RUNTIME_DEPRECATED, fn(Runtime="python3.7"))
    assert detail is not None and "create-blocked" in detail


@pytest.mark.parametrize("runtime", ["python3.14", "nodejs24.x", None, {"Ref": "Param"}])
def test_runtime_deprecated_passes_supported_container_and_intrinsic(runtime: Any) -> None:
    assert check(LAMBDA_RUNTIME_DEPRECATED, fn(Runtime=runtime)) is None


# --- LambdaRuntimeHorizon ---------------------------------------------------------
def test_horizon_uses_the_criticality_tag() -> None:
    # nodejs22.x is deprecated on 2027-04-30: 158 days after 2026-11-23
    critical = fn(Runtime="nodejs22.x", Tags=[{"Key": "criticality", "Value": "CRITICAL"}])
    important = fn(Runtime="nodejs22.x", Tags=[{"Key": "criticality", "Value": "IMPORTANT"}])
    detail = check(LAMBDA_RUNTIME_HORIZON, critical)
    assert detail is not None
    assert "in 158 days, inside the CRITICAL horizon of 180 days" in detail
    assert check(LAMBDA_RUNTIME_HORIZON, important) is None


def test_horizon_defaults_to_standard_when_untagged() -> None:
    inside = fn(Runtime="nodejs22.x")
    assert check(LAMBDA_RUNTIME_HORIZON, inside) is None  # 158 > 30
    late = ResourceView(
        "R", "AWS::Lambda::Function", inside["Properties"], {}, datetime.date(2027, 4, 10)
    )
    finding = LAMBDA_RUNTIME_HORIZON.check(late)
    assert finding is not None and "STANDARD horizon of 30 days" in finding.detail


def test_horizon_leaves_deprecated_runtimes_to_the_deprecated_rule() -> None:
    assert check(LAMBDA_RUNTIME_HORIZON, fn(Runtime="python3.9")) is None


# --- LambdaJsonLogs / LambdaActiveTracing -----------------------------------------
def test_json_logs() -> None:
    assert (
        check(LAMBDA_JSON_LOGS, fn(LoggingConfig=None))
        == "LoggingConfig.LogFormat is Text (default)."
    )
    assert (
        check(LAMBDA_JSON_LOGS, fn(LoggingConfig={"LogFormat": "Text"}))
        == "LoggingConfig.LogFormat is Text."
    )
    assert check(LAMBDA_JSON_LOGS, fn()) is None


def test_active_tracing() -> None:
    assert check(LAMBDA_ACTIVE_TRACING, fn(TracingConfig=None)) is not None
    assert check(LAMBDA_ACTIVE_TRACING, fn(TracingConfig={"Mode": "PassThrough"})) is not None
    assert check(LAMBDA_ACTIVE_TRACING, fn()) is None


# --- SqsMappingBatchItemFailures ----------------------------------------------------
def test_batch_item_failures_required_for_sqs() -> None:
    resources = mapping(queue(), fn(), FunctionResponseTypes=None)
    del resources["R"]["Properties"]["FunctionResponseTypes"]
    assert run(SQS_MAPPING_BATCH_ITEM_FAILURES, resources) is not None
    assert run(SQS_MAPPING_BATCH_ITEM_FAILURES, mapping(queue(), fn())) is None


def test_batch_item_failures_recognises_literal_sqs_arns() -> None:
    resources = mapping(queue(), fn())
    props = resources["R"]["Properties"]
    props["EventSourceArn"] = {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sqs:eu-west-1:1:q"]]
    }
    props["FunctionResponseTypes"] = []
    assert run(SQS_MAPPING_BATCH_ITEM_FAILURES, resources) is not None


def test_batch_item_failures_ignores_non_sqs_sources() -> None:
    resources = mapping(queue(), fn())
    props = resources["R"]["Properties"]
    props["EventSourceArn"] = "arn:aws:kafka:us-east-1:1:cluster/c/1"
    del props["FunctionResponseTypes"]
    assert run(SQS_MAPPING_BATCH_ITEM_FAILURES, resources) is None


# --- SqsMappingRedrivePolicy ----------------------------------------------------------
def test_redrive_policy_required_on_the_source_queue() -> None:
    assert (
        run(SQS_MAPPING_REDRIVE_POLICY, mapping(queue(RedrivePolicy=None), fn()))
        == "Queue Q has no RedrivePolicy."
    )
    assert run(SQS_MAPPING_REDRIVE_POLICY, mapping(queue(), fn())) is None


def test_redrive_policy_not_applicable_to_imported_queues() -> None:
    resources = mapping(queue(RedrivePolicy=None), fn())
    resources["R"]["Properties"]["EventSourceArn"] = "arn:aws:sqs:us-east-1:111122223333:elsewhere"
    assert run(SQS_MAPPING_REDRIVE_POLICY, resources) is None


# --- SqsVisibilityTimeout -----------------------------------------------------------
def test_visibility_timeout_below_six_times_timeout() -> None:
    detail = run(SQS_VISIBILITY_TIMEOUT, mapping(queue(VisibilityTimeout=100), fn(Timeout=20)))
    assert detail == "Visibility timeout 100 s < 6 x function timeout 20 s = 120 s."
    assert (
        run(SQS_VISIBILITY_TIMEOUT, mapping(queue(VisibilityTimeout=120), fn(Timeout=20))) is None
    )


def test_visibility_timeout_counts_the_batching_window() -> None:
    resources = mapping(
        queue(VisibilityTimeout=125), fn(Timeout=20), MaximumBatchingWindowInSeconds=10
    )
    detail = run(SQS_VISIBILITY_TIMEOUT, resources)
    assert (
        detail
        == "Visibility timeout 125 s < 6 x function timeout 20 s + batching window 10 s = 130 s."
    )


def test_visibility_timeout_uses_service_defaults() -> None:
    # SQS default 30 s visibility vs Lambda default 3 s timeout: 30 >= 18
    assert (
        run(SQS_VISIBILITY_TIMEOUT, mapping(queue(VisibilityTimeout=None), fn(Timeout=None)))
        is None
    )
    assert (
        run(SQS_VISIBILITY_TIMEOUT, mapping(queue(VisibilityTimeout=None), fn(Timeout=10)))
        is not None
    )


def test_visibility_timeout_skips_intrinsics() -> None:
    resources = mapping(queue(VisibilityTimeout={"Ref": "P"}), fn(Timeout=600))
    assert run(SQS_VISIBILITY_TIMEOUT, resources) is None


def test_rule_ids_are_unique_and_documented() -> None:
    from tests.conftest import ROOT

    ids = [rule.full_id for rule in ALL_RULES]
    assert len(ids) == len(set(ids))
    rules_doc = (ROOT / "docs" / "RULES.md").read_text()
    for rule_id in [*ids, acknowledgment_reason.RULE_ID]:
        assert f"| {rule_id} |" in rules_doc, f"{rule_id} missing from docs/RULES.md"
