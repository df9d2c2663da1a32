"""The event guardrail rules (issue 7) on hand-built template fragments (non-compliant and
compliant), on the CloudFormation CDK writes for Lambda aliases, versions and their async
invoke configs, then end to end through ``enforce()`` on plain L2 stacks.

The rules are pure functions of a ResourceView; only the last tests synthesize.
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sqs as sqs

from paved_road.guardrails.rule import GuardrailRule, ResourceView
from paved_road.guardrails.rules import (
    ALL_RULES,
    EVENT_TARGET_DEAD_LETTER_QUEUE,
    LAMBDA_ASYNC_ON_FAILURE_DESTINATION,
    SCHEDULER_FLEXIBLE_TIME_WINDOW,
    SQS_QUEUE_POLICY_OPEN,
)
from tests.conftest import run_guardrails, template

TODAY = datetime.date(2026, 11, 23)
EVENT_RULES = (
    SCHEDULER_FLEXIBLE_TIME_WINDOW,
    EVENT_TARGET_DEAD_LETTER_QUEUE,
    LAMBDA_ASYNC_ON_FAILURE_DESTINATION,
    SQS_QUEUE_POLICY_OPEN,
)
EVENT_RULE_IDS = {rule.full_id for rule in EVENT_RULES}
IMPORTED_ARN = "arn:aws:lambda:us-east-1:111122223333:function:elsewhere"
FN_ARN = {"Fn::GetAtt": ["Fn", "Arn"]}
DLQ = {"Arn": {"Fn::GetAtt": ["Dlq", "Arn"]}}
CDK_ALIAS_QUALIFIER = {"Fn::Select": [7, {"Fn::Split": [":", {"Ref": "Live"}]}]}
"""How CDK writes ``alias.configure_async_invoke``'s Qualifier (aws-cdk-lib 2.275)."""


def run(rule: GuardrailRule, resources: dict[str, dict[str, Any]], logical_id: str = "R") -> Any:
    resource = resources[logical_id]
    view = ResourceView(
        logical_id=logical_id,
        type=resource["Type"],
        properties=resource.get("Properties", {}),
        template={"Resources": resources},
        today=TODAY,
    )
    finding = rule.check(view)
    return None if finding is None else finding.detail


# --- template fragments --------------------------------------------------------------------
def function(**props: Any) -> dict[str, Any]:
    return {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.14", **props}}


def alias(name: Any = "live", function_name: Any = None) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Alias",
        "Properties": {
            "FunctionName": function_name if function_name is not None else {"Ref": "Fn"},
            "FunctionVersion": {"Fn::GetAtt": ["Version", "Version"]},
            "Name": name,
        },
    }


def version() -> dict[str, Any]:
    return {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}}


def invoke_config(
    qualifier: Any, function_name: Any = None, *, destination: bool = True
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "FunctionName": function_name if function_name is not None else {"Ref": "Fn"},
        "Qualifier": qualifier,
    }
    if destination:
        props["DestinationConfig"] = {"OnFailure": {"Destination": {"Fn::GetAtt": ["F", "Arn"]}}}
    return {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": props}


def rule(*rule_targets: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::Events::Rule",
        "Properties": {"ScheduleExpression": "rate(5 minutes)", "Targets": list(rule_targets)},
    }


def schedule(arn: Any = None, window: Any = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "ScheduleExpression": "rate(5 minutes)",
        "Target": {"Arn": arn if arn is not None else {"Ref": "Live"}, "RoleArn": "arn:r"},
    }
    if window is not None:
        props["FlexibleTimeWindow"] = window
    return {"Type": "AWS::Scheduler::Schedule", "Properties": props}


def stack_of(resource: dict[str, Any], **extra: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Resource "R" with a function "Fn", its version "Version" and alias "Live", the
    destination queue "F" and the target DLQ "Dlq"; ``extra`` adds (or replaces) more."""
    return {
        "R": resource,
        "Fn": function(),
        "Version": version(),
        "Live": alias(),
        "F": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        **extra,
    }


def test_rule_ids_levels_and_resource_types() -> None:
    assert [(r.full_id, r.level_name, r.resource_types) for r in EVENT_RULES] == [
        ("PavedRoad-SchedulerFlexibleTimeWindow", "Warning", ("AWS::Scheduler::Schedule",)),
        (
            "PavedRoad-EventTargetDeadLetterQueue",
            "Error",
            ("AWS::Events::Rule", "AWS::Scheduler::Schedule"),
        ),
        (
            "PavedRoad-LambdaAsyncOnFailureDestination",
            "Error",
            ("AWS::Events::Rule", "AWS::Scheduler::Schedule"),
        ),
        ("PavedRoad-SqsQueuePolicyOpen", "Error", ("AWS::SQS::QueuePolicy",)),
    ]
    assert all(rule in ALL_RULES for rule in EVENT_RULES)


# --- SchedulerFlexibleTimeWindow ------------------------------------------------------------
@pytest.mark.parametrize(
    ("window", "detail"),
    [
        pytest.param(
            {"Mode": "OFF"}, "FlexibleTimeWindow.Mode is OFF (rate(5 minutes)).", id="off"
        ),
        pytest.param(
            None, "FlexibleTimeWindow.Mode is not set (OFF) (rate(5 minutes)).", id="no-window"
        ),
        pytest.param(
            {"MaximumWindowInMinutes": 5},
            "FlexibleTimeWindow.Mode is not set (OFF) (rate(5 minutes)).",
            id="no-mode",
        ),
    ],
)
def test_schedule_without_flexible_window(window: Any, detail: str) -> None:
    assert run(SCHEDULER_FLEXIBLE_TIME_WINDOW, {"R": schedule(window=window)}) == detail


@pytest.mark.parametrize(
    "window",
    [
        pytest.param({"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}, id="flexible"),
        pytest.param({"Mode": {"Ref": "WindowMode"}}, id="intrinsic-mode"),
    ],
)
def test_schedule_with_flexible_window(window: Any) -> None:
    assert run(SCHEDULER_FLEXIBLE_TIME_WINDOW, {"R": schedule(window=window)}) is None


# --- EventTargetDeadLetterQueue ---------------------------------------------------------------
LAMBDA_ARNS = [
    pytest.param(FN_ARN, id="getatt-function-arn"),
    pytest.param({"Ref": "Fn"}, id="ref-function"),
    pytest.param({"Ref": "Live"}, id="ref-alias"),
    pytest.param({"Ref": "Version"}, id="ref-version"),
    pytest.param({"Fn::Join": ["", [FN_ARN, ":$LATEST"]]}, id="join-latest"),
    pytest.param(IMPORTED_ARN, id="literal-arn"),
    pytest.param(IMPORTED_ARN + ":live", id="literal-qualified-arn"),
    pytest.param(
        {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":lambda:",
                    {"Ref": "AWS::Region"},
                    ":",
                    {"Ref": "AWS::AccountId"},
                    ":function:elsewhere",
                ],
            ]
        },
        id="join-arn-from-function-name",
    ),
    pytest.param(
        {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:x"},
        id="sub-arn",
    ),
]


@pytest.mark.parametrize("arn", LAMBDA_ARNS)
def test_lambda_target_without_dead_letter_queue(arn: Any) -> None:
    resources = stack_of(rule({"Id": "Target0", "Arn": arn}))
    assert (
        run(EVENT_TARGET_DEAD_LETTER_QUEUE, resources)
        == "Lambda target Target0 without DeadLetterConfig.Arn."
    )


@pytest.mark.parametrize("arn", LAMBDA_ARNS)
def test_lambda_target_with_dead_letter_queue(arn: Any) -> None:
    resources = stack_of(rule({"Id": "Target0", "Arn": arn, "DeadLetterConfig": DLQ}))
    assert run(EVENT_TARGET_DEAD_LETTER_QUEUE, resources) is None


@pytest.mark.parametrize(
    "arn",
    [
        pytest.param({"Fn::GetAtt": ["Dlq", "Arn"]}, id="queue-in-template"),
        pytest.param({"Ref": "Topic"}, id="topic-ref"),
        pytest.param("arn:aws:sqs:us-east-1:111122223333:orders", id="literal-queue"),
        pytest.param("arn:aws:states:us-east-1:111122223333:stateMachine:s", id="state-machine"),
        pytest.param({"Ref": "Missing"}, id="dangling-ref"),
    ],
)
def test_non_lambda_targets_are_ignored(arn: Any) -> None:
    resources = stack_of(rule({"Id": "Target0", "Arn": arn}))
    assert run(EVENT_TARGET_DEAD_LETTER_QUEUE, resources) is None


def test_dead_letter_queue_detail_names_every_target() -> None:
    resources = stack_of(
        rule(
            {"Id": "Orders", "Arn": FN_ARN},
            {"Id": "Queue", "Arn": {"Fn::GetAtt": ["Dlq", "Arn"]}},
            {"Id": "Covered", "Arn": {"Ref": "Live"}, "DeadLetterConfig": DLQ},
            {"Arn": {"Ref": "Live"}, "DeadLetterConfig": {}},
        )
    )
    assert (
        run(EVENT_TARGET_DEAD_LETTER_QUEUE, resources)
        == "Lambda targets Orders, Targets[3] without DeadLetterConfig.Arn."
    )


def test_schedule_lambda_target_needs_a_dead_letter_queue() -> None:
    resources = stack_of(schedule())
    assert (
        run(EVENT_TARGET_DEAD_LETTER_QUEUE, resources)
        == "Lambda target Target without DeadLetterConfig.Arn."
    )
    covered = schedule()
    covered["Properties"]["Target"]["DeadLetterConfig"] = DLQ
    assert run(EVENT_TARGET_DEAD_LETTER_QUEUE, stack_of(covered)) is None
    queue_target = schedule(arn={"Fn::GetAtt": ["Dlq", "Arn"]})
    assert run(EVENT_TARGET_DEAD_LETTER_QUEUE, stack_of(queue_target)) is None


@pytest.mark.parametrize("props", [{}, {"Targets": {"Ref": "Targets"}}, {"EventPattern": {}}])
def test_rules_without_literal_targets_are_compliant(props: dict[str, Any]) -> None:
    resources = stack_of({"Type": "AWS::Events::Rule", "Properties": props})
    assert run(EVENT_TARGET_DEAD_LETTER_QUEUE, resources) is None
    assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, resources) is None


# --- LambdaAsyncOnFailureDestination ----------------------------------------------------------
TARGETS = {
    "function": (FN_ARN, "$LATEST"),
    "alias": ({"Ref": "Live"}, "qualifier live"),
    "version": ({"Ref": "Version"}, "version Version"),
    "joined-alias": ({"Fn::Join": ["", [FN_ARN, ":live"]]}, "qualifier live"),
    "joined-latest": ({"Fn::Join": ["", [FN_ARN, ":$LATEST"]]}, "$LATEST"),
}
CONFIGS = {
    "latest": invoke_config("$LATEST"),
    "alias-cdk": invoke_config(CDK_ALIAS_QUALIFIER),
    "alias-literal": invoke_config("live"),
    "version-cdk": invoke_config({"Fn::GetAtt": ["Version", "Version"]}),
}
MATCHES = {
    ("function", "latest"),
    ("joined-latest", "latest"),
    ("alias", "alias-cdk"),
    ("alias", "alias-literal"),
    ("joined-alias", "alias-cdk"),
    ("joined-alias", "alias-literal"),
    ("version", "version-cdk"),
}


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_invoke_config_must_cover_the_invoked_qualifier(target: str, config: str) -> None:
    # GIVEN a rule and a schedule invoking the function through a qualifier, and one
    # EventInvokeConfig with an on-failure destination for some qualifier
    arn, shown = TARGETS[target]
    for resource, label in ((rule({"Id": "T", "Arn": arn}), "T"), (schedule(arn), "Target")):
        resources = stack_of(resource, Config=CONFIGS[config])
        # THEN only a config for the same qualifier makes the target compliant
        expected = (
            None
            if (target, config) in MATCHES
            else f"{label} invokes Fn ({shown}): no EventInvokeConfig for {shown}, and the "
            "function has no DeadLetterConfig.TargetArn."
        )
        assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, resources) == expected


@pytest.mark.parametrize("arn", [arn for arn, _ in TARGETS.values()])
def test_no_invoke_config_at_all(arn: Any) -> None:
    assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, stack_of(schedule(arn))) is not None


def test_invoke_config_without_on_failure_destination() -> None:
    resources = stack_of(
        schedule({"Ref": "Live"}), Config=invoke_config(CDK_ALIAS_QUALIFIER, destination=False)
    )
    assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, resources) == (
        "Target invokes Fn (qualifier live): its EventInvokeConfig for qualifier live has no "
        "OnFailure destination, and the function has no DeadLetterConfig.TargetArn."
    )
    # AND a second config for the same qualifier that has one makes it compliant
    resources["Other"] = invoke_config("live")
    assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, resources) is None


@pytest.mark.parametrize(
    ("config", "covered"),
    [
        pytest.param({"OnFailure": {"Destination": "arn:aws:sqs:r:1:central"}}, True, id="literal"),
        pytest.param({"Fn::If": ["Prod", {}, {}]}, True, id="intrinsic-config"),
        pytest.param({"OnFailure": {"Fn::If": ["Prod", {}, {}]}}, True, id="intrinsic-on-failure"),
        pytest.param({"OnSuccess": {"Destination": "arn:aws:sqs:r:1:q"}}, False, id="on-success"),
        pytest.param({"OnFailure": {"Destination": ""}}, False, id="empty-destination"),
        pytest.param(["not", "an", "object"], False, id="malformed"),
    ],
)
def test_destination_config_forms(config: Any, covered: bool) -> None:
    resource = invoke_config("live", destination=False)
    resource["Properties"]["DestinationConfig"] = config
    resources = stack_of(schedule({"Ref": "Live"}), Config=resource)
    assert (run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, resources) is None) is covered


@pytest.mark.parametrize(
    "function_name",
    [
        pytest.param({"Fn::GetAtt": ["Fn", "Arn"]}, id="getatt-arn"),
        pytest.param({"Ref": "Live"}, id="alias-arn"),
        pytest.param("orders", id="literal-name"),
        pytest.param("arn:aws:lambda:us-east-1:111122223333:function:orders", id="literal-arn"),
        pytest.param("111122223333:function:orders", id="partial-arn"),
    ],
)
def test_invoke_config_function_name_forms(function_name: Any) -> None:
    resources = stack_of(
        schedule({"Ref": "Live"}),
        Fn=function(FunctionName="orders"),
        Config=invoke_config("live", function_name),
    )
    assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, resources) is None


@pytest.mark.parametrize(
    "function_name",
    [
        pytest.param("other", id="another-name"),
        pytest.param({"Ref": "Other"}, id="another-function"),
        pytest.param({"Ref": "Missing"}, id="dangling"),
    ],
)
def test_invoke_config_of_another_function_does_not_count(function_name: Any) -> None:
    resources = stack_of(
        schedule({"Ref": "Live"}),
        Fn=function(FunctionName="orders"),
        Other=function(),
        Config=invoke_config("live", function_name),
    )
    assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, resources) is not None


def test_alias_named_by_an_intrinsic_matches_by_reference_only() -> None:
    resources = stack_of(schedule({"Ref": "Live"}), Live=alias(name={"Ref": "AliasName"}))
    assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, resources) == (
        "Target invokes Fn (alias Live): no EventInvokeConfig for alias Live, and the function "
        "has no DeadLetterConfig.TargetArn."
    )
    resources["Config"] = invoke_config(CDK_ALIAS_QUALIFIER)
    assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, resources) is None


def test_function_dead_letter_queue_covers_every_qualifier() -> None:
    dead_letter = {"DeadLetterConfig": {"TargetArn": {"Fn::GetAtt": ["F", "Arn"]}}}
    for arn, _ in TARGETS.values():
        resources = stack_of(schedule(arn), Fn=function(**dead_letter))
        assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, resources) is None
    empty = stack_of(schedule(FN_ARN), Fn=function(DeadLetterConfig={}))
    assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, empty) is not None


@pytest.mark.parametrize(
    "arn",
    [
        pytest.param(IMPORTED_ARN, id="literal-arn"),
        pytest.param(IMPORTED_ARN + ":live", id="literal-qualified-arn"),
        pytest.param({"Fn::Sub": "arn:${AWS::Partition}:lambda:::function:x"}, id="sub-arn"),
        pytest.param({"Ref": "Missing"}, id="dangling-ref"),
        pytest.param({"Ref": "ImportedAlias"}, id="alias-of-an-imported-function"),
        pytest.param({"Fn::GetAtt": ["Dlq", "Arn"]}, id="not-lambda"),
    ],
)
def test_functions_outside_the_template_are_skipped(arn: Any) -> None:
    # GIVEN a target the rule cannot follow to a function in this template
    resources = stack_of(
        rule({"Id": "T", "Arn": arn}), ImportedAlias=alias(function_name="elsewhere")
    )
    # THEN it is not checked (EventTargetDeadLetterQueue still is, for Lambda ARNs)
    assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, resources) is None
    assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, stack_of(schedule(arn))) is None


def test_every_uncovered_target_is_named() -> None:
    resources = stack_of(
        rule(
            {"Id": "A", "Arn": {"Ref": "Live"}},
            {"Id": "B", "Arn": FN_ARN},
            {"Id": "C", "Arn": IMPORTED_ARN},
        ),
        Config=invoke_config("$LATEST"),
    )
    assert run(LAMBDA_ASYNC_ON_FAILURE_DESTINATION, resources) == (
        "A invokes Fn (qualifier live): no EventInvokeConfig for qualifier live, and the "
        "function has no DeadLetterConfig.TargetArn."
    )


# --- SqsQueuePolicyOpen -------------------------------------------------------------------------
def queue_policy(*statements: Any, document: Any = None) -> dict[str, dict[str, Any]]:
    doc = (
        document
        if document is not None
        else {"Version": "2012-10-17", "Statement": list(statements)}
    )
    return {
        "R": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {"PolicyDocument": doc, "Queues": [{"Ref": "Q"}]},
        },
        "Q": {"Type": "AWS::SQS::Queue", "Properties": {}},
    }


def allow(principal: Any = None, condition: Any = None, **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": ["Q", "Arn"]},
        **extra,
    }
    if principal is not None:
        statement["Principal"] = principal
    if condition is not None:
        statement["Condition"] = condition
    return statement


@pytest.mark.parametrize(
    ("principal", "how"),
    [
        pytest.param("*", 'Principal "*"', id="star"),
        pytest.param({"AWS": "*"}, 'Principal {"AWS": "*"}', id="aws-star"),
        pytest.param(
            {"AWS": ["arn:aws:iam::111122223333:root", "*"]},
            'Principal {"AWS": "*"}',
            id="aws-list-with-star",
        ),
    ],
)
def test_open_principal_without_condition(principal: Any, how: str) -> None:
    assert (
        run(SQS_QUEUE_POLICY_OPEN, queue_policy(allow(principal)))
        == f"Statement[0] allows {how} with no scoping condition."
    )


def test_not_principal_allow_is_open() -> None:
    statement = allow(NotPrincipal={"AWS": "arn:aws:iam::111122223333:root"})
    assert (
        run(SQS_QUEUE_POLICY_OPEN, queue_policy(statement))
        == "Statement[0] allows NotPrincipal (everyone else) with no scoping condition."
    )


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3"}}, id="negated"),
        pytest.param({"ArnNotLike": {"aws:SourceArn": "arn:aws:events:*:1:rule/x"}}, id="arn-not"),
        pytest.param({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3"}}, id="if-exists"),
        pytest.param(
            {"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:events:r:1:rule/x"}}, id="arn-if"
        ),
        pytest.param({"Null": {"aws:PrincipalOrgID": "false"}}, id="null"),
        pytest.param(
            {"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": "o-a/r-b/ou-c/*"}},
            id="for-all-values",
        ),
        pytest.param({"StringLike": {"aws:PrincipalOrgID": "*"}}, id="wildcard-value"),
        pytest.param(
            {"StringLike": {"aws:SourceAccount": ["111122223333", "*"]}}, id="star-listed"
        ),
        pytest.param(
            {"ArnLike": {"aws:SourceArn": "arn:aws:events:*:*:rule/*"}}, id="any-account-arn"
        ),
        pytest.param({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}, id="any-bucket"),
        pytest.param({"Bool": {"aws:SecureTransport": "true"}}, id="tls-only"),
        pytest.param({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}, id="other-key"),
        pytest.param({"StringEquals": {"aws:PrincipalOrgID": []}}, id="no-values"),
        # sensitive keys: no wildcard at all, not even in a substring
        pytest.param({"StringLike": {"aws:PrincipalOrgID": "o-*"}}, id="org-id-prefix"),
        pytest.param({"StringLike": {"aws:SourceOrgID": "o-a1b2c3d4e?"}}, id="source-org-id-?"),
        pytest.param({"StringLike": {"aws:PrincipalAccount": "*1"}}, id="account-suffix"),
        pytest.param(
            {"StringLike": {"aws:SourceAccount": ["111122223333", "1111*"]}},
            id="account-prefix-listed",
        ),
        # organization paths: the organization id before the first '/' is exact
        pytest.param(
            {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-*/r-ab12/*"}},
            id="org-path-any-org",
        ),
        pytest.param(
            {"ForAnyValue:StringLike": {"aws:SourceOrgPaths": "o-a1b2c3d4e5*/*"}},
            id="org-path-org-prefix",
        ),
        pytest.param(
            {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "/r-ab12/*"}},
            id="org-path-no-org",
        ),
        pytest.param(
            {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5*"}},
            id="org-path-not-a-path",
        ),
        # ARN keys: a wildcard ARN too short to have an account field
        pytest.param({"ArnLike": {"aws:SourceArn": "arn:aws:*"}}, id="short-wildcard-arn"),
        pytest.param({"StringLike": {"aws:PrincipalArn": "arn:*:iam::*"}}, id="short-arn-2"),
    ],
)
def test_conditions_that_do_not_scope_the_caller(condition: Any) -> None:
    resources = queue_policy(allow({"AWS": "*"}, condition))
    assert run(SQS_QUEUE_POLICY_OPEN, resources) is not None


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3"}}, id="org-id"),
        pytest.param({"stringequals": {"AWS:principalorgid": "o-a1b2c3"}}, id="case-insensitive"),
        pytest.param(
            {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a/r-b/ou-c/*"}},
            id="org-paths",
        ),
        pytest.param(
            {"StringEquals": {"aws:PrincipalAccount": ["111122223333", "444455556666"]}},
            id="accounts",
        ),
        pytest.param({"StringEquals": {"aws:SourceAccount": "111122223333"}}, id="source-account"),
        pytest.param(
            {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["Rule", "Arn"]}}},
            id="source-arn-intrinsic",
        ),
        pytest.param(
            {"ArnLike": {"aws:SourceArn": "arn:aws:events:*:111122223333:rule/*"}},
            id="one-accounts-rules",
        ),
        pytest.param({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::audit-*"}}, id="buckets"),
        pytest.param(
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/dlq-*"}},
            id="principal-arn",
        ),
        pytest.param({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c"}}, id="vpce"),
        pytest.param({"StringEquals": {"aws:SourceOrgID": "o-a1b2c3"}}, id="source-org"),
        pytest.param(
            {
                "StringNotEquals": {"aws:SourceAccount": "999999999999"},
                "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3"},
            },
            id="one-scoping-operator-suffices",
        ),
        pytest.param({"Fn::If": ["Prod", {}, {}]}, id="intrinsic-condition"),
        pytest.param(
            {
                "ForAnyValue:StringLike": {
                    "aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"
                }
            },
            id="org-path-ou-subtree",
        ),
        pytest.param(
            {"ForAnyValue:StringLike": {"aws:SourceOrgPaths": "o-a1b2c3d4e5/*"}},
            id="org-path-whole-org",
        ),
        pytest.param(
            {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/ou-*"}},
            id="org-path-wildcard-after-org",
        ),
        pytest.param(
            {"StringEquals": {"aws:PrincipalOrgID": {"Ref": "OrgId"}}}, id="org-id-intrinsic"
        ),
    ],
)
def test_conditions_that_scope_the_caller(condition: Any) -> None:
    resources = queue_policy(allow({"AWS": "*"}, condition))
    assert run(SQS_QUEUE_POLICY_OPEN, resources) is None


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sqs:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            id="tls-only-deny",
        ),
        pytest.param({"Effect": "Deny", "Principal": "*", "Action": "sqs:*"}, id="deny-all"),
        pytest.param(allow({"Service": "events.amazonaws.com"}), id="service"),
        pytest.param(allow({"AWS": "arn:aws:iam::111122223333:root"}), id="account"),
        pytest.param(allow({"AWS": {"Fn::GetAtt": ["Role", "Arn"]}}), id="role"),
    ],
)
def test_statements_that_are_not_open(statement: dict[str, Any]) -> None:
    assert run(SQS_QUEUE_POLICY_OPEN, queue_policy(statement)) is None


def test_queue_policy_detail_names_each_open_statement() -> None:
    resources = queue_policy(
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sqs:*"},
        allow("*", Sid="AnyoneSends"),
        allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3"}}),
        allow({"AWS": "*"}, {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3"}}),
    )
    assert run(SQS_QUEUE_POLICY_OPEN, resources) == (
        'Statement AnyoneSends allows Principal "*" with no scoping condition. '
        'Statement[3] allows Principal {"AWS": "*"} with no scoping condition.'
    )


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"Statement": allow("*")}, id="single-statement-object"),
        pytest.param(json.dumps({"Statement": [allow("*")]}), id="json-string"),
    ],
)
def test_queue_policy_document_forms(document: Any) -> None:
    assert run(SQS_QUEUE_POLICY_OPEN, queue_policy(document=document)) is not None


@pytest.mark.parametrize("document", [{"Ref": "Doc"}, "not json", {}, {"Statement": "x"}])
def test_unreadable_queue_policy_documents_are_skipped(document: Any) -> None:
    assert run(SQS_QUEUE_POLICY_OPEN, queue_policy(document=document)) is None


def test_rules_do_not_mutate_the_template() -> None:
    resources = stack_of(
        rule({"Id": "T", "Arn": {"Ref": "Live"}}),
        S=schedule(window={"Mode": "OFF"}),
        Config=invoke_config(CDK_ALIAS_QUALIFIER, destination=False),
        P=queue_policy(allow("*"))["R"],
    )
    before = copy.deepcopy(resources)
    for logical_id in ("R", "S", "P"):
        for event_rule in EVENT_RULES:
            if resources[logical_id]["Type"] in event_rule.resource_types:
                run(event_rule, resources, logical_id)
    assert resources == before


# --- the CloudFormation CDK writes ---------------------------------------------------------------
CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")


def _function(stack: Stack, name: str = "Fn") -> lambda_.Function:
    return lambda_.Function(
        stack,
        name,
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="index.handler",
        code=CODE,
        logging_format=lambda_.LoggingFormat.JSON,
        tracing=lambda_.Tracing.ACTIVE,
    )


def _queue(stack: Stack, name: str) -> sqs.Queue:
    return sqs.Queue(stack, name, enforce_ssl=True)


def _logical_id(construct: Any) -> str:
    stack = Stack.of(construct)
    return str(stack.resolve(stack.get_logical_id(construct.node.default_child)))


def _by_type(resources: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {k: v for k, v in resources.items() if v["Type"] == resource_type}


def _views(resources: dict[str, Any], resource_type: str) -> list[ResourceView]:
    return [
        ResourceView(
            logical_id=logical_id,
            type=resource_type,
            properties=resource.get("Properties", {}),
            template={"Resources": resources},
            today=TODAY,
        )
        for logical_id, resource in _by_type(resources, resource_type).items()
    ]


def test_the_shapes_cdk_writes_for_async_invoke_configs_and_targets(stack: Stack) -> None:
    # GIVEN an alias and an unqualified function, each with configure_async_invoke, invoked
    # by an EventBridge rule and an EventBridge Scheduler schedule
    fn = _function(stack)
    live = lambda_.Alias(stack, "Live", alias_name="live", version=fn.current_version)
    failures = _queue(stack, "Failures")
    live.configure_async_invoke(on_failure=destinations.SqsDestination(failures))
    plain = _function(stack, "Plain")
    plain.configure_async_invoke(on_failure=destinations.SqsDestination(failures))
    dlq = _queue(stack, "Dlq")
    events.Rule(
        stack,
        "Rule",
        schedule=events.Schedule.rate(Duration.minutes(5)),
        targets=[
            targets.LambdaFunction(live, dead_letter_queue=dlq),
            targets.LambdaFunction(plain, dead_letter_queue=dlq),
        ],
    )
    scheduler.Schedule(
        stack,
        "Schedule",
        schedule=scheduler.ScheduleExpression.rate(Duration.minutes(5)),
        target=scheduler_targets.LambdaInvoke(live),
    )
    resources = template(stack).to_json()["Resources"]
    fn_id, live_id, plain_id = (_logical_id(c) for c in (fn, live, plain))
    # THEN the alias's config names the function and cuts the alias name out of its ARN
    configs = {
        json.dumps(v["Properties"]["FunctionName"]): v["Properties"]
        for v in _by_type(resources, "AWS::Lambda::EventInvokeConfig").values()
    }
    assert configs[json.dumps({"Ref": fn_id})]["Qualifier"] == {
        "Fn::Select": [7, {"Fn::Split": [":", {"Ref": live_id}]}]
    }
    # AND the unqualified function's config is for $LATEST
    assert configs[json.dumps({"Ref": plain_id})]["Qualifier"] == "$LATEST"
    # AND the rule's targets are the alias's Ref (its ARN) and the function's Arn
    (rule_resource,) = _by_type(resources, "AWS::Events::Rule").values()
    assert [t["Arn"] for t in rule_resource["Properties"]["Targets"]] == [
        {"Ref": live_id},
        {"Fn::GetAtt": [plain_id, "Arn"]},
    ]
    # AND the schedule's target is the alias's Ref, with no flexible window by default
    (schedule_resource,) = _by_type(resources, "AWS::Scheduler::Schedule").values()
    assert schedule_resource["Properties"]["Target"]["Arn"] == {"Ref": live_id}
    assert schedule_resource["Properties"]["FlexibleTimeWindow"] == {"Mode": "OFF"}
    # AND the rules read all of it: only the schedule's fixed time and its missing target
    # DLQ are reported (the L2 LambdaInvoke has no dead_letter_queue by default)
    findings = {
        (event_rule.rule_id, view.type)
        for event_rule in EVENT_RULES
        for resource_type in event_rule.resource_types
        for view in _views(resources, resource_type)
        if event_rule.check(view) is not None
    }
    assert findings == {
        ("SchedulerFlexibleTimeWindow", "AWS::Scheduler::Schedule"),
        ("EventTargetDeadLetterQueue", "AWS::Scheduler::Schedule"),
    }


# --- end to end: plain L2 stacks under enforce() --------------------------------------------
def _event_rule_findings(run_: Any) -> dict[str, set[str]]:
    return {name: run_.paths(name) for name in run_.rules() if name in EVENT_RULE_IDS}


def test_l2_events_without_failure_handling_fail_synthesis(tmp_path: Path) -> None:
    # GIVEN an EventBridge rule and a schedule invoking a function's alias, with no target
    # DLQ and no async invoke config, a config for $LATEST only, and a queue open to anyone
    def build(stack: Stack) -> None:
        fn = _function(stack)
        live = lambda_.Alias(stack, "Live", alias_name="live", version=fn.current_version)
        fn.configure_async_invoke(on_failure=destinations.SqsDestination(_queue(stack, "Failures")))
        events.Rule(
            stack,
            "Rule",
            schedule=events.Schedule.rate(Duration.minutes(5)),
            targets=[targets.LambdaFunction(live)],
        )
        scheduler.Schedule(
            stack,
            "Schedule",
            schedule=scheduler.ScheduleExpression.rate(Duration.minutes(5)),
            target=scheduler_targets.LambdaInvoke(live),
        )
        central = _queue(stack, "CentralDlq")
        central.grant_send_messages(iam.AnyPrincipal())

    run_ = run_guardrails(build, tmp_path, aws_solutions=False, serverless=False)
    # THEN the errors fail synthesis, each reported on its resource
    assert run_.error is not None
    assert "PavedRoad-LambdaAsyncOnFailureDestination" in run_.error
    assert _event_rule_findings(run_) == {
        "PavedRoad-EventTargetDeadLetterQueue": {
            "Guarded/Rule/Resource",
            "Guarded/Schedule/Resource",
        },
        "PavedRoad-LambdaAsyncOnFailureDestination": {
            "Guarded/Rule/Resource",
            "Guarded/Schedule/Resource",
        },
        "PavedRoad-SchedulerFlexibleTimeWindow": {"Guarded/Schedule/Resource"},
        "PavedRoad-SqsQueuePolicyOpen": {"Guarded/CentralDlq/Policy/Resource"},
    }
    assert run_.rules("warning") & EVENT_RULE_IDS == {"PavedRoad-SchedulerFlexibleTimeWindow"}
    (async_finding, *_) = [
        v for v in run_.violations if v["ruleName"] == "PavedRoad-LambdaAsyncOnFailureDestination"
    ]
    assert (
        "(qualifier live): no EventInvokeConfig for qualifier live"
        in (async_finding["description"])
    )


def test_l2_events_with_failure_handling_pass(tmp_path: Path) -> None:
    # GIVEN the same rule and schedule with a target DLQ, an on-failure destination on the
    # alias they invoke, a flexible window, and a central DLQ open to the organization only
    def build(stack: Stack) -> None:
        fn = _function(stack)
        live = lambda_.Alias(stack, "Live", alias_name="live", version=fn.current_version)
        central = _queue(stack, "CentralDlq")
        central.grant_send_messages(iam.OrganizationPrincipal("o-a1b2c3d4e5"))
        live.configure_async_invoke(on_failure=destinations.SqsDestination(central))
        dlq = _queue(stack, "TargetDlq")
        events.Rule(
            stack,
            "Rule",
            schedule=events.Schedule.rate(Duration.minutes(5)),
            targets=[targets.LambdaFunction(live, dead_letter_queue=dlq)],
        )
        scheduler.Schedule(
            stack,
            "Schedule",
            schedule=scheduler.ScheduleExpression.rate(Duration.minutes(5)),
            target=scheduler_targets.LambdaInvoke(live, dead_letter_queue=dlq),
            time_window=scheduler.TimeWindow.flexible(Duration.minutes(10)),
        )

    run_ = run_guardrails(build, tmp_path, aws_solutions=False, serverless=False)
    # THEN no PavedRoad rule reports anything
    assert run_.error is None
    assert {name for name in run_.rules() if name.startswith("PavedRoad-")} == set()
