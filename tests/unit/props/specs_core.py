"""Specs: GovernedFunction, QueueConsumer, ClaimCheck, ProgressiveDelivery-free delivery
props (through GovernedFunction)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Size
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from hypothesis import strategies as st

from paved_road import (
    ClaimCheck,
    Criticality,
    GovernedFunction,
    Invocation,
    ProvisionedConcurrency,
    QueueConsumer,
    TrafficShift,
)
from tests.unit.props.common import (
    INLINE,
    TEXT,
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

GOVERNED_FUNCTION = Spec(
    kind="GovernedFunction",
    cls=GovernedFunction,
    base=function_props,
    invalid={
        "memory_size": st.one_of(outside(128, 10240), fractional(128, 10240)),
        "timeout": st.one_of(
            seconds_outside(1, 900),
            st.just(Bad(Duration.millis(1500), shows=("'1500 ms'",))),
        ),
        "handler": st.one_of(
            blank,
            st.sampled_from(["index handler", "index.handler\n"]),
            st.just(Bad("h" * 129, shows=("'" + "h" * 50,))),
        ),
        "log_level": st.sampled_from(["", "VERBOSE", "warning", "INFO "]),
        "system_log_level": st.sampled_from(["", "TRACE", "ERROR", "verbose"]),
        "reserved_concurrent_executions": outside(0, None),
        "keep_versions": outside(1, 100),
        "service_name": blank,
        "powertools_layer_version": outside(1, None),
        "runtime_version_arn": st.sampled_from(
            ["arn:aws:lambda:eu-west-1::runtime:abc", "python3.14", ""]
        ),
        "acknowledge_deprecated_runtime": blank,
        "environment": st.sampled_from(
            [
                Bad({"A": "x"}, shows=("'A'",)),
                Bad({"1X": "x"}, shows=("'1X'",)),
                Bad({"MY-VAR": "x"}, shows=("'MY-VAR'",)),
                Bad({"AWS_REGION": "eu-west-1"}, shows=("'AWS_REGION'",)),
                # 4,103 bytes + the POWERTOOLS_* variables of a function named Subject (89)
                Bad({"BIG": "x" * 4100}, shows=("4192",)),
            ]
        ),
    },
    valid={
        "memory_size": st.one_of(inside(128, 10240), st.just(number_token(512))),
        "timeout": seconds_inside(1, 900),
        # CRITICAL needs runtime_version_arn (MANUAL runtime management): a conflict case
        "criticality": st.sampled_from([Criticality.IMPORTANT, Criticality.STANDARD]),
        "architecture": st.just(lambda_.Architecture.ARM_64),
        "log_level": st.sampled_from(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]),
        "system_log_level": st.sampled_from(["DEBUG", "INFO", "WARN"]),
        "log_retention": st.sampled_from(
            [logs.RetentionDays.ONE_WEEK, logs.RetentionDays.ONE_MONTH]
        ),
        "log_removal_policy": st.sampled_from([RemovalPolicy.RETAIN, RemovalPolicy.DESTROY]),
        "reserved_concurrent_executions": inside(1, 100),
        "invocation": st.sampled_from(list(Invocation)),
        "keep_versions": st.one_of(st.none(), inside(1, 100)),
        "environment": st.dictionaries(
            st.from_regex(r"\A[A-Z][A-Z0-9_]{1,10}\Z").filter(lambda k: not k.startswith("AWS_")),
            st.text(TEXT, max_size=20),
            max_size=3,
        ),
        "description": st.text(TEXT, min_size=1, max_size=100).filter(str.strip),
        "deployment": st.sampled_from(
            [TrafficShift.none(), TrafficShift.all_at_once(), TrafficShift.canary(10, 5)]
        ),
    },
    conflicts=(
        (lambda: {"architecture": lambda_.Architecture.X86_64}, "architecture"),
        (lambda: {"criticality": Criticality.CRITICAL}, "runtime_version_arn"),
        (
            lambda: {"runtime": lambda_.Runtime.PYTHON_3_9},
            "runtime",
        ),
        (
            lambda: {
                "provisioned_concurrency": ProvisionedConcurrency(1, 5),
                "reserved_concurrent_executions": 2,
            },
            "provisioned_concurrency",
        ),
    ),
)


def _queue_consumer_base() -> dict[str, object]:
    return {"queue_props": sqs.QueueProps(), "function_props": function_props()}


QUEUE_CONSUMER = Spec(
    kind="QueueConsumer",
    cls=QueueConsumer,
    base=_queue_consumer_base,
    invalid={
        "max_receive_count": st.one_of(outside(1, 1000), fractional(1, 1000)),
        "batch_size": outside(1, 10_000),
        "max_batching_window": seconds_outside(0, 300),
        "max_concurrency": outside(2, 1000),
        "errors_threshold": outside(1, 1_000_000),
        "oldest_message_age_threshold": seconds_outside(60, 14 * 86400),
        "filters": st.one_of(
            st.lists(st.just({"body": {"type": ["order"]}}), min_size=6, max_size=8).map(
                lambda f: Bad(f, shows=(str(len(f)),))
            ),
            st.just(Bad([{"body": {"a": ["b"]}}] * 2, prop="filters[1]", shows=("{'body'",))),
            st.just(Bad([{"body": {"a": "b"}}], prop="filters[0]", shows=("{'body'",))),
        ),
        "queue_props": st.sampled_from(
            [
                Bad(
                    sqs.QueueProps(retention_period=Duration.seconds(30)),
                    "queue_props.retention_period",
                    ("30",),
                ),
                Bad(
                    sqs.QueueProps(max_message_size_bytes=512),
                    "queue_props.max_message_size_bytes",
                    ("512",),
                ),
                Bad(
                    sqs.QueueProps(max_message_size_bytes=2 * 1024 * 1024),
                    "queue_props.max_message_size_bytes",
                    ("2097152",),
                ),
                Bad(sqs.QueueProps(enforce_ssl=False), "queue_props.enforce_ssl", ("False",)),
                Bad(
                    sqs.QueueProps(encryption=sqs.QueueEncryption.UNENCRYPTED),
                    "queue_props.encryption",
                    ("UNENCRYPTED", "'UNENCRYPTED'"),
                ),
                Bad(
                    sqs.QueueProps(visibility_timeout=Duration.seconds(10)),
                    "queue_props.visibility_timeout",
                    ("10", "'10 seconds'"),
                ),
            ]
        ),
    },
    valid={
        "max_receive_count": st.one_of(inside(1, 1000), st.just(number_token(3))),
        "batch_size": inside(1, 10),
        "max_batching_window": st.one_of(st.none(), seconds_inside(1, 300)),
        "max_concurrency": st.one_of(st.none(), inside(2, 1000)),
        "errors_threshold": inside(1, 100),
        "oldest_message_age_threshold": seconds_inside(60, 86400),
        "esm_metrics": st.booleans(),
        "enabled": st.booleans(),
        "alarm_topic": st.just(topic()),
        "filters": st.lists(
            st.sampled_from(["order", "refund", "return"]).map(
                lambda kind: {"body": {"type": [kind]}}
            ),
            max_size=3,
            unique_by=lambda f: f["body"]["type"][0],
        ),
    },
    conflicts=(
        (
            lambda: {
                "existing_queue": Make(
                    lambda s: sqs.Queue.from_queue_arn(
                        s, "Given", "arn:aws:sqs:eu-west-1:111122223333:orders"
                    ),
                    "queue",
                )
            },
            "existing_queue/queue_props",
        ),
        (
            lambda: {"existing_function": Make(_imported_function, "function")},
            "existing_function/function_props",
        ),
        (lambda: {"batch_size": 100}, "batch_size"),
    ),
)


def _imported_function(scope: object) -> lambda_.IFunction:
    return lambda_.Function.from_function_arn(
        scope,  # type: ignore[arg-type]
        "Given",
        "arn:aws:lambda:eu-west-1:111122223333:function:orders",
    )


CLAIM_CHECK = Spec(
    kind="ClaimCheck",
    cls=ClaimCheck,
    base=dict,
    invalid={
        "threshold": st.sampled_from([0, 1024 * 1024 + 1, 2 * 1024 * 1024]).map(
            lambda n: Bad(Size.bytes(n), shows=(str(n),))
        ),
        "expiration": st.one_of(
            st.integers(min_value=366, max_value=2000).map(
                lambda d: Bad(Duration.days(d), shows=(str(d),))
            ),
            st.just(Bad(Duration.days(0), shows=("0",))),
            st.just(Bad(Duration.hours(36), shows=("'129600 seconds'",))),
        ),
        "key_prefix": st.one_of(
            blank,
            st.sampled_from(["/claims/", "claims", "claims/*", "a//b/", "./"]),
            st.just(Bad("a" * 513 + "/", shows=("514",))),
        ),
    },
    valid={
        "threshold": st.integers(min_value=1024, max_value=1024 * 1024).map(Size.bytes),
        "expiration": st.integers(min_value=1, max_value=365).map(Duration.days),
        "key_prefix": st.from_regex(r"\A[a-z0-9-]{1,20}/\Z"),
        "removal_policy": st.sampled_from([RemovalPolicy.RETAIN, RemovalPolicy.DESTROY]),
    },
)

SPECS = (GOVERNED_FUNCTION, QUEUE_CONSUMER, CLAIM_CHECK)
__all__ = ["INLINE", "SPECS"]
