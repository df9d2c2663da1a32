"""Specs: EventConsumer, CentralDeadLetterQueue, ScheduledFunction, CentralEventBus,
EventBusForwarder (asynchronous invocation and cross-account event transport)."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import CfnParameter, Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from hypothesis import strategies as st

from paved_road import (
    CentralDeadLetterQueue,
    CentralEventBus,
    EventBusForwarder,
    EventConsumer,
    GovernedFunction,
    Invocation,
    ScheduledFunction,
)
from paved_road.tenancy import TenantIsolatedFunction
from tests.unit.props.common import (
    blank,
    fractional,
    function_props,
    inside,
    number_token,
    outside,
    seconds_inside,
    seconds_outside,
    topic,
)
from tests.unit.props.framework import Bad, Make, Spec

ORG = "o-exampleorgid1"
BUS_ARN = "arn:aws:events:us-east-1:111122223333:event-bus/central-activity"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:111122223333:central-dead-letters"

# ------------------------------------------------------------------ shared values


def string_token(name: str, default: str) -> Make:
    """A string token (a CloudFormation parameter with a default)."""

    def make(scope: Construct) -> Any:
        existing = scope.node.try_find_child(name)
        param = existing or CfnParameter(scope, name, type="String", default=default)
        return param.value_as_string  # type: ignore[union-attr]

    return Make(make, f"token({default!r})")


def _queue(id: str, **props: Any) -> Make:
    def make(scope: Construct) -> sqs.Queue:
        return sqs.Queue(
            scope, id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, **props
        )

    return Make(make, f"sqs.Queue({id})")


def _function(id: str, **props: Any) -> Make:
    return Make(lambda scope: GovernedFunction(scope, id, **function_props(), **props), id)


def _tenant_function(id: str) -> Make:
    return Make(lambda scope: TenantIsolatedFunction(scope, id, **function_props()), id)


def _central_queue(scope: Construct) -> CentralDeadLetterQueue:
    return CentralDeadLetterQueue(scope, "Central", organization_id=ORG)


def _shown_dict(value: dict[str, Any]) -> Bad:
    """A bad dict prop (a pattern) shown by its repr after "got"."""
    return Bad(value, shows=(repr(value),))


def _too_long_pattern() -> Bad:
    pattern = {"source": ["x" * 5000]}
    return Bad(pattern, shows=(str(len(json.dumps(pattern, separators=(",", ":")))),))


def _seconds_text(n: int) -> Bad:
    """A Duration shown as "'N seconds'" (messages comparing two Durations)."""
    return Bad(Duration.seconds(n), shows=(f"'{n} seconds'",))


BAD_PATTERNS = st.one_of(
    st.sampled_from(
        [
            {},
            {"source": "orders"},
            {"source": []},
            {"detail": {"a": []}},
            {"detail": {}},
            {"sauce": ["x"]},
            {"$or": [{"source": ["a"]}]},
            {"$or": {"source": ["a"]}},
            {"source": [{"prefixx": "a"}]},
            {"source": [{}]},
            {"source": [{"prefix": "a", "suffix": "b"}]},
        ]
    ).map(_shown_dict),
    st.just(None).map(lambda _: _too_long_pattern()),
)
"""Patterns EventBridge rejects: empty, a leaf that is not a non-empty list, an unknown
top-level field or matcher, a one-clause ``$or``, more than 4,096 characters."""

VALID_PATTERNS = st.sampled_from(
    [
        {"source": ["orders"]},
        {"source": ["orders"], "detail-type": ["OrderPlaced", "OrderCancelled"]},
        {"$or": [{"source": ["orders"]}, {"detail-type": ["Refund"]}]},
        {"source": [{"prefix": "shop."}], "detail": {"total": [{"numeric": [">", 100]}]}},
        {"detail": {"region": [{"anything-but": ["eu-central-1"]}], "coupon": [{"exists": False}]}},
    ]
).map(dict) | st.just(None).map(
    lambda _: events.EventPattern(source=["orders"], detail_type=["OrderPlaced"])
)

BAD_DEAD_LETTER_QUEUES = st.sampled_from(
    [
        "",
        "central",
        "arn:aws:sqs:x",
        "arn:aws:sns:eu-west-1:111122223333:central",
        "arn:aws:sqs:eu-west-1:1111:central",
        "arn:aws:sqs:eu-west-1:111122223333:dead.fifo",
        "arn:aws:sqs:eu-west-1:111122223333:bad name",
    ]
)
VALID_DEAD_LETTER_QUEUES = st.sampled_from(
    [
        QUEUE_ARN,
        Make(_central_queue, "CentralDeadLetterQueue"),
        _queue("GivenDlq"),
    ]
)

SYNC_FUNCTION_PROPS = Bad(
    {**function_props(), "invocation": Invocation.SYNCHRONOUS},
    prop="function_props.invocation",
    shows=("'SYNCHRONOUS'",),
)


def _function_conflicts(kind: str) -> tuple[tuple[Any, str], ...]:
    """The function choice of an asynchronously invoked construct (base: function_props)."""
    return (
        (lambda: {"existing_function": _function("Given")}, "existing_function/function_props"),
        (lambda: {"function_props": None}, "existing_function/function_props"),
        (
            lambda: {
                "function_props": None,
                "existing_function": _function("Sync", invocation=Invocation.SYNCHRONOUS),
            },
            "existing_function",
        ),
        (
            lambda: {"function_props": None, "existing_function": _tenant_function("Tenant")},
            "existing_function",
        ),
    )


# ------------------------------------------------------------------ EventConsumer


def _event_consumer_base() -> dict[str, Any]:
    return {"event_pattern": {"source": ["orders"]}, "function_props": function_props()}


EVENT_CONSUMER = Spec(
    kind="EventConsumer",
    cls=EventConsumer,
    base=_event_consumer_base,
    invalid={
        "event_pattern": BAD_PATTERNS,
        "function_props": st.just(SYNC_FUNCTION_PROPS),
        "dead_letter_queue": BAD_DEAD_LETTER_QUEUES,
        "max_event_age": seconds_outside(60, 6 * 3600),
        "retry_attempts": st.one_of(outside(0, 2), fractional(0, 2)),
        "delivery_max_event_age": seconds_outside(60, 86400),
        "delivery_retry_attempts": st.one_of(outside(0, 185), fractional(0, 185)),
        "rule_name": st.one_of(
            blank,
            st.sampled_from(["orders rule", "orders/rule", "règle", "x" * 65]),
        ),
        "description": st.integers(min_value=513, max_value=600).map(lambda n: "d" * n),
        "errors_threshold": st.one_of(outside(1, 1_000_000), fractional(1, 100)),
        "account_concurrency_quota": st.one_of(
            outside(10, 10_000_000),
            fractional(10, 10_000),
            st.just(Bad(number_token(1000), shows=("a token",))),
        ),
        "concurrency_alarm_ratio": st.one_of(
            st.floats(min_value=-10, max_value=0.0999),
            st.floats(min_value=1.0001, max_value=100),
            st.sampled_from([0, 2, float("inf")]),
            st.just(Bad(number_token(0.8), shows=("a token",))),
        ),
    },
    valid={
        "event_pattern": VALID_PATTERNS,
        "event_bus": st.just(Make(lambda s: events.EventBus(s, "Bus"), "events.EventBus")),
        "dead_letter_queue": VALID_DEAD_LETTER_QUEUES,
        "max_event_age": seconds_inside(60, 6 * 3600),
        "retry_attempts": st.one_of(inside(0, 2), st.just(number_token(1))),
        "delivery_max_event_age": seconds_inside(60, 86400),
        "delivery_retry_attempts": st.one_of(inside(0, 185), st.just(number_token(10))),
        "attribution": st.booleans(),
        "rule_name": st.from_regex(r"\A[.\-_A-Za-z0-9]{1,64}\Z"),
        "description": st.text(alphabet="abcdefghij -.,", min_size=1, max_size=512),
        "enabled": st.booleans(),
        "errors_threshold": st.one_of(inside(1, 100), st.just(number_token(2))),
        "account_concurrency_quota": st.one_of(st.none(), inside(10, 100_000)),
        "concurrency_alarm_ratio": st.floats(min_value=0.1, max_value=1.0),
        "alarm_topic": st.just(topic()),
    },
    conflicts=_function_conflicts("EventConsumer"),
)

# ------------------------------------------------------------------ CentralDeadLetterQueue

ACCOUNTS = st.lists(st.from_regex(r"\A[0-9]{12}\Z"), min_size=1, max_size=4, unique=True)

CENTRAL_DEAD_LETTER_QUEUE = Spec(
    kind="CentralDeadLetterQueue",
    cls=CentralDeadLetterQueue,
    base=dict,
    invalid={
        "organization_id": st.one_of(
            blank,
            st.sampled_from(["org-1", "o-SHORT", "o-abc", "o-" + "a" * 33, "o-ABCDEFGHIJ"]),
        ),
        "accounts": st.sampled_from(["12345", "", "11112222333a", "1111222233334"]).map(
            lambda a: Bad(["444455556666", a], prop="accounts[1]", shows=(repr(a),))
        )
        | st.integers(min_value=49, max_value=60).map(
            lambda n: Bad(
                [f"{i:012d}" for i in range(1, n + 1)], prop="accounts", shows=(f"'{n} accounts'",)
            )
        ),
        "queue_name": st.one_of(
            blank, st.sampled_from(["dead.fifo", "bad name!", "x" * 81, "dead/letters"])
        ),
        "retention_period": seconds_outside(60, 14 * 86400),
        "expiry_warning": st.one_of(
            st.integers(min_value=0, max_value=59),
            st.integers(min_value=14 * 86400, max_value=10**7),
        ).map(_seconds_text),
        "alarm_threshold": st.one_of(outside(1, 1_000_000), fractional(1, 100)),
    },
    valid={
        "organization_id": st.from_regex(r"\Ao-[a-z0-9]{10,32}\Z"),
        "accounts": ACCOUNTS,
        "queue_name": st.from_regex(r"\A[A-Za-z0-9_-]{1,80}\Z"),
        # longer than every valid expiry_warning: any combination is valid
        "retention_period": seconds_inside(3600, 14 * 86400),
        "expiry_warning": seconds_inside(60, 3599),
        "alarm_threshold": st.one_of(inside(1, 1000), st.just(number_token(5))),
        "alarm_topic": st.just(topic()),
        "removal_policy": st.sampled_from([RemovalPolicy.RETAIN, RemovalPolicy.DESTROY]),
        "redrive_output": st.booleans(),
    },
    conflicts=(
        (
            lambda: {"retention_period": Duration.hours(1), "expiry_warning": Duration.hours(2)},
            "expiry_warning",
        ),
    ),
)

# ------------------------------------------------------------------ ScheduledFunction


def _scheduled_function_base() -> dict[str, Any]:
    return {"schedule": "cron(0 2 * * ? *)", "function_props": function_props()}


SCHEDULED_FUNCTION = Spec(
    kind="ScheduledFunction",
    cls=ScheduledFunction,
    base=_scheduled_function_base,
    invalid={
        "schedule": st.one_of(
            blank,
            st.sampled_from(
                [
                    "every 5 minutes",
                    "rate(5 minute)",
                    "rate(1 minutes)",
                    "rate(0 minutes)",
                    "rate(5 weeks)",
                    "cron(0 8 * * *)",
                    "cron(0 8 * * * *)",
                    "cron(0 8 ? * ? *)",
                    "cron(0 8 32 * ? *)",
                    "cron(60 8 * * ? *)",
                    "cron(0 24 * * ? *)",
                    "cron(0 8 * 13 ? *)",
                    "cron(0 8 ? * FOO *)",
                    "cron(0/0 8 * * ? *)",
                    "cron(0 8 * * ? 1800)",
                    "at(2026-13-45T25:61:00)",
                    "at(2026-02-30T09:00:00)",
                    "at(tomorrow)",
                ]
            ),
        ),
        "function_props": st.just(SYNC_FUNCTION_PROPS),
        "flexible_window": st.one_of(
            st.just(Bad(Duration.minutes(0), shows=("0",))),
            st.integers(min_value=1441, max_value=10_000).map(
                lambda m: Bad(Duration.minutes(m), shows=(str(m),))
            ),
            st.sampled_from([90, 61, 3599]).map(
                lambda s: Bad(
                    Duration.seconds(s), shows=(repr(Duration.seconds(s).to_human_string()),)
                )
            ),
        ),
        "exact_timing": blank,
        "time_zone": st.one_of(
            blank, st.sampled_from(["Berlin time", "Europe/Berlinn", "+01:00", "CEST"])
        ),
        "scatter_key": st.just(""),
        "input": st.sampled_from(
            [
                Bad(
                    {"a": float("nan")},
                    prop="ScheduledFunction 'Test/Subject': input['a']",
                    shows=("nan",),
                ),
                Bad(
                    {"a": [1, float("inf")]},
                    prop="ScheduledFunction 'Test/Subject': input['a'][1]",
                    shows=("inf",),
                ),
                Bad(
                    {"a": {"b": object()}},
                    prop="ScheduledFunction 'Test/Subject': input['a']['b']",
                    shows=("an object",),
                ),
                Bad(
                    {"when": Duration.minutes(5)},
                    prop="ScheduledFunction 'Test/Subject': input['when']",
                    shows=("a Duration",),
                ),
            ]
        ),
        "dead_letter_queue": BAD_DEAD_LETTER_QUEUES,
        "delivery_retry_attempts": st.one_of(outside(0, 185), fractional(0, 185)),
        "delivery_max_event_age": seconds_outside(60, 86400),
        "retry_attempts": st.one_of(outside(0, 2), fractional(0, 2)),
        "max_event_age": seconds_outside(60, 6 * 3600),
        "description": st.integers(min_value=513, max_value=600).map(lambda n: "d" * n),
        "errors_threshold": st.one_of(outside(1, 1_000_000), fractional(1, 100)),
    },
    valid={
        # periods of at least 12 hours: every valid flexible_window fits
        "schedule": st.sampled_from(
            [
                "cron(0 2 * * ? *)",
                "cron(30 8 ? * MON-FRI *)",
                "cron(15 3 1 * ? *)",
                "cron(0 8 ? * MON#2 *)",
                "rate(12 hours)",
                "rate(1 day)",
                "at(2030-06-01T09:00:00)",
            ]
        ),
        "input": st.dictionaries(
            st.from_regex(r"\A[a-z]{1,8}\Z"),
            st.one_of(
                st.integers(-1000, 1000),
                # BMP only: cfn-lint's JSON reader rejects escaped surrogate pairs
                st.text(
                    st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"]), max_size=10
                ),
                st.booleans(),
                st.none(),
            ),
            max_size=3,
        ),
        "time_zone": st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
        "flexible_window": inside(1, 720).map(Duration.minutes),
        "scatter": st.booleans(),
        "scatter_key": st.from_regex(r"\A[a-z0-9-]{1,20}\Z"),
        "dead_letter_queue": VALID_DEAD_LETTER_QUEUES,
        "delivery_retry_attempts": st.one_of(inside(0, 185), st.just(number_token(10))),
        "delivery_max_event_age": seconds_inside(60, 86400),
        "retry_attempts": st.one_of(inside(0, 2), st.just(number_token(1))),
        "max_event_age": seconds_inside(60, 6 * 3600),
        "schedule_group": st.just(
            Make(lambda s: scheduler.ScheduleGroup(s, "Group"), "scheduler.ScheduleGroup")
        ),
        "description": st.text(alphabet="abcdefghij -.,", min_size=1, max_size=512),
        "enabled": st.booleans(),
        "errors_threshold": st.one_of(inside(1, 100), st.just(number_token(2))),
        "alarm_topic": st.just(topic()),
    },
    conflicts=(
        *_function_conflicts("ScheduledFunction"),
        (
            lambda: {"exact_timing": "month-end cut-off", "flexible_window": Duration.minutes(5)},
            "flexible_window",
        ),
        (
            lambda: {"schedule": "rate(5 minutes)", "flexible_window": Duration.minutes(10)},
            "flexible_window",
        ),
        (lambda: {"schedule": "rate(7 minutes)"}, "schedule"),
        (lambda: {"schedule": "rate(2 days)", "scatter": True}, "schedule"),
    ),
)

# ------------------------------------------------------------------ CentralEventBus


def _fitting_accounts(n: int) -> list[str]:
    return [f"{i:012d}" for i in range(1, n + 1)]


CENTRAL_EVENT_BUS = Spec(
    kind="CentralEventBus",
    cls=CentralEventBus,
    base=lambda: {"organization_id": ORG},
    invalid={
        "organization_id": st.one_of(
            blank, st.sampled_from(["org-1", "o-SHORT", "o-abc", "o-" + "a" * 33])
        ),
        "source_accounts": st.one_of(
            st.sampled_from(["12345", "", "11112222333a"]).map(
                lambda a: Bad(["444455556666", a], prop="source_accounts[1]", shows=(repr(a),))
            ),
            st.just(
                Bad(
                    ["444455556666", "444455556666"],
                    shows=("['444455556666', '444455556666']",),
                )
            ),
            st.integers(min_value=60, max_value=80).map(
                lambda n: Bad(_fitting_accounts(n), shows=(f"'{n} accounts'",))
            ),
        ),
        "event_bus_name": st.one_of(
            blank,
            st.sampled_from(["bad name", "default", "x" * 257, "central/activity", "bus!"]),
        ),
        "priority_events": st.sampled_from(
            [
                Bad({}, shows=("{}",)),
                Bad({"iam": None}, prop="priority_events key", shows=("'iam'",)),
                Bad(
                    {"IAM.amazonaws.com": None},
                    prop="priority_events key",
                    shows=("'IAM.amazonaws.com'",),
                ),
                Bad(
                    {"ec2.amazonaws.com": []},
                    prop="CentralEventBus 'Test/Subject': priority_events['ec2.amazonaws.com']",
                    shows=("[]",),
                ),
                Bad(
                    {"ec2.amazonaws.com": ["Create SecurityGroup"]},
                    prop="CentralEventBus 'Test/Subject': priority_events['ec2.amazonaws.com']",
                    shows=("['Create SecurityGroup']",),
                ),
                Bad(
                    {"iam.amazonaws.com": ["x" * 129]},
                    prop="CentralEventBus 'Test/Subject': priority_events['iam.amazonaws.com']",
                    shows=(repr(["x" * 129]),),
                ),
            ]
        ),
        "priority_target": st.sampled_from(
            [
                Bad(_queue("Fifo", fifo=True), shows=("'Test/Fifo'",)),
                Bad(_function("Sync", invocation=Invocation.SYNCHRONOUS), shows=("'Test/Sync'",)),
                Bad(_tenant_function("Tenant"), shows=("'Test/Tenant'",)),
            ]
        ),
        "standard_target": st.sampled_from(
            [
                Bad(_queue("Fifo", fifo=True), shows=("'Test/Fifo'",)),
                Bad(
                    _function("Sync", invocation=Invocation.EVENT_SOURCE_MAPPING),
                    shows=("'Test/Sync'",),
                ),
            ]
        ),
        "retry_attempts": st.one_of(outside(0, 185), fractional(0, 185)),
        "max_event_age": seconds_outside(60, 86400),
        "function_retry_attempts": st.one_of(outside(0, 2), fractional(0, 2)),
        "function_max_event_age": seconds_outside(60, 6 * 3600),
        "max_receive_count": st.one_of(outside(1, 1000), fractional(1, 1000)),
        "queue_retention": st.one_of(
            st.integers(min_value=1, max_value=59),
            st.integers(min_value=14 * 86400, max_value=10**7),
        ).map(_seconds_text),
        "visibility_timeout": seconds_outside(0, 12 * 3600),
        "priority_age_threshold": seconds_outside(60, 14 * 86400),
    },
    valid={
        "source_accounts": ACCOUNTS,
        "event_bus_name": st.from_regex(r"\A[.\-_A-Za-z0-9]{1,64}\Z").filter(
            lambda n: n != "default"
        ),
        "priority_events": st.sampled_from(
            [
                {"iam.amazonaws.com": None},
                {"ec2.amazonaws.com": ["CreateSecurityGroup"], "kms.amazonaws.com": None},
                {
                    "iam.amazonaws.com": None,
                    "kms.amazonaws.com": ("DisableKey", "ScheduleKeyDeletion"),
                },
            ]
        ),
        "priority_target": st.sampled_from(
            [_queue("PriorityTarget"), _function("PriorityFunction")]
        ),
        "standard_target": st.sampled_from(
            [_queue("StandardTarget"), _function("StandardFunction")]
        ),
        "retry_attempts": st.one_of(inside(0, 185), st.just(number_token(10))),
        "max_event_age": seconds_inside(60, 86400),
        "function_retry_attempts": st.one_of(inside(0, 2), st.just(number_token(1))),
        "function_max_event_age": seconds_inside(60, 6 * 3600),
        "max_receive_count": st.one_of(inside(1, 1000), st.just(number_token(5))),
        "queue_retention": seconds_inside(60, 14 * 86400 - 1),
        "visibility_timeout": seconds_inside(0, 12 * 3600),
        "priority_age_threshold": seconds_inside(60, 14 * 86400),
        "alarm_topic": st.just(topic()),
        "removal_policy": st.sampled_from([RemovalPolicy.RETAIN, RemovalPolicy.DESTROY]),
    },
    conflicts=(
        (lambda: {"organization_id": None}, "organization_id/source_accounts"),
        (
            lambda: {"event_bus_name": "x" * 256, "source_accounts": _fitting_accounts(40)},
            "source_accounts",
        ),
    ),
)

# ------------------------------------------------------------------ EventBusForwarder

EVENT_BUS_FORWARDER = Spec(
    kind="EventBusForwarder",
    cls=EventBusForwarder,
    base=lambda: {"central_bus_arn": BUS_ARN},
    invalid={
        "central_bus_arn": st.one_of(
            blank,
            st.sampled_from(
                [
                    "central-activity",
                    "arn:aws:sqs:us-east-1:111122223333:queue",
                    "arn:aws:events:us-east-1:1111:event-bus/central",
                    "arn:aws:events:us-east-1:111122223333:event-bus/",
                    "arn:aws:events:us-east-1:111122223333:event-bus/bad name",
                    "arn:aws:events:us-east-1:111122223333:rule/central",
                    "arn:aws:events:useast1:111122223333:event-bus/central",
                ]
            ),
        ),
        "event_pattern": BAD_PATTERNS,
    },
    valid={
        "central_bus_arn": st.sampled_from(
            [
                BUS_ARN,
                "arn:aws:events:eu-west-1:444455556666:event-bus/activity.central_1",
                "arn:aws-us-gov:events:us-gov-west-1:444455556666:event-bus/central",
                string_token("CentralBusArn", BUS_ARN),
            ]
        ),
        "event_pattern": VALID_PATTERNS | st.none(),
        "event_bus": st.just(Make(lambda s: events.EventBus(s, "SourceBus"), "events.EventBus")),
        "include_read_only_management_events": st.booleans(),
        "allow_cross_region": st.booleans(),
        "alarm_topic": st.just(topic()),
        "removal_policy": st.sampled_from([RemovalPolicy.RETAIN, RemovalPolicy.DESTROY]),
    },
)

SPECS = (
    EVENT_CONSUMER,
    CENTRAL_DEAD_LETTER_QUEUE,
    SCHEDULED_FUNCTION,
    CENTRAL_EVENT_BUS,
    EVENT_BUS_FORWARDER,
)
