"""KafkaConsumer, KafkaSource and PollerSizing: every validation branch, the synthesized
template (defaults, overrides, grants, destinations, alarms, dashboard), cfn-lint and the
guardrail packs end to end.

Templates read by several tests are synthesized once per module (fixtures ``on_demand``,
``provisioned``, ``self_managed_vpc``, ``s3_destination``, ...).
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk import CfnParameter, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match, Template

from paved_road import (
    GovernedFunction,
    Invocation,
    KafkaAuth,
    KafkaConsumer,
    KafkaSource,
    PavedRoadError,
    PollerSizing,
    TenantIsolatedFunction,
)
from paved_road.kafka import EC2_ENI_ACTIONS
from tests.cfn_lint import lint_errors
from tests.conftest import new_stack, run_guardrails, template

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")
ACCOUNT_REGION = "us-east-1:111122223333"
CLUSTER = "orders/abcd1234-ab12-cd34-ef56-abcdef123456-1"
CLUSTER_ARN = f"arn:aws:kafka:{ACCOUNT_REGION}:cluster/{CLUSTER}"
TOPIC_ARN = f"arn:aws:kafka:{ACCOUNT_REGION}:topic/{CLUSTER}/orders"
BROKERS = ["b-1.example.com:9096", "b-2.example.com:9096"]
PREFIX = "KafkaConsumer 'Test/Orders': "
ESM = "AWS::Lambda::EventSourceMapping"
MAPPING_METRICS = ["EventCount", "ErrorCount", "KafkaMetrics"]


def fn_props(**overrides: typing.Any) -> dict[str, typing.Any]:
    # keep_versions=None: no version pruner function in these templates (test_deployment.py)
    return {"code": CODE, "handler": "index.handler", "keep_versions": None, **overrides}


def make(stack: Stack, id: str = "Orders", **props: typing.Any) -> KafkaConsumer:
    props.setdefault("source", KafkaSource.msk(CLUSTER_ARN))
    props.setdefault("topic", "orders")
    if "existing_function" not in props:
        props.setdefault("function_props", fn_props())
    return KafkaConsumer(stack, id, **props)


@dataclass
class Built:
    stack: Stack
    consumer: KafkaConsumer
    template: Template

    @property
    def json(self) -> dict[str, typing.Any]:
        return typing.cast(dict[str, typing.Any], self.template.to_json())

    def resources(self, type_: str) -> dict[str, dict[str, typing.Any]]:
        return typing.cast(dict[str, dict[str, typing.Any]], self.template.find_resources(type_))

    def mapping(self) -> dict[str, typing.Any]:
        (resource,) = self.resources(ESM).values()
        return resource

    def statements(self) -> list[dict[str, typing.Any]]:
        return [
            statement
            for policy in self.resources("AWS::IAM::Policy").values()
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        ]

    def resolve(self, value: object) -> typing.Any:
        return self.stack.resolve(value)


def build(setup: Callable[[Stack], dict[str, typing.Any]] | None = None, **props: object) -> Built:
    """A fresh stack with one KafkaConsumer 'Orders'; ``setup(stack)`` adds props that
    need constructs of the stack (secrets, queues, VPCs)."""
    stack = new_stack()
    if setup is not None:
        props.update(setup(stack))
    consumer = make(stack, **props)
    return Built(stack, consumer, template(stack))


def actions(statement: dict[str, typing.Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def statement_with(built: Built, action: str) -> dict[str, typing.Any]:
    (found,) = [s for s in built.statements() if action in actions(s)]
    return found


def all_actions(built: Built) -> set[str]:
    return {a for s in built.statements() for a in actions(s)}


# --- shared templates ------------------------------------------------------------------
@pytest.fixture(scope="module")
def on_demand() -> Built:
    return build()


@pytest.fixture(scope="module")
def provisioned() -> Built:
    return build(
        minimum_pollers=1,
        maximum_pollers=4,
        topic_partitions=12,
        filters=[{"value": {"type": ["order"]}}, {"headers": {"source": [{"prefix": "web"}]}}],
    )


@pytest.fixture(scope="module")
def overridden() -> Built:
    return build(
        minimum_pollers=1,
        maximum_pollers=2,
        poller_group="orders-group",
        retry_attempts=-1,
        bisect_batch_on_error=False,
        report_batch_item_failures=False,
        esm_metrics=False,
        max_record_age=Duration.hours(1),
        mapping_log_level=lambda_.EventSourceMappingLogLevel.WARN,
    )


def _msk_scram(stack: Stack) -> dict[str, typing.Any]:
    secret = secretsmanager.Secret(stack, "Secret")
    return {"source": KafkaSource.msk(CLUSTER_ARN, auth=KafkaAuth.SASL_SCRAM_512, secret=secret)}


@pytest.fixture(scope="module")
def msk_scram() -> Built:
    return build(_msk_scram)


def _self_managed_vpc(stack: Stack) -> dict[str, typing.Any]:
    vpc = ec2.Vpc(stack, "Vpc", nat_gateways=0)
    return {
        "source": KafkaSource.self_managed(
            BROKERS,
            secret=secretsmanager.Secret(stack, "Secret"),
            root_ca_certificate=secretsmanager.Secret(stack, "RootCa"),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_group=ec2.SecurityGroup(stack, "BrokerClients", vpc=vpc),
        )
    }


@pytest.fixture(scope="module")
def self_managed_vpc() -> Built:
    return build(_self_managed_vpc)


def _self_managed_internet(stack: Stack) -> dict[str, typing.Any]:
    secret = secretsmanager.Secret(stack, "Secret")
    return {
        "source": KafkaSource.self_managed(
            BROKERS[:1], auth=KafkaAuth.SASL_SCRAM_256, secret=secret
        )
    }


@pytest.fixture(scope="module")
def self_managed_internet() -> Built:
    return build(_self_managed_internet)


@pytest.fixture(scope="module")
def s3_destination() -> Built:
    return build(lambda s: {"failure_destination": s3.Bucket(s, "Discarded", enforce_ssl=True)})


@pytest.fixture(scope="module")
def sqs_destination() -> Built:
    return build(lambda s: {"failure_destination": sqs.Queue(s, "Discarded", enforce_ssl=True)})


@pytest.fixture(scope="module")
def sns_destinations() -> tuple[Built, KafkaConsumer]:
    """One stack: 'Orders' on-demand and 'Pv' provisioned, both failing to one SNS topic."""
    stack = new_stack()
    topic = sns.Topic(stack, "Discarded")
    on_demand = make(stack, failure_destination=topic)
    prov = make(stack, "Pv", failure_destination=topic, minimum_pollers=1)
    return Built(stack, on_demand, template(stack)), prov


@pytest.fixture(scope="module")
def tokens() -> Built:
    def setup(stack: Stack) -> dict[str, typing.Any]:
        return {
            "source": KafkaSource.msk(CfnParameter(stack, "ClusterArn").value_as_string),
            "topic": CfnParameter(stack, "Topic").value_as_string,
            "maximum_pollers": CfnParameter(stack, "MaxPollers", type="Number").value_as_number,
            "topic_partitions": 1,
        }

    return build(setup)


# --- validation ------------------------------------------------------------------------
Props = dict[str, typing.Any] | Callable[[Stack], dict[str, typing.Any]]
PROVISIONED_ONLY_TAIL = (
    r" is supported for Kafka in provisioned mode only "
    r"\(set minimum_pollers and/or maximum_pollers\), got "
)
AT_TIMESTAMP = lambda_.StartingPosition.AT_TIMESTAMP


def _secret(stack: Stack) -> secretsmanager.Secret:
    return secretsmanager.Secret(stack, "Secret")


def _vpc(stack: Stack) -> ec2.IVpc:
    return ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-1234", availability_zones=["us-east-1a"]
    )


VALIDATION: list[tuple[str, Props, str]] = [
    # topic
    (
        "topic-space",
        {"topic": "bad topic"},
        r"topic must be 1-249 characters of \[a-zA-Z0-9._-\], got 'bad topic'",
    ),
    ("topic-empty", {"topic": ""}, r"topic must be 1-249 characters .*, got ''"),
    ("topic-long", {"topic": "t" * 250}, r"topic must be 1-249 characters .*, got 'tttt"),
    (
        "topic-one-character",
        {"topic": "t"},
        r"topic must be at least 2 characters and not start with '.' \(Lambda's Topics "
        r"pattern \^\[\^.\]\[a-zA-Z0-9._-\]\+\), got 't'$",
    ),
    ("topic-leading-dot", {"topic": ".orders"}, r"not start with '.' .*, got '.orders'$"),
    # function
    (
        "function-both",
        lambda s: {
            "existing_function": GovernedFunction(s, "Fn", **fn_props()),
            "function_props": fn_props(),
        },
        r"existing_function/function_props exactly one must be given, got 'both'",
    ),
    (
        "function-neither",
        {"function_props": None},
        r"existing_function/function_props exactly one must be given, got 'neither'",
    ),
    (
        "function-tenant-isolated",
        lambda s: {"existing_function": TenantIsolatedFunction(s, "Tenant", **fn_props())},
        r"existing_function must not be tenant-isolated: Lambda rejects event source mappings "
        r"on tenant-isolated functions \(pollers carry no tenant id\), got 'Test/Tenant'",
    ),
    # consumer group
    (
        "group-space",
        {"consumer_group_id": "bad group"},
        r"consumer_group_id must be 1-200 characters of \[a-zA-Z0-9-/\*:_\+=\.@\], "
        r"got 'bad group'",
    ),
    ("group-empty", {"consumer_group_id": ""}, r"consumer_group_id must be .*, got ''"),
    ("group-long", {"consumer_group_id": "g" * 201}, r"consumer_group_id must be .*, got 'ggg"),
    # starting position
    (
        "position-not-enum",
        {"starting_position": "LATEST"},
        r"starting_position must be a lambda_.StartingPosition \(TRIM_HORIZON, LATEST, "
        r"AT_TIMESTAMP\), got 'LATEST'",
    ),
    (
        "timestamp-missing",
        {"starting_position": AT_TIMESTAMP},
        r"starting_position_timestamp must be given with AT_TIMESTAMP, got None",
    ),
    (
        "timestamp-without-at-timestamp",
        {"starting_position": lambda_.StartingPosition.LATEST, "starting_position_timestamp": 5},
        r"starting_position_timestamp is only allowed with AT_TIMESTAMP "
        r"\(starting_position is LATEST\), got 5",
    ),
    (
        "timestamp-naive",
        {
            "starting_position": AT_TIMESTAMP,
            "starting_position_timestamp": datetime.datetime(2026, 1, 2, 3, 4),
        },
        r"starting_position_timestamp must be timezone-aware \(e.g. datetime\(..., tzinfo=UTC\)"
        r"\), got '2026-01-02T03:04:00'",
    ),
    (
        "timestamp-negative",
        {"starting_position": AT_TIMESTAMP, "starting_position_timestamp": -1},
        r"starting_position_timestamp must be >= 0, got -1",
    ),
    (  # infinity would reach jsii, which cannot encode it (the kernel process dies)
        "timestamp-infinite",
        {"starting_position": AT_TIMESTAMP, "starting_position_timestamp": float("inf")},
        r"starting_position_timestamp must be a finite number of Unix seconds, got inf$",
    ),
    (
        "timestamp-not-a-number",
        {"starting_position": AT_TIMESTAMP, "starting_position_timestamp": "2026-01-01"},
        r"starting_position_timestamp must be a datetime.datetime, a number or None, "
        r"got '2026-01-01'",
    ),
    # batching
    ("batch-0", {"batch_size": 0}, r"batch_size must be between 1 and 10000, got 0"),
    ("batch-10001", {"batch_size": 10001}, r"batch_size must be between 1 and 10000, got 10001"),
    (
        "window-301",
        {"max_batching_window": Duration.seconds(301)},
        r"max_batching_window must be between 0 and 300 seconds, got 301",
    ),
    # filters
    (
        "filters-too-many",
        {"filters": [{"value": {"n": [i]}} for i in range(6)]},
        r"filters must hold at most 5 patterns, got 6",
    ),
    (
        "filters-unknown-key",
        {"filters": [{"body": {"type": ["order"]}}]},
        r"filters\[0\] may only filter on the Kafka record fields headers, key, offset, "
        r"partition, timestamp, timestampType, topic, value \(unknown: body\), "
        r"got \{'body': \{'type': \['order'\]\}\}",
    ),
    (
        "filters-empty-leaf",
        {"filters": [{"value": {"type": ["order"]}}, {"value": {"type": []}}]},
        r"filters\[1\] must have a non-empty list of matchers at every leaf \(at 'value.type'\)",
    ),
    (
        "filters-not-a-dict",
        {"filters": ["value=order"]},
        r"filters\[0\] must be a dict with string keys, got 'value=order'",
    ),
    (
        "filter-encryption-without-filters",
        lambda s: {"filter_encryption": kms.Key(s, "FilterKey")},
        r"filter_encryption needs filters to encrypt, got ",
    ),
    # pollers
    ("min-0", {"minimum_pollers": 0}, r"minimum_pollers must be between 1 and 200, got 0"),
    ("min-201", {"minimum_pollers": 201}, r"minimum_pollers must be between 1 and 200, got 201"),
    # max 0 also reports the defaulted minimum (1) as above it: two problems, see PROBLEM_COUNT
    ("max-0", {"maximum_pollers": 0}, r"maximum_pollers must be between 1 and 2000, got 0"),
    (
        "max-2001",
        {"maximum_pollers": 2001},
        r"maximum_pollers must be between 1 and 2000, got 2001",
    ),
    (
        "min-above-max",
        {"minimum_pollers": 5, "maximum_pollers": 2},
        r"minimum_pollers must be at most maximum_pollers \(2\), got 5",
    ),
    (
        "poller-group-on-demand",
        {"poller_group": "orders"},
        r"poller_group needs provisioned mode \(minimum_pollers and/or maximum_pollers\), "
        r"got 'orders'",
    ),
    (
        "poller-group-too-long",
        {"poller_group": "g" * 129, "minimum_pollers": 1},
        r"poller_group must be 1-128 characters, got 'ggg",
    ),
    (
        "poller-group-bad-characters",
        {"poller_group": "orders group", "minimum_pollers": 1},
        r"poller_group must be letters, digits, '-' and '_' only \(PollerGroupName\), "
        r"got 'orders group'$",
    ),
    ("partitions-0", {"topic_partitions": 0}, r"topic_partitions must be between 1 and 1000000"),
    # provisioned-only props in on-demand mode
    ("on-demand-retry", {"retry_attempts": 3}, r"retry_attempts" + PROVISIONED_ONLY_TAIL + "3"),
    (
        "on-demand-record-age",
        {"max_record_age": Duration.hours(1)},
        r"max_record_age" + PROVISIONED_ONLY_TAIL,
    ),
    (
        "on-demand-bisect",
        {"bisect_batch_on_error": True},
        r"bisect_batch_on_error" + PROVISIONED_ONLY_TAIL + "True",
    ),
    (
        "on-demand-report",
        {"report_batch_item_failures": True},
        r"report_batch_item_failures" + PROVISIONED_ONLY_TAIL + "True",
    ),
    ("on-demand-metrics", {"esm_metrics": True}, r"esm_metrics" + PROVISIONED_ONLY_TAIL + "True"),
    (
        "on-demand-log-level",
        {"mapping_log_level": lambda_.EventSourceMappingLogLevel.INFO},
        r"mapping_log_level" + PROVISIONED_ONLY_TAIL,
    ),
    # error handling (provisioned)
    (
        "retry-minus-2",
        {"retry_attempts": -2, "minimum_pollers": 1},
        r"retry_attempts must be -1 \(infinite\) or between 0 and 10000, got -2",
    ),
    (
        "retry-10001",
        {"retry_attempts": 10001, "minimum_pollers": 1},
        r"retry_attempts must be -1 \(infinite\) or between 0 and 10000, got 10001",
    ),
    (
        "record-age-59s",
        {"max_record_age": Duration.seconds(59), "minimum_pollers": 1},
        r"max_record_age must be between 60 and 604800 seconds, got 59",
    ),
    (
        "record-age-8d",
        {"max_record_age": Duration.days(8), "minimum_pollers": 1},
        r"max_record_age must be between 60 and 604800 seconds, got 691200",
    ),
    (
        "destination-wrong-type",
        {"failure_destination": "arn:aws:sqs:us-east-1:111122223333:dlq"},
        r"failure_destination must be an sqs.IQueue, an sns.ITopic, an s3.IBucket or None, "
        r"got 'arn:aws:sqs:us-east-1:111122223333:dlq'",
    ),
    # alarms and the timeout guardrail's input
    (
        "record-time-0",
        {"record_processing_time": Duration.millis(0)},
        r"record_processing_time must be between 0.001 and 900000 ms, got 0",
    ),
    (
        "lag-minutes-0",
        {"offset_lag_minutes": 0},
        r"offset_lag_minutes must be between 1 and 60, got 0",
    ),
    (
        "lag-minutes-61",
        {"offset_lag_minutes": 61},
        r"offset_lag_minutes must be between 1 and 60, got 61",
    ),
    (
        "lag-threshold-0",
        {"offset_lag_threshold": 0},
        r"offset_lag_threshold must be between 1 and 1000000000000, got 0",
    ),
    (
        "errors-threshold-0",
        {"errors_threshold": 0},
        r"errors_threshold must be between 1 and 1000000, got 0",
    ),
    # source: shape
    (
        "source-not-a-kafka-source",
        {"source": CLUSTER_ARN},
        r"source must be a paved_road.KafkaSource, got 'arn:aws:kafka",
    ),
    (
        "source-unknown-kind",
        {"source": KafkaSource(kind="kinesis")},
        r"source must come from KafkaSource.msk\(\) or .self_managed\(\)",
    ),
    (
        "source-auth-not-enum",
        {"source": KafkaSource.msk(CLUSTER_ARN, auth="IAM")},  # type: ignore[arg-type]
        r"source.auth must be a paved_road.KafkaAuth \(IAM, .*\), got 'IAM'$",
    ),
    # source: MSK
    (
        "msk-bad-arn",
        {"source": KafkaSource.msk("arn:aws:sqs:us-east-1:111122223333:orders")},
        r"source.cluster_arn must be an MSK cluster ARN "
        r"\(arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>\), "
        r"got 'arn:aws:sqs:us-east-1:111122223333:orders'",
    ),
    (
        "msk-empty-arn",
        {"source": KafkaSource.msk("")},
        r"source.cluster_arn must be an MSK cluster ARN .*, got ''",
    ),
    (
        "msk-scram-256",
        lambda s: {
            "source": KafkaSource.msk(CLUSTER_ARN, auth=KafkaAuth.SASL_SCRAM_256, secret=_secret(s))
        },
        r"source.auth for MSK must be IAM, SASL_SCRAM_512 or CLIENT_CERTIFICATE_TLS, "
        r"got 'SASL_SCRAM_256'",
    ),
    (
        "msk-basic",
        lambda s: {"source": KafkaSource.msk(CLUSTER_ARN, auth=KafkaAuth.BASIC, secret=_secret(s))},
        r"source.auth for MSK must be IAM, SASL_SCRAM_512 or CLIENT_CERTIFICATE_TLS, "
        r"got 'BASIC'",
    ),
    (
        "msk-none",
        {"source": KafkaSource.msk(CLUSTER_ARN, auth=KafkaAuth.NONE)},
        r"source.auth for MSK must be IAM, SASL_SCRAM_512 or CLIENT_CERTIFICATE_TLS, "
        r"got 'NONE'",
    ),
    (
        "msk-scram-without-secret",
        {"source": KafkaSource.msk(CLUSTER_ARN, auth=KafkaAuth.SASL_SCRAM_512)},
        r"source.secret must be given for SASL_SCRAM_512 authentication \(the Secrets Manager "
        r"secret holding the credentials\)$",
    ),
    (
        "msk-mtls-without-secret",
        {"source": KafkaSource.msk(CLUSTER_ARN, auth=KafkaAuth.CLIENT_CERTIFICATE_TLS)},
        r"source.secret must be given for CLIENT_CERTIFICATE_TLS authentication \(the Secrets "
        r"Manager secret holding the credentials\)$",
    ),
    (
        "msk-iam-with-secret",
        lambda s: {"source": KafkaSource.msk(CLUSTER_ARN, secret=_secret(s))},
        r"source.secret must not be set with IAM authentication, got 'Test/Secret'",
    ),
    # source: self-managed
    (
        "self-managed-no-servers",
        lambda s: {"source": KafkaSource.self_managed([], secret=_secret(s))},
        r"source.bootstrap_servers must list at least one host:port, got \[\]",
    ),
    (
        "self-managed-no-port",
        lambda s: {"source": KafkaSource.self_managed(["broker"], secret=_secret(s))},
        r"source.bootstrap_servers entries must be host:port, got 'broker'",
    ),
    (
        "self-managed-port-70000",
        lambda s: {"source": KafkaSource.self_managed(["b:70000"], secret=_secret(s))},
        r"source.bootstrap_servers entries must be host:port, got 'b:70000'",
    ),
    (
        "self-managed-bad-host",
        lambda s: {"source": KafkaSource.self_managed(["-b.example.com:9092"], secret=_secret(s))},
        r"source.bootstrap_servers entries must be host:port, got '-b.example.com:9092'$",
    ),
    (
        "self-managed-eleven-brokers",
        lambda s: {
            "source": KafkaSource.self_managed(
                [f"b-{i}.example.com:9092" for i in range(11)], secret=_secret(s)
            )
        },
        r"source.bootstrap_servers must list at most 10 brokers, got 11$",
    ),
    (
        "self-managed-repeated-broker",
        lambda s: {"source": KafkaSource.self_managed(["b:9092", "b:9092"], secret=_secret(s))},
        r"source.bootstrap_servers must not repeat a broker, got \['b:9092'\]$",
    ),
    (  # one string is kept as given (not split into characters), and reported
        "self-managed-one-string",
        lambda s: {"source": KafkaSource.self_managed("b:9092", secret=_secret(s))},
        r"source.bootstrap_servers must be a tuple of strings, got 'b:9092'$",
    ),
    (
        "self-managed-server-not-a-string",
        lambda s: {"source": KafkaSource.self_managed([9092], secret=_secret(s))},  # type: ignore[list-item]
        r"source.bootstrap_servers must be a tuple of strings, got \(9092,\)$",
    ),
    (
        "msk-arn-not-a-string",
        {"source": KafkaSource.msk(5)},  # type: ignore[arg-type]
        r"source.cluster_arn must be a string or None, got 5$",
    ),
    (
        "msk-secret-not-a-secret",
        {"source": KafkaSource.msk(CLUSTER_ARN, auth=KafkaAuth.SASL_SCRAM_512, secret="arn")},  # type: ignore[arg-type]
        r"source.secret must be a secretsmanager.ISecret or None, got 'arn'$",
    ),
    (
        "self-managed-iam",
        {"source": KafkaSource.self_managed(BROKERS, auth=KafkaAuth.IAM)},
        r"source.auth IAM is for MSK only; use SASL, BASIC or mTLS, got 'IAM'",
    ),
    (
        "self-managed-vpc-only",
        lambda s: {"source": KafkaSource.self_managed(BROKERS, secret=_secret(s), vpc=_vpc(s))},
        r"source.vpc/vpc_subnets/security_group must be given together \(all three or none\), "
        r"got 'vpc'",
    ),
    (
        "self-managed-vpc-without-group",
        lambda s: {
            "source": KafkaSource.self_managed(
                BROKERS,
                secret=_secret(s),
                vpc=_vpc(s),
                vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            )
        },
        r"source.vpc/vpc_subnets/security_group must be given together .*, "
        r"got 'vpc, vpc_subnets'",
    ),
    (
        "self-managed-none-without-vpc",
        {"source": KafkaSource.self_managed(BROKERS, auth=KafkaAuth.NONE)},
        r"source.auth NONE is only allowed for brokers inside a VPC \(brokers reached over the "
        r"internet must authenticate\), got 'NONE'",
    ),
    (
        "self-managed-scram-without-secret",
        {"source": KafkaSource.self_managed(BROKERS)},
        r"source.secret must be given for SASL_SCRAM_512 authentication \(the Secrets Manager "
        r"secret holding the credentials\)$",
    ),
]


PROBLEM_COUNT: dict[str, int] = {}
"""Cases whose one bad prop yields more than one problem (default: exactly one)."""


@pytest.mark.parametrize(
    ("props", "match", "count"),
    [
        pytest.param(props, match, PROBLEM_COUNT.get(name, 1), id=name)
        for name, props, match in VALIDATION
    ],
)
def test_validation(stack: Stack, props: Props, match: str, count: int) -> None:
    # GIVEN one invalid prop (or pair of props) WHEN the consumer is created
    given = props(stack) if callable(props) else dict(props)
    with pytest.raises(PavedRoadError) as info:
        make(stack, **given)
    # THEN the one error names the construct path, the prop and the value
    message = str(info.value)
    assert message.startswith(PREFIX), message
    assert len(info.value.problems) == count, info.value.problems
    assert re.search(match, message), message


def test_several_problems_are_collected_into_one_error(stack: Stack) -> None:
    # GIVEN three bad props WHEN the consumer is created
    with pytest.raises(PavedRoadError) as info:
        make(stack, batch_size=0, offset_lag_minutes=61, errors_threshold=0)
    # THEN one error lists all three, each naming the construct path
    problems = info.value.problems
    assert len(problems) == 3
    assert all(p.startswith(PREFIX) for p in problems)
    assert str(info.value).startswith(PREFIX + "3 problems:\n  - batch_size must be between")


def test_msk_source_problems_are_collected_with_the_consumer_ones(stack: Stack) -> None:
    # GIVEN a SCRAM-256 MSK source without a secret and a bad topic
    with pytest.raises(PavedRoadError) as info:
        make(stack, source=KafkaSource.msk(CLUSTER_ARN, auth=KafkaAuth.SASL_SCRAM_256), topic="a b")
    # THEN the source's two problems and the topic's are reported together
    assert [p.removeprefix(PREFIX).split(" ")[0] for p in info.value.problems] == [
        "source.auth",
        "source.secret",
        "topic",
    ]


def test_minimum_above_the_default_maximum_reports_the_range_once(stack: Stack) -> None:
    # GIVEN minimum_pollers 250 and no maximum (Lambda's default maximum is 200)
    with pytest.raises(PavedRoadError) as info:
        make(stack, minimum_pollers=250)
    # THEN the range problem is reported once (an in-range minimum never exceeds 200)
    assert [p.removeprefix(PREFIX) for p in info.value.problems] == [
        "minimum_pollers must be between 1 and 200, got 250",
    ]


def test_minimum_above_200_without_maximum_is_rejected(stack: Stack) -> None:
    # GIVEN minimum_pollers 250 and no maximum THEN it is rejected (at least the range)
    with pytest.raises(PavedRoadError, match=r"minimum_pollers must be between 1 and 200"):
        make(stack, minimum_pollers=250)


def test_wildcard_in_consumer_group_never_widens_the_group_grant(stack: Stack) -> None:
    # GIVEN a consumer group id with a '*' (allowed by Lambda's pattern)
    try:
        consumer = make(stack, consumer_group_id="orders-*")
    except PavedRoadError:
        return  # rejecting it is a fine fix too
    # THEN the AlterGroup grant does not match other groups
    built = Built(stack, consumer, template(stack))
    assert "*" not in json.dumps(statement_with(built, "kafka-cluster:AlterGroup")["Resource"])


# --- tokens ----------------------------------------------------------------------------
def test_tokens_are_accepted_and_scoped_with_split_and_join(tokens: Built) -> None:
    # GIVEN the cluster ARN, topic and maximum_pollers as CloudFormation parameters
    props = tokens.mapping()["Properties"]
    # THEN they reach the mapping unvalidated
    assert props["EventSourceArn"] == {"Ref": "ClusterArn"}
    assert props["Topics"] == [{"Ref": "Topic"}]
    assert props["ProvisionedPollerConfig"] == {"MaximumPollers": {"Ref": "MaxPollers"}}
    # AND the topic/group ARNs are derived from the cluster ARN in CloudFormation
    split = {"Fn::Split": [":cluster/", {"Ref": "ClusterArn"}]}
    topic = statement_with(tokens, "kafka-cluster:ReadData")["Resource"]
    assert topic == {
        "Fn::Join": [
            "",
            [
                {"Fn::Select": [0, split]},
                ":topic/",
                {"Fn::Select": [1, split]},
                "/",
                {"Ref": "Topic"},
            ],
        ]
    }
    group = statement_with(tokens, "kafka-cluster:AlterGroup")["Resource"]
    assert group == {
        "Fn::Join": [
            "",
            [
                {"Fn::Select": [0, split]},
                ":group/",
                {"Fn::Select": [1, split]},
                f"/{tokens.consumer.consumer_group_id}",
            ],
        ]
    }
    # AND a token maximum is never compared with topic_partitions
    assert Annotations.from_stack(tokens.stack).find_warning("*", Match.any_value()) == []


# --- on-demand defaults ----------------------------------------------------------------
def test_on_demand_mapping_defaults(on_demand: Built) -> None:
    # GIVEN a default consumer (no poller bounds) THEN the mapping is on-demand
    mapping = on_demand.mapping()
    props = mapping["Properties"]
    assert props["EventSourceArn"] == CLUSTER_ARN
    assert props["Topics"] == ["orders"]
    assert props["BatchSize"] == 100
    assert props["MaximumBatchingWindowInSeconds"] == 1
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["Enabled"] is True
    assert props["AmazonManagedKafkaEventSourceConfig"] == {
        "ConsumerGroupId": on_demand.consumer.consumer_group_id
    }
    for provisioned_only in (
        "ProvisionedPollerConfig",
        "MetricsConfig",
        "MaximumRetryAttempts",
        "MaximumRecordAgeInSeconds",
        "BisectBatchOnFunctionError",
        "FunctionResponseTypes",
        "LoggingConfig",
        "StartingPositionTimestamp",
        "FilterCriteria",
    ):
        assert provisioned_only not in props, provisioned_only
    # AND the record processing time is recorded for the timeout guardrail
    assert mapping["Metadata"] == {"PavedRoad::RecordProcessingMillis": 10}
    assert on_demand.consumer.provisioned is False
    assert on_demand.consumer.report_batch_item_failures is False


def test_on_demand_failure_queue(on_demand: Built) -> None:
    # GIVEN no failure_destination THEN a queue is created and wired as the destination
    consumer = on_demand.consumer
    assert consumer.failure_queue is not None
    assert consumer.failure_destination is consumer.failure_queue
    (queue_id,) = on_demand.resources("AWS::SQS::Queue")
    assert on_demand.mapping()["Properties"]["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}
    }
    # AND it is SQS-managed-encrypted, keeps 14 days and is TLS only
    queue = on_demand.resources("AWS::SQS::Queue")[queue_id]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 14 * 86400
    (policy,) = on_demand.resources("AWS::SQS::QueuePolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # AND the function may send to it
    send = statement_with(on_demand, "sqs:SendMessage")
    assert send["Resource"] == {"Fn::GetAtt": [queue_id, "Arn"]}


def test_consumer_group_is_derived_from_the_path_and_stable() -> None:
    # GIVEN the same construct path synthesized twice in separate apps
    first, second = build(), build()
    ids = [
        b.mapping()["Properties"]["AmazonManagedKafkaEventSourceConfig"] for b in (first, second)
    ]
    # THEN the derived consumer group is identical (a change would replace the mapping)
    assert ids[0] == ids[1]
    assert re.fullmatch(r"Test-Orders-[0-9A-F]{8}", first.consumer.consumer_group_id)


def test_explicit_consumer_group_is_used(stack: Stack) -> None:
    consumer = make(stack, consumer_group_id="orders-billing")
    assert consumer.consumer_group_id == "orders-billing"
    template(stack).has_resource_properties(
        ESM, {"AmazonManagedKafkaEventSourceConfig": {"ConsumerGroupId": "orders-billing"}}
    )


def test_function_is_governed_and_declared_an_esm_target(on_demand: Built) -> None:
    consumer = on_demand.consumer
    assert isinstance(consumer.governed_function, GovernedFunction)
    assert consumer.function is consumer.governed_function.function
    on_demand.template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": Match.object_like({"POWERTOOLS_SERVICE_NAME": "Orders"})}},
    )
    # AND the mapping waits for the function (its role's grants are checked at creation)
    (function_id,) = on_demand.resources("AWS::Lambda::Function")
    assert function_id in on_demand.mapping()["DependsOn"]


# --- provisioned mode --------------------------------------------------------------------
def test_provisioned_defaults(provisioned: Built) -> None:
    # GIVEN poller bounds THEN the mapping is provisioned with the error-handling defaults
    props = provisioned.mapping()["Properties"]
    assert props["ProvisionedPollerConfig"] == {"MinimumPollers": 1, "MaximumPollers": 4}
    assert props["MaximumRetryAttempts"] == 3
    assert props["BisectBatchOnFunctionError"] is True
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["MetricsConfig"] == {"Metrics": MAPPING_METRICS}
    assert "MaximumRecordAgeInSeconds" not in props
    assert "LoggingConfig" not in props
    assert provisioned.consumer.provisioned is True
    assert provisioned.consumer.report_batch_item_failures is True


def test_filters_are_rendered_as_json_patterns(provisioned: Built) -> None:
    assert provisioned.mapping()["Properties"]["FilterCriteria"] == {
        "Filters": [
            {"Pattern": '{"value":{"type":["order"]}}'},
            {"Pattern": '{"headers":{"source":[{"prefix":"web"}]}}'},
        ]
    }


def test_provisioned_overrides(overridden: Built) -> None:
    # GIVEN every provisioned-mode default overridden
    props = overridden.mapping()["Properties"]
    # THEN the mapping carries the overrides
    assert props["ProvisionedPollerConfig"] == {
        "MinimumPollers": 1,
        "MaximumPollers": 2,
        "PollerGroupName": "orders-group",
    }
    assert props["MaximumRetryAttempts"] == -1
    assert props["BisectBatchOnFunctionError"] is False
    assert props["MaximumRecordAgeInSeconds"] == 3600
    assert props["LoggingConfig"] == {"SystemLogLevel": "WARN"}
    assert "FunctionResponseTypes" not in props
    assert "MetricsConfig" not in props
    assert overridden.consumer.report_batch_item_failures is False


def test_at_timestamp_with_an_aware_datetime(stack: Stack) -> None:
    # GIVEN AT_TIMESTAMP with a timezone-aware datetime (not UTC)
    when = datetime.datetime(
        2026, 1, 2, 4, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    make(stack, starting_position=AT_TIMESTAMP, starting_position_timestamp=when)
    # THEN the mapping starts at its Unix time
    template(stack).has_resource_properties(
        ESM, {"StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": 1767323045}
    )
    assert lint_errors(template(stack).to_json()) == []


def test_at_timestamp_with_unix_seconds(stack: Stack) -> None:
    make(stack, starting_position=AT_TIMESTAMP, starting_position_timestamp=1767323045)
    template(stack).has_resource_properties(ESM, {"StartingPositionTimestamp": 1767323045})


def test_batching_overrides(stack: Stack) -> None:
    make(
        stack,
        batch_size=10_000,
        max_batching_window=Duration.seconds(300),
        starting_position=lambda_.StartingPosition.LATEST,
        enabled=False,
        record_processing_time=Duration.millis(2),
    )
    mapping = next(iter(template(stack).find_resources(ESM).values()))
    assert mapping["Properties"]["BatchSize"] == 10_000
    assert mapping["Properties"]["MaximumBatchingWindowInSeconds"] == 300
    assert mapping["Properties"]["StartingPosition"] == "LATEST"
    assert mapping["Properties"]["Enabled"] is False
    assert mapping["Metadata"] == {"PavedRoad::RecordProcessingMillis": 2}
    assert lint_errors(template(stack).to_json()) == []


def test_no_batching_window_leaves_lambdas_default(stack: Stack) -> None:
    make(stack, max_batching_window=None)
    mapping = next(iter(template(stack).find_resources(ESM).values()))
    assert "MaximumBatchingWindowInSeconds" not in mapping["Properties"]
    assert lint_errors(template(stack).to_json()) == []


# --- MSK grants --------------------------------------------------------------------------
def test_msk_iam_grants_are_scoped_to_the_topic_and_group(on_demand: Built) -> None:
    # GIVEN an MSK source with IAM auth (the default)
    group_arn = (
        f"arn:aws:kafka:{ACCOUNT_REGION}:group/{CLUSTER}/{on_demand.consumer.consumer_group_id}"
    )
    # THEN the cluster actions are on the cluster
    describe = statement_with(on_demand, "kafka:DescribeClusterV2")
    assert describe["Resource"] == CLUSTER_ARN
    assert set(actions(describe)) == {
        "kafka:DescribeCluster",
        "kafka:DescribeClusterV2",
        "kafka:GetBootstrapBrokers",
    }
    assert statement_with(on_demand, "kafka-cluster:Connect")["Resource"] == CLUSTER_ARN
    # AND reading is on the exact topic, group actions on the exact group
    read = statement_with(on_demand, "kafka-cluster:ReadData")
    assert read["Resource"] == TOPIC_ARN
    assert set(actions(read)) == {"kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"}
    alter = statement_with(on_demand, "kafka-cluster:AlterGroup")
    assert alter["Resource"] == group_arn
    assert set(actions(alter)) == {"kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"}
    # AND the network-interface actions (no resource-level permissions) are on "*"
    eni = statement_with(on_demand, "ec2:CreateNetworkInterface")
    assert eni["Resource"] == "*"
    assert actions(eni) == list(EC2_ENI_ACTIONS)
    # AND no Kafka action is granted on "*"
    assert all(
        s["Resource"] != "*"
        for s in on_demand.statements()
        if any(a.startswith("kafka") for a in actions(s))
    )
    assert "SourceAccessConfigurations" not in on_demand.mapping()["Properties"]


def test_msk_scram(msk_scram: Built) -> None:
    # GIVEN MSK with SASL/SCRAM-512 and its secret
    (secret_id,) = msk_scram.resources("AWS::SecretsManager::Secret")
    # THEN the mapping authenticates with the secret, which the function may read
    assert msk_scram.mapping()["Properties"]["SourceAccessConfigurations"] == [
        {"Type": "SASL_SCRAM_512_AUTH", "URI": {"Ref": secret_id}}
    ]
    assert statement_with(msk_scram, "secretsmanager:GetSecretValue")["Resource"] == {
        "Ref": secret_id
    }
    # AND there are no kafka-cluster (IAM access control) grants, only the cluster ones
    granted = all_actions(msk_scram)
    assert not any(a.startswith("kafka-cluster:") for a in granted)
    assert "kafka:DescribeClusterV2" in granted
    assert "ec2:CreateNetworkInterface" in granted


# --- self-managed ------------------------------------------------------------------------
def test_self_managed_in_a_vpc(self_managed_vpc: Built) -> None:
    # GIVEN a self-managed cluster inside a VPC with a private root CA
    built = self_managed_vpc
    props = built.mapping()["Properties"]
    secrets = built.resources("AWS::SecretsManager::Secret")
    secret_id = next(k for k in secrets if k.startswith("Secret"))
    ca_id = next(k for k in secrets if k.startswith("RootCa"))
    (group_id,) = built.resources("AWS::EC2::SecurityGroup")
    isolated = [k for k in built.resources("AWS::EC2::Subnet") if "Isolated" in k]
    assert len(isolated) == 2
    # THEN the endpoints, auth, root CA, security group and every selected subnet are set
    assert "EventSourceArn" not in props
    assert props["SelfManagedEventSource"] == {"Endpoints": {"KafkaBootstrapServers": BROKERS}}
    assert props["SelfManagedKafkaEventSourceConfig"] == {
        "ConsumerGroupId": built.consumer.consumer_group_id
    }
    configs = props["SourceAccessConfigurations"]
    assert {"Type": "SASL_SCRAM_512_AUTH", "URI": {"Ref": secret_id}} in configs
    assert {"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": {"Ref": ca_id}} in configs
    assert {"Type": "VPC_SECURITY_GROUP", "URI": {"Fn::GetAtt": [group_id, "GroupId"]}} in configs
    subnets = sorted(c["URI"]["Ref"] for c in configs if c["Type"] == "VPC_SUBNET")
    assert subnets == sorted(isolated)
    assert len(configs) == 5
    # AND the function may create ENIs and read both secrets, with no MSK grants
    granted = all_actions(built)
    assert set(EC2_ENI_ACTIONS) <= granted
    assert not any(a.startswith(("kafka:", "kafka-cluster:")) for a in granted)
    read = [
        s["Resource"] for s in built.statements() if "secretsmanager:GetSecretValue" in actions(s)
    ]
    assert sorted(r["Ref"] for r in read) == sorted([secret_id, ca_id])


def test_self_managed_over_the_internet(self_managed_internet: Built) -> None:
    # GIVEN a self-managed cluster reached over the internet with SCRAM-256
    built = self_managed_internet
    (secret_id,) = built.resources("AWS::SecretsManager::Secret")
    # THEN only the SCRAM-256 secret is configured and no ENI permissions are granted
    assert built.mapping()["Properties"]["SourceAccessConfigurations"] == [
        {"Type": "SASL_SCRAM_256_AUTH", "URI": {"Ref": secret_id}}
    ]
    assert not any(a.startswith("ec2:") for a in all_actions(built))


# --- failure destinations ----------------------------------------------------------------
def test_existing_sqs_destination(sqs_destination: Built) -> None:
    # GIVEN an existing queue as the destination
    built = sqs_destination
    (queue_id,) = built.resources("AWS::SQS::Queue")  # no queue of its own
    assert built.consumer.failure_queue is built.consumer.failure_destination
    # THEN the mapping sends there, the function may send, and it is alarmed
    assert built.mapping()["Properties"]["DestinationConfig"]["OnFailure"] == {
        "Destination": {"Fn::GetAtt": [queue_id, "Arn"]}
    }
    assert statement_with(built, "sqs:SendMessage")["Resource"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    built.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}],
            "Threshold": 1,
        },
    )
    assert built.consumer.alarms.failure_destination is not None


def test_sns_destination(sns_destinations: tuple[Built, KafkaConsumer]) -> None:
    built, prov = sns_destinations
    on_demand = built.consumer
    (topic_id,) = built.resources("AWS::SNS::Topic")
    # THEN both mappings publish to the topic and both functions may publish
    for mapping in built.resources(ESM).values():
        assert mapping["Properties"]["DestinationConfig"]["OnFailure"] == {
            "Destination": {"Ref": topic_id}
        }
    publish = [s for s in built.statements() if "sns:Publish" in actions(s)]
    assert len(publish) == 2
    assert all(s["Resource"] == {"Ref": topic_id} for s in publish)
    assert built.resources("AWS::SQS::Queue") == {}
    # AND only provisioned mode has a destination alarm (the metric needs ESM metrics)
    assert on_demand.failure_queue is None
    assert on_demand.alarms.failure_destination is None
    assert len(on_demand.alarms.all()) == 3
    assert prov.alarms.failure_destination is not None
    delivered = [
        a["Properties"]
        for a in built.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "OnFailureDestinationDeliveredEventCount"
    ]
    (alarm,) = delivered
    prov_mapping = built.resolve(prov.event_source_mapping.event_source_mapping_id)
    assert alarm["Dimensions"] == [{"Name": "EventSourceMappingUUID", "Value": prov_mapping}]
    assert alarm["Threshold"] == 1


def test_s3_destination_grants_only_put_and_list(s3_destination: Built) -> None:
    # GIVEN an S3 bucket as the destination
    built = s3_destination
    (bucket_id,) = built.resources("AWS::S3::Bucket")
    bucket_arn = {"Fn::GetAtt": [bucket_id, "Arn"]}
    # THEN the mapping's destination is the bucket ARN
    assert built.mapping()["Properties"]["DestinationConfig"] == {
        "OnFailure": {"Destination": bucket_arn}
    }
    # AND the function may only put objects and list the bucket
    s3_statements = [s for s in built.statements() if any(a.startswith("s3:") for a in actions(s))]
    assert [(actions(s), s["Resource"]) for s in s3_statements] == [
        (["s3:PutObject"], {"Fn::Join": ["", [bucket_arn, "/*"]]}),
        (["s3:ListBucket"], bucket_arn),
    ]
    assert "s3:GetObject" not in json.dumps(built.json)
    assert built.consumer.failure_queue is None
    assert built.consumer.alarms.failure_destination is None


def test_kms_encrypted_s3_destination_gets_generate_data_key(stack: Stack) -> None:
    # GIVEN a bucket encrypted with a customer-managed key as the destination
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    bucket = s3.Bucket(stack, "Discarded", encryption_key=key, enforce_ssl=True)
    consumer = make(stack, failure_destination=bucket)
    built = Built(stack, consumer, template(stack))
    # THEN the function may generate data keys with it, and nothing more
    kms_statements = [
        s for s in built.statements() if any(a.startswith("kms:") for a in actions(s))
    ]
    assert [(actions(s), s["Resource"]) for s in kms_statements] == [
        (["kms:GenerateDataKey"], stack.resolve(key.key_arn))
    ]
    assert "s3:GetObject" not in json.dumps(built.json)
    assert lint_errors(template(stack).to_json()) == []


# --- alarms and dashboard ----------------------------------------------------------------
def test_default_alarms(on_demand: Built) -> None:
    (function_id,) = on_demand.resources("AWS::Lambda::Function")
    by_metric = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in on_demand.resources("AWS::CloudWatch::Alarm").values()
        if "MetricName" in a["Properties"]  # not the live alias's rollback alarm
    }
    assert set(by_metric) == {
        "OffsetLag",
        "Errors",
        "Throttles",
        "ApproximateNumberOfMessagesVisible",
    }
    lag = by_metric["OffsetLag"]
    assert lag["EvaluationPeriods"] == 5
    assert lag["Threshold"] == 1000
    assert lag["Statistic"] == "Maximum"
    assert lag["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert lag["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function_id}}]
    assert by_metric["Errors"]["Threshold"] == 1
    assert by_metric["Throttles"]["Threshold"] == 1
    assert all("AlarmActions" not in a for a in by_metric.values())
    assert len(on_demand.consumer.alarms.all()) == 4


def test_alarm_thresholds_and_topic(stack: Stack) -> None:
    # GIVEN custom thresholds and an alarm topic
    topic = sns.Topic(stack, "Alarms")
    consumer = make(
        stack,
        offset_lag_threshold=500,
        offset_lag_minutes=10,
        errors_threshold=3,
        alarm_topic=topic,
    )
    alarms = template(stack).find_resources("AWS::CloudWatch::Alarm")
    # the live alias's rollback alarm is a metric-math alarm (test_deployment.py)
    by_metric = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in alarms.values()
        if "MetricName" in a["Properties"]
    }
    # THEN the lag alarm evaluates offset_lag_minutes one-minute periods
    assert by_metric["OffsetLag"]["EvaluationPeriods"] == 10
    assert by_metric["OffsetLag"]["Period"] == 60
    assert by_metric["OffsetLag"]["Threshold"] == 500
    assert by_metric["Errors"]["Threshold"] == 3
    # AND every alarm notifies the topic
    topic_ref = stack.resolve(topic.topic_arn)
    assert len(by_metric) == len(consumer.alarms.all()) == 4
    assert all(a["AlarmActions"] == [topic_ref] for a in by_metric.values())
    assert lint_errors(template(stack).to_json()) == []


def _dashboard_body(built: Built) -> str:
    (dashboard,) = built.resources("AWS::CloudWatch::Dashboard").values()
    return json.dumps(dashboard["Properties"]["DashboardBody"])


def test_dashboard_in_both_modes(on_demand: Built, provisioned: Built, overridden: Built) -> None:
    assert on_demand.consumer.dashboard is not None
    on_demand_body = _dashboard_body(on_demand)
    assert "OffsetLag" in on_demand_body
    assert "ProvisionedPollers" not in on_demand_body
    assert "PolledEventCount" not in on_demand_body
    provisioned_body = _dashboard_body(provisioned)
    assert "ProvisionedPollers" in provisioned_body
    assert "PolledEventCount" in provisioned_body
    # provisioned without ESM metrics has nothing to plot there
    assert "ProvisionedPollers" not in _dashboard_body(overridden)


def test_no_dashboard(stack: Stack) -> None:
    consumer = make(stack, dashboard=False)
    assert consumer.dashboard is None
    template(stack).resource_count_is("AWS::CloudWatch::Dashboard", 0)


# --- annotations -------------------------------------------------------------------------
WARNING_ID = "paved-road:KafkaConsumer:pollersAbovePartitions"


def _poller_warnings(stack: Stack) -> list[typing.Any]:
    return typing.cast(
        list[typing.Any],
        Annotations.from_stack(stack).find_warning(
            "/Test/Orders", Match.string_like_regexp(WARNING_ID)
        ),
    )


def test_warning_when_maximum_pollers_exceed_partitions(stack: Stack) -> None:
    # GIVEN more maximum pollers than the topic has partitions
    make(stack, minimum_pollers=1, maximum_pollers=4, topic_partitions=2)
    # THEN a warning says the ceiling is effectively the partition count
    (warning,) = _poller_warnings(stack)
    assert "maximum_pollers 4 exceeds the topic's 2 partition(s)" in str(warning.entry.data)
    assert lint_errors(template(stack).to_json()) == []


def test_no_warning_within_partitions(provisioned: Built) -> None:
    assert _poller_warnings(provisioned.stack) == []


def test_no_warning_in_on_demand_mode(stack: Stack) -> None:
    make(stack, topic_partitions=1)
    assert _poller_warnings(stack) == []


# --- existing functions ------------------------------------------------------------------
def test_existing_governed_function(stack: Stack) -> None:
    fn = GovernedFunction(stack, "Fn", invocation=Invocation.EVENT_SOURCE_MAPPING, **fn_props())
    consumer = make(stack, existing_function=fn)
    assert consumer.governed_function is fn
    assert consumer.function is fn.function
    t = template(stack)
    t.resource_count_is("AWS::Lambda::Function", 1)
    # the mapping invokes the function's live alias
    t.has_resource_properties(ESM, {"FunctionName": stack.resolve(fn.invoke_target.function_name)})
    assert lint_errors(template(stack).to_json()) == []


def test_existing_plain_function(stack: Stack) -> None:
    fn = lambda_.Function(
        stack,
        "Plain",
        code=CODE,
        handler="index.handler",
        runtime=lambda_.Runtime.PYTHON_3_14,
    )
    consumer = make(stack, existing_function=fn)
    assert consumer.governed_function is None
    assert consumer.function is fn
    built = Built(stack, consumer, template(stack))
    assert statement_with(built, "kafka-cluster:ReadData")["Resource"] == TOPIC_ARN
    (policy,) = built.resources("AWS::IAM::Policy").values()
    assert policy["Properties"]["Roles"] == [stack.resolve(fn.role.role_name)]  # type: ignore[union-attr]
    assert lint_errors(template(stack).to_json()) == []


def _imported(stack: Stack) -> lambda_.IFunction:
    return lambda_.Function.from_function_arn(
        stack, "Imported", "arn:aws:lambda:us-east-1:111122223333:function:f"
    )


def test_imported_function_without_role_warns(stack: Stack) -> None:
    # GIVEN a function imported without its role (S3 destination: nothing else to grant)
    bucket = s3.Bucket(stack, "Discarded", enforce_ssl=True)
    make(stack, existing_function=_imported(stack), failure_destination=bucket)
    # THEN the grants are left to the user, with a warning
    Annotations.from_stack(stack).has_warning(
        "/Test/Orders", Match.string_like_regexp("imported without its role")
    )
    template(stack).resource_count_is("AWS::IAM::Policy", 0)
    assert lint_errors(template(stack).to_json()) == []


def test_imported_function_without_role_and_default_destination(stack: Stack) -> None:
    make(stack, existing_function=_imported(stack))
    Annotations.from_stack(stack).has_warning(
        "/Test/Orders", Match.string_like_regexp("imported without its role")
    )


def test_tenant_isolated_inner_function_is_caught_at_synthesis(stack: Stack) -> None:
    # GIVEN the inner lambda Function of a TenantIsolatedFunction (bypasses the prop check)
    tenant = TenantIsolatedFunction(stack, "Tenant", **fn_props())
    make(stack, existing_function=tenant.function)
    # THEN synthesis still rejects the mapping
    with pytest.raises(Exception, match=r"event source mapping 'Test/Orders/EventSourceMapping"):
        template(stack)


# --- cfn-lint ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fixture",
    [
        "on_demand",
        "provisioned",
        "overridden",
        "msk_scram",
        "self_managed_vpc",
        "self_managed_internet",
        "s3_destination",
        "sqs_destination",
        "sns_destinations",
        "tokens",
    ],
)
def test_templates_pass_cfn_lint(request: pytest.FixtureRequest, fixture: str) -> None:
    value = request.getfixturevalue(fixture)
    built = value[0] if isinstance(value, tuple) else value
    assert lint_errors(built.json) == []


# --- guardrails end to end ---------------------------------------------------------------
@pytest.mark.parametrize(
    "props",
    [
        pytest.param({}, id="on-demand"),
        pytest.param({"minimum_pollers": 1, "maximum_pollers": 4}, id="provisioned"),
    ],
)
def test_default_consumer_has_zero_findings(tmp_path: Path, props: dict[str, int]) -> None:
    # GIVEN a default KafkaConsumer WHEN synthesized under every pack, strictly
    run = run_guardrails(lambda s: make(s, **props), tmp_path, strict=True)
    # THEN nothing is reported
    assert run.error is None
    assert run.violations == []


# --- PollerSizing --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("peak", "partitions", "record_kb", "baseline", "expected", "reason"),
    [
        pytest.param(1, 3, 1, None, (1, 1), "floor: 1 poller", id="tiny-topic"),
        pytest.param(100, 6, 1, None, (1, 6), "capped at 6 partition(s)", id="partition-cap"),
        pytest.param(42, 12, 1, None, (3, 9), "a quarter of the ceiling (3)", id="large-topic"),
        pytest.param(42, 12, 2, 12, (3, 9), "baseline 12 MB/s / 5 MB/s = 3", id="baseline"),
        pytest.param(100, 6, 1, 50, (6, 6), "floor capped at 6", id="baseline-above-ceiling"),
        pytest.param(
            20_000, 5000, 1, None, (200, 2000), "service maximum of 2000", id="service-cap"
        ),
        pytest.param(10, 12, 1, None, (1, 2), "= 2 poller(s)", id="exact-multiple"),
        pytest.param(0.5, 1, 1, 0, (1, 1), "baseline 0 MB/s", id="zero-baseline"),
    ],
)
def test_poller_sizing(
    peak: float,
    partitions: int,
    record_kb: float,
    baseline: float | None,
    expected: tuple[int, int],
    reason: str,
) -> None:
    sizing = PollerSizing.from_throughput(
        peak_mb_per_s=peak,
        partitions=partitions,
        average_record_kb=record_kb,
        baseline_mb_per_s=baseline,
    )
    assert (sizing.minimum_pollers, sizing.maximum_pollers) == expected
    assert 1 <= sizing.minimum_pollers <= min(200, sizing.maximum_pollers)
    assert sizing.maximum_pollers <= min(2000, partitions)
    assert sizing.records_per_second == pytest.approx(peak * 1024 / record_kb)
    assert sizing.partitions == partitions
    assert sizing.peak_mb_per_s == float(peak)
    assert any(reason in line for line in sizing.reasoning), sizing.reasoning
    explained = sizing.explain()
    assert explained.startswith(f"minimum_pollers={expected[0]}, maximum_pollers={expected[1]}\n")
    assert explained.count("\n- ") == len(sizing.reasoning)


def test_poller_sizing_records_per_second_is_explained() -> None:
    sizing = PollerSizing.from_throughput(peak_mb_per_s=42, partitions=12, average_record_kb=2)
    assert sizing.records_per_second == 21_504
    assert sizing.reasoning[-1] == "at 2 KB per record the peak is about 21,504 records/s"


def test_poller_sizing_feeds_a_consumer(stack: Stack) -> None:
    sizing = PollerSizing.from_throughput(peak_mb_per_s=42, partitions=12, average_record_kb=2)
    make(
        stack,
        minimum_pollers=sizing.minimum_pollers,
        maximum_pollers=sizing.maximum_pollers,
        topic_partitions=sizing.partitions,
    )
    template(stack).has_resource_properties(
        ESM, {"ProvisionedPollerConfig": {"MinimumPollers": 3, "MaximumPollers": 9}}
    )
    assert _poller_warnings(stack) == []


SIZING_OK = {"peak_mb_per_s": 10, "partitions": 12, "average_record_kb": 1}


def positive(prop: str) -> str:
    return rf"{prop} must be a finite number greater than 0, got "


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ({"peak_mb_per_s": 0}, positive("peak_mb_per_s") + "0"),
        ({"peak_mb_per_s": -5}, positive("peak_mb_per_s") + "-5"),
        ({"peak_mb_per_s": True}, positive("peak_mb_per_s") + "True"),
        ({"peak_mb_per_s": "10"}, positive("peak_mb_per_s") + "'10'"),
        ({"average_record_kb": 0}, positive("average_record_kb") + "0"),
        (
            {"average_record_kb": 6145},
            r"average_record_kb must be at most 6144 \(a record must fit .*\), got 6145",
        ),
        ({"partitions": 0}, r"partitions must be an integer of at least 1, got 0"),
        ({"partitions": 2.5}, r"partitions must be an integer of at least 1, got 2.5"),
        ({"partitions": True}, r"partitions must be an integer of at least 1, got True"),
        ({"baseline_mb_per_s": -1}, r"baseline_mb_per_s must be a finite number >= 0, got -1"),
        (
            {"baseline_mb_per_s": 20},
            r"baseline_mb_per_s must not exceed peak_mb_per_s \(10\), got 20",
        ),
    ],
)
def test_poller_sizing_validation(bad: dict[str, typing.Any], match: str) -> None:
    with pytest.raises(PavedRoadError, match=r"^PollerSizing 'from_throughput': " + match):
        PollerSizing.from_throughput(**{**SIZING_OK, **bad})


def test_poller_sizing_collects_problems() -> None:
    with pytest.raises(PavedRoadError) as info:
        PollerSizing.from_throughput(peak_mb_per_s=0, partitions=0, average_record_kb=-1)
    assert len(info.value.problems) == 3
    assert all(p.startswith("PollerSizing 'from_throughput': ") for p in info.value.problems)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"peak_mb_per_s": float("nan")}, id="peak-nan"),
        pytest.param({"peak_mb_per_s": float("inf")}, id="peak-inf"),
        pytest.param({"baseline_mb_per_s": float("nan")}, id="baseline-nan"),
    ],
)
def test_poller_sizing_rejects_non_finite_numbers(bad: dict[str, float]) -> None:
    with pytest.raises(PavedRoadError, match=r"^PollerSizing 'from_throughput': "):
        PollerSizing.from_throughput(**{**SIZING_OK, **bad})


def test_nan_record_size_does_not_kill_the_jsii_kernel() -> None:
    # run in a child process: the crash would take this test session's kernel down with it
    code = (
        "from paved_road import PollerSizing, PavedRoadError\n"
        "try:\n"
        "    PollerSizing.from_throughput(peak_mb_per_s=1, partitions=1,"
        " average_record_kb=float('nan'))\n"
        "except PavedRoadError as e:\n"
        "    print('PavedRoadError', e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("PavedRoadError PollerSizing 'from_throughput': ")
