"""CentralEventBus and EventBusForwarder: bus policy, routing patterns (checked with a
small evaluator of the pattern syntax they use), targets, queues, alarms, guardrails,
cfn-lint, and every validation branch."""

from __future__ import annotations

import itertools
import json
import re
import typing
from pathlib import Path

import pytest
from aws_cdk import App, CfnParameter, Duration, Environment, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as lambda_destinations
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match

from paved_road import GovernedFunction, Invocation, PavedRoadError
from paved_road.tenancy import TenantIsolatedFunction
from paved_road.transport import (
    BUS_POLICY_MAX_BYTES,
    CLOUDTRAIL_DETAIL_TYPE,
    DEFAULT_PRIORITY_EVENTS,
    SECURITY_GROUP_EVENT_NAMES,
    CentralEventBus,
    EventBusForwarder,
    ForwardedEvents,
    bus_policy_bytes,
    cloudtrail_pattern,
    complement_pattern,
)
from tests.cfn_lint import lint_errors
from tests.conftest import new_stack, run_guardrails, template

ORG = "o-exampleorgid1"
CENTRAL_ACCOUNT = "111122223333"
BUS_ARN = f"arn:aws:events:us-east-1:{CENTRAL_ACCOUNT}:event-bus/central"
CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")
RULE = "AWS::Events::Rule"
INVOKE_CONFIG = "AWS::Lambda::EventInvokeConfig"
BUS_POLICY = "AWS::Events::EventBusPolicy"
CENTRAL = "CentralEventBus 'Test/Central': "
FORWARDER = "EventBusForwarder 'Test/Forwarder': "


# --- a tiny evaluator for the pattern syntax used here ---------------------------------
# EventBridge semantics ("Event pattern syntax", "Comparison operators"): fields AND,
# values in a list OR, a pattern only matches events with every field it names, "$or"
# holds alternative patterns, {"anything-but": [...]} matches any other value.
def _leaf(matcher: typing.Any, value: typing.Any) -> bool:
    if isinstance(value, list):
        return any(_leaf(matcher, v) for v in value)
    if isinstance(matcher, dict):
        (op, arg), *rest = matcher.items()
        assert not rest and op == "anything-but", f"unsupported matcher {matcher}"
        excluded = arg if isinstance(arg, list) else [arg]
        return value not in excluded
    return bool(matcher == value)


def matches(
    pattern: typing.Mapping[str, typing.Any], event: typing.Mapping[str, typing.Any]
) -> bool:
    for key, condition in pattern.items():
        if key == "$or":
            if not any(matches(clause, event) for clause in condition):
                return False
            continue
        if key not in event:
            return False
        value = event[key]
        if isinstance(condition, dict):
            if not isinstance(value, dict) or not matches(condition, value):
                return False
        elif not any(_leaf(m, value) for m in condition):
            return False
    return True


def cloudtrail_event(
    source: str, name: str, account: str = "444455556666"
) -> dict[str, typing.Any]:
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": CLOUDTRAIL_DETAIL_TYPE,
        "source": "aws." + source.split(".")[0],
        "account": account,
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "eventSource": source,
            "eventName": name,
            "readOnly": False,
            "awsRegion": "us-east-1",
        },
    }


GUARDDUTY_FINDING = {
    "version": "0",
    "detail-type": "GuardDuty Finding",
    "source": "aws.guardduty",
    "account": "444455556666",
    "region": "us-east-1",
    "resources": [],
    "detail": {"severity": 8},
}
CUSTOM_EVENT = {"detail-type": "OrderPlaced", "source": "com.example.orders", "detail": {}}

PRIORITY_EVENTS = [
    cloudtrail_event("iam.amazonaws.com", "CreateUser"),
    cloudtrail_event("iam.amazonaws.com", "AttachRolePolicy"),
    cloudtrail_event("iam.amazonaws.com", "CreateAccessKey"),
    *(cloudtrail_event("ec2.amazonaws.com", name) for name in SECURITY_GROUP_EVENT_NAMES),
]
STANDARD_EVENTS = [
    cloudtrail_event("ec2.amazonaws.com", "RunInstances"),
    cloudtrail_event("ec2.amazonaws.com", "CreateVpc"),
    cloudtrail_event("s3.amazonaws.com", "CreateBucket"),
    cloudtrail_event("kms.amazonaws.com", "ScheduleKeyDeletion"),
    cloudtrail_event("lambda.amazonaws.com", "CreateFunction20150331"),
    GUARDDUTY_FINDING,
    CUSTOM_EVENT,
]


def rule_patterns(stack: Stack) -> dict[str, typing.Any]:
    """Rule logical id -> its EventPattern, exactly as synthesized."""
    rules = template(stack).find_resources(RULE)
    return {logical_id: r["Properties"]["EventPattern"] for logical_id, r in rules.items()}


def central(stack: Stack, **props: typing.Any) -> CentralEventBus:
    if "source_accounts" not in props:
        props.setdefault("organization_id", ORG)
    return CentralEventBus(stack, "Central", **props)


def forwarder(stack: Stack, **props: typing.Any) -> EventBusForwarder:
    props.setdefault("central_bus_arn", BUS_ARN)
    return EventBusForwarder(stack, "Forwarder", **props)


def env_stack(account: str = "444455556666", region: str = "us-east-1") -> Stack:
    app = App(builtin_cloud_formation_validation=False)
    return Stack(app, "Test", env=Environment(account=account, region=region))


# --- patterns (pure functions) -----------------------------------------------------------
def test_default_priority_pattern_is_iam_and_security_groups() -> None:
    assert cloudtrail_pattern(DEFAULT_PRIORITY_EVENTS) == {
        "detail-type": [CLOUDTRAIL_DETAIL_TYPE],
        "detail": {
            "$or": [
                {"eventSource": ["iam.amazonaws.com"]},
                {
                    "eventSource": ["ec2.amazonaws.com"],
                    "eventName": sorted(SECURITY_GROUP_EVENT_NAMES),
                },
            ]
        },
    }


@pytest.mark.parametrize("event", PRIORITY_EVENTS, ids=lambda e: e["detail"]["eventName"])
def test_priority_events_match_only_the_priority_pattern(event: dict[str, typing.Any]) -> None:
    assert matches(cloudtrail_pattern(DEFAULT_PRIORITY_EVENTS), event)
    assert not matches(complement_pattern(DEFAULT_PRIORITY_EVENTS), event)


@pytest.mark.parametrize("event", STANDARD_EVENTS, ids=lambda e: str(e["detail-type"]))
def test_other_events_match_only_the_standard_pattern(event: dict[str, typing.Any]) -> None:
    assert not matches(cloudtrail_pattern(DEFAULT_PRIORITY_EVENTS), event)
    assert matches(complement_pattern(DEFAULT_PRIORITY_EVENTS), event)


def test_patterns_partition_every_event_for_custom_priority_events() -> None:
    # GIVEN priority events with two whole sources and two sources with listed names
    calls = {
        "iam.amazonaws.com": None,
        "organizations.amazonaws.com": None,
        "ec2.amazonaws.com": ("CreateSecurityGroup", "AuthorizeSecurityGroupIngress"),
        "kms.amazonaws.com": ("ScheduleKeyDeletion", "DisableKey"),
    }
    priority, standard = cloudtrail_pattern(calls), complement_pattern(calls)
    sources = [*calls, "s3.amazonaws.com"]
    names = [
        "CreateSecurityGroup",
        "AuthorizeSecurityGroupIngress",
        "DisableKey",
        "ScheduleKeyDeletion",
        "RunInstances",
        "CreateUser",
        "CreateBucket",
    ]
    # THEN every CloudTrail event matches exactly one of them, the one the mapping says
    for source, name in itertools.product(sources, names):
        event = cloudtrail_event(source, name)
        listed = calls.get(source, ())
        expected = source in calls and (listed is None or name in listed)
        assert matches(priority, event) is expected, (source, name)
        assert matches(standard, event) is not expected, (source, name)
    assert matches(standard, GUARDDUTY_FINDING) and not matches(priority, GUARDDUTY_FINDING)


def test_single_source_patterns_have_no_or() -> None:
    assert cloudtrail_pattern({"iam.amazonaws.com": None}) == {
        "detail-type": [CLOUDTRAIL_DETAIL_TYPE],
        "detail": {"eventSource": ["iam.amazonaws.com"]},
    }


def test_forwarded_events_helpers() -> None:
    assert ForwardedEvents.cloudtrail() == {"detail-type": [CLOUDTRAIL_DETAIL_TYPE]}
    assert ForwardedEvents.cloudtrail({"s3.amazonaws.com": ["CreateBucket"]}) == {
        "detail-type": [CLOUDTRAIL_DETAIL_TYPE],
        "detail": {"eventSource": ["s3.amazonaws.com"], "eventName": ["CreateBucket"]},
    }
    assert ForwardedEvents.security_changes() == cloudtrail_pattern(DEFAULT_PRIORITY_EVENTS)


# --- CentralEventBus: policy ------------------------------------------------------------
def test_bus_policy_admits_the_organization_only(stack: Stack) -> None:
    bus = central(stack)
    policies = template(stack).find_resources(BUS_POLICY)
    (policy,) = policies.values()
    statement = policy["Properties"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "events:PutEvents"
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}
    assert statement["Resource"] == stack.resolve(bus.event_bus_arn)
    assert policy["Properties"]["EventBusName"] == stack.resolve(bus.event_bus_name)


def test_no_bus_policy_statement_opens_the_bus(stack: Stack) -> None:
    central(stack, organization_id=ORG, source_accounts=["444455556666", "777788889999"])
    statements = [
        p["Properties"]["Statement"] for p in template(stack).find_resources(BUS_POLICY).values()
    ]
    assert len(statements) == 3
    for statement in statements:
        principal = statement["Principal"]
        opened = principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*")
        assert not opened or statement.get("Condition"), statement
    accounts = [s for s in statements if s["Principal"] != "*"]
    assert {s["Principal"]["AWS"]["Fn::Join"][1][-1] for s in accounts} == {
        ":iam::444455556666:root",
        ":iam::777788889999:root",
    }


def test_source_accounts_alone(stack: Stack) -> None:
    bus = central(stack, source_accounts=["444455556666"])
    (policy,) = template(stack).find_resources(BUS_POLICY).values()
    assert "Condition" not in policy["Properties"]["Statement"]
    assert bus.organization_id is None
    assert bus.source_accounts == ("444455556666",)


def test_bus_name_and_arn_helper(stack: Stack) -> None:
    central(stack, event_bus_name="central-activity")
    template(stack).has_resource_properties("AWS::Events::EventBus", {"Name": "central-activity"})
    arn = CentralEventBus.arn(
        CENTRAL_ACCOUNT, "central-activity", region="eu-west-1", partition="aws"
    )
    assert arn == f"arn:aws:events:eu-west-1:{CENTRAL_ACCOUNT}:event-bus/central-activity"
    assert stack.resolve(CentralEventBus.arn(CENTRAL_ACCOUNT, "central-activity")) == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":events:",
                {"Ref": "AWS::Region"},
                f":{CENTRAL_ACCOUNT}:event-bus/central-activity",
            ],
        ]
    }


@pytest.mark.parametrize(
    ("account", "name", "message"),
    [
        ("1234", "central", "account must be a 12-digit account id, got '1234'"),
        (CENTRAL_ACCOUNT, "bad name!", "event_bus_name must be 1-256 characters"),
    ],
)
def test_arn_helper_validates(account: str, name: str, message: str) -> None:
    with pytest.raises(PavedRoadError, match=re.escape(f"CentralEventBus 'arn()': {message}")):
        CentralEventBus.arn(account, name)


# --- CentralEventBus: routing -------------------------------------------------------------
def test_rules_carry_exactly_the_priority_and_standard_patterns(stack: Stack) -> None:
    bus = central(stack)
    patterns = rule_patterns(stack)
    resolved = {stack.resolve(r.rule_arn)["Fn::GetAtt"][0] for r in bus.rules}
    assert set(patterns) == resolved
    priority = patterns[stack.resolve(bus.priority_rule.rule_arn)["Fn::GetAtt"][0]]
    standard = patterns[stack.resolve(bus.standard_rule.rule_arn)["Fn::GetAtt"][0]]
    # exact equality: nothing of the CDK placeholder pattern may be merged in
    assert priority == cloudtrail_pattern(DEFAULT_PRIORITY_EVENTS) == bus.priority_pattern
    assert standard == complement_pattern(DEFAULT_PRIORITY_EVENTS) == bus.standard_pattern
    for event in PRIORITY_EVENTS:
        assert matches(priority, event) and not matches(standard, event)
    for event in STANDARD_EVENTS:
        assert matches(standard, event) and not matches(priority, event)


def test_rules_are_on_the_central_bus(stack: Stack) -> None:
    bus = central(stack)
    rules = template(stack).find_resources(RULE)
    assert len(rules) == 2
    for rule in rules.values():
        assert rule["Properties"]["EventBusName"] == stack.resolve(bus.event_bus.event_bus_name)


def test_extended_priority_events(stack: Stack) -> None:
    calls = {**DEFAULT_PRIORITY_EVENTS, "kms.amazonaws.com": ("DisableKey", "ScheduleKeyDeletion")}
    bus = central(stack, priority_events=calls)
    kms_event = cloudtrail_event("kms.amazonaws.com", "ScheduleKeyDeletion")
    assert matches(bus.priority_pattern, kms_event)
    assert not matches(bus.standard_pattern, kms_event)
    assert matches(bus.standard_pattern, cloudtrail_event("kms.amazonaws.com", "Encrypt"))


def test_default_targets_are_buffer_queues_with_dlq_and_retry(stack: Stack) -> None:
    bus = central(stack)
    assert bus.priority_queue is not None and bus.standard_queue is not None
    for rule, queue in (
        (bus.priority_rule, bus.priority_queue),
        (bus.standard_rule, bus.standard_queue),
    ):
        rule_id = stack.resolve(rule.rule_arn)["Fn::GetAtt"][0]
        (target,) = template(stack).find_resources(RULE)[rule_id]["Properties"]["Targets"]
        assert target["Arn"] == stack.resolve(queue.queue_arn)
        assert target["DeadLetterConfig"] == {"Arn": stack.resolve(bus.dead_letter_queue.queue_arn)}
        assert target["RetryPolicy"] == {
            "MaximumEventAgeInSeconds": 86400,
            "MaximumRetryAttempts": 185,
        }


def test_custom_retry_policy(stack: Stack) -> None:
    central(stack, retry_attempts=10, max_event_age=Duration.hours(2))
    for rule in template(stack).find_resources(RULE).values():
        (target,) = rule["Properties"]["Targets"]
        assert target["RetryPolicy"] == {
            "MaximumEventAgeInSeconds": 7200,
            "MaximumRetryAttempts": 10,
        }


def test_queues_are_encrypted_tls_only_and_buffers_have_dlqs(stack: Stack) -> None:
    bus = central(stack)
    t = template(stack)
    queues = t.find_resources("AWS::SQS::Queue")
    assert len(queues) == 5  # 2 buffers, their 2 DLQs, the delivery DLQ
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
        assert queue["Properties"]["MaximumMessageSize"] == 1048576
    for policy in t.find_resources("AWS::SQS::QueuePolicy").values():
        deny = policy["Properties"]["PolicyDocument"]["Statement"][0]
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert len(t.find_resources("AWS::SQS::QueuePolicy")) == 5
    for buffer in (bus.priority_queue, bus.standard_queue):
        assert buffer is not None and buffer.dead_letter_queue is not None
        t.has_resource_properties(
            "AWS::SQS::Queue",
            {
                "MessageRetentionPeriod": 4 * 86400,
                "VisibilityTimeout": 180,
                "RedrivePolicy": {
                    "deadLetterTargetArn": stack.resolve(buffer.dead_letter_queue.queue.queue_arn),
                    "maxReceiveCount": 5,
                },
            },
        )
    t.has_resource_properties(
        "AWS::SQS::Queue",
        {"MessageRetentionPeriod": 14 * 86400, "RedrivePolicy": Match.absent()},
    )


def test_eventbridge_may_send_to_buffers_and_dlq_only_from_its_rules(stack: Stack) -> None:
    bus = central(stack)
    t = template(stack)
    policies = t.find_resources("AWS::SQS::QueuePolicy")
    allows = [
        s
        for p in policies.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
    ]
    assert len(allows) == 4  # each buffer from its rule, the delivery DLQ from both rules
    rule_arns = [stack.resolve(r.rule_arn) for r in bus.rules]
    for statement in allows:
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] in rule_arns


def test_queue_props(stack: Stack) -> None:
    central(
        stack,
        max_receive_count=3,
        queue_retention=Duration.days(7),
        visibility_timeout=Duration.minutes(10),
    )
    template(stack).has_resource_properties(
        "AWS::SQS::Queue",
        {
            "MessageRetentionPeriod": 7 * 86400,
            "VisibilityTimeout": 600,
            "RedrivePolicy": Match.object_like({"maxReceiveCount": 3}),
        },
    )


def test_given_queue_target(stack: Stack) -> None:
    queue = sqs.Queue(stack, "Findings", enforce_ssl=True)
    bus = central(stack, priority_target=queue)
    assert bus.priority_queue is None and bus.standard_queue is not None
    rule_id = stack.resolve(bus.priority_rule.rule_arn)["Fn::GetAtt"][0]
    (target,) = template(stack).find_resources(RULE)[rule_id]["Properties"]["Targets"]
    assert target["Arn"] == stack.resolve(queue.queue_arn)
    assert "DeadLetterConfig" in target and "RetryPolicy" in target
    assert bus.alarms.priority_oldest_message_age is None
    assert bus.alarms.priority_dlq_messages_visible is None
    assert len(bus.alarms.all()) == 2


def test_given_function_targets(stack: Stack) -> None:
    governed = GovernedFunction(
        stack, "Triage", code=CODE, handler="index.handler", keep_versions=None
    )
    plain = lambda_.Function(
        stack, "Archive", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_13
    )
    bus = central(stack, priority_target=governed, standard_target=plain)
    assert bus.priority_queue is None and bus.standard_queue is None
    t = template(stack)
    targets = {
        logical_id: r["Properties"]["Targets"][0]
        for logical_id, r in t.find_resources(RULE).items()
    }
    priority = targets[stack.resolve(bus.priority_rule.rule_arn)["Fn::GetAtt"][0]]
    standard = targets[stack.resolve(bus.standard_rule.rule_arn)["Fn::GetAtt"][0]]
    # the GovernedFunction's live alias is invoked, not $LATEST
    assert priority["Arn"] == stack.resolve(governed.invoke_target.function_arn)
    assert governed.invoke_target is not governed.function
    assert standard["Arn"] == stack.resolve(plain.function_arn)
    for target in (priority, standard):
        assert "DeadLetterConfig" in target and "RetryPolicy" in target
    assert len(t.find_resources("AWS::Lambda::Permission")) == 2
    assert len(t.find_resources("AWS::SQS::Queue")) == 1  # the delivery DLQ only
    assert bus.alarms.all() == [bus.alarms.delivery_dlq_messages_visible]


def invoke_configs(stack: Stack) -> list[dict[str, typing.Any]]:
    return [r["Properties"] for r in template(stack).find_resources(INVOKE_CONFIG).values()]


def test_function_targets_get_the_delivery_dlq_as_on_failure_destination(stack: Stack) -> None:
    # GIVEN a GovernedFunction and a plain Function as targets
    governed = GovernedFunction(
        stack, "Triage", code=CODE, handler="index.handler", keep_versions=None
    )
    plain = lambda_.Function(
        stack, "Archive", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_13
    )
    bus = central(stack, priority_target=governed, standard_target=plain)
    # THEN each invoked qualifier has an asynchronous invoke configuration whose
    # on-failure destination is the delivery DLQ, with Lambda's default limits
    dlq_arn = stack.resolve(bus.dead_letter_queue.queue_arn)
    configs = invoke_configs(stack)
    assert len(configs) == 2 == len(bus.async_invoke_configs)
    by_function = {json.dumps(c["FunctionName"], sort_keys=True): c for c in configs}
    live = by_function[json.dumps(stack.resolve(governed.function.function_name), sort_keys=True)]
    latest = by_function[json.dumps(stack.resolve(plain.function_name), sort_keys=True)]
    assert live["Qualifier"] == stack.resolve(governed.invoke_target.alias_name)  # type: ignore[attr-defined]
    assert latest["Qualifier"] == "$LATEST"
    for config in (live, latest):
        assert config["DestinationConfig"] == {"OnFailure": {"Destination": dlq_arn}}
        assert config["MaximumRetryAttempts"] == 2
        assert config["MaximumEventAgeInSeconds"] == 6 * 3600


def test_function_target_async_limits(stack: Stack) -> None:
    fn = GovernedFunction(stack, "Triage", code=CODE, handler="index.handler", keep_versions=None)
    central(
        stack,
        priority_target=fn,
        function_retry_attempts=0,
        function_max_event_age=Duration.minutes(5),
    )
    (config,) = invoke_configs(stack)
    assert config["MaximumRetryAttempts"] == 0
    assert config["MaximumEventAgeInSeconds"] == 300


def test_alias_target_is_configured_on_its_qualifier(stack: Stack) -> None:
    fn = lambda_.Function(
        stack, "Fn", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_13
    )
    alias = lambda_.Alias(stack, "Prod", alias_name="prod", version=fn.current_version)
    bus = central(stack, standard_target=alias)
    (config,) = invoke_configs(stack)
    assert config["Qualifier"] == "prod"
    assert config["FunctionName"] == stack.resolve(fn.function_name)
    rule_id = stack.resolve(bus.standard_rule.rule_arn)["Fn::GetAtt"][0]
    (target,) = template(stack).find_resources(RULE)[rule_id]["Properties"]["Targets"]
    assert target["Arn"] == stack.resolve(alias.function_arn)


def test_one_function_for_both_routes_gets_one_configuration(stack: Stack) -> None:
    fn = GovernedFunction(stack, "Triage", code=CODE, handler="index.handler", keep_versions=None)
    central(stack, priority_target=fn, standard_target=fn)
    assert len(invoke_configs(stack)) == 1


def test_imported_function_without_its_role_warns(stack: Stack) -> None:
    imported = lambda_.Function.from_function_arn(
        stack, "Imported", "arn:aws:lambda:us-east-1:111122223333:function:triage"
    )
    bus = central(stack, priority_target=imported)
    assert invoke_configs(stack) == [] and bus.async_invoke_configs == []
    Annotations.from_stack(stack).has_warning(
        "/Test/Central",
        Match.string_like_regexp(
            "priority_target Test/Imported is invoked asynchronously, but was imported without "
            "its execution role"
        ),
    )


def test_imported_function_with_its_role_is_configured(stack: Stack) -> None:
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::111122223333:role/triage")
    imported = lambda_.Function.from_function_attributes(
        stack,
        "Imported",
        function_arn="arn:aws:lambda:us-east-1:111122223333:function:triage",
        role=role,
        same_environment=True,
    )
    central(stack, priority_target=imported)
    (config,) = invoke_configs(stack)
    assert config["FunctionName"] == "triage"
    assert config["Qualifier"] == "$LATEST"


def test_version_target_is_configured_on_its_number(stack: Stack) -> None:
    fn = lambda_.Function(
        stack, "Fn", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_13
    )
    central(stack, priority_target=fn.current_version)
    (config,) = invoke_configs(stack)
    assert config["Qualifier"] == stack.resolve(fn.current_version.version)
    assert config["FunctionName"] == stack.resolve(fn.function_name)


def test_a_qualifier_the_app_configured_itself_is_kept(stack: Stack) -> None:
    # GIVEN a function with its own on-failure destination on $LATEST
    own = sqs.Queue(stack, "OwnFailures", enforce_ssl=True)
    fn = lambda_.Function(
        stack,
        "Fn",
        code=CODE,
        handler="index.handler",
        runtime=lambda_.Runtime.PYTHON_3_13,
        on_failure=lambda_destinations.SqsDestination(own),
    )
    bus = central(stack, priority_target=fn)
    # THEN it is not replaced (Lambda keeps one configuration per qualifier)
    (config,) = invoke_configs(stack)
    assert config["DestinationConfig"] == {
        "OnFailure": {"Destination": stack.resolve(own.queue_arn)}
    }
    assert bus.async_invoke_configs == []


def test_function_target_with_another_on_failure_configuration(stack: Stack) -> None:
    # GIVEN a function whose live alias another bus already configured (another DLQ)
    fn = GovernedFunction(stack, "Triage", code=CODE, handler="index.handler", keep_versions=None)
    CentralEventBus(stack, "First", organization_id=ORG, priority_target=fn)
    # THEN Lambda's one configuration per qualifier cannot take a second destination
    with pytest.raises(
        PavedRoadError,
        match=re.escape(CENTRAL)
        + r".*must match the asynchronous invoke configuration Test/First/PriorityRule/"
        r"AsyncInvokeConfig already set on qualifier live",
    ):
        central(stack, priority_target=fn)


def test_alarms(stack: Stack) -> None:
    topic = sns.Topic(stack, "Alarms")
    bus = central(stack, alarm_topic=topic, priority_age_threshold=Duration.minutes(2))
    t = template(stack)
    alarms = t.find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) == 4 == len(bus.alarms.all())
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [stack.resolve(topic.topic_arn)]
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching"
        assert alarm["Properties"]["AlarmDescription"].startswith("Test/Central: ")
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "ApproximateAgeOfOldestMessage",
            "Threshold": 120,
            "EvaluationPeriods": 3,
            "Dimensions": [{"Name": "QueueName", "Value": Match.any_value()}],
        },
    )
    visible = [
        a
        for a in alarms.values()
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    ]
    assert len(visible) == 3
    assert all(a["Properties"]["Threshold"] == 1 for a in visible)


def test_tokens_are_not_validated(stack: Stack) -> None:
    org = CfnParameter(stack, "OrgId", type="String")
    account = CfnParameter(stack, "Account", type="String")
    name = CfnParameter(stack, "BusName", type="String")
    central(
        stack,
        organization_id=org.value_as_string,
        source_accounts=[account.value_as_string],
        event_bus_name=name.value_as_string,
    )
    assert len(template(stack).find_resources(BUS_POLICY)) == 2


# --- CentralEventBus: validation ----------------------------------------------------------
@pytest.mark.parametrize(
    ("props", "message"),
    [
        pytest.param(
            {"organization_id": None, "source_accounts": ()},
            "organization_id/source_accounts at least one is required: the bus policy never "
            "admits everyone, got 'neither'",
            id="no-principals",
        ),
        pytest.param(
            {"organization_id": "o-SHORT"},
            "organization_id must be an AWS Organizations id: 'o-' and 10-32 lowercase letters "
            "or digits, got 'o-SHORT'",
            id="bad-org-id",
        ),
        pytest.param(
            {"source_accounts": ["12345"]},
            "source_accounts[0] must be a 12-digit account id, got '12345'",
            id="bad-account",
        ),
        pytest.param(
            {"source_accounts": "444455556666"},
            "source_accounts must be a list of strings, got '444455556666'",
            id="accounts-string",
        ),
        pytest.param(
            {"organization_id": ORG, "source_accounts": ["444455556666", "444455556666"]},
            "source_accounts must not repeat an account id",
            id="duplicate-account",
        ),
        pytest.param(
            {"event_bus_name": "bad name"},
            "event_bus_name must be 1-256 characters of A-Za-z0-9 . - _ (a custom event bus "
            "name has no '/'), got 'bad name'",
            id="bad-bus-name",
        ),
        pytest.param(
            {"event_bus_name": "default"},
            "event_bus_name must not be 'default' (every account already has that bus)",
            id="default-bus-name",
        ),
        pytest.param(
            {"priority_events": {}},
            "priority_events must be a non-empty dict of CloudTrail event source -> event names",
            id="empty-priority-events",
        ),
        pytest.param(
            {"priority_events": ["iam.amazonaws.com"]},
            "priority_events must be a dict of strings to (lists of strings or None), "
            "got ['iam.amazonaws.com']",
            id="priority-events-list",
        ),
        pytest.param(
            {"priority_events": {"iam": None}},
            "priority_events key must be a CloudTrail event source such as 'iam.amazonaws.com', "
            "got 'iam'",
            id="bad-source",
        ),
        pytest.param(
            {"priority_events": {"ec2.amazonaws.com": "CreateSecurityGroup"}},
            "priority_events['ec2.amazonaws.com'] must be a list of strings or None, "
            "got 'CreateSecurityGroup'",
            id="names-string",
        ),
        pytest.param(
            {"priority_events": {"ec2.amazonaws.com": []}},
            "priority_events['ec2.amazonaws.com'] must be a non-empty list of event names",
            id="names-empty",
        ),
        pytest.param(
            {"priority_events": {"ec2.amazonaws.com": ["Create SecurityGroup"]}},
            "priority_events['ec2.amazonaws.com'] must hold API call names such as "
            "'CreateSecurityGroup', got ['Create SecurityGroup']",
            id="bad-name",
        ),
        pytest.param(
            {"priority_target": "arn:aws:sqs:us-east-1:111122223333:q"},
            "priority_target must be an sqs.IQueue, a lambda_.IFunction, a "
            "paved_road.GovernedFunction or None, got 'arn:aws:sqs:us-east-1:111122223333:q'",
            id="bad-target",
        ),
        pytest.param(
            {"retry_attempts": 186},
            "retry_attempts must be between 0 and 185, got 186",
            id="retry-attempts-range",
        ),
        pytest.param(
            {"retry_attempts": 1.5},
            "retry_attempts must be a whole number, got 1.5",
            id="retry-attempts-type",
        ),
        pytest.param(
            {"max_event_age": Duration.seconds(30)},
            "max_event_age must be between 60 and 86400 seconds, got 30",
            id="max-event-age-range",
        ),
        pytest.param(
            {"max_event_age": 3600},
            "max_event_age must be an aws_cdk.Duration (Duration.seconds(n), "
            "Duration.minutes(n), ...) or None, got 3600",
            id="max-event-age-type",
        ),
        pytest.param(
            {"function_retry_attempts": 3},
            "function_retry_attempts must be between 0 and 2, got 3",
            id="function-retry-attempts-range",
        ),
        pytest.param(
            {"function_retry_attempts": "2"},
            "function_retry_attempts must be a whole number, got '2'",
            id="function-retry-attempts-type",
        ),
        pytest.param(
            {"function_max_event_age": Duration.hours(7)},
            "function_max_event_age must be between 60 and 21600 seconds, got 25200",
            id="function-max-event-age-range",
        ),
        pytest.param(
            {"function_max_event_age": 3600},
            "function_max_event_age must be an aws_cdk.Duration (Duration.seconds(n), "
            "Duration.minutes(n), ...) or None, got 3600",
            id="function-max-event-age-type",
        ),
        pytest.param(
            {"source_accounts": 444455556666},
            "source_accounts must be a list of strings, got 444455556666",
            id="accounts-not-a-list",
        ),
        pytest.param(
            {"max_receive_count": 0},
            "max_receive_count must be between 1 and 1000, got 0",
            id="max-receive-count",
        ),
        pytest.param(
            {"queue_retention": Duration.days(14)},
            "queue_retention must be at least 60 seconds and shorter than the dead-letter "
            "queues' 1209600 seconds",
            id="queue-retention",
        ),
        pytest.param(
            {"visibility_timeout": Duration.hours(13)},
            "visibility_timeout must be between 0 and 43200 seconds, got 46800",
            id="visibility-timeout",
        ),
        pytest.param(
            {"priority_age_threshold": Duration.seconds(30)},
            "priority_age_threshold must be between 60 and 1209600 seconds, got 30",
            id="priority-age-threshold",
        ),
    ],
)
def test_central_validation(stack: Stack, props: dict[str, typing.Any], message: str) -> None:
    with pytest.raises(PavedRoadError, match=re.escape(CENTRAL + message)):
        central(stack, **props)


def test_synchronous_governed_function_target_is_rejected(stack: Stack) -> None:
    fn = GovernedFunction(
        stack,
        "Api",
        code=CODE,
        handler="index.handler",
        keep_versions=None,
        invocation=Invocation.SYNCHRONOUS,
    )
    with pytest.raises(
        PavedRoadError,
        match=re.escape(
            CENTRAL + "priority_target must be declared Invocation.ASYNCHRONOUS (or leave "
            "invocation out): EventBridge invokes it asynchronously, but it is declared "
            "SYNCHRONOUS"
        )
        + r".*got 'Test/Api'$",
    ):
        central(stack, priority_target=fn)


def test_tenant_isolated_function_target_is_rejected(stack: Stack) -> None:
    fn = TenantIsolatedFunction(stack, "Tenant", code=CODE, handler="index.handler")
    with pytest.raises(
        PavedRoadError,
        match=re.escape(CENTRAL + "standard_target must not be a tenant-isolated function")
        + r".*got 'Test/Tenant'$",
    ):
        central(stack, standard_target=fn)


def accounts(count: int) -> list[str]:
    return [f"{100000000000 + i:012d}" for i in range(count)]


def test_too_many_source_accounts_for_the_bus_policy(stack: Stack) -> None:
    # GIVEN 100 accounts: one statement each, about 23 KB of bus policy
    with pytest.raises(
        PavedRoadError,
        match=re.escape(
            CENTRAL + "source_accounts must fit the event bus policy, which EventBridge limits "
            "to 10 KB (10240 bytes): one statement per account makes it about "
        )
        + r"\d+ bytes; list at most \d+ accounts with this bus name, or admit their "
        r"organization with organization_id \(a single statement\), got '100 accounts'$",
    ):
        central(stack, organization_id=None, source_accounts=accounts(100))


def test_source_accounts_that_fit_the_bus_policy(stack: Stack) -> None:
    # GIVEN as many accounts as the estimate lets fit under a 256-character bus name
    name = "n" * 256
    fitting = max(
        n
        for n in range(1, 100)
        if bus_policy_bytes(None, accounts(n), len(name)) <= BUS_POLICY_MAX_BYTES
    )
    assert 10 < fitting < 30
    central(stack, event_bus_name=name, source_accounts=accounts(fitting))
    assert len(template(stack).find_resources(BUS_POLICY)) == fitting
    # AND one more is refused
    with pytest.raises(PavedRoadError, match=rf"list at most {fitting} accounts"):
        central(new_stack(), event_bus_name=name, source_accounts=accounts(fitting + 1))


def test_bus_policy_estimate_bounds_the_deployed_policy() -> None:
    # GIVEN a bus in a known account and Region (the template's ARNs resolve to literals
    # except the partition)
    stack = env_stack(account=CENTRAL_ACCOUNT, region="ap-southeast-2")
    bus = central(stack, event_bus_name="central", source_accounts=accounts(20))
    statements = [
        r["Properties"]["Statement"] for r in template(stack).find_resources(BUS_POLICY).values()
    ]
    arn = f"arn:aws:events:ap-southeast-2:{CENTRAL_ACCOUNT}:event-bus/central"
    deployed = json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))
    deployed = re.sub(r'\{"Fn::GetAtt":\["[A-Za-z0-9]+","Arn"\]\}', json.dumps(arn), deployed)
    deployed = re.sub(
        r'\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":iam::(\d{12}):root"\]\]\}',
        r'"arn:aws:iam::\1:root"',
        deployed,
    )
    assert "Fn::" not in deployed
    # THEN the estimate is at least the size of the policy EventBridge stores
    estimate = bus_policy_bytes(ORG, bus.source_accounts, len("central"))
    assert len(deployed) <= estimate < len(deployed) * 1.2


def test_priority_events_too_long_for_a_pattern(stack: Stack) -> None:
    names = [f"Name{i:04d}Padding" for i in range(300)]
    with pytest.raises(PavedRoadError) as raised:
        central(stack, priority_events={"ec2.amazonaws.com": names})
    assert raised.value.problems == [
        CENTRAL + "priority_events (priority rule pattern) must be at most 4096 characters as "
        "JSON, got 5508",
        CENTRAL + "priority_events (standard rule pattern) must be at most 4096 characters as "
        "JSON, got 5718",
    ]


def test_fifo_queue_target_is_rejected(stack: Stack) -> None:
    fifo = sqs.Queue(stack, "Fifo", fifo=True)
    with pytest.raises(
        PavedRoadError,
        match=re.escape(CENTRAL + "standard_target must be a standard queue") + ".*got 'Test/Fifo'",
    ):
        central(stack, standard_target=fifo)


def test_central_problems_are_raised_together(stack: Stack) -> None:
    with pytest.raises(PavedRoadError) as raised:
        CentralEventBus(
            stack, "Central", organization_id="org", retry_attempts=-1, max_receive_count=0
        )
    assert raised.value.problems == [
        CENTRAL + "organization_id must be an AWS Organizations id: 'o-' and 10-32 lowercase "
        "letters or digits, got 'org'",
        CENTRAL + "retry_attempts must be between 0 and 185, got -1",
        CENTRAL + "max_receive_count must be between 1 and 1000, got 0",
    ]


def test_large_pattern_warns_above_the_default_quota(stack: Stack) -> None:
    names = [f"Name{i:04d}Padding" for i in range(120)]  # ~2.3 KB as JSON
    central(stack, priority_events={"ec2.amazonaws.com": names})
    Annotations.from_stack(stack).has_warning(
        "/Test/Central", Match.string_like_regexp("default 'Event pattern size' quota of 2048")
    )


# --- EventBusForwarder ----------------------------------------------------------------------
def test_forwarder_defaults_to_security_changes(stack: Stack) -> None:
    fwd = forwarder(stack)
    (rule,) = template(stack).find_resources(RULE).values()
    props = rule["Properties"]
    assert props["EventPattern"] == ForwardedEvents.security_changes() == fwd.event_pattern
    assert props["State"] == "ENABLED"
    assert "EventBusName" not in props  # the account's default bus
    (target,) = props["Targets"]
    assert target["Arn"] == BUS_ARN
    assert target["RoleArn"] == stack.resolve(fwd.role.role_arn)
    assert target["DeadLetterConfig"] == {"Arn": stack.resolve(fwd.dead_letter_queue.queue_arn)}
    assert "RetryPolicy" not in target  # not supported for event bus targets


def test_forwarder_role_may_only_put_events_on_the_central_bus(stack: Stack) -> None:
    fwd = forwarder(stack)
    t = template(stack)
    (role,) = t.find_resources("AWS::IAM::Role").values()
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
        }
    ]
    assert "ManagedPolicyArns" not in role["Properties"]
    statements = [
        s
        for p in t.find_resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if stack.resolve(fwd.role.role_name) in p["Properties"]["Roles"]
    ]
    assert statements == [{"Action": "events:PutEvents", "Effect": "Allow", "Resource": BUS_ARN}]


def test_forwarder_dead_letter_queue_and_alarm(stack: Stack) -> None:
    topic = sns.Topic(stack, "Alarms")
    fwd = forwarder(stack, alarm_topic=topic)
    t = template(stack)
    t.has_resource_properties(
        "AWS::SQS::Queue", {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 14 * 86400}
    )
    (policy,) = t.find_resources("AWS::SQS::QueuePolicy").values()
    deny, allow = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": stack.resolve(fwd.rule.rule_arn)}}
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Threshold": 1,
            "AlarmActions": [stack.resolve(topic.topic_arn)],
        },
    )
    assert fwd.alarms.all() == [fwd.alarms.dlq_messages_visible]


def test_forwarder_event_pattern_object_and_dict(stack: Stack) -> None:
    forwarder(
        stack,
        event_pattern=events.EventPattern(
            source=["aws.guardduty"], detail_type=["GuardDuty Finding"], detail={"severity": [8]}
        ),
    )
    forwarder_or = {
        "$or": [
            {"source": ["aws.securityhub"]},
            ForwardedEvents.cloudtrail({"iam.amazonaws.com": None}),
        ]
    }
    EventBusForwarder(stack, "Second", central_bus_arn=BUS_ARN, event_pattern=forwarder_or)
    patterns = sorted(rule_patterns(stack).values(), key=str)
    assert {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [8]},
    } in patterns
    assert forwarder_or in patterns


def test_forwarder_on_a_custom_bus_with_read_only_events(stack: Stack) -> None:
    bus = events.EventBus(stack, "AppBus")
    forwarder(stack, event_bus=bus, include_read_only_management_events=True)
    template(stack).has_resource_properties(
        RULE,
        {
            "EventBusName": stack.resolve(bus.event_bus_name),
            "State": "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
        },
    )
    assert lint_errors(template(stack).to_json()) == []


def test_forwarder_token_arn_is_not_validated(stack: Stack) -> None:
    arn = CfnParameter(stack, "CentralBusArn", type="String")
    forwarder(stack, central_bus_arn=arn.value_as_string)
    (rule,) = template(stack).find_resources(RULE).values()
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Ref": "CentralBusArn"}


def test_cross_region_needs_opt_in() -> None:
    stack = env_stack(region="us-east-1")
    arn = f"arn:aws:events:eu-west-1:{CENTRAL_ACCOUNT}:event-bus/central"
    with pytest.raises(
        PavedRoadError,
        match=re.escape(FORWARDER + "central_bus_arn must be in this stack's Region (us-east-1)"),
    ):
        forwarder(stack, central_bus_arn=arn)
    forwarder(env_stack(region="us-east-1"), central_bus_arn=arn, allow_cross_region=True)
    forwarder(env_stack(region="eu-west-1"), central_bus_arn=arn)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        pytest.param(
            {"central_bus_arn": "arn:aws:sqs:us-east-1:111122223333:queue"},
            "central_bus_arn must be an event bus ARN: arn:<partition>:events:<region>:<12-digit "
            "account>:event-bus/<name>, got 'arn:aws:sqs:us-east-1:111122223333:queue'",
            id="not-a-bus-arn",
        ),
        pytest.param(
            {"central_bus_arn": "arn:aws:events:us-east-1:1111:event-bus/central"},
            "central_bus_arn must be an event bus ARN",
            id="short-account",
        ),
        pytest.param(
            {"central_bus_arn": None},
            "central_bus_arn must be a string, got None",
            id="arn-type",
        ),
        pytest.param(
            {"event_pattern": {}},
            "event_pattern must not be empty (EventBridge needs at least one field), got {}",
            id="empty-pattern",
        ),
        pytest.param(
            {"event_pattern": {"source": "aws.iam"}},
            "event_pattern must have a non-empty list of matchers at every leaf, and '$or' must "
            "be a list of at least 2 patterns (at 'source')",
            id="leaf-not-a-list",
        ),
        pytest.param(
            {"event_pattern": {"detail": {"eventName": []}}},
            "(at 'detail.eventName')",
            id="empty-leaf",
        ),
        pytest.param(
            {"event_pattern": {"$or": [{"source": ["aws.iam"]}]}},
            "(at '$or')",
            id="or-with-one-clause",
        ),
        pytest.param(
            {"event_pattern": {"sources": ["aws.iam"]}},
            "event_pattern may only match the event fields version, id, detail-type, source, "
            "account, time, region, resources, detail or '$or' (unknown: sources)",
            id="unknown-field",
        ),
        pytest.param(
            {"event_pattern": {"detail": {"when": [object()]}}},
            "event_pattern must be JSON-serializable",
            id="not-json",
        ),
        pytest.param(
            {"event_pattern": {"detail": {"eventName": ["x" * 100] * 50}}},
            "event_pattern must be at most 4096 characters as JSON",
            id="too-long",
        ),
        pytest.param(
            {"event_pattern": '{"source": ["aws.iam"]}'},
            "event_pattern must be an events.EventPattern, a dict with string keys or None, "
            """got '{"source": ["aws.iam"]}'""",
            id="pattern-type",
        ),
    ],
)
def test_forwarder_validation(stack: Stack, props: dict[str, typing.Any], message: str) -> None:
    with pytest.raises(PavedRoadError, match=re.escape(FORWARDER) + ".*" + re.escape(message)):
        forwarder(stack, **props)


def test_forwarder_refuses_to_forward_a_bus_to_itself() -> None:
    stack = env_stack(account=CENTRAL_ACCOUNT, region="us-east-1")
    own_default = f"arn:aws:events:us-east-1:{CENTRAL_ACCOUNT}:event-bus/default"
    with pytest.raises(
        PavedRoadError,
        match=re.escape(FORWARDER + "central_bus_arn must not be the bus the rule listens on"),
    ):
        forwarder(stack, central_bus_arn=own_default)
    # the same account's central bus is fine (same-account bus-to-bus)
    forwarder(env_stack(account=CENTRAL_ACCOUNT), central_bus_arn=BUS_ARN)


# --- guardrails and cfn-lint --------------------------------------------------------------
@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda s: central(s), id="central-org"),
        pytest.param(
            lambda s: central(s, organization_id=ORG, source_accounts=["444455556666"]),
            id="central-org-and-accounts",
        ),
        pytest.param(
            lambda s: central(
                s,
                priority_target=GovernedFunction(s, "Triage", code=CODE, handler="index.handler"),
                standard_target=GovernedFunction(
                    s, "Archive", code=CODE, handler="index.handler", keep_versions=None
                ),
            ),
            id="central-two-governed-function-targets",
        ),
        pytest.param(lambda s: forwarder(s), id="forwarder"),
        pytest.param(
            lambda s: forwarder(s, include_read_only_management_events=True),
            id="forwarder-read-only",
        ),
    ],
)
def test_guardrails_report_nothing(
    build: typing.Callable[[Stack], typing.Any], tmp_path: Path
) -> None:
    # GIVEN the default setups WHEN synthesized under every pack, strict
    run = run_guardrails(build, tmp_path, strict=True)
    # THEN nothing is reported (DLQ findings are acknowledged, everything else complies)
    assert run.error is None
    assert run.violations == []


def test_governed_function_target_passes_strict_guardrails(tmp_path: Path) -> None:
    # GIVEN a GovernedFunction (default props) as the priority target
    built: dict[str, typing.Any] = {}

    def build(s: Stack) -> None:
        fn = GovernedFunction(s, "Triage", code=CODE, handler="index.handler")
        built.update(stack=s, fn=fn, bus=central(s, priority_target=fn))

    # WHEN synthesized under every pack, strict
    run = run_guardrails(build, tmp_path, strict=True)
    # THEN nothing is reported: PavedRoad-LambdaAsyncOnFailureDestination and
    # Serverless-LambdaDLQ are satisfied by the on-failure destination of the live alias
    assert run.error is None
    assert run.violations == []
    stack, fn, bus = built["stack"], built["fn"], built["bus"]
    rule_id = stack.resolve(bus.priority_rule.rule_arn)["Fn::GetAtt"][0]
    (target,) = template(stack).find_resources(RULE)[rule_id]["Properties"]["Targets"]
    assert target["Arn"] == stack.resolve(fn.invoke_target.function_arn)
    (config,) = invoke_configs(stack)
    assert config["FunctionName"] == stack.resolve(fn.function.function_name)
    assert config["Qualifier"] == "live"
    assert config["DestinationConfig"] == {
        "OnFailure": {"Destination": stack.resolve(bus.dead_letter_queue.queue_arn)}
    }


def test_templates_pass_cfn_lint() -> None:
    for build in (
        lambda s: central(s, source_accounts=["444455556666"]),
        lambda s: central(
            s,
            priority_target=GovernedFunction(
                s, "Triage", code=CODE, handler="index.handler", keep_versions=None
            ),
        ),
        lambda s: forwarder(s),
    ):
        stack = new_stack()
        build(stack)
        assert lint_errors(template(stack).to_json()) == []


# --- bad input (issue 9) ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["central/activity", "/central"])
def test_custom_bus_name_has_no_slash(stack: Stack, name: str) -> None:
    # '/' is for partner event buses only: the CDK threw a jsii error for it
    message = (
        "event_bus_name must be 1-256 characters of A-Za-z0-9 . - _ (a custom event bus name "
        f"has no '/'), got {name!r}"
    )
    with pytest.raises(PavedRoadError, match=re.escape(CENTRAL + message) + "$"):
        central(stack, event_bus_name=name)
    with pytest.raises(PavedRoadError, match=re.escape(f"CentralEventBus 'arn()': {message}")):
        CentralEventBus.arn(CENTRAL_ACCOUNT, name)


def test_retry_attempts_accept_tokens_and_whole_floats(stack: Stack) -> None:
    # GIVEN retry counts as number tokens and as a whole float (both were "must be an integer")
    retries = CfnParameter(stack, "Retries", type="Number", default=10).value_as_number
    function_retries = CfnParameter(stack, "FnRetries", type="Number", default=1).value_as_number
    central(
        stack,
        retry_attempts=retries,
        function_retry_attempts=function_retries,
        priority_target=GovernedFunction(
            stack, "Triage", code=CODE, handler="index.handler", keep_versions=None
        ),
    )
    central(env_stack(), retry_attempts=3.0)
    # THEN the tokens reach the template
    for rule in template(stack).find_resources(RULE).values():
        (target,) = rule["Properties"]["Targets"]
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == {"Ref": "Retries"}
    (config,) = invoke_configs(stack)
    assert config["MaximumRetryAttempts"] == {"Ref": "FnRetries"}


def test_queue_retention_shows_whole_seconds(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=re.escape(
            "(a dead-lettered message keeps its original enqueue time), got '1209600 seconds'"
        )
        + "$",
    ):
        central(stack, queue_retention=Duration.days(14))
