"""RuntimeComplianceRule: the AWS Config rule over approved runtimes and its notification."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from paved_road import runtimes
from paved_road.compliance import (
    MAX_INPUT_PARAMETERS_LENGTH,
    RuntimeComplianceRule,
    lambda_runtime_identifiers,
)
from paved_road.errors import PavedRoadError
from paved_road.runtimes import Phase
from tests.cfn_lint import lint_errors
from tests.conftest import new_stack, run_guardrails

TODAY = runtimes.current_date()  # pinned by tests/conftest.py
LAMBDA_FUNCTION = "AWS::Lambda::Function"


def _runtimes_where(predicate: Any) -> list[str]:
    """Lambda runtime identifiers whose lifecycle on TODAY satisfies ``predicate``."""
    found = []
    for name in sorted(lambda_runtime_identifiers()):
        entry = runtimes.lifecycle(name)
        if entry is not None and predicate(entry.phase(TODAY)):
            found.append(name)
    assert found, "the lifecycle data has no runtime for this test case"
    return found


SUPPORTED = _runtimes_where(lambda phase: phase is Phase.SUPPORTED)
PAST_SUPPORT = _runtimes_where(lambda phase: phase is not Phase.SUPPORTED)


def _template(stack: Stack) -> Template:
    return Template.from_stack(stack)


def _resource(template: Template, kind: str) -> tuple[str, dict[str, Any]]:
    resources = template.find_resources(kind)
    assert len(resources) == 1, f"expected one {kind}, found {list(resources)}"
    return next(iter(resources.items()))


# --------------------------------------------------------------------------- the rule


def test_default_rule_checks_every_runtime_supported_today() -> None:
    # GIVEN a RuntimeComplianceRule with defaults
    stack = new_stack()
    rule = RuntimeComplianceRule(stack, "Runtimes")
    # WHEN synthesized
    _, config_rule = _resource(_template(stack), "AWS::Config::ConfigRule")
    props = config_rule["Properties"]
    # THEN it is the AWS managed lambda-function-settings-check, scoped to functions
    assert props["Source"] == {"Owner": "AWS", "SourceIdentifier": "LAMBDA_FUNCTION_SETTINGS_CHECK"}
    assert props["Scope"] == {"ComplianceResourceTypes": [LAMBDA_FUNCTION]}
    # AND it is change-triggered: no periodic frequency (AWS Config would refuse it)
    assert "MaximumExecutionFrequency" not in props
    # AND only `runtime` is passed: the sorted Lambda runtimes supported today, no spaces
    assert set(props["InputParameters"]) == {"runtime"}
    listed = props["InputParameters"]["runtime"].split(",")
    assert listed == rule.approved_runtimes == sorted(listed)
    assert set(listed) == set(runtimes.supported_runtimes(TODAY)) & lambda_runtime_identifiers()
    assert not set(listed) & set(PAST_SUPPORT)
    assert " " not in props["InputParameters"]["runtime"]
    # AND no notification is wired without a topic
    assert rule.topic is None and rule.notification_rule is None
    assert rule.dead_letter_queue is None
    template = _template(stack)
    for kind in ("AWS::Events::Rule", "AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::KMS::Key"):
        template.resource_count_is(kind, 0)


def test_explicit_runtimes_and_rule_name_are_passed_as_given() -> None:
    # GIVEN two supported runtimes in a chosen order and a rule name
    chosen = [SUPPORTED[-1], SUPPORTED[0]]
    stack = new_stack()
    rule = RuntimeComplianceRule(
        stack, "Runtimes", approved_runtimes=chosen, config_rule_name="lambda-runtimes"
    )
    # WHEN synthesized / THEN the rule receives exactly that list, comma-joined
    _template(stack).has_resource_properties(
        "AWS::Config::ConfigRule",
        {"ConfigRuleName": "lambda-runtimes", "InputParameters": {"runtime": ",".join(chosen)}},
    )
    assert rule.approved_runtimes == chosen


def test_the_pinned_day_decides_the_default_list() -> None:
    # GIVEN the app pins the day the first of today's supported runtimes is deprecated
    later = min(
        d
        for name in SUPPORTED
        if (d := runtimes.lifecycle(name).deprecated) is not None  # type: ignore[union-attr]
    )
    app = App(
        builtin_cloud_formation_validation=False,
        context={runtimes.TODAY_CONTEXT: later.isoformat()},
    )
    rule = RuntimeComplianceRule(Stack(app, "Later"), "Runtimes")
    # THEN the default list is the (shorter) list of that day
    assert rule.approved_runtimes
    assert set(rule.approved_runtimes) < set(SUPPORTED)
    for name in rule.approved_runtimes:
        assert runtimes.lifecycle(name).phase(later) is Phase.SUPPORTED  # type: ignore[union-attr]


# --------------------------------------------------------------------------- notification


def test_created_topic_is_notified_of_non_compliant_functions() -> None:
    # GIVEN a rule that creates its topic
    stack = new_stack()
    rule = RuntimeComplianceRule(stack, "Runtimes", create_topic=True)
    template = _template(stack)
    rule_id, _ = _resource(template, "AWS::Config::ConfigRule")
    topic_id, topic = _resource(template, "AWS::SNS::Topic")
    key_id, key = _resource(template, "AWS::KMS::Key")
    queue_id, _ = _resource(template, "AWS::SQS::Queue")
    # THEN an EventBridge rule matches this Config rule's changes to NON_COMPLIANT
    # and publishes them to the topic, with a dead-letter queue
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.config"],
                "detail-type": ["Config Rules Compliance Change"],
                "detail": {
                    "configRuleName": [{"Ref": rule_id}],
                    "resourceType": [LAMBDA_FUNCTION],
                    "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]},
                },
            },
            "State": "ENABLED",
            "Targets": [
                {
                    "Arn": {"Ref": topic_id},
                    "Id": Match.any_value(),
                    "DeadLetterConfig": {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}},
                }
            ],
        },
    )
    # AND the topic is encrypted with a rotating customer managed key EventBridge may use
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    # (the two actions EventBridge documents, for this account's EventBridge only)
    events_statements = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    assert events_statements == [
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Resource": "*",
        }
    ]
    # AND its policy refuses plain HTTP and lets the notification rule (only) publish
    events_rule_id, _ = _resource(template, "AWS::Events::Rule")
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "Topics": [{"Ref": topic_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "sns:Publish",
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                "Principal": "*",
                            }
                        ),
                        Match.object_like(
                            {
                                "Action": "sns:Publish",
                                "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Resource": {"Ref": topic_id},
                                "Condition": {
                                    "ArnEquals": {
                                        "aws:SourceArn": {"Fn::GetAtt": [events_rule_id, "Arn"]}
                                    }
                                },
                            }
                        ),
                    ]
                )
            },
        },
    )
    # AND the dead-letter queue accepts messages from that EventBridge rule only
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": queue_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "sqs:SendMessage",
                                "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Condition": {
                                    "ArnEquals": {
                                        "aws:SourceArn": {"Fn::GetAtt": [events_rule_id, "Arn"]}
                                    }
                                },
                            }
                        )
                    ]
                )
            },
        },
    )
    assert rule.topic is not None and rule.notification_rule is not None
    assert rule.dead_letter_queue is not None


def test_a_given_topic_is_used_as_is() -> None:
    # GIVEN a topic owned elsewhere in the app
    stack = new_stack()
    topic = sns.Topic(stack, "Alerts")
    rule = RuntimeComplianceRule(stack, "Runtimes", notification_topic=topic)
    template = _template(stack)
    # THEN the EventBridge rule targets it, and no other topic or key is created
    assert rule.topic is topic
    template.resource_count_is("AWS::SNS::Topic", 1)
    template.resource_count_is("AWS::KMS::Key", 0)
    topic_id = stack.get_logical_id(topic.node.default_child)  # type: ignore[arg-type]
    template.has_resource_properties(
        "AWS::Events::Rule",
        {"Targets": [Match.object_like({"Arn": {"Ref": topic_id}})]},
    )
    # AND only that rule may publish to it
    rule_id = stack.get_logical_id(rule.notification_rule.node.default_child)  # type: ignore[union-attr,arg-type]
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sns:Publish",
                        "Condition": {
                            "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}
                        },
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Resource": {"Ref": topic_id},
                        "Sid": Match.any_value(),
                    }
                ]
            }
        },
    )


def test_a_topic_of_another_stack_is_published_to_by_this_account_only() -> None:
    # GIVEN a topic in another stack of the app
    app = App(builtin_cloud_formation_validation=False)
    alerts = Stack(app, "Alerts")
    topic = sns.Topic(alerts, "Alerts")
    RuntimeComplianceRule(Stack(app, "Compliance"), "Runtimes", notification_topic=topic)
    # WHEN the app is synthesized (the rule's ARN in the topic policy would be a cycle)
    app.synth()
    # THEN the topic policy allows EventBridge of the rule's account to publish
    Template.from_stack(alerts).has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Action": "sns:Publish",
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
                            },
                            "Principal": {"Service": "events.amazonaws.com"},
                        }
                    )
                ]
            }
        },
    )


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"approved_runtimes": []}, r"approved_runtimes must list at least one runtime, got \[\]"),
        (
            {"approved_runtimes": [SUPPORTED[0], SUPPORTED[0]]},
            rf"approved_runtimes must not repeat a runtime: {SUPPORTED[0]}",
        ),
        (
            {"approved_runtimes": [SUPPORTED[0], "cobol85"]},
            r"known to the lifecycle data \(e\.g\. python3\.14\): unknown cobol85",
        ),
        (
            {"approved_runtimes": [SUPPORTED[0], PAST_SUPPORT[0]]},
            rf"must not list runtimes already past support on {TODAY}: {PAST_SUPPORT[0]} \(",
        ),
        (
            {"notification_topic": "topic", "create_topic": True},
            r"notification_topic and create_topic=True are exclusive \(only one may be given\)",
        ),
        (
            {"approved_runtimes": ["cobol85"]},
            r"approved_runtimes must be .*: unknown cobol85, got \['cobol85'\]$",
        ),
        (
            {"config_rule_name": " "},
            r"config_rule_name must be 1-128 characters, not only whitespace \(AWS Config "
            r"ConfigRuleName\), got ' '$",
        ),
        ({"config_rule_name": "r" * 129}, r"config_rule_name must be 1-128 characters"),
    ],
)
def test_bad_props_raise_one_paved_road_error(kwargs: dict[str, Any], match: str) -> None:
    # GIVEN a bad prop (a placeholder topic stands for any ITopic)
    stack = new_stack()
    if kwargs.get("notification_topic") == "topic":
        kwargs = {**kwargs, "notification_topic": sns.Topic(stack, "Alerts")}
    # WHEN the construct is created / THEN it raises one PavedRoadError naming the path
    with pytest.raises(PavedRoadError, match=match) as raised:
        RuntimeComplianceRule(stack, "Runtimes", **kwargs)
    assert str(raised.value).startswith("RuntimeComplianceRule 'Test/Runtimes': ")
    assert len(raised.value.problems) == 1


def test_a_list_too_long_for_input_parameters_is_refused(tmp_path: Path) -> None:
    # GIVEN an organization runtime policy that knows 100 custom runtimes (standing in for
    # a long organization list), more than the 1024-character InputParameters can hold
    names = [f"custom-runtime{i:03d}.x" for i in range(100)]
    policy = tmp_path / "runtimes.yaml"
    policy.write_text(
        "runtimes:\n" + "".join(f"  {n}: {{deprecated: 2099-01-31}}\n" for n in names),
        encoding="utf-8",
    )
    length = len(json.dumps({"runtime": ",".join(names)}))
    assert length > MAX_INPUT_PARAMETERS_LENGTH

    def stack() -> Stack:
        app = App(context={runtimes.POLICY_CONTEXT: str(policy)})
        return Stack(app, "Test")

    # WHEN the construct is created / THEN the length is the one problem reported
    with pytest.raises(
        PavedRoadError, match=rf"at most 1024 characters of JSON, got {length} \(list fewer"
    ) as raised:
        RuntimeComplianceRule(stack(), "Runtimes", approved_runtimes=names)
    assert len(raised.value.problems) == 1
    # AND as many of them as fit in the limit are accepted
    fits = names[: (MAX_INPUT_PARAMETERS_LENGTH - 15) // len("custom-runtime000.x,")]
    RuntimeComplianceRule(stack(), "Fits", approved_runtimes=fits)


def test_an_unreadable_pinned_day_is_reported() -> None:
    # GIVEN a malformed paved-road:today context
    app = App(context={runtimes.TODAY_CONTEXT: "someday"})
    # WHEN the construct is created / THEN the problem names the context key
    with pytest.raises(PavedRoadError, match=r"cannot be checked: context paved-road:today"):
        RuntimeComplianceRule(Stack(app, "S"), "Runtimes")


def test_an_empty_default_list_is_refused() -> None:
    # GIVEN a day after every runtime's deprecation
    app = App(context={runtimes.TODAY_CONTEXT: "2999-01-01"})
    # WHEN the construct is created with defaults / THEN nothing would be approved: refused
    with pytest.raises(PavedRoadError, match="default is empty: no runtime is supported today"):
        RuntimeComplianceRule(Stack(app, "S"), "Runtimes")


def test_every_problem_is_reported_at_once() -> None:
    # GIVEN several bad props together
    stack = new_stack()
    # WHEN the construct is created / THEN one error lists each problem
    with pytest.raises(PavedRoadError) as raised:
        RuntimeComplianceRule(
            stack,
            "Runtimes",
            approved_runtimes=["cobol85", PAST_SUPPORT[0], "cobol85"],
            notification_topic=sns.Topic(stack, "Alerts"),
            create_topic=True,
        )
    assert len(raised.value.problems) == 4
    assert "4 problems" in str(raised.value)


# --------------------------------------------------------------------------- guardrails


@pytest.mark.parametrize("variant", ["no-topic", "create-topic", "given-topic"])
def test_passes_the_guardrail_packs_and_cfn_lint(variant: str, tmp_path: Path) -> None:
    # GIVEN each way of building the construct
    def build(stack: Stack) -> None:
        if variant == "create-topic":
            RuntimeComplianceRule(stack, "Runtimes", create_topic=True)
        elif variant == "given-topic":
            key = kms.Key(stack, "AlertsKey", enable_key_rotation=True)
            topic = sns.Topic(stack, "Alerts", enforce_ssl=True, master_key=key)
            RuntimeComplianceRule(stack, "Runtimes", notification_topic=topic)
        else:
            RuntimeComplianceRule(stack, "Runtimes")

    # WHEN synthesized under the PavedRoad, AwsSolutions and Serverless packs
    result = run_guardrails(build, tmp_path)
    # THEN there is no error and no warning left (only acknowledged findings)
    assert result.error is None
    assert result.violations == []
    # AND cfn-lint finds no error in the template
    stack = new_stack()
    build(stack)
    assert lint_errors(_template(stack).to_json()) == []
