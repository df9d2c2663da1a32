"""Specs: KafkaConsumer, GovernedRestApi, GovernedDomainName, RoutingRules,
StreamingFunction, SmokeTestHook, ProgressiveDelivery, RuntimeComplianceRule."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from aws_cdk import App, Aws, Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from hypothesis import strategies as st

from paved_road import (
    CustomDomain,
    GovernedDomainName,
    GovernedRestApi,
    KafkaAuth,
    KafkaConsumer,
    KafkaSource,
    ProgressiveDelivery,
    ProvisionedConcurrency,
    RollbackAlarms,
    RoutingMode,
    RoutingRules,
    RuntimeComplianceRule,
    SmokeTestHook,
    StreamingFunction,
    TrafficShift,
)
from paved_road import runtimes as runtime_data
from paved_road.compliance import lambda_runtime_identifiers
from paved_road.function import Criticality
from paved_road.streaming import StreamingLanguage
from tests.unit.props.common import (
    CERT_ARN,
    INLINE,
    MSK_ARN,
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

EDGE_CERT_ARN = CERT_ARN.replace("eu-west-1", "us-east-1")
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:AmazonMSK_orders-AbCdEf"
WEB_ACL_ARN = (
    "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/orders/"
    "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
)
_PRINTABLE = st.characters(min_codepoint=32, max_codepoint=126)
"""Printable ASCII: tests/cfn_lint.py cannot lint a template with characters outside the
BMP (cfn-lint's decoder reports them without a path)."""
INNER = "GovernedFunction 'Test/Subject/Function'"
"""The GovernedFunction a KafkaConsumer / StreamingFunction creates: its own errors name it."""


def _stack(scope: Construct) -> Stack:
    return scope if isinstance(scope, Stack) else Stack.of(scope)


def _secret(scope: Construct) -> secretsmanager.ISecret:
    return secretsmanager.Secret.from_secret_complete_arn(_stack(scope), "KafkaSecret", SECRET_ARN)


def _imported_function(scope: Construct) -> lambda_.IFunction:
    return lambda_.Function.from_function_arn(
        _stack(scope), "Given", "arn:aws:lambda:eu-west-1:111122223333:function:orders"
    )


def _function(scope: Construct, id: str = "Fn", **props: Any) -> lambda_.Function:
    """A plain function logging to a log group of its own (with retention)."""
    stack = _stack(scope)
    return lambda_.Function(
        stack,
        id,
        code=INLINE,
        handler="index.handler",
        runtime=lambda_.Runtime.PYTHON_3_14,
        log_group=logs.LogGroup(stack, f"{id}Logs", retention=logs.RetentionDays.ONE_WEEK),
        **props,
    )


# ------------------------------------------------------------------ KafkaConsumer


def _self_managed(servers: list[str], **kwargs: Any) -> Make:
    return Make(
        lambda s: KafkaSource.self_managed(servers, secret=_secret(s), **kwargs),
        f"self_managed({servers[:2]})",
    )


def _failure_queue(scope: Construct) -> sqs.Queue:
    return sqs.Queue(
        _stack(scope),
        "Failures",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
    )


def _failure_topic(scope: Construct) -> sns.Topic:
    stack = _stack(scope)
    key = kms.Alias.from_alias_name(stack, "FailuresKey", "alias/aws/sns")
    return sns.Topic(stack, "Failures", master_key=key)


def _failure_bucket(scope: Construct) -> s3.Bucket:
    return s3.Bucket(
        _stack(scope),
        "Failures",
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    )


def _kafka_base() -> dict[str, Any]:
    """Provisioned mode (``maximum_pollers``), so that the provisioned-only props can be
    varied with valid values; the on-demand rules are the conflicts."""
    return {
        "source": KafkaSource.msk(MSK_ARN),
        "topic": "orders",
        "function_props": function_props(),
        "maximum_pollers": 4,
    }


_KAFKA_FILTERS = [{"value": {"type": ["order"]}}, {"key": [{"prefix": "eu-"}]}]
_NAIVE = datetime.datetime(2026, 1, 2, 3, 4)

KAFKA_CONSUMER = Spec(
    kind="KafkaConsumer",
    cls=KafkaConsumer,
    base=_kafka_base,
    invalid={
        "topic": st.one_of(
            blank,
            st.sampled_from(["orders topic", "orders/eu", ".orders", "a", "örders", "t" * 250]),
        ),
        "consumer_group_id": st.one_of(
            blank, st.sampled_from(["orders group", "orders#1", "g" * 201])
        ),
        "batch_size": st.one_of(outside(1, 10_000), fractional(1, 10_000)),
        "max_batching_window": st.one_of(
            seconds_outside(0, 300),
            st.just(Bad(Duration.millis(1500), shows=("1500", "'1500 ms'"))),
        ),
        "minimum_pollers": st.one_of(outside(1, 200), fractional(1, 200)),
        "maximum_pollers": st.one_of(outside(1, 2000), fractional(1, 2000)),
        "poller_group": st.sampled_from(["", "g" * 129, "orders group", "orders.eu", "a/b"]),
        "topic_partitions": st.one_of(outside(1, 1_000_000), fractional(1, 1000)),
        "retry_attempts": st.one_of(
            st.integers(min_value=-10_000, max_value=-2),
            st.integers(min_value=10_001, max_value=100_000),
            fractional(0, 100),
        ),
        "max_record_age": seconds_outside(60, 7 * 86400),
        "record_processing_time": st.one_of(
            st.just(Bad(Duration.millis(0), shows=("0",))),
            st.integers(min_value=901, max_value=3600).map(
                lambda n: Bad(Duration.seconds(n), shows=(str(n * 1000),))
            ),
        ),
        "offset_lag_threshold": st.one_of(
            st.integers(min_value=-1000, max_value=0), st.just(10**12 + 1)
        ),
        "offset_lag_minutes": st.one_of(outside(1, 60), fractional(1, 60)),
        "errors_threshold": st.one_of(outside(1, 1_000_000), fractional(1, 1000)),
        "starting_position_timestamp": st.sampled_from(
            [
                Bad(_NAIVE, shows=(repr(_NAIVE.isoformat()),)),
                Bad(float("inf"), shows=("inf",)),
                -1,
            ]
        ),
        "filters": st.sampled_from(
            [
                Bad(
                    [{"body": {"type": ["order"]}}],
                    "filters[0]",
                    ("{'body': {'type': ['order']}}",),
                ),
                Bad([{}], "filters[0]", ("{}",)),
                Bad([_KAFKA_FILTERS[0]] * 6, shows=("6",)),
            ]
        ),
        "source": st.sampled_from(
            [
                Bad(
                    KafkaSource.msk("arn:aws:kafka:eu-west-1:111122223333:topic/orders/x"),
                    "source.cluster_arn",
                    ("'arn:aws:kafka:eu-west-1:111122223333:topic/orders/x'",),
                ),
                Bad(KafkaSource.msk(""), "source.cluster_arn", ("''",)),
                Bad(KafkaSource.msk(5), "source.cluster_arn", ("5",)),  # type: ignore[arg-type]
                Bad(
                    Make(
                        lambda s: KafkaSource.msk(MSK_ARN, auth=KafkaAuth.BASIC, secret=_secret(s))
                    ),
                    "source.auth",
                    ("'BASIC'",),
                ),
                Bad(_self_managed(["broker"]), "source.bootstrap_servers", ("'broker'",)),
                Bad(
                    _self_managed(["b-1.example.com:0"]),
                    "source.bootstrap_servers",
                    ("'b-1.example.com:0'",),
                ),
                Bad(
                    _self_managed(["-b.example.com:9092"]),
                    "source.bootstrap_servers",
                    ("'-b.example.com:9092'",),
                ),
                Bad(_self_managed([]), "source.bootstrap_servers", ("[]",)),
                Bad(
                    _self_managed([f"b-{i}.example.com:9096" for i in range(11)]),
                    "source.bootstrap_servers",
                    ("11",),
                ),
                Bad(
                    _self_managed(["b-1.example.com:9096", "b-1.example.com:9096"]),
                    "source.bootstrap_servers",
                    ("['b-1.example.com:9096']",),
                ),
                Bad(
                    KafkaSource.self_managed("b-1.example.com:9096"),
                    "source.bootstrap_servers",
                    ("'b-1.example.com:9096'",),
                ),
                Bad(
                    Make(
                        lambda s: KafkaSource.msk(
                            MSK_ARN, auth=KafkaAuth.SASL_SCRAM_512, secret="x"
                        )
                    ),  # type: ignore[arg-type]
                    "source.secret",
                    ("'x'",),
                ),
            ]
        ),
        "function_props": st.sampled_from(
            [
                Bad({**function_props(), "memory_size": 64}, f"{INNER}: memory_size", ("64",)),
                Bad({**function_props(), "handler": " "}, f"{INNER}: handler", ("' '",)),
            ]
        ),
    },
    valid={
        "topic": st.from_regex(r"\A[a-zA-Z0-9_-][a-zA-Z0-9._-]{1,30}\Z"),
        "consumer_group_id": st.from_regex(r"\A[a-zA-Z0-9\-/:_+=.@]{1,40}\Z"),
        "source": st.sampled_from(
            [
                KafkaSource.msk(MSK_ARN),
                Make(
                    lambda s: KafkaSource.msk(
                        MSK_ARN, auth=KafkaAuth.SASL_SCRAM_512, secret=_secret(s)
                    ),
                    "msk(SCRAM)",
                ),
                _self_managed(["b-1.example.com:9096", "b-2.example.com:9096"]),
            ]
        ),
        "batch_size": inside(1, 10_000),
        "max_batching_window": st.one_of(st.none(), seconds_inside(0, 300)),
        "starting_position": st.sampled_from(
            [lambda_.StartingPosition.TRIM_HORIZON, lambda_.StartingPosition.LATEST]
        ),
        "filters": st.lists(st.sampled_from(_KAFKA_FILTERS), max_size=2, unique_by=str),
        "minimum_pollers": st.one_of(inside(1, 4), st.just(number_token(1))),
        "maximum_pollers": st.one_of(inside(4, 2000), st.just(number_token(10))),
        "poller_group": st.from_regex(r"\A[a-zA-Z0-9_-]{1,40}\Z"),
        "topic_partitions": inside(1, 10_000),
        "retry_attempts": st.one_of(st.just(-1), inside(0, 10_000), st.just(number_token(3))),
        "max_record_age": st.one_of(st.none(), seconds_inside(60, 7 * 86400)),
        "bisect_batch_on_error": st.sampled_from([None, True, False]),
        "report_batch_item_failures": st.sampled_from([None, True, False]),
        "failure_destination": st.sampled_from(
            [
                Make(_failure_queue, "sqs.Queue"),
                Make(_failure_topic, "sns.Topic"),
                Make(_failure_bucket, "s3.Bucket"),
            ]
        ),
        "esm_metrics": st.sampled_from([None, True, False]),
        "mapping_log_level": st.sampled_from([None, *lambda_.EventSourceMappingLogLevel]),
        "enabled": st.booleans(),
        "record_processing_time": st.integers(min_value=1, max_value=1000).map(Duration.millis),
        "offset_lag_threshold": inside(1, 1_000_000),
        "offset_lag_minutes": inside(1, 60),
        "errors_threshold": inside(1, 1000),
        "alarm_topic": st.just(topic()),
        "dashboard": st.booleans(),
    },
    conflicts=(
        (
            lambda: {"existing_function": Make(_imported_function, "function")},
            "existing_function/function_props",
        ),
        (
            lambda: {"filter_encryption": Make(lambda s: kms.Key(_stack(s), "FilterKey"))},
            "filter_encryption",
        ),
        (lambda: {"maximum_pollers": None, "retry_attempts": 5}, "retry_attempts"),
        (lambda: {"maximum_pollers": None, "esm_metrics": True}, "esm_metrics"),
        (
            lambda: {
                "maximum_pollers": None,
                "mapping_log_level": lambda_.EventSourceMappingLogLevel.INFO,
            },
            "mapping_log_level",
        ),
        (lambda: {"maximum_pollers": None, "poller_group": "orders"}, "poller_group"),
        (lambda: {"minimum_pollers": 50, "maximum_pollers": 10}, "minimum_pollers"),
        (
            lambda: {"starting_position": lambda_.StartingPosition.AT_TIMESTAMP},
            "starting_position_timestamp",
        ),
        (lambda: {"starting_position_timestamp": 1767225600}, "starting_position_timestamp"),
        (lambda: {"consumer_group_id": "orders-*"}, "consumer_group_id"),
        (
            lambda: {"source": Make(lambda s: KafkaSource.msk(MSK_ARN, secret=_secret(s)))},
            "source.secret",
        ),
        (
            lambda: {"source": KafkaSource.msk(MSK_ARN, auth=KafkaAuth.SASL_SCRAM_512)},
            "source.secret",
        ),
        (
            lambda: {
                "source": KafkaSource.self_managed(["b-1.example.com:9092"], auth=KafkaAuth.NONE)
            },
            "source.auth",
        ),
    ),
)


# ------------------------------------------------------------------ GovernedRestApi


@dataclass(frozen=True)
class _RoutedSpec(Spec):
    """A GovernedRestApi without a method does not synthesize (CDK's RestApi validation):
    the built API gets one IAM-authorized mock route, as every real API has routes."""

    def build(self, props: Any, app: App | None = None) -> tuple[Any, str]:
        built, path = super().build(props, app)
        _add_route(built)
        return built, path


def _add_route(api: GovernedRestApi) -> GovernedRestApi:
    api.add_route("/", "GET", apigw.MockIntegration(), iam_authorization=True)
    return api


def _api(scope: Construct, id: str = "Api", **props: Any) -> GovernedRestApi:
    """A GovernedRestApi with a route."""
    return _add_route(GovernedRestApi(_stack(scope), id, **props))


def _endpoint(scope: Construct) -> ec2.IInterfaceVpcEndpoint:
    return ec2.InterfaceVpcEndpoint.from_interface_vpc_endpoint_attributes(
        _stack(scope), "Endpoint", vpc_endpoint_id="vpce-0123456789abcdef0", port=443
    )


_DOMAIN = CustomDomain("api.example.com", CERT_ARN)
_BAD_DOMAINS = st.sampled_from(
    [
        Bad(
            CustomDomain("API.example.com", CERT_ARN), "domain.domain_name", ("'API.example.com'",)
        ),
        Bad(CustomDomain("api", CERT_ARN), "domain.domain_name", ("'api'",)),
        Bad(CustomDomain("", CERT_ARN), "domain.domain_name", ("''",)),
        Bad(
            CustomDomain("api.example.com", "arn:aws:acm:eu-west-1:111122223333:cert/x"),
            "domain.certificate_arn",
            ("'arn:aws:acm:eu-west-1:111122223333:cert/x'",),
        ),
        Bad(CustomDomain("api.example.com", ""), "domain.certificate_arn", ("''",)),
        Bad(
            CustomDomain("api.example.com", CERT_ARN, base_path="/orders"),
            "domain.base_path",
            ("'/orders'",),
        ),
        Bad(
            CustomDomain("api.example.com", CERT_ARN, base_path="orders/"),
            "domain.base_path",
            ("'orders/'",),
        ),
        Bad(
            CustomDomain("api.example.com", CERT_ARN, base_path=5),  # type: ignore[arg-type]
            "domain.base_path",
            ("5",),
        ),
    ]
)
_ENHANCED = [
    "SecurityPolicy_TLS13_1_3_2025_09",
    "SecurityPolicy_TLS13_1_2_PQ_2025_09",
    apigw.SecurityPolicy.TLS13_1_3_FIPS_2025_09,
    apigw.SecurityPolicy.TLS13_1_2_PFS_PQ_2025_09,
]
_LOG_FIELDS = ["$context.identity.caller", "$context.stage", "$context.apiId"]

GOVERNED_REST_API = _RoutedSpec(
    kind="GovernedRestApi",
    cls=GovernedRestApi,
    base=dict,
    invalid={
        "security_policy": st.sampled_from(
            [
                "",
                "TLS_1_3",
                "SecurityPolicy_",
                "SecurityPolicy-TLS13_1_3_2025_09",
                "securitypolicy_tls13_1_3_2025_09",
                "SecurityPolicy_TLS13 2025",
            ]
        ),
        "endpoint_access_mode": st.sampled_from(["", "basic", "Strict", "NONE"]),
        "stage_name": st.one_of(
            blank, st.sampled_from(["prod stage", "v1.0", "prod/v1", "s" * 129])
        ),
        "throttling_rate_limit": st.one_of(
            outside(1, 10_000),
            st.floats(min_value=-1e6, max_value=0.999, allow_nan=False),
            st.floats(min_value=10_000.001, max_value=1e9, allow_nan=False),
        ),
        "throttling_burst_limit": st.one_of(outside(0, 5000), fractional(0, 5000)),
        "minimum_compression_size": st.integers(min_value=10_485_761, max_value=10**9).map(
            lambda n: Bad(Size.bytes(n), shows=(str(n),))
        ),
        "extra_access_log_fields": st.sampled_from(
            [
                Bad({"tlsVersion": "$context.tlsVersion"}, shows=("'tlsVersion'",)),
                Bad({"requestId": "$context.requestId"}, shows=("'requestId'",)),
                Bad({"caller": "caller"}, shows=("'caller'",)),
            ]
        ),
        "web_acl_arn": st.sampled_from(
            [
                "",
                "not-an-arn",
                "arn:aws:wafv2:us-east-1:111122223333:global/webacl/orders/0b1c2d3e",
                "arn:aws:waf::111122223333:webacl/0b1c2d3e",
            ]
        ),
        "rest_api_name": blank,
        "domain": _BAD_DOMAINS,
    },
    valid={
        "security_policy": st.sampled_from(_ENHANCED),
        "endpoint_access_mode": st.sampled_from(
            [None, "BASIC", "STRICT", apigw.EndpointAccessMode.STRICT]
        ),
        "production": st.booleans(),
        "domain": st.sampled_from(
            [
                _DOMAIN,
                CustomDomain("api.example.com", CERT_ARN, base_path="orders"),
                CustomDomain("api.example.com", CERT_ARN, base_path="v1/orders"),
                CustomDomain("api.example.com", CERT_ARN, base_path=None),
            ]
        ),
        "stage_name": st.from_regex(r"\A[A-Za-z0-9_-]{1,20}\Z"),
        "throttling_rate_limit": st.one_of(
            inside(1, 10_000), st.floats(min_value=1, max_value=10_000)
        ),
        "throttling_burst_limit": inside(0, 5000),
        "tracing": st.booleans(),
        "logging_level": st.sampled_from(
            [apigw.MethodLoggingLevel.INFO, apigw.MethodLoggingLevel.ERROR]
        ),
        "log_retention": st.sampled_from(
            [logs.RetentionDays.ONE_WEEK, logs.RetentionDays.ONE_YEAR]
        ),
        "log_removal_policy": st.sampled_from([RemovalPolicy.RETAIN, RemovalPolicy.DESTROY]),
        "extra_access_log_fields": st.dictionaries(
            st.from_regex(r"\A[a-z][a-zA-Z]{0,10}\Z").filter(
                lambda k: k not in ("tlsVersion", "cipherSuite", "requestId")
            ),
            st.sampled_from(_LOG_FIELDS),
            max_size=3,
        ),
        "minimum_compression_size": st.integers(min_value=0, max_value=10_485_760).map(Size.bytes),
        "cache_cluster_enabled": st.booleans(),
        "web_acl_arn": st.just(WEB_ACL_ARN),
        "cloud_watch_role": st.booleans(),
        "rest_api_name": st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,30}\Z"),
        "description": st.text(_PRINTABLE, min_size=1, max_size=100).filter(str.strip),
    },
    conflicts=(
        (lambda: {"security_policy": "TLS_1_2"}, "security_policy"),
        (
            lambda: {
                "security_policy": "TLS_1_2",
                "legacy_tls_reason": "payment terminals speak TLS 1.2 only",
                "endpoint_access_mode": "STRICT",
            },
            "endpoint_access_mode",
        ),
        (lambda: {"legacy_tls_reason": "old clients"}, "legacy_tls_reason"),
        (lambda: {"security_policy": "SecurityPolicy_TLS13_2025_EDGE"}, "security_policy"),
        (
            lambda: {
                "endpoint_type": apigw.EndpointType.EDGE,
                "security_policy": "SecurityPolicy_TLS13_1_3_2025_09",
            },
            "security_policy",
        ),
        (lambda: {"endpoint_type": apigw.EndpointType.PRIVATE}, "vpc_endpoints"),
        (lambda: {"vpc_endpoints": [Make(_endpoint, "endpoint")]}, "vpc_endpoints"),
        (
            lambda: {
                "endpoint_type": apigw.EndpointType.PRIVATE,
                "vpc_endpoints": [Make(_endpoint, "endpoint")],
                "domain": _DOMAIN,
            },
            "domain",
        ),
        (
            lambda: {"endpoint_type": apigw.EndpointType.EDGE, "domain": _DOMAIN},
            "domain.certificate_arn",
        ),
        (
            lambda: {
                "endpoint_type": apigw.EndpointType.EDGE,
                "domain": CustomDomain("api.example.com", EDGE_CERT_ARN, base_path="v1/orders"),
            },
            "domain.base_path",
        ),
        (lambda: {"disable_execute_api_endpoint": True}, "disable_execute_api_endpoint"),
    ),
)


# ------------------------------------------------------------------ GovernedDomainName


def _owner(**props: Any) -> Make:
    return Make(lambda s: _api(s, "Owner", **props), "GovernedRestApi")


GOVERNED_DOMAIN_NAME = Spec(
    kind="GovernedDomainName",
    cls=GovernedDomainName,
    base=lambda: {"owner": _owner(), "domain": CustomDomain("www.example.com", CERT_ARN)},
    invalid={"domain": _BAD_DOMAINS},
    valid={
        "owner": st.sampled_from(
            [
                _owner(),
                _owner(production=True),
                _owner(security_policy=apigw.SecurityPolicy.TLS13_1_2_PQ_2025_09),
            ]
        ),
        "domain": st.sampled_from(
            [
                CustomDomain("www.example.com", CERT_ARN),
                CustomDomain("orders.eu.example.com", CERT_ARN, base_path=None),
            ]
        ),
    },
    conflicts=(
        (
            lambda: {
                "owner": Make(
                    lambda s: _api(
                        s,
                        "Owner",
                        endpoint_type=apigw.EndpointType.PRIVATE,
                        vpc_endpoints=[_endpoint(s)],
                    ),
                    "PRIVATE GovernedRestApi",
                )
            },
            "domain",
        ),
        (
            lambda: {"owner": _owner(endpoint_type=apigw.EndpointType.EDGE)},
            "domain.certificate_arn",
        ),
    ),
)


# ------------------------------------------------------------------ RoutingRules


def _api_with_domain(scope: Construct) -> GovernedRestApi:
    return _api(scope, "Api", domain=_DOMAIN)


def _api_with_rules(scope: Construct) -> GovernedRestApi:
    api = _api_with_domain(scope)
    RoutingRules(_stack(scope), "First", domain=api)
    return api


ROUTING_RULES = Spec(
    kind="RoutingRules",
    cls=RoutingRules,
    base=lambda: {"domain": Make(_api_with_domain, "GovernedRestApi(domain=)")},
    invalid={
        "domain": st.sampled_from(
            [
                Bad(Make(lambda s: _api(s, "Api"), "GovernedRestApi"), shows=("'Test/Api'",)),
                Bad(Make(_api_with_rules, "GovernedRestApi + rules"), shows=("'Test/First'",)),
            ]
        ),
    },
    valid={
        "domain": st.sampled_from(
            [
                Make(_api_with_domain, "GovernedRestApi(domain=)"),
                Make(lambda s: _api_with_domain(s).domain, "GovernedDomainName"),
            ]
        ),
        "mode": st.sampled_from(list(RoutingMode)),
    },
)


# ------------------------------------------------------------------ StreamingFunction


def _inner(bad: Bad) -> Bad:
    """The same invalid value, reported by the StreamingFunction's GovernedFunction."""
    return Bad(bad.value, f"{INNER}: {bad.prop or 'timeout'}", bad.shows)


STREAMING_FUNCTION = Spec(
    kind="StreamingFunction",
    cls=StreamingFunction,
    base=dict,
    invalid={
        "token_delay": st.one_of(
            st.integers(min_value=10_001, max_value=600_000).map(
                lambda ms: Bad(Duration.millis(ms), shows=(str(ms),))
            ),
            st.just(Bad(Duration.millis(1.5), shows=("'1.5 ms'",))),
            st.just(
                Bad(
                    Make(lambda s: Duration.seconds(number_token(1).fn(s)), "token seconds"),
                    shows=("'Duration.seconds(<token>)'",),
                )
            ),
        ),
        "web_adapter_layer_version": st.one_of(outside(1, 10_000), fractional(1, 100)),
        "handler": blank,
        "service_name": blank,
        "timeout": st.one_of(
            seconds_outside(1, 900).map(_inner),
            st.just(Bad(Duration.millis(1500), shows=("1500", "'1500 ms'"))),
        ),
        "memory_size": st.one_of(
            outside(128, 10_240).map(lambda n: Bad(n, f"{INNER}: memory_size")),
            fractional(128, 1024),
        ),
        "runtime": st.sampled_from(
            [
                Bad(lambda_.Runtime.PYTHON_3_13, shows=("'python3.13'",)),
                Bad(lambda_.Runtime.JAVA_21, shows=("'java21'",)),
            ]
        ),
        "delivery": st.sampled_from(
            [
                Bad({"deployment": TrafficShift.canary(0, 5)}, f"{INNER}: deployment", ("0",)),
                Bad(
                    {"provisioned_concurrency": ProvisionedConcurrency(0, 5)},
                    f"{INNER}: provisioned_concurrency.min_capacity",
                    ("0",),
                ),
            ]
        ),
    },
    valid={
        "timeout": seconds_inside(1, 900),
        "token_delay": st.one_of(
            st.integers(min_value=0, max_value=10_000).map(Duration.millis),
            st.just(Make(lambda s: Duration.millis(number_token(50).fn(s)), "token millis")),
        ),
        "memory_size": st.one_of(inside(128, 10_240), st.just(number_token(512))),
        "criticality": st.sampled_from([Criticality.STANDARD, Criticality.IMPORTANT]),
        "service_name": st.from_regex(r"\A[a-z][a-z0-9-]{0,20}\Z"),
        "environment": st.dictionaries(
            st.from_regex(r"\A[B-K][A-Z0-9_]{1,10}\Z"),
            st.text(_PRINTABLE, max_size=20),
            max_size=3,
        ),
        "runtime": st.sampled_from(
            [None, lambda_.Runtime.NODEJS_22_X, lambda_.Runtime.NODEJS_24_X]
        ),
        "web_adapter_layer_version": inside(1, 10_000),
        "log_retention": st.sampled_from(
            [logs.RetentionDays.ONE_WEEK, logs.RetentionDays.ONE_MONTH]
        ),
        "log_removal_policy": st.sampled_from([RemovalPolicy.RETAIN, RemovalPolicy.DESTROY]),
        "delivery": st.sampled_from(
            [
                {},
                {"deployment": TrafficShift.all_at_once()},
                {"deployment": TrafficShift.canary(10, 5)},
                {"deployment": TrafficShift.none()},
            ]
        ),
    },
    conflicts=(
        (
            lambda: {
                "dependencies_layer": Make(
                    lambda s: lambda_.LayerVersion.from_layer_version_arn(
                        _stack(s), "Deps", "arn:aws:lambda:eu-west-1:111122223333:layer:deps:1"
                    ),
                    "layer",
                )
            },
            "dependencies_layer",
        ),
        (lambda: {"runtime": lambda_.Runtime.PYTHON_3_14}, "runtime"),
        (
            lambda: {
                "language": StreamingLanguage.PYTHON_WEB_ADAPTER,
                "runtime": lambda_.Runtime.NODEJS_22_X,
            },
            "runtime",
        ),
    ),
)


# ------------------------------------------------------------------ SmokeTestHook


def _json_bytes(value: dict[str, Any]) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode("utf-8"))


_BIG_PAYLOAD = {"blob": "x" * 5000}
_NAN = {"latency": float("nan")}
_OPAQUE = {"client": object()}
_TOKEN = {"region": Aws.REGION}

SMOKE_TEST_HOOK = Spec(
    kind="SmokeTestHook",
    cls=SmokeTestHook,
    base=dict,
    invalid={
        "payload": st.sampled_from(
            [
                Bad(_NAN, shows=(repr(_NAN),)),
                Bad(_OPAQUE, shows=(repr(_OPAQUE),)),
                Bad(_TOKEN, shows=(repr(_TOKEN),)),
                Bad(_BIG_PAYLOAD, shows=(f"'{_json_bytes(_BIG_PAYLOAD)} bytes'",)),
            ]
        ),
        "expect": st.sampled_from(
            [Bad({}, shows=("{}",)), Bad({"p99": float("inf")}, shows=("{'p99': inf}",))]
        ),
        "timeout": st.one_of(
            st.integers(min_value=1, max_value=5).map(
                lambda n: Bad(Duration.seconds(n), shows=(str(n),))
            ),
            st.integers(min_value=901, max_value=3600).map(
                lambda n: Bad(Duration.seconds(n), shows=(str(n),))
            ),
            st.just(Bad(Duration.millis(5500), shows=("5500", "'5500 ms'"))),
        ),
    },
    valid={
        "payload": st.sampled_from(
            [None, {}, {"smokeTest": True}, {"path": "/health", "attempt": 1, "tags": ["a"]}]
        ),
        "expect": st.sampled_from([None, {"statusCode": 200}, {"ok": True, "items": [1, 2]}]),
        "timeout": seconds_inside(6, 900),
    },
    conflicts=((lambda: {"payload": {"a": "x" * 2500}, "expect": {"b": "y" * 2500}}, "expect"),),
)


# ------------------------------------------------------------------ ProgressiveDelivery


def _alarm(scope: Construct) -> cloudwatch.Alarm:
    return cloudwatch.Alarm(
        _stack(scope),
        "Extra",
        metric=cloudwatch.Metric(namespace="Shop", metric_name="Errors"),
        threshold=1,
        evaluation_periods=1,
    )


def _delivery_base() -> dict[str, Any]:
    return {
        "function": Make(_function, "lambda_.Function"),
        "timeout": Duration.seconds(30),
        "shift": TrafficShift.canary(10, 5),
        "rollback_alarms": RollbackAlarms(),
    }


_MC = "provisioned_concurrency"

PROGRESSIVE_DELIVERY = Spec(
    kind="ProgressiveDelivery",
    cls=ProgressiveDelivery,
    base=_delivery_base,
    invalid={
        "timeout": seconds_outside(1, 900),
        "shift": st.sampled_from(
            [
                Bad(TrafficShift.canary(0, 5), shows=("0",)),
                Bad(TrafficShift.canary(100, 5), shows=("100",)),
                Bad(TrafficShift.linear(10, 0), shows=("0",)),
                Bad(TrafficShift.linear(10, 2881), shows=("2881",)),
                Bad(TrafficShift.canary(10.5, 5), shows=("10.5",)),  # type: ignore[arg-type]
            ]
        ),
        "rollback_alarms": st.sampled_from(
            [
                Bad(RollbackAlarms(error_rate_baseline_percent=0), shows=("0",)),
                Bad(RollbackAlarms(error_rate_baseline_percent=100), shows=("100",)),
                Bad(RollbackAlarms(error_rate_increase_percent=-1), shows=("-1",)),
                Bad(RollbackAlarms(duration_limit_ratio=1.5), shows=("1.5",)),
            ]
        ),
        "duration_limit": st.one_of(
            st.just(Bad(Duration.millis(0), shows=("'0 ms'",))),
            st.integers(min_value=900_001, max_value=2_000_000).map(
                lambda ms: Bad(Duration.millis(ms), shows=(f"'{ms} ms'",))
            ),
        ),
        _MC: st.sampled_from(
            [
                Bad(ProvisionedConcurrency(0, 5), f"{_MC}.min_capacity", ("0",)),
                Bad(ProvisionedConcurrency(5, 2), f"{_MC}.max_capacity", ("2",)),
                Bad(
                    ProvisionedConcurrency(1, 5, utilization_target=0.95),
                    f"{_MC}.utilization_target",
                    ("0.95",),
                ),
                Bad(
                    ProvisionedConcurrency(1, 5, utilization_target="high"),  # type: ignore[arg-type]
                    f"{_MC}.utilization_target",
                    ("'high'",),
                ),
                Bad(
                    ProvisionedConcurrency(1, 5, workload="bursty"),
                    f"{_MC}.workload",
                    ("'bursty'",),
                ),
            ]
        ),
        "alias_name": st.one_of(
            blank, st.sampled_from(["123", "live alias", "$LATEST", "live.v2", "a" * 129])
        ),
    },
    valid={
        "timeout": seconds_inside(30, 900),
        "duration_limit": st.one_of(
            st.none(), st.integers(min_value=1, max_value=30_000).map(Duration.millis)
        ),
        "shift": st.sampled_from(
            [
                TrafficShift.canary(10, 5),
                TrafficShift.canary(25, 15),
                TrafficShift.linear(10, 1),
                TrafficShift.all_at_once(),
                TrafficShift.none(),
            ]
        ),
        "rollback_alarms": st.sampled_from(
            [
                RollbackAlarms(),
                RollbackAlarms(errors=False),
                RollbackAlarms(duration_p99=False),
                RollbackAlarms(error_rate_baseline_percent=0.5, error_rate_increase_percent=100),
            ]
        ),
        _MC: st.one_of(
            st.none(),
            st.builds(
                ProvisionedConcurrency,
                inside(1, 5),
                inside(5, 50),
                st.sampled_from(["interactive", "async"]),
                st.one_of(st.none(), st.floats(min_value=0.1, max_value=0.9)),
            ),
        ),
        "alias_name": st.from_regex(r"\A[a-z][a-z0-9_-]{0,20}\Z"),
    },
    conflicts=(
        (
            lambda: {"shift": TrafficShift.none(), "extra_alarms": [Make(_alarm, "alarm")]},
            "extra_alarms",
        ),
        (
            lambda: {
                "shift": TrafficShift.none(),
                "pre_traffic_hook": Make(lambda s: _function(s, "Hook"), "hook"),
            },
            "pre_traffic_hook",
        ),
        (
            lambda: {
                "shift": TrafficShift.none(),
                "post_traffic_hook": Make(lambda s: _function(s, "Hook"), "hook"),
            },
            "post_traffic_hook",
        ),
        (lambda: {"duration_limit": Duration.seconds(45)}, "duration_limit"),
        (
            lambda: {
                "function": Make(lambda s: _function(s, reserved_concurrent_executions=5)),
                _MC: ProvisionedConcurrency(1, 10),
            },
            f"{_MC}.max_capacity",
        ),
    ),
)


# ------------------------------------------------------------------ RuntimeComplianceRule


def _runtimes(supported: bool) -> list[str]:
    """Lambda runtime identifiers supported today (or past support), under the default
    policy and the pinned day (tests/conftest.py)."""
    today = runtime_data.current_date()
    found = []
    for name in sorted(lambda_runtime_identifiers()):
        entry = runtime_data.lifecycle(name)
        if entry is not None and (entry.phase(today) is runtime_data.Phase.SUPPORTED) == supported:
            found.append(name)
    return found


RUNTIME_COMPLIANCE_RULE = Spec(
    kind="RuntimeComplianceRule",
    cls=RuntimeComplianceRule,
    base=dict,
    invalid={
        "approved_runtimes": st.one_of(
            st.just([]),
            st.sampled_from([["cobol85"], ["python3.14", "java"]]),
            st.deferred(lambda: st.sampled_from(_runtimes(supported=False)).map(lambda n: [n])),
            st.deferred(lambda: st.sampled_from(_runtimes(supported=True)).map(lambda n: [n, n])),
        ),
        "config_rule_name": st.one_of(blank, st.just("r" * 129)),
    },
    valid={
        "approved_runtimes": st.deferred(
            lambda: st.lists(
                st.sampled_from(_runtimes(supported=True)), min_size=1, max_size=5, unique=True
            )
        ),
        "create_topic": st.booleans(),
        "config_rule_name": st.from_regex(r"\A[a-z][a-z0-9-]{0,30}\Z"),
    },
    conflicts=(
        (lambda: {"notification_topic": topic(), "create_topic": True}, "notification_topic"),
    ),
)

SPECS = (
    KAFKA_CONSUMER,
    GOVERNED_REST_API,
    GOVERNED_DOMAIN_NAME,
    ROUTING_RULES,
    STREAMING_FUNCTION,
    SMOKE_TEST_HOOK,
    PROGRESSIVE_DELIVERY,
    RUNTIME_COMPLIANCE_RULE,
)
__all__ = ["SPECS"]
