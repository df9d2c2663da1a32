"""EventConsumer (EventBridge rule -> Lambda, no queue in between) and
CentralDeadLetterQueue: failure paths, attribution, alarms, policies, validation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match

from paved_road import GovernedFunction, Invocation, PavedRoadError
from paved_road.events import (
    ATTRIBUTION_KEY,
    CentralDeadLetterQueue,
    EventConsumer,
    attribution_transformer,
)
from paved_road.tenancy import TenantIsolatedFunction
from tests.cfn_lint import lint_errors
from tests.conftest import new_stack, run_guardrails, template

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")
PROPS: Any = {"code": CODE, "handler": "index.handler"}
PATTERN = {"source": ["orders"], "detail-type": ["OrderPlaced"]}
SAMPLE_EVENT = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "OrderPlaced",
    "source": "orders",
    "account": "111122223333",
    "time": "2026-11-23T17:00:00Z",
    "region": "eu-west-1",
    "resources": ["arn:aws:orders:eu-west-1:111122223333:order/42"],
    "detail": {"orderId": 42, "note": 'quotes " and \\ backslashes', "items": [1, 2]},
}
RULE_ARN = "arn:aws:events:eu-west-1:111122223333:rule/orders"


def consumer(stack: Stack, **kwargs: Any) -> EventConsumer:
    kwargs.setdefault("event_pattern", PATTERN)
    if "existing_function" not in kwargs:
        kwargs.setdefault("function_props", PROPS)
    return EventConsumer(stack, "Orders", **kwargs)


def rule_target(stack: Stack) -> dict[str, Any]:
    rules = {
        k: v
        for k, v in template(stack).find_resources("AWS::Events::Rule").items()
        if k.startswith("Orders")
    }
    assert len(rules) == 1
    targets = next(iter(rules.values()))["Properties"]["Targets"]
    assert len(targets) == 1
    return targets[0]


# ------------------------------------------------------------------ the failure path


def test_rule_invokes_the_live_alias_with_retry_policy_and_dlq(stack: Stack) -> None:
    consumer(stack)
    target = rule_target(stack)
    assert "Alias" in target["Arn"]["Ref"]
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
    assert "PavedRoadDeadLetters" in json.dumps(target["DeadLetterConfig"])


def test_async_invoke_config_sends_failures_to_the_central_queue(stack: Stack) -> None:
    c = consumer(stack, max_event_age=Duration.hours(1), retry_attempts=1)
    assert c.async_invoke_config is not None
    template(stack).has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "Qualifier": "live",
            "MaximumRetryAttempts": 1,
            "MaximumEventAgeInSeconds": 3600,
            "DestinationConfig": {
                "OnFailure": {
                    "Destination": {
                        "Fn::GetAtt": [Match.string_like_regexp("PavedRoadDeadLetters"), "Arn"]
                    }
                }
            },
        },
    )


def test_consumers_of_a_stack_share_one_dead_letter_queue(stack: Stack) -> None:
    consumer(stack)
    EventConsumer(stack, "Refunds", event_pattern={"source": ["refunds"]}, function_props=PROPS)
    template(stack).resource_count_is("AWS::SQS::Queue", 1)


def test_another_accounts_queue_by_arn(stack: Stack) -> None:
    central = "arn:aws:sqs:eu-west-1:999988887777:central-dead-letters"
    consumer(stack, dead_letter_queue=central)
    target = rule_target(stack)
    assert target["DeadLetterConfig"] == {"Arn": central}
    tpl = template(stack)
    tpl.resource_count_is("AWS::SQS::Queue", 0)
    tpl.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {"DestinationConfig": {"OnFailure": {"Destination": central}}},
    )
    # the function's role may send to exactly that queue
    tpl.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Action": Match.array_with(["sqs:SendMessage"]), "Resource": central}
                        )
                    ]
                )
            }
        },
    )


def test_attribution_transformer_reproduces_the_event_plus_the_rule() -> None:
    """Apply the transformer the way EventBridge does (input paths, then the template with
    strings quoted and objects inserted as JSON) to a realistic event."""
    transformer = attribution_transformer()
    delivered = json.loads(apply_input_transformer(transformer, SAMPLE_EVENT, RULE_ARN))
    assert delivered == {**SAMPLE_EVENT, ATTRIBUTION_KEY: {"rule": RULE_ARN}}


def test_attribution_is_on_the_rule_target_and_can_be_turned_off() -> None:
    stack = new_stack()
    consumer(stack)
    assert rule_target(stack)["InputTransformer"] == attribution_transformer()
    plain = new_stack()
    consumer(plain, attribution=False)
    assert "InputTransformer" not in rule_target(plain)


def test_alarms(stack: Stack) -> None:
    topic = sns.Topic(stack, "Ops")
    c = consumer(stack, alarm_topic=topic)
    tpl = template(stack)
    for metric in ("AsyncEventsDropped", "InvocationsFailedToBeSentToDlq"):
        tpl.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {"MetricName": metric, "Threshold": 1, "AlarmActions": [{"Ref": Match.any_value()}]},
        )
    tpl.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Metrics": Match.array_with(
                [
                    Match.object_like({"Expression": "dlq + destination"}),
                    Match.object_like(
                        {
                            "MetricStat": Match.object_like(
                                {"Metric": Match.object_like({"MetricName": "DeadLetterErrors"})}
                            )
                        }
                    ),
                    Match.object_like(
                        {
                            "MetricStat": Match.object_like(
                                {
                                    "Metric": Match.object_like(
                                        {"MetricName": "DestinationDeliveryFailures"}
                                    )
                                }
                            )
                        }
                    ),
                ]
            )
        },
    )
    # account-level: no dimensions, 80 % of the default 1,000 quota
    tpl.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "ConcurrentExecutions", "Threshold": 800, "Dimensions": Match.absent()},
    )
    assert c.alarms.account_concurrency is not None
    assert len(c.alarms.all()) == 5


def test_account_concurrency_alarm_is_one_per_stack(stack: Stack) -> None:
    consumer(stack, account_concurrency_quota=3000)
    EventConsumer(
        stack,
        "Refunds",
        event_pattern={"source": ["refunds"]},
        function_props=PROPS,
        account_concurrency_quota=3000,
    )
    alarms = template(stack).find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "ConcurrentExecutions"}}
    )
    assert len(alarms) == 1
    assert next(iter(alarms.values()))["Properties"]["Threshold"] == 2400
    with pytest.raises(PavedRoadError, match=r"must give the same alarm threshold"):
        EventConsumer(
            stack,
            "Other",
            event_pattern={"source": ["x"]},
            function_props=PROPS,
            account_concurrency_quota=500,
        )


def test_no_account_concurrency_alarm_when_quota_is_none(stack: Stack) -> None:
    c = consumer(stack, account_concurrency_quota=None)
    assert c.alarms.account_concurrency is None
    template(stack).resource_properties_count_is(
        "AWS::CloudWatch::Alarm", {"MetricName": "ConcurrentExecutions"}, 0
    )


def test_existing_governed_function_and_custom_bus(stack: Stack) -> None:
    fn = GovernedFunction(stack, "Fn", **PROPS, invocation=Invocation.ASYNCHRONOUS)
    bus = events.EventBus(stack, "Bus")
    c = consumer(stack, existing_function=fn, event_bus=bus)
    assert c.governed_function is fn and c.invoke_target is fn.live
    template(stack).has_resource_properties(
        "AWS::Events::Rule", {"EventBusName": {"Ref": Match.string_like_regexp("Bus")}}
    )


def test_event_pattern_object_is_accepted(stack: Stack) -> None:
    consumer(stack, event_pattern=events.EventPattern(source=["orders"]))
    template(stack).has_resource_properties(
        "AWS::Events::Rule", {"EventPattern": {"source": ["orders"]}}
    )


def test_dict_pattern_is_converted(stack: Stack) -> None:
    consumer(stack, event_pattern={**PATTERN, "detail": {"total": [{"numeric": [">", 100]}]}})
    template(stack).has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["orders"],
                "detail-type": ["OrderPlaced"],
                "detail": {"total": [{"numeric": [">", 100]}]},
            }
        },
    )


def test_or_pattern_is_written_verbatim(stack: Stack) -> None:
    pattern = {"$or": [{"source": ["orders"]}, {"detail-type": ["RefundIssued"]}]}
    c = consumer(stack, event_pattern=pattern)
    assert c.event_pattern == pattern
    template(stack).has_resource_properties("AWS::Events::Rule", {"EventPattern": pattern})


def test_template_passes_cfn_lint(stack: Stack) -> None:
    consumer(stack)
    assert lint_errors(template(stack).to_json()) == []


def test_guardrails_pass_with_defaults(tmp_path: Path) -> None:
    run = run_guardrails(lambda s: consumer(s), tmp_path, strict=True)
    assert run.error is None, run.error


def test_guardrails_pass_with_a_cross_account_queue(tmp_path: Path) -> None:
    run = run_guardrails(
        lambda s: consumer(
            s, dead_letter_queue="arn:aws:sqs:us-east-1:999988887777:central-dead-letters"
        ),
        tmp_path,
        strict=True,
    )
    assert run.error is None, run.error


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"event_pattern": {}}, r"event_pattern must not be empty"),
        (
            {"event_pattern": "orders"},
            r"event_pattern must be an events.EventPattern or a dict with string keys, "
            r"got 'orders'$",
        ),
        ({"event_pattern": {"sauce": ["x"]}}, r"event_pattern may only match the event fields"),
        ({"event_pattern": {"source": "orders"}}, r"non-empty list of matchers .*at 'source'"),
        ({"event_pattern": {"detail": {"a": []}}}, r"at 'detail.a'"),
        (
            {"event_pattern": {"source": ["x" * 5000]}},
            r"event_pattern must be at most 4096 characters",
        ),
        ({"retry_attempts": 3}, r"retry_attempts must be between 0 and 2"),
        ({"max_event_age": Duration.seconds(30)}, r"max_event_age must be between 60 and 21600"),
        ({"max_event_age": 3600}, r"max_event_age must be an aws_cdk.Duration"),
        ({"delivery_retry_attempts": -1}, r"delivery_retry_attempts must be between 0 and 185"),
        (
            {"delivery_max_event_age": Duration.hours(25)},
            r"delivery_max_event_age must be between 60 and 86400",
        ),
        ({"errors_threshold": 0}, r"errors_threshold must be between 1 and 1000000"),
        ({"rule_name": "orders rule"}, r"rule_name must be 1-64 characters"),
        ({"rule_name": "x" * 65}, r"rule_name must be 1-64 characters"),
        ({"account_concurrency_quota": 5}, r"account_concurrency_quota must be between 10"),
        ({"concurrency_alarm_ratio": 1.5}, r"concurrency_alarm_ratio must be between 0.1 and 1"),
        ({"dead_letter_queue": "central"}, r"dead_letter_queue must be an SQS queue ARN"),
        (
            {"dead_letter_queue": 42},
            r"dead_letter_queue must be a paved_road.CentralDeadLetterQueue, an sqs.IQueue, "
            r"a string or None, got 42$",
        ),
        (
            {"dead_letter_queue": "arn:aws:sqs:eu-west-1:111122223333:failed.fifo"},
            r"dead_letter_queue must be a standard queue",
        ),
    ],
)
def test_invalid_props_raise_paved_road_error(
    stack: Stack, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(PavedRoadError, match=r"EventConsumer 'Test/Orders': .*" + message):
        consumer(stack, **kwargs)


def test_fifo_queue_object_is_rejected(stack: Stack) -> None:
    fifo = sqs.Queue(stack, "Fifo", fifo=True)
    with pytest.raises(PavedRoadError, match=r"dead_letter_queue must be a standard queue"):
        consumer(stack, dead_letter_queue=fifo)


def test_queue_in_another_region_is_rejected() -> None:
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "Test", env=Environment(account="111122223333", region="eu-west-1"))
    with pytest.raises(PavedRoadError, match=r"must be in the stack's Region \(eu-west-1\)"):
        consumer(stack, dead_letter_queue="arn:aws:sqs:us-east-1:999988887777:central")


def test_function_choice_is_validated(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"existing_function/function_props exactly one"):
        EventConsumer(stack, "A", event_pattern=PATTERN)
    fn = GovernedFunction(stack, "Fn", **PROPS)
    with pytest.raises(PavedRoadError, match=r"exactly one must be given, got 'both'"):
        EventConsumer(stack, "B", event_pattern=PATTERN, existing_function=fn, function_props=PROPS)
    tenant_fn = TenantIsolatedFunction(stack, "Tenant", **PROPS)
    with pytest.raises(PavedRoadError, match=r"must not be a tenant-isolated function"):
        EventConsumer(stack, "C", event_pattern=PATTERN, existing_function=tenant_fn)


# ------------------------------------------------------------------ CentralDeadLetterQueue


def test_central_queue_policy_is_scoped_to_the_organization_and_accounts(stack: Stack) -> None:
    central = CentralDeadLetterQueue(
        stack, "Central", organization_id="o-a1b2c3d4e5", accounts=["444455556666"]
    )
    tpl = template(stack)
    tpl.has_resource_properties(
        "AWS::SQS::Queue",
        {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 1209600},
    )
    statements = queue_policy_statements(stack)
    allows = [s for s in statements if s["Effect"] == "Allow"]
    for statement in allows:
        principal = statement["Principal"]
        assert statement["Action"] == "sqs:SendMessage"
        if principal in ("*", {"AWS": "*"}):
            assert statement["Condition"] == {
                "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}
            }
        elif principal == {"Service": "events.amazonaws.com"}:
            assert "aws:SourceOrgID" in json.dumps(statement["Condition"]) or (
                "aws:SourceAccount" in json.dumps(statement["Condition"])
            )
        else:
            assert "444455556666" in json.dumps(principal)
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    assert central.organization_id == "o-a1b2c3d4e5"


def test_central_queue_alarms_and_redrive_output(stack: Stack) -> None:
    central = CentralDeadLetterQueue(stack, "Central", accounts=["444455556666"])
    tpl = template(stack)
    tpl.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "ApproximateNumberOfMessagesVisible", "Threshold": 1},
    )
    tpl.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "ApproximateAgeOfOldestMessage", "Threshold": 907200},
    )
    outputs = tpl.find_outputs("*")
    assert len(outputs) == 1
    text = json.dumps(next(iter(outputs.values()))["Value"])
    assert "paved-road redrive --dlq" in text and "--reinvoke" in text
    assert "--account '<ACCOUNT_ID>'" in text
    assert len(central.alarms.all()) == 2


def test_central_queue_passes_guardrails_and_cfn_lint(tmp_path: Path) -> None:
    def build(s: Stack) -> None:
        CentralDeadLetterQueue(s, "Central", organization_id="o-a1b2c3d4e5")

    run = run_guardrails(build, tmp_path, strict=True)
    assert run.error is None, run.error
    stack = new_stack()
    build(stack)
    assert lint_errors(template(stack).to_json()) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"organization_id": "org-1"}, r"organization_id must be an AWS Organizations id"),
        ({"accounts": ["12345"]}, r"accounts\[0\] must be a 12-digit account id"),
        ({"accounts": "111122223333"}, r"accounts must be a list of strings, got '111122223333'$"),
        ({"retention_period": Duration.days(15)}, r"retention_period must be between 60"),
        (
            {"expiry_warning": Duration.days(14)},
            r"expiry_warning must be at least 60 seconds and shorter than retention_period",
        ),
        ({"alarm_threshold": 0}, r"alarm_threshold must be between 1"),
    ],
)
def test_central_queue_validation(stack: Stack, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(PavedRoadError, match=r"CentralDeadLetterQueue 'Test/Central': " + message):
        CentralDeadLetterQueue(stack, "Central", **kwargs)


# ------------------------------------------------------------------ helpers


def queue_policy_statements(stack: Stack) -> list[dict[str, Any]]:
    policies = template(stack).find_resources("AWS::SQS::QueuePolicy")
    assert len(policies) == 1
    return next(iter(policies.values()))["Properties"]["PolicyDocument"]["Statement"]


def apply_input_transformer(
    transformer: dict[str, Any], event: dict[str, Any], rule_arn: str
) -> str:
    """EventBridge's input transformation, for the subset the attribution uses: each
    variable is a top-level ``$.field`` path; a quoted ``"<var>"`` receives the JSON-escaped
    string, an unquoted ``<var>`` the JSON value; ``<aws.events.rule-arn>`` is the rule."""
    values: dict[str, Any] = {
        name: event[path.removeprefix("$.")] for name, path in transformer["InputPathsMap"].items()
    }
    values["aws.events.rule-arn"] = rule_arn

    def substitute(match: re.Match[str]) -> str:
        quoted, name = match[1] is not None, match[2]
        value = values[name]
        if quoted:  # the value becomes a JSON string: objects end up as text
            return json.dumps(value if isinstance(value, str) else json.dumps(value))
        # unquoted: objects and arrays as JSON, a string as its bare text (invalid JSON)
        return value if isinstance(value, str) else json.dumps(value)

    return re.sub(r'(")?<([a-z.\-]+)>(?(1)")', substitute, transformer["InputTemplate"])


def test_powertools_parses_the_attributed_event() -> None:
    """Handlers written for plain EventBridge events keep working: Powertools' parser
    model and data class accept the extra top-level key."""
    from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
    from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

    delivered = json.loads(
        apply_input_transformer(attribution_transformer(), SAMPLE_EVENT, RULE_ARN)
    )
    model = EventBridgeModel(**delivered)
    assert model.detail == SAMPLE_EVENT["detail"] and model.detail_type == "OrderPlaced"
    assert EventBridgeEvent(delivered).detail_type == "OrderPlaced"
    assert delivered[ATTRIBUTION_KEY]["rule"] == RULE_ARN


# ------------------------------------------------------------------ review fixes


def test_existing_version_target_gets_its_own_qualifier(stack: Stack) -> None:
    fn = lambda_.Function(
        stack, "Plain", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_13
    )
    consumer(stack, existing_function=fn.current_version)
    configs = template(stack).find_resources("AWS::Lambda::EventInvokeConfig")
    (config,) = configs.values()
    assert set(config["Properties"]["FunctionName"]) == {"Ref"}
    assert config["Properties"]["FunctionName"]["Ref"].startswith("Plain")
    qualifier = config["Properties"]["Qualifier"]
    assert qualifier["Fn::GetAtt"][0].startswith("PlainCurrentVersion")
    assert qualifier["Fn::GetAtt"][1] == "Version"


def test_existing_version_target_passes_the_async_guardrail(tmp_path: Path) -> None:
    def build(s: Stack) -> None:
        fn = GovernedFunction(s, "Fn", **PROPS, invocation=Invocation.ASYNCHRONOUS)
        consumer(s, existing_function=fn.function.current_version)

    run = run_guardrails(build, tmp_path)
    assert "PavedRoad-LambdaAsyncOnFailureDestination" not in run.rules(), run.error


def test_existing_alias_target_is_configured_on_its_name(stack: Stack) -> None:
    fn = lambda_.Function(
        stack, "Plain", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_13
    )
    prod = lambda_.Alias(stack, "Prod", alias_name="prod", version=fn.current_version)
    consumer(stack, existing_function=prod)
    template(stack).has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {"FunctionName": {"Ref": Match.string_like_regexp("Plain")}, "Qualifier": "prod"},
    )


def test_a_configuration_made_outside_paved_road_is_a_problem(stack: Stack) -> None:
    fn = lambda_.Function(
        stack,
        "Plain",
        code=CODE,
        handler="index.handler",
        runtime=lambda_.Runtime.PYTHON_3_13,
        retry_attempts=0,
    )
    with pytest.raises(PavedRoadError, match=r"already has an asynchronous invoke configuration"):
        consumer(stack, existing_function=fn)


def test_imported_function_without_role_is_a_problem(stack: Stack) -> None:
    fn = lambda_.Function.from_function_arn(
        stack, "Imported", "arn:aws:lambda:eu-west-1:111122223333:function:orders"
    )
    with pytest.raises(PavedRoadError, match=r"was imported without its execution role"):
        consumer(stack, existing_function=fn)


def test_failed_to_dlq_alarm_on_a_custom_bus_has_the_bus_dimension(stack: Stack) -> None:
    bus = events.EventBus(stack, "Bus")
    consumer(stack, event_bus=bus)
    alarms = template(stack).find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "InvocationsFailedToBeSentToDlq"}}
    )
    (alarm,) = alarms.values()
    dims = {d["Name"]: d["Value"] for d in alarm["Properties"]["Dimensions"]}
    assert set(dims) == {"EventBusName", "RuleName"}
    assert dims["EventBusName"]["Ref"].startswith("Bus")
    index, split = dims["RuleName"]["Fn::Select"]
    assert index == 2  # arn:...:rule/<bus>/<name>
    assert split["Fn::Split"][0] == "/"
    assert split["Fn::Split"][1]["Fn::GetAtt"][1] == "Arn"


def test_failed_to_dlq_alarm_on_the_default_bus_has_only_the_rule(stack: Stack) -> None:
    consumer(stack)
    alarms = template(stack).find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "InvocationsFailedToBeSentToDlq"}}
    )
    (alarm,) = alarms.values()
    (dim,) = alarm["Properties"]["Dimensions"]
    assert dim["Name"] == "RuleName" and dim["Value"]["Fn::Select"][0] == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"retry_attempts": 1.5}, r"retry_attempts must be a whole number"),
        ({"concurrency_alarm_ratio": "0.8"}, r"concurrency_alarm_ratio must be a number"),
        ({"account_concurrency_quota": "1000"}, r"account_concurrency_quota must be a whole"),
        ({"description": "x" * 513}, r"description must be at most 512 characters"),
        (
            {"event_pattern": {"source": [{"prefixx": "a"}]}},
            r"event_pattern uses an unknown matcher 'prefixx' at 'source'",
        ),
        (
            {"event_pattern": {"$or": [{"source": ["a"]}, {"account": [{}]}]}},
            r"unknown matcher '\{\}' at '\$or\[1\].account'",
        ),
    ],
)
def test_more_invalid_props(stack: Stack, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(PavedRoadError, match=message):
        consumer(stack, **kwargs)


def test_known_matchers_are_accepted(stack: Stack) -> None:
    consumer(
        stack,
        event_pattern={
            "source": [{"prefix": "shop."}],
            "detail": {
                "total": [{"numeric": [">", 100]}],
                "region": [{"anything-but": ["eu-central-1"]}],
                "coupon": [{"exists": False}],
            },
        },
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"queue_name": "dead.fifo"}, r"queue_name must be 1-80 letters"),
        ({"queue_name": "bad name!"}, r"queue_name must be 1-80 letters"),
        ({"retention_period": 1209600}, r"retention_period must be an aws_cdk.Duration"),
        ({"expiry_warning": 3600}, r"expiry_warning must be an aws_cdk.Duration"),
        ({"alarm_threshold": "5"}, r"alarm_threshold must be a whole number"),
        ({"accounts": 111122223333}, r"accounts must be a list of strings, got 111122223333$"),
    ],
)
def test_central_queue_type_and_name_validation(
    stack: Stack, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(PavedRoadError, match=r"CentralDeadLetterQueue 'Test/Central': " + message):
        CentralDeadLetterQueue(stack, "Central", **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"attribution": "yes"}, r"attribution must be True or False"),
        ({"enabled": 1}, r"enabled must be True or False"),
        ({"alarm_topic": "arn:aws:sns:eu-west-1:111122223333:ops"}, r"alarm_topic must be an sns"),
        ({"event_bus": "orders-bus"}, r"event_bus must be an events.IEventBus"),
    ],
)
def test_wrong_kinds_of_props(stack: Stack, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(PavedRoadError, match=r"EventConsumer 'Test/Orders': .*" + message):
        consumer(stack, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"redrive_output": "no"}, r"redrive_output must be True or False"),
        ({"alarm_topic": "ops"}, r"alarm_topic must be an sns.ITopic"),
        ({"removal_policy": "destroy"}, r"removal_policy must be an aws_cdk.RemovalPolicy"),
    ],
)
def test_central_queue_wrong_kinds_of_props(
    stack: Stack, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(PavedRoadError, match=r"CentralDeadLetterQueue 'Test/Central': " + message):
        CentralDeadLetterQueue(stack, "Central", **kwargs)


def test_central_queue_without_redrive_output(stack: Stack) -> None:
    CentralDeadLetterQueue(stack, "Central", redrive_output=False)
    assert template(stack).find_outputs("*") == {}


# ------------------------------------------------------------------ bad input (issue 9)


def test_central_queue_accounts_fit_the_sqs_policy_principal_limit(stack: Stack) -> None:
    # GIVEN account lists: 48 fit beside the queue's 2 other principals (46 with an org)
    ids = [f"{100000000000 + i:012d}" for i in range(49)]
    CentralDeadLetterQueue(stack, "Fits", accounts=ids[:48])
    # WHEN one more is listed THEN the 50-principal SQS quota is named
    with pytest.raises(
        PavedRoadError,
        match=r"CentralDeadLetterQueue 'Test/Central': accounts must list at most 48 accounts: "
        r"an SQS queue policy names at most 50 principals.*got '49 accounts'$",
    ):
        CentralDeadLetterQueue(stack, "Central", accounts=ids)
    with pytest.raises(PavedRoadError, match=r"at most 46 accounts.*got '47 accounts'$"):
        CentralDeadLetterQueue(stack, "Org", organization_id="o-a1b2c3d4e5", accounts=ids[:47])


def test_central_queue_expiry_warning_shows_whole_seconds(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"shorter than retention_period \(1209600 seconds\), got '1209600 seconds'$",
    ):
        CentralDeadLetterQueue(stack, "Central", expiry_warning=Duration.days(14))


def test_central_queue_default_expiry_warning_is_whole_seconds(stack: Stack) -> None:
    # GIVEN a retention whose three quarters are not whole seconds (3,601 s x 0.75)
    CentralDeadLetterQueue(stack, "Central", retention_period=Duration.seconds(3601))
    # THEN the age alarm is at 2,700 s (Duration.to_seconds() would throw on 2,700.75)
    template(stack).has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "ApproximateAgeOfOldestMessage", "Threshold": 2700},
    )


@pytest.mark.parametrize("prop", ["account_concurrency_quota", "concurrency_alarm_ratio"])
def test_account_concurrency_alarm_needs_literal_numbers(stack: Stack, prop: str) -> None:
    from aws_cdk import CfnParameter

    # GIVEN a token: the alarm threshold (quota x ratio) would be computed from its encoding
    token = CfnParameter(stack, "Value", type="Number", default=1).value_as_number
    with pytest.raises(
        PavedRoadError,
        match=rf"EventConsumer 'Test/Orders': {prop} must be a literal number, not a token: "
        r"the alarm threshold \(quota x ratio\) is computed at synth time, got a token$",
    ):
        consumer(stack, **{prop: token})


def test_synchronous_existing_function_says_what_it_must_be(stack: Stack) -> None:
    fn = GovernedFunction(stack, "Fn", invocation=Invocation.SYNCHRONOUS, **PROPS)
    with pytest.raises(
        PavedRoadError,
        match=r"EventConsumer 'Test/Orders': existing_function must be declared "
        r"Invocation.ASYNCHRONOUS \(or leave invocation out\): EventConsumer invokes it "
        r"asynchronously, but it is declared SYNCHRONOUS .*got 'Test/Fn'$",
    ):
        consumer(stack, existing_function=fn)
